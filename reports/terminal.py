"""The end-of-run table by check (the failures themselves, each subject beside its fix, are
:mod:`reports.start_here`).

>>> summary_table([{"check": "dns.api", "subject": "api", "outcome": "passed"}])[1][1]
'green'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

from collectors.visible import visible_line
from reports.results import natural_key

#: Outcome columns of the summary table, with their short headings.
COLUMNS = (("passed", "pass"), ("failed", "fail"), ("error", "error"), ("skipped", "skip"))


def summary_rows(records: list[dict[str, Any]], *, only_bad: bool = False) -> list[dict[str, Any]]:
    """One row per check: counts by outcome and the failing (or erroring) subjects, in check order.

    >>> summary_rows([{"check": "dns.api", "subject": "api", "outcome": "failed"},
    ...               {"check": "dns.api", "subject": "x", "outcome": "passed"}])
    [{'check': 'dns.api', 'passed': 1, 'failed': 1, 'error': 0, 'skipped': 0, 'failing': ['api']}]
    """
    rows: dict[str, dict[str, Any]] = {}
    for rec in records:
        row = rows.setdefault(
            rec["check"],
            {
                "check": rec["check"],
                "passed": 0,
                "failed": 0,
                "error": 0,
                "skipped": 0,
                "failing": [],
            },
        )
        row[rec["outcome"]] += 1
        if rec["outcome"] in ("failed", "error"):
            row["failing"].append(visible_line(rec["subject"]))
    out = [rows[c] for c in sorted(rows)]
    for row in out:
        row["failing"].sort(key=natural_key)
    return [r for r in out if r["failing"]] if only_bad else out


def _fit(subjects: list[str], width: int) -> str:
    """Subjects joined by ", " within ``width`` characters, ending in ``+N more`` when cut.

    >>> _fit(["w1.example", "w2.example", "w3.example"], 28)
    'w1.example, w2.example +1'
    """
    text = ""
    for i, subj in enumerate(subjects):
        candidate = subj if not text else f"{text}, {subj}"
        rest = len(subjects) - i - 1
        tail = f" +{rest}" if rest else ""
        if len(candidate) + len(tail) > width and text:
            return f"{text} +{len(subjects) - i}"
        if len(candidate) + len(tail) > width:  # the first subject alone is too long
            keep = max(width - len(tail) - 1, 1)
            return subj[:keep] + "\u2026" + tail
        text = candidate
    return text


def common_domain(subjects: list[str]) -> str:
    """The DNS suffix (two labels or more) every subject ends with, to print once; else "".

    >>> common_domain(["i1.ocp45.example.com", "i2.ocp45.example.com"])
    'ocp45.example.com'
    >>> common_domain(["i1.ocp45.example.com"]), common_domain(["80", "443"])
    ('', '')
    """
    if len(subjects) < 2 or not all("." in s for s in subjects):
        return ""
    split = [s.split(".") for s in subjects]
    suffix: list[str] = []
    for labels in zip(
        *(reversed(parts[1:]) for parts in split), strict=False
    ):  # not a whole subject
        if len(set(labels)) != 1:
            break
        suffix.insert(0, labels[0])
    return ".".join(suffix) if len(suffix) >= 2 else ""


def summary_table(
    records: list[dict[str, Any]], width: int = 100, *, only_bad: bool = False
) -> list[tuple[str, str | None]]:
    """The end-of-run table by check, as (line, colour) pairs: colour is ``red`` for a check with
    failures, ``yellow`` for errors only, ``green`` when all passed, None otherwise. Plain text:
    the caller decides whether the terminal gets colour.

    >>> for line, colour in summary_table([{"check": "dns.reverse", "subject": "i1",
    ...         "outcome": "failed"}, {"check": "dns.api", "subject": "api", "outcome": "passed"}]):
    ...     print(f"{line.rstrip()}  <{colour}>")
    check       pass fail error skip  failing subjects  <None>
    dns.api        1    .     .    .  <green>
    dns.reverse    .    1     .    .  i1  <red>
    """
    rows = summary_rows(records, only_bad=only_bad)
    if not rows:
        return []
    name_w = max(len("check"), *(len(r["check"]) for r in rows))
    nums = [max(len(h), *(len(str(r[o])) for r in rows)) for o, h in COLUMNS]
    head = f"{'check':<{name_w}} " + " ".join(
        f"{h:>{w}}" for (_, h), w in zip(COLUMNS, nums, strict=True)
    )
    rest = max(width - len(head) - 2, 20)
    lines: list[tuple[str, str | None]] = [(f"{head}  failing subjects", None)]
    for r in rows:
        counts = " ".join(f"{(r[o] or '.'):>{w}}" for (o, _), w in zip(COLUMNS, nums, strict=True))
        line = f"{r['check']:<{name_w}} {counts}"
        if r["failing"]:
            domain = common_domain(r["failing"])
            if domain:
                note = f" (.{domain})"
                short = [f[: -len(domain) - 1] for f in r["failing"]]
                line += "  " + _fit(short, max(rest - len(note), 10)) + note
            else:
                line += "  " + _fit(r["failing"], rest)
        colour = (
            "red"
            if r["failed"]
            else "yellow"
            if r["error"]
            else "green"
            if r["passed"] and not r["skipped"]
            else None
        )
        lines.append((line, colour))
    return lines
