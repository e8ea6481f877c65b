"""The check catalog kept between runs, so that ``upi-conformance --list-checks`` answers without
importing the check modules and every collector they import (most of its start-up time).

What is kept is what :func:`reports.catalog.load_checks` returns, each check's metadata as JSON
in the user's cache folder, beside a fingerprint of every file it can come from: each ``.py``
under ``checks/`` and ``collectors/`` (their content and names). A changed, added or removed
file is another fingerprint, and the checks are imported again (a broken module is then named
as before); a kept file that does not read back whole is ignored the same way. Writing it is
best effort: a read-only cache folder only makes the next listing import again.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> first = cached_checks(folder)          # imports the checks, keeps them
>>> kept = cached_checks(folder)           # reads them back
>>> (folder / FILE_NAME).is_file(), [s.title for s in kept] == [s.title for s in first]
(True, True)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from checks.base import CheckSpec

ROOT = Path(__file__).resolve().parent.parent
#: The folders whose sources make the checks' metadata (the checks, and the constants they name).
SOURCES = (ROOT / "checks", ROOT / "collectors")
FILE_NAME = "checks-catalog.json"
#: A kept catalog larger than this is not read (the suite's is about 60 KB).
MAX_BYTES = 4 * 1024 * 1024
#: The metadata kept: what listing a check prints and selects it by.
TEXT_FIELDS = ("id", "title", "subject", "fails_when", "remediation", "module", "function")
LIST_FIELDS = ("markers", "requires")


def fingerprint(roots: Iterable[Path] = SOURCES) -> str:
    """A digest of every ``.py`` file under ``roots``: its path below its root and its content.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "a.py").write_text("X = 1\\n")
    >>> before = fingerprint([root])
    >>> _ = (root / "a.py").write_text("X = 2\\n")
    >>> before == fingerprint([root])
    False
    """
    digest = hashlib.sha256()
    for root in roots:
        digest.update(f"{root.name}\0".encode())
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = Path(folder, name)
                digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
                digest.update(path.read_bytes())
                digest.update(b"\0")
    return digest.hexdigest()


def _listed_only(site: Any) -> list[str]:
    raise RuntimeError("a check read from the kept catalog has no subjects: import its module")


def encode(specs: list[CheckSpec], stamp: str) -> str:
    """The catalog as kept: the fingerprint, then each check's metadata in catalog order."""
    checks = [
        {
            **{name: getattr(spec, name) for name in TEXT_FIELDS},
            **{name: list(getattr(spec, name)) for name in LIST_FIELDS},
            "reads_site": spec.reads_site,
        }
        for spec in specs
    ]
    return json.dumps({"fingerprint": stamp, "checks": checks}, separators=(",", ":"))


def decode(text: str, stamp: str) -> list[CheckSpec] | None:
    """The kept checks when ``text`` is a whole catalog of this fingerprint, else None.

    >>> decode(encode([], "abc"), "abc"), decode(encode([], "abc"), "other")
    ([], None)
    >>> decode('{"fingerprint": "abc", "checks": [{"id": 1}]}', "abc") is None
    True
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != stamp:
        return None
    checks = data.get("checks")
    if not isinstance(checks, list):
        return None
    out = []
    for item in checks:
        if not (
            isinstance(item, dict)
            and set(item) == {*TEXT_FIELDS, *LIST_FIELDS, "reads_site"}
            and all(isinstance(item[name], str) for name in TEXT_FIELDS)
            and all(
                isinstance(item[name], list) and all(isinstance(v, str) for v in item[name])
                for name in LIST_FIELDS
            )
            and isinstance(item["reads_site"], bool)
        ):
            return None
        out.append(
            CheckSpec(
                **{name: item[name] for name in TEXT_FIELDS},
                **{name: tuple(item[name]) for name in LIST_FIELDS},
                reads_site=item["reads_site"],
                subjects=_listed_only,
            )
        )
    return out


def _read(path: Path) -> str | None:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES:
        return None
    return data.decode("utf-8", errors="replace")


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        pass  # only a faster next listing is lost


def cached_checks(folder: Path) -> list[CheckSpec]:
    """Every check's metadata, in catalog order: from ``folder`` when kept there for these
    sources, else by importing the checks (:func:`reports.catalog.load_checks`, which raises
    :class:`reports.catalog.CatalogError` naming a broken module), then kept there."""
    path = folder / FILE_NAME
    stamp = fingerprint()
    text = _read(path)
    kept = decode(text, stamp) if text is not None else None
    if kept is not None:
        return kept
    from reports.catalog import load_checks

    specs = load_checks()
    _write(path, encode(specs, stamp))
    return specs
