"""One record per check and subject, merged from a test's setup, call and teardown reports.

>>> r = Results()
>>> rec = {"check": "dns.api", "subject": "a", "message": "", "remediation": ""}
>>> r.add("checks/dns.py::t[a]", {**rec, "outcome": "passed"}, "setup")
>>> r.add("checks/dns.py::t[a]", {**rec, "outcome": "failed", "message": "m"}, "call")
>>> r.as_json()["summary"]
{'passed': 0, 'failed': 1, 'error': 0, 'skipped': 0}

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

OUTCOMES = ("passed", "failed", "error", "skipped")
_NUM = re.compile(r"(\d+)")


class Results:
    """Accumulates records by node id; the worst phase wins (error > failed > skipped > passed)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def add(self, nodeid: str, record: dict[str, Any], when: str) -> None:
        current = self.records.get(nodeid)
        record = {**record, "nodeid": nodeid}
        if current is None:
            self.records[nodeid] = record
            return
        if when == "teardown":
            if record["outcome"] in ("failed", "error") and current["outcome"] in (
                "passed",
                "skipped",
            ):
                self.records[nodeid] = {**record, "outcome": "error"}
            return
        if current["outcome"] == "passed":
            self.records[nodeid] = record

    def as_json(self) -> dict[str, Any]:
        records = sorted(
            self.records.values(), key=lambda r: (r["check"], r["subject"], r["nodeid"])
        )
        summary = dict.fromkeys(OUTCOMES, 0)
        for rec in records:
            summary[rec["outcome"]] += 1
        return {"summary": summary, "results": records}


def write_json_atomically(path: str | Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    write_text_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as out:
            out.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as a plain open() would, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def natural_key(text: str) -> list[Any]:
    """Sort key that puts ``w2`` before ``w10``.

    >>> sorted(["w10", "w2", "m1"], key=natural_key)
    ['m1', 'w2', 'w10']
    """
    parts = _NUM.split(text)  # odd positions are the digit runs
    return [(0, int(p), "") if i % 2 else (1, 0, p.lower()) for i, p in enumerate(parts)]
