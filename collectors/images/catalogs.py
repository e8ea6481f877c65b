"""Operator catalogs as mirrored: the manifests folder ``oc adm catalog mirror`` writes
(``mapping.txt``, ``imageContentSourcePolicy.yaml``, ``catalogSource.yaml``) or an oc-mirror
results folder (``results-<time>/`` with ``mapping.txt``, ICSP or IDMS/ITMS YAML and
``catalogSource-*.yaml``), read with a size cap per file (``settings.CATALOG_FILE_MAX_BYTES``).

A folder named in ``mirror.catalogs`` may be the manifests folder itself, an oc-mirror workspace
(``oc-mirror-workspace/``) or the folder above it: the newest ``results-*`` holding a
``mapping.txt`` is read. The catalog's name (a check's subject) is the name of the folder
holding ``mapping.txt``.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()) / "redhat-operators-manifests"
>>> d.mkdir()
>>> _ = (d / "mapping.txt").write_text("quay.io/a/b:1=m:5000/a/b:1\\n")
>>> _ = (d / "catalogSource.yaml").write_text(
...     "apiVersion: operators.coreos.com/v1alpha1\\nkind: CatalogSource\\n"
...     "metadata: {name: redhat-operators, namespace: openshift-marketplace}\\n"
...     "spec: {sourceType: grpc, image: 'm:5000/olm/index:v1'}\\n")
>>> c = read_catalog(d)
>>> c.name, c.layout, len(c.mapping.entries), c.catalog_sources[0].image
('redhat-operators-manifests', 'oc adm catalog mirror', 1, 'm:5000/olm/index:v1')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from collectors import localfile, settings
from collectors.errors import InputError
from collectors.images.mirrors import MirrorRule, rules_from_resource
from collectors.parsers.catalogmirror import Mapping, parse_mapping

MAPPING = "mapping.txt"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESULTS = re.compile(r"^results-(\d+)$")
RULE_KINDS = ("ImageContentSourcePolicy", "ImageDigestMirrorSet", "ImageTagMirrorSet")


@dataclass(frozen=True)
class CatalogSourceDoc:
    """A CatalogSource the mirroring wrote: where it goes in the cluster and its index image."""

    name: str
    namespace: str
    image: str
    file: str


@dataclass(frozen=True)
class CatalogManifests:
    """One mirrored catalog: its mapping, the mirror rules and CatalogSources written with it,
    and every part that did not parse (file and line or key)."""

    name: str
    folder: Path
    layout: str
    mapping: Mapping
    rules: tuple[MirrorRule, ...]
    rule_files: tuple[str, ...]
    catalog_sources: tuple[CatalogSourceDoc, ...]
    problems: tuple[InputError, ...]
    #: files left unread: links pointing outside the configured folder (never opened)
    skipped: tuple[str, ...] = ()
    #: the configured folder, resolved: every file read lies inside it
    root: str = ""


def inside(root: str, path: Path | str) -> bool:
    """Whether ``path``, its links followed, lies in the folder ``root`` (a resolved path).

    >>> inside("/srv/cat", "/srv/cat/mapping.txt"), inside("/srv/cat", "/srv/catalog/x")
    (True, False)
    """
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip("/") + "/")


def outside(path: Path, root: str) -> InputError:
    """The error of a link that leads out of the catalog folder ``root``: it is never read."""
    return InputError(
        str(path), f"a link pointing outside the catalog folder {root}: skipped, not read"
    )


def open_inside(path: Path, root: str | None) -> BinaryIO:
    """``path`` opened (a regular file, see :func:`localfile.open_regular`) if it lies inside
    ``root`` before and once opened; InputError naming it as a link pointing outside else."""
    if root and not inside(root, path):
        raise outside(path, root)
    fh = localfile.open_regular(path)
    opened = f"/proc/self/fd/{fh.fileno()}"
    if root and os.path.exists(opened) and not inside(root, opened):  # swapped meanwhile
        fh.close()
        raise outside(path, root)
    return fh


def read_capped(path: Path, limit: int | None = None, root: str | None = None) -> str:
    """A text file's content, refusing one larger than ``limit`` or, given ``root``, one whose
    links lead outside it (InputError naming it)."""
    cap = limit if limit is not None else settings.CATALOG_FILE_MAX_BYTES
    with open_inside(path, root) as fh:
        try:
            data = fh.read(min(os.fstat(fh.fileno()).st_size, cap) + 1)  # never the whole cap
        except OSError as exc:
            raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if len(data) > cap:
        raise InputError(str(path), f"larger than {cap} bytes (UPI_CATALOG_FILE_MAX_BYTES)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start})") from None


def _results(folder: Path, root: str) -> list[Path]:
    """The ``results-*`` folders holding a mapping.txt, oldest first; one reached by a link out
    of ``root`` is left out."""
    try:
        found = [
            p
            for p in folder.iterdir()
            if _RESULTS.match(p.name) and p.is_dir() and (p / MAPPING).is_file() and inside(root, p)
        ]
    except OSError:
        return []
    return sorted(found, key=lambda p: int(_RESULTS.match(p.name).group(1)))  # type: ignore[union-attr]


def mapping_folder(configured: Path) -> Path:
    """The folder holding the catalog's mapping.txt (see the module doc); InputError naming
    ``configured`` when there is none."""
    if not configured.is_dir():
        what = "does not exist" if not configured.exists() else "is not a folder"
        raise InputError(str(configured), f"mirror.catalogs: {what}")
    if (configured / MAPPING).is_file() or (configured / MAPPING).is_symlink():
        return configured
    root = os.path.realpath(configured)
    for base in (configured, configured / "oc-mirror-workspace"):
        results = _results(base, root) if inside(root, base) else []
        if results:
            return results[-1]
    raise InputError(
        str(configured),
        f"mirror.catalogs: no {MAPPING} here nor in a results-*/ folder (name the folder "
        "`oc adm catalog mirror` wrote, <catalog>-manifests, or oc-mirror's workspace)",
    )


def catalog_name(configured: Path) -> str:
    """The subject for a configured folder: the name of its mapping folder (the configured
    name itself when it cannot be read: the check then errors saying why)."""
    try:
        return mapping_folder(configured).name
    except InputError:
        return configured.name


def _documents(path: Path, root: str | None = None) -> list[Any]:
    text = read_capped(path, root=root)
    try:
        return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            str(path),
            f"not YAML ({getattr(exc, 'problem', None) or type(exc).__name__})",
            line=mark.line + 1 if mark else None,
        ) from None


def _catalog_source(doc: dict[str, Any], file: str) -> CatalogSourceDoc:
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    if not isinstance(meta, dict) or not isinstance(spec, dict) or not meta.get("name"):
        raise InputError(file, "a CatalogSource without metadata.name", key="metadata.name")
    return CatalogSourceDoc(
        str(meta["name"]),
        str(meta.get("namespace") or "openshift-marketplace"),
        str(spec.get("image") or ""),
        file,
    )


def mapping_lines(path: Path, limit: int | None = None, root: str | None = None) -> Iterator[str]:
    """``mapping.txt`` one line at a time, so a mapping of any size costs one line of memory:
    a regular file only (a fifo would never end), at most ``limit`` bytes
    (``settings.CATALOG_FILE_MAX_BYTES``), UTF-8, inside ``root`` when given; InputError naming
    the file otherwise."""
    cap = limit if limit is not None else settings.CATALOG_FILE_MAX_BYTES
    with open_inside(path, root) as fh:
        too_big = f"larger than {cap} bytes (UPI_CATALOG_FILE_MAX_BYTES)"
        if os.fstat(fh.fileno()).st_size > cap:
            raise InputError(str(path), too_big)
        seen = 0
        for number, raw in enumerate(fh, 1):
            seen += len(raw)
            if seen > cap:  # it grew while being read
                raise InputError(str(path), too_big)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                what = f"not UTF-8 text (byte {exc.start})"
                raise InputError(str(path), what, line=number) from None


def read_catalog(configured: Path, *, mapping: bool = True) -> CatalogManifests:
    """Read one catalog (see the module doc). A folder without a mapping raises InputError;
    a bad line or YAML file is recorded in ``problems`` and the rest is read. With
    ``mapping=False`` mapping.txt is left for the caller to stream (``mapping_lines``)."""
    folder = mapping_folder(configured)
    root = os.path.realpath(configured)
    if not inside(root, folder / MAPPING):  # the file the check needs: an error, never read
        raise outside(folder / MAPPING, root)
    problems: list[InputError] = []
    parsed = Mapping((), ())
    if mapping:
        parsed = parse_mapping(read_capped(folder / MAPPING, root=root), str(folder / MAPPING))
    problems += parsed.problems
    rules: list[MirrorRule] = []
    rule_files: list[str] = []
    sources: list[CatalogSourceDoc] = []
    skipped: list[str] = []
    for path in sorted(folder.glob("*.y*ml")):
        if not inside(root, path):
            skipped.append(str(outside(path, root)))
            continue
        try:
            docs = _documents(path, root)
        except InputError as exc:
            problems.append(exc)
            continue
        for i, doc in enumerate(docs):
            is_list = isinstance(doc, dict) and doc.get("kind") == "List"
            items = doc.get("items") if is_list else [doc]
            for item in items or []:
                kind = item.get("kind") if isinstance(item, dict) else None
                try:
                    if kind in RULE_KINDS:
                        rules += rules_from_resource(item, f"{path} document {i + 1}")
                        rule_files.append(path.name)
                    elif kind == "CatalogSource":
                        sources.append(_catalog_source(item, str(path)))
                except InputError as exc:
                    problems.append(exc)
    oc_mirror = bool(_RESULTS.match(folder.name)) or any(
        p.name.startswith("catalogSource-") for p in folder.glob("catalogSource-*.yaml")
    )
    return CatalogManifests(
        name=folder.name,
        folder=folder,
        layout="oc-mirror" if oc_mirror else "oc adm catalog mirror",
        mapping=parsed,
        rules=tuple(rules),
        rule_files=tuple(dict.fromkeys(rule_files)),
        catalog_sources=tuple(sources),
        problems=tuple(problems),
        skipped=tuple(skipped),
        root=root,
    )
