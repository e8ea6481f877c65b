"""oc-mirror v2 workspaces: what ``oc-mirror --v2`` leaves in ``working-dir/`` (layout read from
openshift/oc-mirror's ``internal/pkg``: ``cli/const.go``, ``clusterresources``, ``operator``,
``batch/common.go``, ``cli/dryrun.go``):

- ``cluster-resources/``: ``idms-oc-mirror.yaml``, ``itms-oc-mirror.yaml``, ``cs-<catalog>-<tag>
  .yaml`` (CatalogSource), ``cc-<catalog>-<tag>.yaml`` (OLM v1 ClusterCatalog),
  ``signature-configmap.yaml``, ``updateService.yaml``;
- ``operator-catalogs/<catalog>/<digest>/filtered-catalogs/<filter digest>/catalog-config/
  <package>/catalog.json``: the filtered catalogs' declarative config (a JSON stream; each
  ``olm.bundle`` names its ``image`` and ``relatedImages``): what the run mirrored for operators;
- ``dry-run/mapping.txt`` and ``dry-run/missing.txt`` (``SOURCE=DEST`` lines, ``docker://``
  prefixed) after ``--dry-run``;
- ``logs/mirroring_errors_<timestamp>.txt``: one line per image that failed, ``error mirroring
  image <source> [(Operator bundles: [...] - Operators: [...])] error: <why>``.

A folder named in ``mirror.catalogs`` is a workspace when it is ``working-dir`` itself or holds
one; its subject is the configured folder's name. Every file is read inside the configured
folder (links out are skipped and named), within ``settings.CATALOG_FILE_MAX_BYTES``, YAML
through ``collectors.yamlio``'s bomb checks.

>>> import tempfile, pathlib
>>> w = pathlib.Path(tempfile.mkdtemp()) / "mirror-v2" / "working-dir" / "logs"
>>> w.mkdir(parents=True)
>>> find_working_dir(w.parent.parent).name
'working-dir'
>>> parse_error_line("error mirroring image docker://quay.io/a/b:1 error: manifest unknown")
('quay.io/a/b:1', 'manifest unknown')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors import settings
from collectors.errors import InputError
from collectors.images.catalogs import (
    RULE_KINDS,
    CatalogSourceDoc,
    inside,
    outside,
    read_capped,
)
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference
from collectors.images.mirrors import MirrorRule, rules_from_resource
from collectors.images.seen import Seen

WORKING_DIR = "working-dir"
CLUSTER_RESOURCES = "cluster-resources"
OPERATOR_CATALOGS = "operator-catalogs"
DRY_RUN = "dry-run"
LOGS = "logs"
ERRORS_GLOB = "mirroring_errors_*.txt"
_MARKERS = (CLUSTER_RESOURCES, OPERATOR_CATALOGS, LOGS, DRY_RUN)
_ERROR = re.compile(r"^error mirroring image (\S+)(?: \(Operator bundles: .*?\))? error:\s*(.*)$")
#: files walked under operator-catalogs at most (a workspace holds a few hundred)
MAX_CATALOG_FILES = 20000


def find_working_dir(configured: Path) -> Path | None:
    """``configured`` itself when it is a v2 ``working-dir`` (by name, or holding
    cluster-resources/ or operator-catalogs/), ``configured/working-dir`` when that exists;
    None: not a v2 workspace."""
    candidates = [configured / WORKING_DIR, configured]
    for c in candidates:
        try:
            if not c.is_dir():
                continue
            named = c.name == WORKING_DIR and any((c / m).is_dir() for m in _MARKERS)
            if named or any((c / m).is_dir() for m in _MARKERS[:2]):
                return c
        except OSError:
            continue
    return None


def cluster_catalog_image(obj: dict[str, Any]) -> str:
    """An OLM v1 ClusterCatalog's index image (``spec.source.image.ref``), "" when none.

    >>> cluster_catalog_image({"spec": {"source": {"type": "Image", "image": {"ref": "m/i:1"}}}})
    'm/i:1'
    """
    spec = obj.get("spec") if isinstance(obj, dict) else None
    source = spec.get("source") if isinstance(spec, dict) else None
    image = source.get("image") if isinstance(source, dict) else None
    ref = image.get("ref") if isinstance(image, dict) else None
    return ref if isinstance(ref, str) else ""


def parse_error_line(line: str) -> tuple[str, str] | None:
    """(image, why) of a mirroring_errors line; None for a line of another shape."""
    m = _ERROR.match(line.strip())
    if not m:
        return None
    return m.group(1).removeprefix("docker://"), m.group(2)


@dataclass(frozen=True)
class Workspace:
    """One v2 workspace: the mirror rules and catalogs it generated, what it says it could not
    mirror, and every part that did not read (file and line or key)."""

    name: str
    configured: Path
    working_dir: Path
    root: str
    rules: tuple[MirrorRule, ...]
    rule_files: tuple[str, ...]
    catalog_sources: tuple[CatalogSourceDoc, ...]
    #: "file:line: image: why" for each missing.txt line and logged mirroring error
    not_mirrored: tuple[str, ...]
    not_mirrored_count: int
    dry_run_mapping: Path | None
    #: the filtered catalogs' ``catalog-config`` folders (one per catalog), walked again by
    #: :meth:`catalog_files`: a list of every package's file would grow with the catalog
    catalog_configs: tuple[Path, ...]
    problems: tuple[InputError, ...]
    skipped: tuple[str, ...] = ()

    def catalog_files(self) -> Iterator[Path]:
        """The filtered catalogs' declarative config files, in order; links out of the workspace
        are left out (:func:`read_workspace` named them in ``skipped``)."""
        return _walk_catalog_configs(self.catalog_configs, self.root, None)


def _load_all(text: str, source: str) -> list[Any]:
    """Every document of ``text``, each checked by yamlio (alias bombs, depth) first."""
    import yaml

    from collectors import yamlio

    parser = yamlio.Loader(text)
    docs: list[Any] = []
    try:
        while parser.check_node():
            node = parser.get_node()
            yamlio.check_nodes(node, source)
            docs.append(parser.construct_document(node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InputError(
            source, f"not valid YAML: {problem}", line=mark.line + 1 if mark else None
        ) from None
    except RecursionError:
        raise InputError(source, "nested too deeply to read") from None
    finally:
        parser.dispose()
    return [d for d in docs if d is not None]


def _files(folder: Path, pattern: str, root: str, skipped: list[str]) -> list[Path]:
    out = []
    try:
        found = sorted(folder.glob(pattern))
    except OSError:
        return []
    for path in found:
        if not inside(root, path):
            skipped.append(str(outside(path, root)))
        elif not path.is_dir():  # a fifo or device too: refused when opened, named
            out.append(path)
    return out


def _cluster_resources(
    folder: Path, root: str, problems: list[InputError], skipped: list[str]
) -> tuple[list[MirrorRule], list[str], list[CatalogSourceDoc]]:
    rules: list[MirrorRule] = []
    rule_files: list[str] = []
    sources: list[CatalogSourceDoc] = []
    for path in _files(folder, "*.y*ml", root, skipped):
        try:
            docs = _load_all(read_capped(path, root=root), str(path))
        except InputError as exc:
            problems.append(exc)
            continue
        for i, doc in enumerate(docs):
            kind = doc.get("kind") if isinstance(doc, dict) else None
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
            try:
                if kind in RULE_KINDS:
                    rules += rules_from_resource(doc, f"{path} document {i + 1}")
                    rule_files.append(f"{CLUSTER_RESOURCES}/{path.name}")
                elif kind == "CatalogSource":
                    spec = doc.get("spec") or {}
                    if not name or not isinstance(spec, dict):
                        raise InputError(str(path), "a CatalogSource without metadata.name")
                    namespace = str(meta.get("namespace") or "openshift-marketplace")  # type: ignore[union-attr]
                    sources.append(
                        CatalogSourceDoc(name, namespace, str(spec.get("image") or ""), str(path))
                    )
                elif kind == "ClusterCatalog":
                    if not name:
                        raise InputError(str(path), "a ClusterCatalog without metadata.name")
                    sources.append(
                        CatalogSourceDoc(name, "", cluster_catalog_image(doc), str(path))
                    )
            except InputError as exc:
                problems.append(exc)
    return rules, list(dict.fromkeys(rule_files)), sources


def _not_mirrored(
    working: Path, root: str, problems: list[InputError], skipped: list[str]
) -> tuple[list[str], int]:
    """missing.txt lines and logged mirroring errors, as "file:line: image: why" (the first 50
    kept, all counted)."""
    shown: list[str] = []
    count = 0
    for path in _files(working / DRY_RUN, "missing.txt", root, skipped):
        try:
            text = read_capped(path, root=root)
        except InputError as exc:
            problems.append(exc)
            continue
        for n, line in enumerate(text.splitlines(), 1):
            image = line.strip().partition("=")[0].removeprefix("docker://")
            if image and not image.startswith("#"):
                count += 1
                if len(shown) < 50:
                    shown.append(f"{path.name}:{n}: {image}: listed as missing by the dry run")
    for path in _files(working / LOGS, ERRORS_GLOB, root, skipped):
        try:
            text = read_capped(path, root=root)
        except InputError as exc:
            problems.append(exc)
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parsed = parse_error_line(line)
            image, why = parsed if parsed else ("(unparsed line)", line.strip())
            count += 1
            if len(shown) < 50:
                shown.append(f"{LOGS}/{path.name}:{n}: {image}: {why[:300]}")
    return shown, count


def _catalog_configs(working: Path, root: str, skipped: list[str]) -> list[Path]:
    """The filtered catalogs' ``catalog-config`` folders, links out of the workspace left out;
    the files in them linked out are named in ``skipped`` too (a walk that keeps no file)."""
    base = working / OPERATOR_CATALOGS
    if not base.is_dir() or not inside(root, base):
        return []
    configs: list[Path] = []
    for config in sorted(base.glob("*/*/filtered-catalogs/*/catalog-config")):
        if inside(root, config):
            configs.append(config)
        else:
            skipped.append(str(outside(config, root)))
    for _ in _walk_catalog_configs(configs, root, skipped):
        pass
    return configs


def _walk_catalog_configs(
    configs: Iterable[Path], root: str, skipped: list[str] | None
) -> Iterator[Path]:
    """Each ``.json``/``.yaml`` file under ``configs``, sorted, at most MAX_CATALOG_FILES; a
    file linked out of ``root`` is named in ``skipped`` (when given), never given."""
    given = 0
    for config in configs:
        for dirpath, dirnames, filenames in os.walk(config, followlinks=False):
            dirnames.sort()
            for f in sorted(filenames):
                if not f.endswith((".json", ".yaml", ".yml")):
                    continue
                path = Path(dirpath) / f
                if not inside(root, path):
                    if skipped is not None:
                        skipped.append(str(outside(path, root)))
                elif given < MAX_CATALOG_FILES:
                    given += 1
                    yield path


def read_workspace(configured: Path) -> Workspace:
    """Read a v2 workspace (see the module doc); InputError naming ``configured`` when it is
    not one. Parts that do not read are kept in ``problems``; the rest is read."""
    working = find_working_dir(configured)
    if working is None:
        raise InputError(str(configured), "mirror.catalogs: not an oc-mirror v2 workspace")
    root = os.path.realpath(configured)
    if not inside(root, working):
        raise outside(working, root)
    problems: list[InputError] = []
    skipped: list[str] = []
    rules, rule_files, sources = _cluster_resources(
        working / CLUSTER_RESOURCES, root, problems, skipped
    )
    shown, count = _not_mirrored(working, root, problems, skipped)
    mapping = working / DRY_RUN / "mapping.txt"
    dry_run = None
    if mapping.is_file() or mapping.is_symlink():
        if inside(root, mapping):
            dry_run = mapping
        else:
            skipped.append(str(outside(mapping, root)))
    return Workspace(
        name=configured.name,
        configured=configured,
        working_dir=working,
        root=root,
        rules=tuple(rules),
        rule_files=tuple(rule_files),
        catalog_sources=tuple(sources),
        not_mirrored=tuple(shown),
        not_mirrored_count=count,
        dry_run_mapping=dry_run,
        catalog_configs=tuple(_catalog_configs(working, root, skipped)),
        problems=tuple(problems),
        skipped=tuple(skipped),
    )


def _objects(text: str, source: str) -> Iterator[Any]:
    """The JSON objects of a declarative config file (a stream of objects, as ``declcfg``
    writes), or of a YAML one."""
    if source.endswith((".yaml", ".yml")):
        yield from _load_all(text, source)
        return
    decoder = json.JSONDecoder()
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return
        try:
            obj, i = decoder.raw_decode(text, i)
        except (json.JSONDecodeError, RecursionError) as exc:
            line = text.count("\n", 0, getattr(exc, "pos", i)) + 1
            why = f"not a JSON stream ({getattr(exc, 'msg', exc)})"
            raise InputError(source, why, line=line) from None
        yield obj


def related_images(ws: Workspace) -> Iterator[ImageRef | InputError]:
    """Every bundle image and related image of the filtered catalogs, each once, or the
    InputError of a file or image that does not read; file by file, so memory is one file's and
    :class:`~collectors.images.seen.Seen`'s (fixed: 1 MiB, then a spill file)."""
    cap = settings.CATALOG_FILE_MAX_BYTES
    with Seen() as seen:
        for path in ws.catalog_files():
            try:
                objs = list(_objects(read_capped(path, cap, root=ws.root), str(path)))
            except InputError as exc:
                yield exc
                continue
            for obj in objs:
                if not isinstance(obj, dict) or obj.get("schema") != "olm.bundle":
                    continue
                images = [obj.get("image")]
                related = obj.get("relatedImages")
                if isinstance(related, list):
                    images += [r.get("image") for r in related if isinstance(r, dict)]
                for image in images:
                    if not isinstance(image, str) or not image or not seen.first(image):
                        continue
                    try:
                        yield parse_reference(image)
                    except ImageRefError as exc:
                        yield InputError(str(path), f"bundle {obj.get('name', '?')}: {exc}")
