"""One cause, said once: errors that share a source this machine could not reach.

Each error record of an :class:`~collectors.errors.Unreachable` carries ``unreachable``
(``{"source", "reason"}``); :func:`group` makes the run's ``run.unreachable`` from them, one
entry per source with how many checks and subjects it stopped, first the one that stopped most.

>>> recs = [
...     {"check": "lb.port", "subject": "api:6443", "outcome": "error",
...      "unreachable": {"source": "10.0.0.0/24", "reason": "no route"}},
...     {"check": "http.served", "subject": "a.ign", "outcome": "error",
...      "unreachable": {"source": "10.0.0.0/24", "reason": "no route"}},
... ]
>>> group(recs)[0]["checks"], group(recs)[0]["subjects"]
(2, 2)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from collectors.visible import visible


def remediation(source: str) -> str:
    """What to do about a source unreachable from here (said once, in ``run.unreachable``)."""
    return (
        "nothing to fix on the site for these errors: run the suite from a machine on the "
        f"site's network (the bastion), or give this machine a route to {source} "
        "(ip route get <address>; firewall between here and there)"
    )


def pointer(cause: dict[str, Any]) -> str:
    """The remediation an error explained by ``cause`` gets instead of its own fix."""
    return (
        f'see "not reachable from this machine" at the top: {cause["source"]} '
        f"({cause['reason']}); not a fault of the site"
    )


def group(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``run.unreachable``: each source, its reason, and the checks and subjects it stopped."""
    causes: dict[str, dict[str, Any]] = {}
    for rec in results:
        cause = rec.get("unreachable")
        if rec.get("outcome") != "error" or not isinstance(cause, dict):
            continue
        entry = causes.setdefault(
            str(cause.get("source")),
            {
                "source": str(cause.get("source")),
                "reason": str(cause.get("reason")),
                "checks": set(),
                "subjects": set(),
            },
        )
        entry["checks"].add(rec.get("check"))
        entry["subjects"].add((rec.get("check"), rec.get("subject")))
    out = [
        {
            "source": e["source"],
            "reason": e["reason"],
            "checks": len(e["checks"]),
            "subjects": len(e["subjects"]),
            "remediation": remediation(e["source"]),
        }
        for e in causes.values()
    ]
    return sorted(out, key=lambda e: (-e["subjects"], e["source"]))


def terminal_lines(entries: list[dict[str, Any]]) -> list[str]:
    """The first lines of the terminal summary: each cause once.

    >>> terminal_lines([{"source": "10.0.0.0/24", "reason": "no route", "checks": 3,
    ...                  "subjects": 7, "remediation": "r"}])[0]
    '10.0.0.0/24: no route; stopped 3 check(s), 7 subject(s) (errors, not failures)'
    """
    lines = []
    for e in entries:
        lines.append(
            f"{e['source']}: {e['reason']}; stopped {e['checks']} check(s), "
            f"{e['subjects']} subject(s) (errors, not failures)"
        )
    if entries:
        lines.append(f"fix: {entries[0]['remediation']}")
    return [visible(line) for line in lines]  # sources come from the inventory
