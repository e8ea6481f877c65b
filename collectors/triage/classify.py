"""Stream log lines through the benign catalog; keep only what is not known to be harmless.

Memory is bounded by the keys still waiting for their resolve line (and the groups of unknown
errors), never by the number of lines.

>>> c = Classifier()
>>> _ = c.feed_lines([
...     'Failed to create "a.yaml" configmaps.v1./a -n x: namespaces "x" not found',
...     'Failed to create "b.yaml" configmaps.v1./b -n x: namespaces "x" not found',
...     'Created "a.yaml" configmaps.v1./a -n x',
... ], host="bs", source="bootkube.service")
>>> [(f["id"], f["key"], f["count"]) for f in c.findings()["findings"]]
[('bootkube.failed_to_create', 'b.yaml', 1)]

A file of several units (``journalctl -o short``, as in a log bundle) is read with
``source=ANY_SOURCE``: each line is judged by the rules of the unit it names.

>>> c = Classifier()
>>> _ = c.feed_lines([
...     'Jan 16 21:00:50 bs bootkube.sh[5541]: Still waiting for the Kubernetes API: Get'
...     ' "https://localhost:6443/readyz": dial tcp [::1]:6443: connect: connection refused',
...     'Jan 16 21:01:06 bs bootkube.sh[5541]: API is up',
...     'May 17 08:31:38 sno kubenswrapper[2469]: E0517 08:31:38.553161    2469 kubelet.go:2471]'
...     ' "Error getting node" err="node \\"sno\\" not found"',
... ], host="", source=ANY_SOURCE, fmt="journal-text")
>>> [(f["id"], f["host"], f["unit"], f["key"]) for f in c.findings()["findings"]]
[('kubelet.node_not_found', 'sno', 'kubenswrapper', 'sno')]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from collectors.parsers.logs import (
    LogRecord,
    as_text,
    parse_any_line,
    parse_installer_line,
    parse_journal_json,
    parse_journal_text_line,
    parse_syslog_line,
)
from collectors.triage.catalog import ANY_SOURCE, Catalog, Entry, SourceRules, load_catalog

__all__ = ["ANY_SOURCE", "FORMATS", "Classifier", "template"]

#: formats a stream can be in: journal JSON (``-o json``), journal text (``-o short``,
#: ``short-precise``, ``short-iso``: host_service_logs, log bundles), syslog (haproxy's log,
#: stderr form too), the installer's log, plain text, or ``auto`` (each line's own form)
FORMATS = ("journal", "journal-text", "syslog", "installer", "text", "auto")
#: a line at one of these levels is an error whatever its words (installer logfmt; haproxy's
#: ``[ALERT]``/``[EMERG]`` stderr prefix)
ERROR_LEVELS = frozenset({"error", "fatal", "alert", "emerg", "crit", "err"})
SAMPLE_CHARS = 2000

_KLOG_HEADER = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ ")
_QUOTED = re.compile(r'"[^"]*"')
_NUMBERS = re.compile(
    r"(?<![a-z0-9_])(?:[0-9a-f]{16,}|(?:0x)?[0-9a-f]*\d[0-9a-f]*(?:[.:][0-9a-f]*\d[0-9a-f]*)*)",
    re.IGNORECASE,
)


#: What the pure-Python scan reads at a time. Four copies of a block are alive at once (read,
#: joined to the last block's tail, cut at its last line break, lower-cased): 4 MiB blocks took
#: the fallback's peak resident memory from 20 to 47 MiB for no speed.
BLOCK = 1 << 18


def _count_lines(path: str | Path) -> int:
    """Lines in a file (a last line without a newline counts), read in blocks."""
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _blank_lines(block: bytes) -> int:
    """Empty lines in a block of whole lines."""
    blanks = block[:1] == b"\n"
    pos = block.find(b"\n\n")
    while pos != -1:
        blanks += 1
        pos = block.find(b"\n\n", pos + 1)
    return blanks


def _minimal(words: list[str]) -> list[bytes]:
    """The words that hold no other word: a line holding a longer one holds the shorter too,
    so one scan for the shorter finds both.

    >>> _minimal(["fail", "failed to pull image", "error", "errimagepull"])
    [b'fail', b'error', b'errimagepull']
    """
    return [w.encode() for w in words if not any(o != w and o in w for o in words)]


def _line_starts(block: bytes, needle: bytes | re.Pattern[bytes]) -> Iterator[int]:
    r"""Where each line of ``block`` holding ``needle`` (a word, or a pattern) starts.

    >>> list(_line_starts(b"a e0\nb\nc e1 e1\n", re.compile(rb"e[01]")))
    [0, 7]
    """
    find = block.find if isinstance(needle, bytes) else None
    pos = 0
    while True:
        if find is not None:
            at = find(needle, pos)  # type: ignore[arg-type]
        else:
            m = needle.search(block, pos)  # type: ignore[union-attr]
            at = -1 if m is None else m.start()
        if at == -1:
            return
        yield block.rfind(b"\n", 0, at) + 1
        pos = block.find(b"\n", at)
        if pos == -1:
            return


def template(message: str) -> str:
    """The shape of an unknown line, for grouping: numbers, ids and quoted text blanked.

    >>> template('E0928 13:40:12.1 1520 kubelet.go:2268] pod "x-1" failed after 30s')
    'kubelet.go:N] pod "*" failed after Ns'
    """
    text = _KLOG_HEADER.sub("", message, count=1)
    return _shape(text) if len(text) <= 1024 else _shape.__wrapped__(text)  # long: not kept


@functools.lru_cache(maxsize=4096)
def _shape(text: str) -> str:
    """``template`` after the klog header: an error that repeats (a probe failing every few
    seconds) repeats word for word here, so its shape is worked out once."""
    return _NUMBERS.sub("N", _QUOTED.sub('"*"', text))[:200]


class Group:
    """Lines grouped by pattern, key, host and unit: count, first and last time, one sample."""

    __slots__ = (
        "id",
        "kind",
        "pattern",
        "key",
        "host",
        "unit",
        "count",
        "first",
        "last",
        "sample",
        "reason",
        "points_to",
    )

    def __init__(
        self,
        id: str,
        kind: str,
        pattern: str,
        key: str,
        host: str,
        unit: str,
        rec: LogRecord,
        reason: str,
    ) -> None:
        self.id, self.kind, self.pattern, self.key = id, kind, pattern, key
        self.host, self.unit, self.reason = host, unit, reason
        self.points_to: list[str] = []
        self.count = 0
        self.first = rec.time
        self.last = rec.time
        self.sample = rec.message[:SAMPLE_CHARS]

    def add(self, rec: LogRecord) -> None:
        self.count += 1
        if rec.time:
            self.first = self.first or rec.time
            self.last = rec.time

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


SP = ("", " ")  # JSON with or without a space after the colon


class _Prefilter:
    """A cheap test that a raw line could matter: a hint or an error word in it (any case).

    Literal substring tests on the lower-cased line: several times faster than a regex
    alternation in Python, and the same literals drive ``grep -F -i`` for whole files.
    """

    def __init__(self, rules: SourceRules, error_hints: tuple[str, ...], journal: bool) -> None:
        words = [h.lower() for h in (*rules.hints, *error_hints)]
        # a klog error or fatal line after its syslog prefix ("kubenswrapper[1]: E0827 ...")
        families = [(rb": [ef][01]", [f": {s}{m}" for s in "ef" for m in "01"])]
        if journal:  # an error priority, or a binary (array-of-bytes) message
            families += [
                (rb'"priority": ?"[0-3]"', [f'"priority":{sp}"{p}"' for p in "0123" for sp in SP]),
                (rb'"message": ?\[', ['"message":[', '"message": [']),
                (
                    rb'"message": ?"[ef][01]',
                    [f'"message":{sp}"{s}{m}' for s in "ef" for m in "01" for sp in SP],
                ),
            ]
        family_words = [w for _, group in families for w in group]
        self.literals = tuple(dict.fromkeys(words + family_words))
        self.raw = tuple(w.encode() for w in self.literals)
        #: What the block scan looks for: each word alone, each family (the same words) as one
        #: regex with a literal prefix, one pass over the block instead of one per word.
        plain = _minimal([w for w in dict.fromkeys(words) if w not in family_words])
        self.needles: tuple[bytes | re.Pattern[bytes], ...] = (
            *plain,
            *(re.compile(pattern) for pattern, _ in families),
        )

    def __call__(self, line: bytes | str) -> bool:
        low = line.lower()
        if isinstance(low, bytes):
            return any(w in low for w in self.raw)
        return any(w in low for w in self.literals)


class Classifier:
    """Feed lines by host and source; ``findings()`` gives what findings.json holds.

    ``context`` carries names the catalog's ``when`` rules refer to, e.g.
    ``{"bootstrap": ["bs", "bs.ocp45.example.localdomain", "172.16.0.11"]}``.
    """

    def __init__(
        self, catalog: Catalog | None = None, context: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self.catalog = catalog or load_catalog()
        self.context = {k: frozenset(v) for k, v in (context or {}).items()}
        self.open: dict[tuple[str, str, str], Group] = {}
        self.unknown: dict[tuple[str, str, str], Group] = {}
        self.failures: dict[tuple[str, str, str, str], Group] = {}
        self.events: set[str] = set()
        self.stats = dict.fromkeys(
            (
                "lines",
                "examined",
                "benign",
                "resolved",
                "unknown",
                "failure",
                "not_json",
                "dropped",
            ),
            0,
        )
        self.sources: list[dict[str, Any]] = []
        self._filters: dict[tuple[str, bool], _Prefilter] = {}

    # ------------------------------------------------------------------ feeding

    def _prefilter(self, source: str, fmt: str) -> _Prefilter:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        journal = fmt in ("journal", "auto")
        key = (source, journal)
        if key not in self._filters:
            rules = self.catalog.rules_for(source)
            self._filters[key] = _Prefilter(rules, self.catalog.error_hints, journal)
        return self._filters[key]

    def feed_lines(
        self,
        lines: Iterable[bytes | str],
        host: str,
        source: str,
        fmt: str = "text",
        origin: str | None = None,
    ) -> dict[str, int]:
        """Classify every line of one stream (a unit's journal, a log file); returns its counts.
        ``source`` is the catalog source (a unit, ``haproxy``...; ``ANY_SOURCE`` for several
        units), ``host`` "" takes each line's own host, ``origin`` (a path) goes into the
        stream's entry in findings.json's ``sources``."""
        wanted = self._prefilter(source, fmt)
        rules = self.catalog.rules_for(source)
        counts = {"lines": 0, "examined": 0, "not_json": 0}
        for line in lines:
            counts["lines"] += 1
            if (
                fmt == "journal"
                and line[:1] not in (b"{", "{")
                and line not in (b"\n", "\n", b"", "")
            ):
                counts["not_json"] += 1
            if not wanted(line):
                continue
            counts["examined"] += 1
            self.classify(self._parse(line, fmt), host, source, rules)
        return self._done(host, source, fmt, counts, "python", origin)

    def feed_streams(
        self,
        streams: Iterable[tuple[str, str, str, Iterable[bytes | str]]],
        fmt: str = "auto",
    ) -> dict[str, int]:
        """Classify several streams, each ``(origin, host, unit, lines)``: where the lines come
        from (a path in a snapshot), the host ("" for each line's own), the unit or catalog
        source (``kubelet.service``, ``haproxy``; "" for a file of several units) and the lines.
        Returns the counts summed over the streams.

        >>> c = Classifier()
        >>> c.feed_streams([("masters/kubelet_service.log", "m1", "kubelet.service",
        ...     ['Mar 12 10:11:12.1 m1 kubenswrapper[1]: I0312 1 flags.go:64] FLAG: --v="2"'])])
        {'lines': 1, 'examined': 1, 'not_json': 0}
        >>> c.stats["benign"], c.sources[0]["origin"]
        (1, 'masters/kubelet_service.log')
        """
        total = {"lines": 0, "examined": 0, "not_json": 0}
        for origin, host, unit, lines in streams:
            counts = self.feed_lines(lines, host, unit or ANY_SOURCE, fmt, origin=origin)
            for name, value in counts.items():
                total[name] += value
        return total

    def feed_file(
        self,
        path: str | Path,
        host: str,
        source: str,
        fmt: str = "text",
        use_grep: bool = True,
        origin: str | None = None,
    ) -> dict[str, int]:
        """Classify a file's lines. ``grep -E -i`` picks the lines worth a look when it is there
        (a C scan for the same literals as the Python pre-filter, and for lines that are not
        JSON in a journal); else Python scans blocks for them. Same counts, same findings.
        A must-gather's ``host_service_logs/masters/kubelet_service.log`` is
        ``feed_file(path, "", "kubelet.service", "journal-text", origin=...)``."""
        wanted = self._prefilter(source, fmt)
        grep = shutil.which("grep") if use_grep else None
        if grep is None:
            return self._feed_blocks(path, host, source, fmt, wanted, origin)
        rules = self.catalog.rules_for(source)
        counts = {"lines": 0, "examined": 0, "not_json": 0}
        alternatives = [re.escape(w).replace("\\ ", " ") for w in wanted.literals]
        if fmt == "journal":
            alternatives.append("^[^{]")
        proc = subprocess.Popen(
            [grep, "-a", "-i", "-E", "|".join(alternatives) or "^$", "--", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "LC_ALL": "C"},
        )
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                if fmt == "journal" and line[:1] != b"{":
                    if line == b"\n":
                        continue
                    counts["not_json"] += 1
                    if not wanted(line):
                        continue
                counts["examined"] += 1
                self.classify(self._parse(line, fmt), host, source, rules)
        proc.wait()
        if proc.returncode not in (0, 1):  # 1: no line matched
            raise OSError(f"grep failed on {path} (exit {proc.returncode})")
        counts["lines"] = _count_lines(path)
        return self._done(host, source, fmt, counts, "grep", origin)

    def _feed_blocks(
        self,
        path: str | Path,
        host: str,
        source: str,
        fmt: str,
        wanted: _Prefilter,
        origin: str | None = None,
    ) -> dict[str, int]:
        """The pure-Python scan: per block, ``bytes.find`` for each literal in the
        lower-cased block (of :data:`BLOCK` bytes); only the lines holding one are parsed, in
        file order."""
        rules = self.catalog.rules_for(source)
        counts = {"lines": 0, "examined": 0, "not_json": 0}
        journal = fmt == "journal"
        carry = b""
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(BLOCK)
                block = carry + chunk
                if chunk:
                    cut = block.rfind(b"\n") + 1
                    if cut == 0:  # one long line so far: read on
                        carry = block
                        continue
                    block, carry = block[:cut], block[cut:]
                else:
                    carry = b""
                    if not block:
                        break
                    if not block.endswith(b"\n"):
                        block += b"\n"
                low = block.lower()
                starts: set[int] = set()
                for needle in wanted.needles:
                    starts.update(_line_starts(low, needle))
                n = block.count(b"\n")
                counts["lines"] += n
                if journal:
                    counts["not_json"] += (
                        n - (block[:1] == b"{") - block.count(b"\n{") - _blank_lines(block)
                    )
                for start in sorted(starts):
                    counts["examined"] += 1
                    self.classify(
                        self._parse(block[start : block.find(b"\n", start) + 1], fmt),
                        host,
                        source,
                        rules,
                    )
                if not chunk:
                    break
        return self._done(host, source, fmt, counts, "python", origin)

    def _done(
        self,
        host: str,
        source: str,
        fmt: str,
        counts: dict[str, int],
        how: str,
        origin: str | None = None,
    ) -> dict[str, int]:
        for name, value in counts.items():
            self.stats[name] += value
        entry: dict[str, Any] = {
            "host": host,
            "source": source,
            "format": fmt,
            "prefilter": how,
            **counts,
        }
        if origin is not None:
            entry["origin"] = origin
        self.sources.append(entry)
        return counts

    @staticmethod
    def _parse(line: bytes | str, fmt: str) -> LogRecord:
        if fmt == "journal":
            return parse_journal_json(line) or parse_journal_text_line(line)
        if fmt in ("journal-text", "syslog"):
            return parse_syslog_line(line)
        if fmt == "installer":
            return parse_installer_line(line)
        if fmt == "auto":
            return parse_any_line(line)
        return LogRecord(message=as_text(line))

    def classify(
        self, rec: LogRecord, host: str, source: str, rules: SourceRules | None = None
    ) -> str:
        """Judge one record: 'event', 'resolve', 'benign', 'open', 'unknown' or 'quiet'.
        With ``source`` ``ANY_SOURCE`` a record that names its unit gets that unit's rules;
        an empty ``host`` is the record's own host."""
        if source == ANY_SOURCE and rec.unit:
            rules = self.catalog.rules_for(rec.unit)
        else:
            rules = rules or self.catalog.rules_for(source)
        host = host or rec.host or ""
        msg = rec.message
        # a stream fed as one unit's journal is that unit (kubelet_service.log is kubelet.service,
        # though its lines name kubenswrapper); a file of several units names each line's own
        unit = (rec.unit or source) if source == ANY_SOURCE else source
        verdict = "quiet"
        for ev in rules.events:
            if any(h in msg for h in ev.hints) and ev.pattern.search(msg):
                self.events.add(ev.id)
                verdict = "event"
        for pattern, hints, entry_ids in rules.resolvers:
            if any(h in msg for h in hints) and (m := pattern.search(msg)):
                key = m.groupdict().get("key") or ""
                for eid in entry_ids:
                    group = self.open.pop((eid, host, key), None)
                    if group is not None:
                        self.stats["resolved"] += group.count
                        verdict = "resolve"
        for entry in rules.entries:
            if (
                any(h in msg for h in entry.hints)
                and (m := entry.pattern.search(msg))
                and self._when(entry, m)
            ):
                if entry.failure:
                    self._failure(entry, m.groupdict().get("key") or "", host, unit, rec)
                    return "failure"
                if entry.resolve is None:
                    self.stats["benign"] += 1
                    return "benign"
                self._open(entry, m.groupdict().get("key") or "", host, unit, rec)
                return "open"
        if verdict == "quiet" and self._is_error(rec):
            self._unknown(rec, host, unit)
            return "unknown"
        return verdict

    def _when(self, entry: Entry, m: re.Match[str]) -> bool:
        outside = entry.when.get("key_not_in")
        if outside is not None:  # only with the context to tell (an inventory): else never
            known = self.context.get(outside, frozenset())
            key = (m.group("key") or "").lower()
            return bool(known) and key not in known and key.split(".", 1)[0] not in known
        group = entry.when.get("server_in")
        if group is None:
            return True
        server = m.group("server")
        names = self.context.get(group, frozenset())
        return server in names or server.split(".", 1)[0] in names

    def _is_error(self, rec: LogRecord) -> bool:
        if rec.priority is not None and rec.priority <= self.catalog.max_priority:
            return True
        if rec.level in ERROR_LEVELS:
            return True
        return self.catalog.error_search(rec.message)

    def _open(self, entry: Entry, key: str, host: str, unit: str, rec: LogRecord) -> None:
        gkey = (entry.id, host, key)
        group = self.open.get(gkey)
        if group is None:
            if len(self.open) >= self.catalog.max_open_keys:
                self.stats["dropped"] += 1
                return
            group = self.open[gkey] = Group(
                entry.id, "unresolved", entry.pattern.pattern, key, host, unit, rec, entry.reason
            )
        group.add(rec)

    def _failure(self, entry: Entry, key: str, host: str, unit: str, rec: LogRecord) -> None:
        gkey = (entry.id, host, unit, key)
        group = self.failures.get(gkey)
        if group is None:
            if len(self.failures) >= self.catalog.max_groups:
                self.stats["dropped"] += 1
                return
            group = self.failures[gkey] = Group(
                entry.id, "failure", entry.pattern.pattern, key, host, unit, rec, entry.reason
            )
            group.points_to = list(entry.points_to)
        group.add(rec)
        self.stats["failure"] += 1

    def _unknown(self, rec: LogRecord, host: str, unit: str) -> None:
        shape = template(rec.message)
        gkey = (shape, host, unit)
        group = self.unknown.get(gkey)
        if group is None:
            if len(self.unknown) >= self.catalog.max_groups:
                gkey = ("(more unknown lines than max_groups)", host, unit)
                group = self.unknown.get(gkey)
            if group is None:
                group = self.unknown[gkey] = Group(
                    unknown_id(gkey[0]),
                    "unknown",
                    gkey[0],
                    "",
                    host,
                    unit,
                    rec,
                    "looks like an error and matches no catalog entry",
                )
        group.add(rec)
        self.stats["unknown"] += 1

    # ------------------------------------------------------------------ results

    def findings(self) -> dict[str, Any]:
        """findings.json: unresolved and unknown lines, grouped, with a summary."""
        out: list[dict[str, Any]] = []
        resolved_by_event = 0
        for group in self.open.values():
            entry = self.catalog.entry(group.id)
            if entry.resolve and entry.resolve.event and entry.resolve.event in self.events:
                resolved_by_event += group.count
                continue
            item = group.as_json()
            item["reason"] = _unresolved_reason(entry)
            item["points_to"] = list(entry.points_to)
            out.append(item)
        out += [g.as_json() for g in self.failures.values()]
        out += [g.as_json() for g in self.unknown.values()]
        out.sort(key=lambda f: (f["host"], f["unit"], f["first"] or "", f["id"], f["key"]))
        stats = dict(self.stats)
        stats["resolved"] += resolved_by_event
        stats["unresolved"] = sum(f["count"] for f in out if f["kind"] == "unresolved")
        return {
            "catalog": {"path": self.catalog.path, "version": self.catalog.version},
            "summary": stats,
            "events": sorted(self.events),
            "sources": self.sources,
            "findings": out,
        }


def unknown_id(shape: str) -> str:
    """The stable id of a group of unknown lines: a hash of its shape (the same shape gives the
    same id in every run and bundle, so a cause or a fleet can name it).

    >>> unknown_id('error: "*" timed out after N s')
    'unknown-151f22cb0e'
    """
    return "unknown-" + _sha256(shape.encode("utf-8", "replace")).hexdigest()[:10]


def _sha256(data: bytes) -> Any:
    """SHA-256 from CPython's own module when it has one: hashlib loads OpenSSL's libcrypto,
    3.5 MiB of resident memory for a ten-character id."""
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # Python >= 3.12
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found, no-redef]
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment]
    return sha256(data)


def _unresolved_reason(entry: Entry) -> str:
    r = entry.resolve
    assert r is not None
    wanted = []
    if r.pattern is not None:
        wanted.append(f"a later line matching {r.pattern.pattern!r} with the same key")
    if r.event:
        wanted.append(f"the event {r.event}")
    return f"benign only after {' or '.join(wanted)}, which never came ({entry.reason})"
