"""The cluster from a must-gather: a folder or a .tar.gz, ``oc adm must-gather`` or a bundle.

Layout (contract §5): ``cluster-scoped-resources/<group|core>/<plural>/<name>.yaml``,
``namespaces/<ns>/<group|core>/<plural>/<name>.yaml``, or a list at ``.../<plural>.yaml``.
``oc adm must-gather`` adds one folder per image above that; every folder holding the layout
is read and merged. Files are parsed only when a check asks for their resource.

>>> split_layout_path(
...     "mg/quay-io-img/namespaces/openshift/image.openshift.io/imagestreams/ruby.yaml")
('mg/quay-io-img', 'openshift', 'image.openshift.io', 'imagestreams', 'ruby')
>>> split_layout_path("cluster-scoped-resources/core/nodes.yaml")
('', None, 'core', 'nodes', None)
"""

from __future__ import annotations

import json
import os
import tarfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors import settings, yamlio
from collectors.cluster.base import Obj, ObjectMissing, PartialListing, ResourceMissing
from collectors.cluster.resources import Resource
from collectors.errors import FactError, InputError
from collectors.yamlio import yaml_rs  # noqa: F401 - bench/snapshot.py names the parser

SUFFIXES = (".yaml", ".yml", ".json")
MARKERS = ("cluster-scoped-resources", "namespaces")


def _stem(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def split_layout_path(path: str) -> tuple[str, str | None, str, str, str | None] | None:
    """(root, namespace, group folder, plural, object name or None for a list file), or None."""
    parts = path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part not in MARKERS:
            continue
        root, rest = "/".join(parts[:i]), parts[i + 1 :]
        if part == "cluster-scoped-resources":
            if len(rest) == 3 and (name := _stem(rest[2])):
                return root, None, rest[0], rest[1], name
            if len(rest) == 2 and (plural := _stem(rest[1])):
                return root, None, rest[0], plural, None
            return None
        if len(rest) == 4 and rest[1] == "pods" and _stem(rest[3]) == rest[2]:
            return (
                root,
                rest[0],
                "core",
                "pods",
                rest[2],
            )  # oc adm must-gather: pods/<pod>/<pod>.yaml
        if len(rest) == 4 and (name := _stem(rest[3])):
            return root, rest[0], rest[1], rest[2], name
        if len(rest) == 3 and (plural := _stem(rest[2])):
            return root, rest[0], rest[1], plural, None
        return None
    return None


@dataclass(frozen=True)
class Entry:
    path: str
    namespace: str | None
    name: str | None  # None: a list file


class _Tree:
    """Relative file paths of a snapshot and their bytes."""

    label: str
    damaged: str = ""

    def paths(self) -> list[str]:
        raise NotImplementedError

    def read(self, rel: str) -> bytes:
        raise NotImplementedError


class _DirTree(_Tree):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)

    def paths(self) -> list[str]:
        found = []
        for folder, _dirs, files in os.walk(self.root):
            rel = os.path.relpath(folder, self.root)
            for f in files:
                if f.endswith(SUFFIXES):
                    found.append(f if rel == "." else f"{rel}/{f}")
        return found

    def read(self, rel: str) -> bytes:
        path = self.root / rel
        try:
            _check_size(str(path), path.stat().st_size)
            return path.read_bytes()
        except OSError as exc:
            raise FactError(f"cannot read {path}: {exc.strerror or exc}") from None


class _TarTree(_Tree):
    """A .tar.gz read once; YAML/JSON members kept in memory. A truncated archive keeps what it
    had."""

    def __init__(self, path: Path) -> None:
        self.label = str(path)
        self.files: dict[str, bytes] = {}
        self.too_big: dict[
            str, int
        ] = {}  # members over the cap: never read, an error when asked for
        count = 0
        try:
            with tarfile.open(path, "r:*") as tar:
                for member in tar:
                    count += 1
                    name = member.name.removeprefix("./")
                    if not member.isfile() or not name.endswith(SUFFIXES):
                        continue
                    if member.size > settings.SNAPSHOT_MAX_MEMBER_BYTES:
                        self.too_big[name] = member.size
                        continue
                    handle = tar.extractfile(member)
                    if handle is not None:
                        self.files[name] = handle.read()
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            if count == 0 and not self.files:
                raise FactError(f"{path}: not a readable tar archive ({exc})") from None
            self.damaged = (
                f"{path}: archive is truncated or corrupt after {count} member(s) ({exc})"
            )

    def paths(self) -> list[str]:
        return [*self.files, *self.too_big]

    def read(self, rel: str) -> bytes:
        if rel in self.too_big:
            _check_size(f"{self.label}:{rel}", self.too_big[rel])
        return self.files[rel]


def _check_size(label: str, size: int) -> None:
    """InputError naming the file when it is over the cap (settings.SNAPSHOT_MAX_MEMBER_BYTES)."""
    cap = settings.SNAPSHOT_MAX_MEMBER_BYTES
    if size > cap:
        raise InputError(
            label,
            f"{size} bytes, larger than the {cap} read from a snapshot file "
            "(raise UPI_SNAPSHOT_MAX_MEMBER_BYTES to read it)",
        )


def _parse(data: bytes, label: str) -> Any:
    """One snapshot file's JSON or YAML; InputError naming ``label`` when it is broken, nested
    past settings.YAML_MAX_DEPTH or an alias bomb (yamlio's limits)."""
    text = data.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except RecursionError:
            raise yamlio.YAMLLimitError(label, "nested too deeply to read") from None
        except ValueError:
            pass  # YAML flow style, or broken: let the YAML parser say where
        else:
            yamlio.check_depth(doc, label)
            return doc
    return yamlio.load_fast(text, label)


class SnapshotSource:
    """Get and list from a must-gather folder or archive, the way the API would answer."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path).expanduser()
        if path.is_dir():
            self.tree: _Tree = _DirTree(path)
        elif path.is_file():
            self.tree = _TarTree(path)
        else:
            raise FactError(
                f"snapshot {path} does not exist (give a must-gather folder or a .tar.gz)"
            )
        self.name = f"snapshot {path}"
        self.index: dict[tuple[str, str], list[Entry]] = {}
        self.roots: set[str] = set()
        for rel in sorted(self.tree.paths()):
            parsed = split_layout_path(rel)
            if parsed is None:
                continue
            root, ns, group, plural, name = parsed
            self.roots.add(root)
            self.index.setdefault((group, plural), []).append(Entry(rel, ns, name))
        if not self.index:
            detail = f"; {self.tree.damaged}" if self.tree.damaged else ""
            raise FactError(
                f"{path}: no must-gather layout inside (expected cluster-scoped-resources/ or "
                f"namespaces/ folders){detail}"
            )
        self._parsed: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _label(self, rel: str) -> str:
        return (
            f"{self.tree.label}/{rel}"
            if isinstance(self.tree, _DirTree)
            else f"{self.tree.label}:{rel}"
        )

    def _objects_in(self, entry: Entry, res: Resource) -> list[Obj]:
        with self._lock:
            if entry.path not in self._parsed:
                self._parsed[entry.path] = _parse(
                    self.tree.read(entry.path), self._label(entry.path)
                )
            data = self._parsed[entry.path]
        label = self._label(entry.path)
        if not isinstance(data, dict):
            raise InputError(
                label, f"expected a {res.kind} or a {res.kind}List, found {type(data).__name__}"
            )
        if entry.name is None or isinstance(data.get("items"), list):
            items = data.get("items")
            if not isinstance(items, list):
                raise InputError(
                    label, f"a list file without items (kind {data.get('kind')!r})", key="items"
                )
        else:
            items = [data]
        out = []
        for i, obj in enumerate(items):
            where = f"items[{i}]" if entry.name is None else ""
            if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
                raise InputError(label, "an object without metadata", key=where)
            kind = obj.get("kind")
            if kind and kind != res.kind:
                raise InputError(
                    label, f"holds a {kind}, expected a {res.kind}", key=where or "kind"
                )
            if not obj["metadata"].get("name"):
                raise InputError(label, "an object without metadata.name", key=where)
            if res.namespaced and entry.namespace and not obj["metadata"].get("namespace"):
                obj["metadata"]["namespace"] = entry.namespace
            out.append(obj)
        return out

    def _entries(self, res: Resource) -> list[Entry]:
        entries = self.index.get((res.group or "core", res.plural))
        if entries is None:
            where = f"the snapshot {self.tree.label}"
            if self.tree.damaged:
                raise FactError(f"{res.qualified} not found: {self.tree.damaged}")
            raise ResourceMissing(
                res,
                f"{where} (no {res.folder}/ under cluster-scoped-resources/ or namespaces/<ns>/)",
            )
        return entries

    def list(self, res: Resource, namespace: str | None = None) -> list[Obj]:
        """Every object of ``res``; PartialListing (with the readable ones) when a file is not."""
        seen: dict[tuple[str, str], Obj] = {}
        broken: list[tuple[str | None, str | None, str, str]] = []
        for entry in self._entries(res):
            if namespace and entry.namespace != namespace:
                continue
            try:
                objs = self._objects_in(entry, res)
            except FactError as exc:  # errors stay local: this file's objects only
                broken.append((entry.namespace, entry.name, self._label(entry.path), str(exc)))
                continue
            for obj in objs:
                meta = obj["metadata"]
                seen.setdefault((meta.get("namespace") or "", meta["name"]), obj)
        if broken:
            raise PartialListing(res, list(seen.values()), broken)
        return list(seen.values())

    def get(self, res: Resource, name: str, namespace: str | None = None) -> Obj:
        entries = self._entries(res)
        for entry in entries:
            if entry.name == name and (not res.namespaced or entry.namespace == namespace):
                return self._objects_in(entry, res)[0]
        try:
            listed = self.list(res, namespace if res.namespaced else None)
        except PartialListing as exc:
            listed = exc.objects
            if not any(o["metadata"]["name"] == name for o in listed):
                raise
        for obj in listed:
            if obj["metadata"]["name"] == name:
                return obj
        if self.tree.damaged:
            raise FactError(f"{res.qualified} {name} not found: {self.tree.damaged}")
        raise ObjectMissing(res, name, namespace, f"the snapshot {self.tree.label}")

    def served(self) -> list[tuple[str, str, str | None]]:
        """(group folder, plural, namespace) for every list or object present: the stand-in
        API's discovery."""
        return sorted(
            {(g, p, e.namespace) for (g, p), es in self.index.items() for e in es}, key=str
        )
