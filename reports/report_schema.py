"""The result JSON a fleet merge accepts: what ``reports/records.py`` and ``reports/plugin.py``
write (contract §4), checked by type, depth and size before anything renders it.

A small explicit validator, no dependency: :func:`parse` turns bytes into the document (deep
nesting refused, never a RecursionError), :func:`validate` raises :class:`SchemaError` naming
the first field that is wrong, with its path in the document.

>>> validate({"summary": {"passed": 1}, "results": [
...     {"check": "dns.api", "subject": "api", "outcome": "passed", "message": ""}]})
>>> validate({"results": [{"check": ["dns.api"], "subject": "api", "outcome": "passed"}]})
Traceback (most recent call last):
...
reports.report_schema.SchemaError: results[0].check: expected a string, found a list
>>> parse(b"[" * 100_000)
Traceback (most recent call last):
...
reports.report_schema.SchemaError: nested deeper than 16 levels

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from reports.results import OUTCOMES

#: Nesting the writer never exceeds (the top, ``run``, ``unreachable``, its items: 4), with margin.
MAX_DEPTH = 16
#: Records in one report: a run of every check over a large site stays far below this.
MAX_RESULTS = 200_000
#: Characters of a name (check, subject, outcome, run fields).
MAX_NAME = 4096
#: Characters of a message, a remediation or a detail (a failure may quote log lines).
MAX_TEXT = 1024 * 1024
#: Items of a list inside a record or the run (details, run.unreachable, run.dead_sources).
MAX_ITEMS = 10_000

#: A field check: (value, path) -> None, SchemaError when the value is wrong.
Check = Callable[[Any, str], None]


class SchemaError(ValueError):
    """A report that is not the result JSON: the message names the field and what is wrong."""


def kind(value: Any) -> str:
    """The JSON name of a value's type.

    >>> kind([]), kind({}), kind(None), kind(True), kind(1.5)
    ('a list', 'an object', 'null', 'a boolean', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    names = {str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def text(limit: int, *, null: bool = False) -> Check:
    """A string of at most ``limit`` characters (or null when ``null``)."""

    def check(value: Any, where: str) -> None:
        if value is None and null:
            return
        if not isinstance(value, str):
            raise SchemaError(f"{where}: expected a string, found {kind(value)}")
        if len(value) > limit:
            raise SchemaError(f"{where}: {len(value)} characters, over the cap of {limit}")

    return check


def number(*, null: bool = False) -> Check:
    """An int or a float, never a boolean (or null when ``null``)."""

    def check(value: Any, where: str) -> None:
        if value is None and null:
            return
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchemaError(f"{where}: expected a number, found {kind(value)}")

    return check


def count(value: Any, where: str) -> None:
    """A non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SchemaError(f"{where}: expected a count (an integer >= 0), found {value!r:.40}")


def obj(fields: dict[str, Check], required: tuple[str, ...] = (), *, null: bool = False) -> Check:
    """An object whose known ``fields`` have their types; other keys pass (depth is bounded)."""

    def check(value: Any, where: str) -> None:
        if value is None and null:
            return
        if not isinstance(value, dict):
            raise SchemaError(f"{where}: expected an object, found {kind(value)}")
        for key in required:
            if key not in value:
                raise SchemaError(f"{where}: no {key!r}")
        for key, field_check in fields.items():
            if key in value:
                field_check(value[key], f"{where}.{key}" if where else key)

    return check


def items(each: Check, limit: int = MAX_ITEMS) -> Check:
    """A list of at most ``limit`` items, each passing ``each``."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise SchemaError(f"{where}: expected a list, found {kind(value)}")
        if len(value) > limit:
            raise SchemaError(f"{where}: {len(value)} items, over the cap of {limit}")
        for i, item in enumerate(value):
            each(item, f"{where}[{i}]")

    return check


def outcome(value: Any, where: str) -> None:
    """One of passed, failed, error, skipped."""
    text(MAX_NAME)(value, where)
    if value not in OUTCOMES:
        raise SchemaError(f"{where}: unknown outcome {value!r:.80}")


def anything(value: Any, where: str) -> None:
    """Any JSON value (its depth is bounded by :func:`check_depth`)."""


NAME, TEXT = text(MAX_NAME), text(MAX_TEXT)
OPT_NAME = text(MAX_NAME, null=True)

RECORD = obj(
    {
        "check": NAME,
        "subject": NAME,
        "outcome": outcome,
        "message": TEXT,
        "remediation": TEXT,
        "nodeid": NAME,
        "details": items(TEXT),
        "unreachable": obj({"source": NAME, "reason": TEXT}),
    },
    ("check", "subject", "outcome"),
)
RUN = obj(
    {
        "tool": NAME,
        "version": NAME,
        "cluster": OPT_NAME,
        "markers": NAME,
        "keyword": NAME,
        "inventory": obj({"path": NAME, "sha256": NAME}, null=True),
        "cluster_source": obj(
            {k: OPT_NAME for k in ("kind", "path", "kubeconfig", "context", "reason")}, null=True
        ),
        "started": OPT_NAME,
        "duration_s": number(null=True),
        "host": OPT_NAME,
        "unreachable": items(obj({"source": NAME, "reason": TEXT, "checks": count})),
        "dead_sources": items(obj({"source": NAME, "timeout_s": number()})),
    },
    null=True,
)
REPORT = obj(
    {
        "summary": obj(dict.fromkeys(OUTCOMES, count)),
        "run": RUN,
        "results": items(RECORD, MAX_RESULTS),
        "causes": items(anything),
    },
    ("results",),
)


def check_depth(doc: Any, limit: int = MAX_DEPTH) -> None:
    """SchemaError when lists and objects nest deeper than ``limit`` (iterative: no recursion).

    >>> check_depth({"a": [{"b": []}]}, 4)
    >>> check_depth({"a": [{"b": []}]}, 3)
    Traceback (most recent call last):
    ...
    reports.report_schema.SchemaError: nested deeper than 3 levels
    """
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if not isinstance(value, dict | list):
            continue
        if depth > limit:
            raise SchemaError(f"nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


def parse(raw: bytes) -> Any:
    """The JSON in ``raw``; SchemaError when it is not JSON or nests deeper than MAX_DEPTH.

    >>> parse(b'{"results": []}')
    {'results': []}
    >>> parse(b"<html>")
    Traceback (most recent call last):
    ...
    reports.report_schema.SchemaError: not JSON: Expecting value: line 1 column 1 (char 0)
    """
    try:
        doc = json.loads(raw)
    except RecursionError:  # the C decoder stops at the interpreter's recursion limit
        raise SchemaError(f"nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError(f"not JSON: {exc}") from None
    check_depth(doc)
    return doc


def validate(doc: Any) -> None:
    """SchemaError naming the first field of ``doc`` that is not what the result JSON holds."""
    if not isinstance(doc, dict):
        raise SchemaError(f"not a result JSON: the top is {kind(doc)}, not an object")
    if not isinstance(doc.get("results"), list):
        raise SchemaError("not a result JSON (no results list; see --report-json)")
    REPORT(doc, "")
