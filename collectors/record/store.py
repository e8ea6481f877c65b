"""The record of a live run's facts: written while checks gather, carried in a bundle's
``facts/``, read back by a run over the bundle.

A live run with ``--bundle`` gives its :class:`~collectors.site.Site` a :class:`Recorder`: each
check's subjects, and for each subject what its gather function returned or raised, are
appended (one JSON line each, :mod:`collectors.record.codec`) to a file of the process in a
folder the xdist workers share. The bundle then holds ``facts/index.json`` (format, tool,
inventory digest, created, checks) and one ``facts/<check>.json`` per check::

    {"check": "lb.port", "subjects": {"list": [...], "problem": null, "at": "..."},
     "facts": {"api:6443": {"at": "2026-12-06T03:00:00+00:00", "value": {...}}}}

A run over the bundle opens it with :func:`open_record`; :class:`FactRecord` answers each check
and subject from it, and a check whose file is missing, truncated, malformed or over its cap
errors alone, naming the file.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> rec = Recorder(folder, "main")
>>> rec.fact("lb.port", "api:6443", "2026-12-06T03:00:00+00:00", value=("x", 1))
>>> merged = merge(folder)
>>> merged["lb.port"]["facts"]["api:6443"]["value"]
{'__tuple__': ['x', 1]}

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors import settings
from collectors.errors import FactError, NotApplicable
from collectors.record.codec import CodecError, decode, encode

#: The record's format; a bundle of another format is refused, naming it.
FORMAT = 1
FOLDER = "facts"
INDEX = "index.json"


class RecordError(FactError):
    """The bundle's record cannot answer: missing, malformed, over a cap, or of another site."""


class Recorder:
    """Appends this process's subjects and facts to ``<folder>/<process>.jsonl``."""

    def __init__(self, folder: str | Path, process: str) -> None:
        self.path = Path(folder) / f"{process}.jsonl"
        self._lock = threading.Lock()

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        if len(line) > settings.RECORD_MAX_BYTES:
            entry = {k: entry[k] for k in ("kind", "check", "subject", "at") if k in entry} | {
                "unrecorded": f"{len(line)} bytes, over the {settings.RECORD_MAX_BYTES} cap"
            }
            line = json.dumps(entry, ensure_ascii=False)
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(line + "\n")

    def subjects(
        self, check: str, subjects: list[str], problem: BaseException | None, at: str
    ) -> None:
        """What listing the check's subjects gave: the list, or the skip or error."""
        self._append(
            {
                "kind": "subjects",
                "check": check,
                "list": subjects,
                "problem": encode_problem(problem),
                "at": at,
            }
        )

    def fact(
        self,
        check: str,
        subject: str,
        at: str,
        *,
        value: Any = None,
        error: BaseException | None = None,
    ) -> None:
        """What the check's gather function returned for ``subject``, or the error it raised."""
        entry: dict[str, Any] = {"kind": "fact", "check": check, "subject": subject, "at": at}
        try:
            if error is not None:
                entry["problem"] = encode_problem(error)
            else:
                entry["value"] = encode(value)
        except CodecError as exc:
            entry.pop("value", None)
            entry["unrecorded"] = str(exc)
        self._append(entry)


def encode_problem(problem: BaseException | None) -> dict[str, Any] | None:
    """A skip or an error as JSON data: ``{"skip": reason}`` or ``{"error": <exception>}`` (the
    record, and the subject table the xdist controller hands its workers).

    >>> decode_problem(encode_problem(NotApplicable("no chrony")))
    NotApplicable('no chrony')
    """
    if problem is None:
        return None
    if isinstance(problem, NotApplicable):
        return {"skip": str(problem)}
    try:
        return {"error": encode(problem)}
    except CodecError:
        plain = FactError(str(problem)).with_source(getattr(problem, "source", ""))
        return {"error": encode(plain)}


def decode_problem(data: Any) -> BaseException | None:
    """The skip or error :func:`encode_problem` gave; CodecError when it is not one."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise CodecError("a problem that is not an object")
    if "skip" in data:
        return NotApplicable(str(data["skip"]))
    exc = decode(data.get("error"))
    if not isinstance(exc, BaseException):
        raise CodecError("a recorded error that is not an exception")
    return exc


def merge(folder: str | Path) -> dict[str, dict[str, Any]]:
    """Every process's lines in ``folder``, by check: ``{"subjects", "facts": {subject: ...}}``.

    A line that does not parse (a process killed mid-write) is left out."""
    checks: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(folder).glob("*.jsonl")):
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(entry, dict) or not isinstance(entry.get("check"), str):
                    continue
                slot = checks.setdefault(entry.pop("check"), {"subjects": None, "facts": {}})
                kind = entry.pop("kind", "")
                if kind == "subjects":
                    slot["subjects"] = entry
                elif kind == "fact" and isinstance(entry.get("subject"), str):
                    slot["facts"][entry.pop("subject")] = entry
    return checks


def bundle_files(
    folder: str | Path,
    *,
    tool: str,
    inventory_sha256: str | None,
    cluster: str | None,
    created: str,
) -> dict[str, Any]:
    """The files of a bundle's ``facts/``: relative path -> JSON data."""
    checks = merge(folder)
    files: dict[str, Any] = {
        f"{FOLDER}/{INDEX}": {
            "format": FORMAT,
            "tool": tool,
            "created": created,
            "inventory": {"sha256": inventory_sha256, "cluster": cluster},
            "checks": {
                cid: {"file": f"{cid}.json", "facts": len(data["facts"])}
                for cid, data in sorted(checks.items())
            },
        }
    }
    for cid, data in sorted(checks.items()):
        files[f"{FOLDER}/{cid}.json"] = {"check": cid, **data}
    return files


# ---------------------------------------------------------------------------- reading back


def record_wanted(path: str) -> str | None:
    """What a snapshot reader keeps for the record: the ``facts/*.json`` files of a bundle."""
    parts = path.split("/")
    if len(parts) >= 2 and parts[-2] == FOLDER and parts[-1].endswith(".json"):
        return "object"
    return None


@dataclass(frozen=True)
class Answer:
    """What the record says for one question: a value, a skip, or an error (with its time)."""

    at: str
    value: Any = None
    problem: BaseException | None = None

    def time(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.at)
        except (TypeError, ValueError):
            return None


class FactRecord:
    """The facts of a bundle, answered by check and subject; each check's file read when a
    check first asks, so one broken file errors that check alone."""

    def __init__(self, read: Callable[[str], bytes], where: Callable[[str], str], root: str):
        self._read = read
        self._where = where
        self.root = root
        self.index = self._load(INDEX)
        if not isinstance(self.index, dict) or self.index.get("format") != FORMAT:
            found = self.index.get("format") if isinstance(self.index, dict) else None
            raise RecordError(
                f"{where(self._rel(INDEX))}: a record of format {found!r}, not {FORMAT}: "
                "made by another version of the suite"
            ).with_remediation("check the bundle with the suite version that made it")
        self.checks = self.index.get("checks")
        if not isinstance(self.checks, dict):
            raise RecordError(f"{where(self._rel(INDEX))}: no 'checks' object")
        self._files: dict[str, dict[str, Any] | RecordError] = {}
        self._lock = threading.Lock()
        #: Why this record may not answer for this run's inventory (set by :meth:`bind`).
        self.refused: RecordError | None = None

    def _rel(self, name: str) -> str:
        return f"{self.root}{FOLDER}/{name}"

    def _load(self, name: str) -> Any:
        rel = self._rel(name)
        try:
            data = self._read(rel)
        except KeyError:
            raise RecordError(f"{self._where(rel)}: not in the bundle") from None
        except FactError as exc:
            raise RecordError(str(exc)).with_remediation(exc.remediation) from None
        if len(data) > settings.RECORD_MAX_BYTES:
            raise RecordError(
                f"{self._where(rel)}: {len(data)} bytes, over the {settings.RECORD_MAX_BYTES} "
                "read of one record file (UPI_RECORD_MAX_BYTES)"
            )
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise RecordError(
                f"{self._where(rel)}: not a JSON record, truncated or damaged "
                f"({type(exc).__name__}: {str(exc)[:120]})"
            ).with_remediation(
                "make the bundle again on the site, or check the live site"
            ) from None

    def bind(self, inventory_sha256: str | None, cluster: str | None) -> None:
        """Refuse to answer for another inventory than the one the record was made with."""
        made = self.index.get("inventory") if isinstance(self.index.get("inventory"), dict) else {}
        if made.get("sha256") and inventory_sha256 and made["sha256"] != inventory_sha256:
            self.refused = RecordError(
                f"{self._where(self._rel(INDEX))}: recorded with another inventory "
                f"(cluster {made.get('cluster')!s}, sha256 {str(made['sha256'])[:12]}...) than "
                f"this run's (cluster {cluster}, sha256 {inventory_sha256[:12]}...): its facts "
                "do not answer for this one"
            ).with_remediation(
                "run with the inventory the bundle was made with (manifest.json names its path)"
            )

    def holds(self, check: str) -> bool:
        return check in self.checks

    def _check(self, check: str) -> dict[str, Any]:
        with self._lock:
            found = self._files.get(check)
            if found is None:
                try:
                    data = self._load(f"{check}.json")
                    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
                        raise RecordError(
                            f"{self._where(self._rel(check + '.json'))}: not a check's record "
                            "(no 'facts' object)"
                        )
                    found = data
                except RecordError as exc:
                    found = exc
                self._files[check] = found
        if isinstance(found, RecordError):
            raise found
        return found

    def subjects(self, check: str) -> tuple[list[str], BaseException | None] | None:
        """The check's subjects as the live run listed them, or None when not recorded."""
        if self.refused is not None:
            raise self.refused
        if not self.holds(check):
            return None
        entry = self._check(check).get("subjects")
        if not isinstance(entry, dict):
            return None
        listed = entry.get("list")
        if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
            raise RecordError(f"{self._where(self._rel(check + '.json'))}: subjects not a list")
        return listed, self._problem(check, entry.get("problem"))

    def fact(self, check: str, subject: str) -> Answer | None:
        """What the live run gathered for ``check`` and ``subject``; None when not recorded."""
        if self.refused is not None:
            raise self.refused
        if not self.holds(check):
            return None
        entry = self._check(check)["facts"].get(subject)
        if entry is None:
            return None
        where = f"{self._where(self._rel(check + '.json'))}: {subject}"
        if not isinstance(entry, dict):
            raise RecordError(f"{where}: not an object")
        at = str(entry.get("at", ""))
        if "unrecorded" in entry:
            raise RecordError(f"{where}: not recorded by the live run ({entry['unrecorded']})")
        problem = self._problem(check, entry.get("problem"), subject)
        if problem is not None:
            return Answer(at, problem=problem)
        if "value" not in entry:
            raise RecordError(f"{where}: neither a value nor a problem")
        try:
            return Answer(at, value=decode(entry["value"]))
        except (CodecError, RecursionError) as exc:
            raise RecordError(f"{where}: {exc}") from None

    def _problem(self, check: str, data: Any, subject: str = "") -> BaseException | None:
        try:
            return decode_problem(data)
        except (CodecError, RecursionError) as err:
            where = f"{self._where(self._rel(check + '.json'))}{': ' + subject if subject else ''}"
            raise RecordError(f"{where}: {err}") from None


def open_record(path: str | Path) -> FactRecord | None:
    """The record inside the bundle at ``path`` (a folder or an archive); None when it holds
    none (a must-gather, or a bundle made without a run); RecordError when it is damaged."""
    from collectors.cluster.tree import open_tree

    tree = open_tree(path, record_wanted)
    index = sorted(
        (p for p in tree.paths() if p == f"{FOLDER}/{INDEX}" or p.endswith(f"/{FOLDER}/{INDEX}")),
        key=len,
    )
    if not index:
        if getattr(tree, "damaged", ""):
            raise RecordError(f"{path}: {tree.damaged}; no facts/{INDEX} read")
        return None
    root = index[0][: -len(f"{FOLDER}/{INDEX}")]

    present = set(tree.paths())

    def read(rel: str) -> bytes:
        if rel not in present:
            raise KeyError(rel)
        return tree.read(rel)

    return FactRecord(read, tree.where, root)


#: Why a check that reads the site is skipped on a snapshot without a record.
NO_NETWORK = (
    "needs the site's network: not in this snapshot; run on the bastion, or check a bundle "
    "made there (--bundle), or add --live to probe the site from this machine"
)


def inventory_digest(path: str | Path) -> str | None:
    """The sha256 of the inventory file a record answers for (None when unreadable)."""
    import hashlib

    from collectors import localfile

    try:
        return hashlib.sha256(localfile.read_bytes(path)).hexdigest()
    except FactError:
        return None


def describe_missing(check: str, subject: str) -> str:
    """The skip reason of a question the record does not hold."""
    return (
        f"not in this bundle's record: {check} [{subject}] was not gathered by the run that made "
        "it (run that check on the bastion with --bundle, or add --live to probe from here)"
    )


def now_text() -> str:
    from datetime import UTC

    return datetime.now(UTC).isoformat(timespec="microseconds")
