"""The benign-log catalog (``collectors/triage/catalog.yaml``) loaded and validated.

>>> cat = load_catalog()
>>> [e.id for e in cat.rules_for("bootkube.service").entries if not e.failure][:2]
['bootkube.failed_to_create', 'bootkube.manifest_failed']
>>> [e for e in cat.rules_for("crio.service").entries if not e.failure]
[]
>>> len(cat.rules_for(ANY_SOURCE).entries) == len(cat.entries)
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from collectors import localfile, yamlio
from collectors.errors import InputError

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
#: the source of a stream that mixes units (a journal of several units): every entry applies
#: to it, and each line is judged by the rules of its own unit when the line names one
ANY_SOURCE = "*"


class CatalogError(InputError):
    """A catalog that does not load: names the file and the entry."""


@dataclass(frozen=True)
class Resolve:
    """What makes an entry's line harmless later: a line with the same key, or an event."""

    pattern: re.Pattern[str] | None
    hints: tuple[str, ...]
    event: str | None


@dataclass(frozen=True)
class Entry:
    id: str
    sources: tuple[str, ...]
    pattern: re.Pattern[str]
    hints: tuple[str, ...]
    reason: str
    resolve: Resolve | None = None
    when: dict[str, str] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    #: a known failure: never benign, a finding of its own id (``kind: failure``)
    failure: bool = False
    #: the checks that prove or disprove a finding of this entry
    points_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    id: str
    sources: tuple[str, ...]
    pattern: re.Pattern[str]
    hints: tuple[str, ...]
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceRules:
    """The catalog narrowed to one source (a unit such as ``bootkube.service``, or ``haproxy``)."""

    entries: tuple[Entry, ...]
    #: (pattern, hints, ids of the entries it resolves); entries sharing a pattern share one row
    resolvers: tuple[tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]], ...]
    events: tuple[Event, ...]
    #: literals that a line must contain to need a closer look (case-sensitive / -insensitive)
    hints: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # hashed by identity: rules_for caches per catalog
class Catalog:
    path: str
    version: int
    entries: tuple[Entry, ...]
    events: tuple[Event, ...]
    error_pattern: re.Pattern[str]
    error_hints: tuple[str, ...]
    max_priority: int
    max_open_keys: int
    max_groups: int

    @property
    def error_search(self) -> Callable[[str], bool]:
        """Whether a message looks like an error: the ``errors`` pattern, searched in the
        lower-cased message without ``(?i)`` when the pattern starts with it (the same answer,
        about 3x faster than Python's case-insensitive alternation)."""
        return _error_search(self)

    def entry(self, entry_id: str) -> Entry:
        return next(e for e in self.entries if e.id == entry_id)

    def rules_for(self, source: str) -> SourceRules:
        """The entries, resolvers and events that apply to lines of ``source`` (all of them
        for ``ANY_SOURCE``)."""
        return _rules_for(self, source)

    def patterns(self) -> list[str]:
        """Every entry pattern as an extended regex (for ``grep -E -f``), named groups removed."""
        return [
            re.sub(r"\(\?P<\w+>", "(", e.pattern.pattern).replace("(?:", "(") for e in self.entries
        ]


@cache
def _error_search(catalog: Catalog) -> Callable[[str], bool]:
    text = catalog.error_pattern.pattern
    if text.startswith("(?i)") and not catalog.error_pattern.flags & ~(re.I | re.U):
        lower = re.compile(text[4:]).search
        return lambda message: lower(message.lower()) is not None
    search = catalog.error_pattern.search
    return lambda message: search(message) is not None


def _matches(source: str, globs: tuple[str, ...]) -> bool:
    return source == ANY_SOURCE or any(fnmatch.fnmatchcase(source, g) for g in globs)


@cache
def _rules_for(catalog: Catalog, source: str) -> SourceRules:
    entries = tuple(e for e in catalog.entries if _matches(source, e.sources))
    events = tuple(e for e in catalog.events if _matches(source, e.sources))
    by_pattern: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    compiled: dict[str, re.Pattern[str]] = {}
    for e in entries:
        if e.resolve and e.resolve.pattern is not None:
            by_pattern.setdefault((e.resolve.pattern.pattern, e.resolve.hints), []).append(e.id)
            compiled[e.resolve.pattern.pattern] = e.resolve.pattern
    resolvers = tuple((compiled[p], h, tuple(ids)) for (p, h), ids in by_pattern.items())
    hints = [h for e in (*entries, *events) for h in e.hints] + [
        h for _, hs, _ in resolvers for h in hs
    ]
    return SourceRules(entries, resolvers, events, tuple(dict.fromkeys(hints)))


def _compile(where: str, key: str, text: Any) -> re.Pattern[str]:
    if not isinstance(text, str) or not text:
        raise CatalogError(where, "must be a non-empty regular expression", key=key)
    try:
        return re.compile(text)
    except re.error as exc:
        raise CatalogError(where, f"bad regular expression: {exc}", key=key) from None


def _hint(where: str, key: str, value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise CatalogError(
            where, "needs a hint: a literal (or list) every matching line contains", key=key
        )
    if any('"' in v or "\\" in v for v in values):
        raise CatalogError(
            where, "a hint may not hold quotes or backslashes (JSON escapes them)", key=key
        )
    return tuple(values)


def _globs(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise CatalogError(where, "must be a non-empty list of source names or globs", key=key)
    return tuple(value)


def _parse(path: str, data: Any) -> Catalog:
    if not isinstance(data, dict):
        raise CatalogError(path, "must be a mapping with errors, limits, events and entries")
    errors = data.get("errors") or {}
    limits = data.get("limits") or {}
    events: list[Event] = []
    for i, raw in enumerate(data.get("events") or []):
        key = f"events[{i}]"
        if not isinstance(raw, dict) or not raw.get("id"):
            raise CatalogError(path, "must be a mapping with an id", key=key)
        pat = _compile(path, f"{key}.pattern", raw.get("pattern"))
        events.append(
            Event(
                str(raw["id"]),
                _globs(path, f"{key}.sources", raw.get("sources")),
                pat,
                _hint(path, f"{key}.hint", raw.get("hint")),
                tuple(raw.get("examples") or ()),
            )
        )
    event_ids = {e.id for e in events}
    entries: list[Entry] = []
    for i, raw in enumerate(data.get("entries") or []):
        key = f"entries[{i}]"
        if not isinstance(raw, dict) or not raw.get("id"):
            raise CatalogError(path, "must be a mapping with an id", key=key)
        key = f"entries[{i}] ({raw['id']})"
        if not raw.get("reason"):
            raise CatalogError(path, "needs the reason it is benign", key=f"{key}.reason")
        failure = raw.get("failure", False)
        if not isinstance(failure, bool) or (failure and raw.get("resolve") is not None):
            raise CatalogError(path, "failure is true or false, without resolve", key=key)
        points_to = raw.get("points_to") or []
        if not isinstance(points_to, list) or not all(isinstance(c, str) for c in points_to):
            raise CatalogError(path, "a list of check ids", key=f"{key}.points_to")
        pat = _compile(path, f"{key}.pattern", raw.get("pattern"))
        resolve = None
        if raw.get("resolve") is not None:
            r = raw["resolve"]
            if not isinstance(r, dict) or not (r.get("pattern") or r.get("event")):
                raise CatalogError(path, "needs a pattern or an event", key=f"{key}.resolve")
            rpat = (
                _compile(path, f"{key}.resolve.pattern", r["pattern"]) if r.get("pattern") else None
            )
            if r.get("event") and r["event"] not in event_ids:
                raise CatalogError(
                    path, f"unknown event {r['event']!r}", key=f"{key}.resolve.event"
                )
            hint = _hint(path, f"{key}.resolve.hint", r.get("hint")) if rpat else ()
            resolve = Resolve(rpat, hint, r.get("event"))
        when = raw.get("when") or {}
        if set(when) - {"server_in", "key_not_in"}:
            raise CatalogError(path, "server_in and key_not_in are understood", key=f"{key}.when")
        if "key_not_in" in when and "key" not in pat.groupindex:
            raise CatalogError(path, "key_not_in needs a (?P<key>...) group", key=f"{key}.pattern")
        if "server_in" in when and "server" not in pat.groupindex:
            raise CatalogError(
                path, "server_in needs a (?P<server>...) group", key=f"{key}.pattern"
            )
        entries.append(
            Entry(
                str(raw["id"]),
                _globs(path, f"{key}.sources", raw.get("sources")),
                pat,
                _hint(path, f"{key}.hint", raw.get("hint")),
                " ".join(str(raw["reason"]).split()),
                resolve,
                dict(when),
                tuple(raw.get("examples") or ()),
                failure,
                tuple(points_to),
            )
        )
    ids = [e.id for e in entries] + [e.id for e in events]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise CatalogError(path, f"duplicate ids: {', '.join(sorted(dupes))}")
    return Catalog(
        path=path,
        version=int(data.get("version", 1)),
        entries=tuple(entries),
        events=tuple(events),
        error_pattern=_compile(path, "errors.pattern", errors.get("pattern")),
        error_hints=tuple(str(h).lower() for h in errors.get("hints") or ()),
        max_priority=int(errors.get("max_priority", 3)),
        max_open_keys=int(limits.get("max_open_keys", 200000)),
        max_groups=int(limits.get("max_groups", 20000)),
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a catalog (the bundled one by default)."""
    path = Path(path or CATALOG_PATH)
    try:
        data = yamlio.load(localfile.read_text(path), str(path))
    except (OSError, InputError) as exc:
        raise CatalogError(str(path), f"cannot load: {exc}") from None
    return _parse(str(path), data)
