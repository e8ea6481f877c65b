"""Time: this machine's clock is synchronised and every site NTP server answers with an offset
under ``ntp.max_offset_s`` (``collectors.facts.time``); a clock that is off makes certificates
"not yet valid" on the nodes.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.time import LOCALHOST, TimeFacts, gather_time, time_subjects
from collectors.transport.ntp import LEAP_ALARM


def evaluate_time(f: TimeFacts) -> Verdict:
    """localhost: synchronised; a server: answers, is itself synchronised, and its offset from
    this machine is within the limit.

    >>> from collectors.transport.ntp import NtpAnswer
    >>> evaluate_time(TimeFacts("ntp1:123", 1.0, answer=NtpAnswer("ntp1:123", 0.02, 3, 0, 0.001)))
    Verdict(ok=True, message='offset +0.020 s, stratum 3', remediation='', details=())
    """
    if f.subject == LOCALHOST:
        assert f.clock is not None
        if f.clock.synchronised:
            return passed(f"synchronised ({f.clock.source}: {f.clock.detail})")
        return failed(
            expected="this machine's clock synchronised over NTP",
            found=f"not synchronised ({f.clock.source}: {f.clock.detail})",
            remediation="point chrony at the site NTP servers and start it: add 'server <ntp> "
            "iburst' to /etc/chrony.conf, then systemctl enable --now chronyd; chronyc tracking",
        )
    fix = (
        f"fix the clock of {f.subject} (chronyc tracking / chronyc sources there) or point the "
        "site at a good one (ntp.servers and the nodes' chrony.conf MachineConfig)"
    )
    if f.answer is None:
        return failed(
            expected=f"an NTP answer from {f.subject}",
            found=f.no_answer,
            remediation=f"start the NTP server on {f.subject} and open 123/udp: "
            "firewall-cmd --add-service=ntp --permanent && firewall-cmd --reload; in chrony.conf "
            "there: allow <the nodes' network>",
        )
    a = f.answer
    if a.leap == LEAP_ALARM or a.stratum >= 16 or a.stratum == 0:
        return failed(
            expected=f"{f.subject} synchronised itself (stratum 1-15, leap indicator not 3)",
            found=f"stratum {a.stratum}, leap indicator {a.leap}: the server has no time to give",
            remediation=fix,
        )
    if abs(a.offset) > f.max_offset_s:
        return failed(
            expected=f"{f.subject} within {f.max_offset_s:g} s of this machine (ntp.max_offset_s)",
            found=f"offset {a.offset:+.3f} s (stratum {a.stratum})",
            remediation=fix,
        )
    return passed(f"offset {a.offset:+.3f} s, stratum {a.stratum}")


@check(
    "time.sync",
    title="Clocks agree",
    markers=["preflight"],
    subject="`localhost`, each ntp.servers entry (host:port)",
    fails_when="this machine's clock is not synchronised, or an NTP server does not answer or "
    "is off by more than ntp.max_offset_s",
    remediation="synchronise this machine with chrony; fix or replace the NTP server "
    "(inventory ntp.servers, ntp.max_offset_s: default 1 s)",
    subjects=time_subjects,
    gather=gather_time,
)
def test_time_sync(facts: TimeFacts) -> None:
    expect(evaluate_time(facts))
