"""What a check is: its metadata, its verdict, and how a test function declares one.

A check module holds, side by side, the metadata (``@check``), the pure evaluate functions that
turn parsed facts into a :class:`Verdict`, and thin test functions that call :func:`expect`.

>>> v = failed(expected="A 10.0.0.1", found="no A record", remediation="add the record")
>>> v.ok, v.message
(False, 'expected A 10.0.0.1; found no A record')
>>> passed("A 10.0.0.1").ok
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collectors.errors import NotApplicable
from collectors.visible import visible, visible_line

__all__ = ["NotApplicable"]  # re-exported: check modules raise it from here

#: Every check the suite knows, by id, in declaration order.
REGISTRY: dict[str, CheckSpec] = {}

#: The subject of an item whose check could not enumerate subjects (skipped or errored).
NO_SUBJECT = "-"

MARKERS = {
    "preflight": "checks run before install: DNS, load balancer, bastion, ignition, mirror",
    "postinstall": "checks run after install against a live cluster or a snapshot",
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of evaluating one subject: passed, or failed with expected/found/remedy."""

    ok: bool
    message: str = ""
    remediation: str = ""
    details: tuple[str, ...] = ()


def passed(message: str = "") -> Verdict:
    """A passing verdict, with an optional note of what was found."""
    return Verdict(ok=True, message=message)


def failed(
    *, expected: str, found: str, remediation: str, details: tuple[str, ...] = ()
) -> Verdict:
    """A failing verdict whose message says what was expected and what was found; the
    remediation as a user pastes it (:func:`as_pasted`)."""
    return Verdict(
        ok=False,
        message=f"expected {expected}; found {found}",
        remediation=as_pasted(remediation),
        details=tuple(details),
    )


def as_pasted(remediation: str) -> str:
    r"""A remediation as a user pastes it: no trailing blanks on its lines. A backslash and an
    ``n`` stay what they are (they may be part of a quoted name; the check sources write no
    literal one, ``tests/test_terminal.py`` proves it).

    >>> print(as_pasted("add under imageContentSources:\n- mirrors: [m:5000/ocp4]  "))
    add under imageContentSources:
    - mirrors: [m:5000/ocp4]
    >>> print(as_pasted("oc describe node 'w\\n1'"))
    oc describe node 'w\n1'
    """
    return "\n".join(line.rstrip() for line in remediation.split("\n"))


@functools.cache
def check_failed_type() -> type[BaseException]:
    """``CheckFailed``, pytest's failure with the verdict on it, made on first use: pytest is
    imported by whatever raises or catches it (a test run), never by importing the checks, so
    ``upi-conformance --list-checks`` starts without pytest. ``checks.base.CheckFailed`` is it.

    >>> import checks.base
    >>> checks.base.CheckFailed is check_failed_type(), checks.base.CheckFailed.__name__
    (True, 'CheckFailed')
    """
    import pytest

    class CheckFailed(pytest.fail.Exception):  # type: ignore[name-defined,misc]
        """Raised by :func:`expect` for a failing verdict; the report plugin reads the verdict."""

        def __init__(self, verdict: Verdict) -> None:
            text = visible_line(verdict.message)  # one line each: no input can forge another
            if verdict.details:
                text += "\n" + "\n".join(f"  - {visible_line(d)}" for d in verdict.details)
            if verdict.remediation:
                text += f"\nremediation: {visible(verdict.remediation)}"
            super().__init__(msg=text, pytrace=False)
            self.verdict = verdict

    CheckFailed.__module__, CheckFailed.__qualname__ = __name__, "CheckFailed"  # as if top-level
    return CheckFailed


def __getattr__(name: str) -> Any:
    """``CheckFailed`` (:func:`check_failed_type`), made when first asked for."""
    if name == "CheckFailed":
        return check_failed_type()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: When the facts of the check running in this process were gathered (a replayed check: when the
#: live run gathered them), so a check that compares with "now" says the same live and offline.
FACT_TIME: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "fact_time", default=None
)


def fact_time() -> datetime:
    """The time the current check's facts were gathered (now, outside a check).

    >>> fact_time().tzinfo is not None
    True
    """
    return FACT_TIME.get() or datetime.now(UTC)


#: The verdict of the check running in this process (one at a time, also under xdist); the
#: plugin reads it so that passed records say what was found too.
LAST_VERDICT: contextvars.ContextVar[Verdict | None] = contextvars.ContextVar(
    "last_verdict", default=None
)


def expect(verdict: Verdict) -> None:
    """Fail the current test with the verdict's message unless it passed."""
    __tracebackhide__ = True
    LAST_VERDICT.set(verdict)
    if not verdict.ok:
        raise check_failed_type()(verdict)


@dataclass(frozen=True)
class CheckSpec:
    """A check's metadata; drives parametrization, docs, JSON and JUnit properties."""

    id: str
    title: str
    markers: tuple[str, ...]
    subject: str
    fails_when: str
    remediation: str
    subjects: Callable[[Any], list[str]]
    gather: Callable[[Any, str], Any] | None = None
    requires: tuple[str, ...] = ()
    module: str = field(default="", compare=False)
    #: Whether the check reads the site beyond the cluster (its network, hosts or local files):
    #: such a check is replayed from a bundle's record, or skipped on a snapshot without one.
    reads_site: bool = True
    #: Asks the site, once per run, what every subject's gather will ask (``prefetch(site)``):
    #: under xdist the controller runs it and hands the answers to every worker.
    prefetch: Callable[[Any], None] | None = field(default=None, compare=False)
    #: The test function's name (``test_dns_forward``), for matching ``-k`` before collection.
    function: str = field(default="", compare=False)


def check(
    check_id: str,
    *,
    title: str,
    markers: tuple[str, ...] | list[str],
    subject: str,
    fails_when: str,
    remediation: str,
    subjects: Callable[[Any], list[str]],
    gather: Callable[[Any, str], Any] | None = None,
    requires: tuple[str, ...] | list[str] = (),
    reads_site: bool = True,
    prefetch: Callable[[Any], None] | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare a test function as the check ``check_id``.

    ``subjects(site)`` lists the subjects (cheap, from the inventory or facts read once);
    ``gather(site, subject)`` collects the facts during setup, so a fact that cannot be
    gathered is an *error* while a wrong site is a *failure*; ``requires`` names inventory keys
    without which the check is skipped; ``reads_site=False`` says the check reads only the
    cluster (API or snapshot), so it runs on a must-gather without the site's network;
    ``prefetch(site)`` asks in one go what the gathers of all subjects will ask (under xdist,
    once in the controller for every worker).
    """
    unknown = set(markers) - set(MARKERS)
    if unknown:
        raise ValueError(f"{check_id}: unknown markers {sorted(unknown)}")

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        if check_id in REGISTRY and REGISTRY[check_id].module != fn.__module__:
            raise ValueError(f"check id {check_id} declared twice")
        spec = CheckSpec(
            id=check_id,
            title=title,
            markers=tuple(markers),
            subject=subject,
            fails_when=fails_when,
            remediation=remediation,
            subjects=subjects,
            gather=gather,
            requires=tuple(requires),
            module=fn.__module__,
            reads_site=reads_site,
            prefetch=prefetch,
            function=fn.__name__,
        )
        REGISTRY[check_id] = spec
        fn.check_spec = spec  # type: ignore[attr-defined]
        return fn  # its markers become pytest marks when collected (with_marks)

    return decorate


def with_marks(fn: Callable[..., None]) -> Callable[..., None]:
    """A check's test function with its markers as pytest marks (``-m preflight`` selects
    it), each added once. The plugin calls it as it collects the function, so importing the
    checks (``--list-checks``, ``draft-inventory``, the catalog) never imports pytest.

    >>> @check("x.marks", title="t", markers=["preflight"], subject="s", fails_when="f",
    ...        remediation="r", subjects=lambda site: [])
    ... def test_x_marks() -> None: ...
    >>> _ = with_marks(with_marks(test_x_marks))
    >>> [m.name for m in test_x_marks.pytestmark]
    ['preflight']
    >>> del REGISTRY["x.marks"]
    """
    import pytest

    spec = spec_of(fn)
    have = {mark.name for mark in getattr(fn, "pytestmark", [])}
    for name in spec.markers if spec is not None else ():
        if name not in have:
            fn = getattr(pytest.mark, name)(fn)
    return fn


def spec_of(function: Any) -> CheckSpec | None:
    """The CheckSpec of a test function, or None for an ordinary test."""
    return getattr(function, "check_spec", None)
