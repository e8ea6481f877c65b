"""What time.sync gathers: this machine's synchronisation (``collectors.transport.clock``) and
one NTP query of each ``ntp.servers`` entry (``collectors.transport.ntp``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.errors import NotApplicable
from collectors.site import Site
from collectors.transport.clock import ClockState, clock_state
from collectors.transport.ntp import NoAnswer, NtpAnswer, query

LOCALHOST = "localhost"


@dataclass(frozen=True)
class TimeFacts:
    """For ``localhost`` the clock's state; for a server its answer, or why it gave none."""

    subject: str
    max_offset_s: float
    clock: ClockState | None = None
    answer: NtpAnswer | None = None
    no_answer: str = ""


def time_subjects(site: Site) -> list[str]:
    """``localhost`` and each NTP server as ``host:port``."""
    return [LOCALHOST, *(f"{h}:{p}" for h, p in site.inv.ntp.servers)]


def gather_time(site: Site, subject: str) -> TimeFacts:
    limit = site.inv.ntp.max_offset_s
    if subject == LOCALHOST:
        state = clock_state()
        if state.synchronised is None:
            raise NotApplicable(
                f"cannot tell whether this machine's clock is synchronised: "
                f"{state.detail}; run the suite on the bastion itself"
            )
        return TimeFacts(subject, limit, clock=state)
    host, port = next((h, p) for h, p in site.inv.ntp.servers if f"{h}:{p}" == subject)
    try:
        return TimeFacts(subject, limit, answer=query(host, port))
    except NoAnswer as exc:  # a server that does not answer fails the check (garbage: an error)
        return TimeFacts(subject, limit, no_answer=str(exc))
