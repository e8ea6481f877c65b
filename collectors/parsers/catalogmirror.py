"""``mapping.txt`` of ``oc adm catalog mirror`` and oc-mirror: one ``SOURCE=DEST`` per line
(``oc image mirror -f`` also reads ``SOURCE DEST``), blank lines and ``#`` comments allowed.

A source by digest is pushed under a made-up tag (``:d606ba16``), so the image to look for in
the mirror is the destination repository at the source's digest; a source by tag keeps its tag.
A line that does not parse is recorded with its number and the rest is read on.

>>> text = ("registry.redhat.io/ocs4/mcg@sha256:" + "e" * 64 + "=m:5000/ocs4/mcg:a254b698\\n"
...         "quay.io/pusher/oauth2_proxy:latest=m:5000/pusher/oauth2_proxy:latest\\n"
...         "not a mapping line\\n")
>>> m = parse_mapping(text, "mapping.txt")
>>> [str(e.wanted)[:25] for e in m.entries], [str(p) for p in m.problems]
(['m:5000/ocs4/mcg@sha256:ee', 'm:5000/pusher/oauth2_prox'], ['mapping.txt:3: not SOURCE=DEST'])

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from collectors.errors import InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference


@dataclass(frozen=True, slots=True)
class MappingEntry:
    """One line: where the image came from, where it was pushed, and the line number."""

    source: ImageRef
    dest: ImageRef
    line: int

    @property
    def wanted(self) -> ImageRef:
        """What the mirror must hold: the destination at the source's digest, else its tag."""
        if self.source.digest:
            return ImageRef(self.dest.registry, self.dest.repository, None, self.source.digest)
        return self.dest


@dataclass(frozen=True)
class Mapping:
    """The entries that parsed, and one InputError (file and line) per line that did not."""

    entries: tuple[MappingEntry, ...]
    problems: tuple[InputError, ...]


def _split(line: str) -> tuple[str, str] | None:
    if "=" in line:
        source, _, dest = line.partition("=")
    else:
        parts = line.split()
        if len(parts) != 2:
            return None
        source, dest = parts
    source, dest = source.strip(), dest.strip()
    if not source or not dest or " " in source or " " in dest:
        return None
    return source, dest


def parse_line(line: str, where: str, number: int) -> MappingEntry | None:
    """One line as an entry; None for a blank line or a comment; InputError if it is bad."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    pair = _split(text)
    if pair is None:
        raise InputError(where, "not SOURCE=DEST", line=number)
    refs = []
    for side, value in zip(("source", "destination"), pair, strict=True):
        if value.startswith("file://"):
            raise InputError(
                where,
                f"the {side} {value} is a local folder, not a registry (mirror it to the "
                "registry first)",
                line=number,
            )
        try:
            refs.append(parse_reference(value))
        except ImageRefError as exc:
            raise InputError(where, f"bad {side}: {exc}", line=number) from None
    return MappingEntry(refs[0], refs[1], number)


def iter_mapping(lines: Iterable[str], where: str) -> Iterator[MappingEntry | InputError]:
    """Each line's entry, or the InputError (file and line) of a line that does not parse, in
    file order; blank lines and comments yield nothing. What a caller streaming a mapping of any
    size reads (mirror.operators keeps only the lines the mirror lacks)."""
    for number, line in enumerate(lines, 1):
        try:
            entry = parse_line(line, where, number)
        except InputError as exc:
            yield exc
            continue
        if entry is not None:
            yield entry


def parse_mapping(text: str, where: str) -> Mapping:
    """Every line of a mapping file; bad lines become problems, the others entries."""
    entries: list[MappingEntry] = []
    problems: list[InputError] = []
    for item in iter_mapping(text.splitlines(), where):
        (problems if isinstance(item, InputError) else entries).append(item)  # type: ignore[arg-type]
    return Mapping(tuple(entries), tuple(problems))
