"""The end-of-run summary: failures and errors grouped by check, each with its remediation.

>>> lines = failure_summary([{"check": "dns.reverse", "subject": "w2", "outcome": "failed",
...     "message": "expected PTR w2; found NXDOMAIN", "remediation": "add the PTR"}])
>>> print("\\n".join(lines))
dns.reverse: 1 failed
  w2: expected PTR w2; found NXDOMAIN
  remediation: add the PTR
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def failure_summary(records: list[dict[str, Any]]) -> list[str]:
    """Lines grouping failed and errored records by check."""
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        if rec["outcome"] in ("failed", "error"):
            by_check[rec["check"]].append(rec)
    lines: list[str] = []
    for check_id in sorted(by_check):
        recs = by_check[check_id]
        counts = defaultdict(int)
        for rec in recs:
            counts[rec["outcome"]] += 1
        lines.append(f"{check_id}: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
        remedies: list[str] = []
        for rec in recs:
            label = "ERROR " if rec["outcome"] == "error" else ""
            lines.append(f"  {rec['subject']}: {label}{rec['message']}")
            if rec.get("remediation") and rec["remediation"] not in remedies:
                remedies.append(rec["remediation"])
        lines.extend(f"  remediation: {r}" for r in remedies)
    return lines
