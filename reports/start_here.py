"""What to fix first: the run's root causes (``causes`` of the result JSON, from
``collectors.triage.causes``) as the terminal's and the page's "Start here", and the failures by
check with each subject beside its fix (one fix said once for the subjects it applies to, a
symptom pointing at its cause instead).

>>> causes = [{"id": "dns.missing_ptr", "title": "A node has no PTR", "fix": "add the PTR",
...     "evidence": [{"check": "dns.reverse", "subject": "i1"}],
...     "explains": [{"check": "nodes.names", "subject": "localhost"}]}]
>>> print("\\n".join(start_here_lines(causes)))
1. A node has no PTR [dns.missing_ptr]
   shown by: dns.reverse [i1]
   explains: nodes.names [localhost]
   fix: add the PTR

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from collectors.triage.causes import cause_of
from collectors.visible import visible, visible_line

#: Items of a cause's evidence or symptoms said in full; the rest counted.
SHOWN_ITEMS = 6


def item_text(item: dict[str, Any]) -> str:
    """``check [subject]`` or ``log finding <id>``, made visible.

    >>> item_text({"check": "lb.port", "subject": "api:6443"}), item_text({"finding": "f1"})
    ('lb.port [api:6443]', 'log finding f1')
    """
    if "check" in item:
        return visible_line(f"{item['check']} [{item['subject']}]")
    where = "/".join(str(item[k]) for k in ("host", "key") if item.get(k))
    return visible_line(f"log finding {item.get('finding')}" + (f" ({where})" if where else ""))


def _items(items: list[dict[str, Any]]) -> str:
    shown = ", ".join(item_text(i) for i in items[:SHOWN_ITEMS])
    more = len(items) - SHOWN_ITEMS
    return shown + (f" and {more} more" if more > 0 else "")


def deadline_text(hours: float) -> str:
    """``expired 2.0 h ago`` or ``0.7 h left``."""
    return f"expired {-hours:.1f} h ago" if hours < 0 else f"{hours:.1f} h left"


def start_here_lines(causes: list[dict[str, Any]]) -> list[str]:
    """Each cause: its title (and deadline), what shows it, what it explains, its fix."""
    lines: list[str] = []
    for n, cause in enumerate(causes, 1):
        hours = cause.get("deadline_hours")
        when = f" ({deadline_text(hours)})" if hours is not None else ""
        lines.append(f"{n}. {visible_line(cause['title'])}{when} [{cause['id']}]")
        lines.append(f"   shown by: {_items(cause['evidence'])}")
        if cause["explains"]:
            lines.append(f"   explains: {_items(cause['explains'])}")
        fix = visible(cause["fix"]).split("\n")
        lines += [f"   fix: {fix[0]}", *(f"        {line}" for line in fix[1:])]
    return lines


def _template(record: dict[str, Any]) -> str:
    """A record's fix with its own values taken out: the subject's words and every number, so
    the fixes of several subjects that differ only there compare equal."""
    text = str(record.get("remediation", ""))
    words = {w for w in re.split(r"[\s:/,]+", str(record.get("subject", ""))) if len(w) > 1}
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "\x00")
    return re.sub(r"\d+", "#", text)


def failure_lines(records: list[dict[str, Any]], causes: list[dict[str, Any]]) -> list[str]:
    """Failures and errors by check: each subject with its message, then its fix; a fix shared
    (up to the subject's own values) said once for its subjects; a symptom names its cause.

    >>> recs = [{"check": "lb.port", "subject": s, "outcome": "failed", "message": "closed",
    ...          "remediation": f"bind {p}"} for s, p in (("api:6443", 6443), ("mcs:22623", 22623))]
    >>> print("\\n".join(failure_lines(recs, [])))
    lb.port: 2 failed
      api:6443: closed
      mcs:22623: closed
      fix (api:6443): bind 6443
      fix (mcs:22623): as for api:6443, each with its own values
    """
    explained = cause_of(causes)
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        if rec["outcome"] in ("failed", "error"):
            by_check[rec["check"]].append(rec)
    lines: list[str] = []
    for check_id in sorted(by_check):
        recs = by_check[check_id]
        counts: dict[str, int] = defaultdict(int)
        for rec in recs:
            counts[rec["outcome"]] += 1
        lines.append(f"{check_id}: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
        groups: dict[str, list[dict[str, Any]]] = {}
        for rec in recs:
            label = "ERROR " if rec["outcome"] == "error" else ""
            subject = visible_line(rec["subject"])
            lines.append(f"  {subject}: {label}{visible_line(rec.get('message', ''))}")
            cause = explained.get((rec["check"], rec["subject"]))
            key = f"cause {cause}" if cause else _template(rec)
            groups.setdefault(key, []).append(rec)
        for key, members in groups.items():
            lines += _fix_lines(key, members)
    return lines


def _fix_lines(key: str, members: list[dict[str, Any]]) -> list[str]:
    subjects = [visible_line(m["subject"]) for m in members]
    if key.startswith("cause "):
        return [f"  cause ({', '.join(subjects)}): {key[6:]}, see Start here"]
    first = members[0]
    if not first.get("remediation"):
        return []
    same = [m for m in members if m.get("remediation") == first["remediation"]]
    named = ", ".join(visible_line(m["subject"]) for m in same)
    fix = visible(first["remediation"]).split("\n")
    pad = " " * (len(f"  fix ({named}): "))
    lines = [f"  fix ({named}): {fix[0]}", *(pad + line for line in fix[1:])]
    rest = [visible_line(m["subject"]) for m in members if m not in same]
    if rest:
        lines.append(f"  fix ({', '.join(rest)}): as for {subjects[0]}, each with its own values")
    return lines
