"""The cluster from a snapshot: a folder or an archive (.tar, .tar.gz, .tar.xz, .tar.bz2),
read through :mod:`collectors.cluster.tree` (contained, capped, with a deadline).

Layouts (contract §5): must-gather's ``cluster-scoped-resources/<group|core>/<plural>/<name>.yaml``,
``namespaces/<ns>/<group|core>/<plural>/<name>.yaml``, or a list at ``.../<plural>.yaml``;
``oc adm must-gather`` adds one folder per image above that (every folder holding the layout is
read and merged, its ``host_service_logs/`` are journals), ``oc adm inspect`` writes the same
layout with ``event-filter.html`` and ``timestamp``, and this suite's bundle adds
``manifest.json``. The Insights Operator archive (marker ``config/version.json`` or
``config/id``) maps ``config/<kind>/<name>.json`` to resources (``INSIGHTS_*``), its
``config/node/logs/*.log`` are kubelet journals. ``openshift-install gather bootstrap``'s log
bundle has ``resources/<kind>.json`` lists (``LOG_BUNDLE_RESOURCES``) and journals under
``bootstrap/journals/`` and ``control-plane/<master>/journals/``. Files are parsed only when a
check asks for their resource. A resource (or a namespace) the snapshot lacks raises
:class:`collectors.cluster.base.NotCollected`, whose remediation says how to collect it.

>>> split_layout_path("mg/quay-io-img/namespaces/openshift/image.openshift.io/imagestreams/"
...                   "ruby.yaml")
('mg/quay-io-img', 'openshift', 'image.openshift.io', 'imagestreams', 'ruby')
>>> split_layout_path("cluster-scoped-resources/core/nodes.yaml")
('', None, 'core', 'nodes', None)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors import settings, yamlio
from collectors.cluster.base import (
    ITEMS_REMEDIATION,
    NotCollected,
    Obj,
    ObjectMissing,
    PartialListing,
    kind_of,
    split_items,
)
from collectors.cluster.resources import Resource
from collectors.cluster.slim import cut_pod_list, slim
from collectors.cluster.tree import Budget, Tree, open_tree
from collectors.errors import FactError, InputError
from collectors.yamlio import rust_parser

SUFFIXES = (".yaml", ".yml", ".json")
#: The parser a snapshot's objects go through (bench/snapshot.py names it): None is PyYAML.
yaml_rs = rust_parser()
#: A shorter text whose data is the same once slim (collectors.yamlio.load_fast), or None.
Cut = Callable[[str], str | None]
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


def _parse(data: bytes, label: str, cut: Cut | None = None) -> Any:
    """One snapshot file's JSON or YAML; InputError naming ``label`` when it is broken, nested
    past settings.YAML_MAX_DEPTH or an alias bomb (yamlio's limits). ``cut``: what the caller
    keeps of YAML may be parsed from a shorter text (:func:`collectors.yamlio.load_fast`)."""
    text = data.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        try:
            with yamlio.paused_gc():
                doc = json.loads(text)
        except RecursionError:
            raise yamlio.YAMLLimitError(label, "nested too deeply to read") from None
        except ValueError:
            pass  # YAML flow style, or broken: let the YAML parser say where
        else:
            if yamlio.flow_depth_bound(text) > settings.YAML_MAX_DEPTH:
                yamlio.check_depth(doc, label)  # maybe deep: walk it
            return doc
    return yamlio.load_fast(text, label, cut)


# --------------------------------------------------------------------------- other layouts

#: Insights Operator archive: ``config/<file>.json`` -> (group folder, plural, name).
INSIGHTS_FILES = {
    "version": ("config.openshift.io", "clusterversions", "version"),
    "infrastructure": ("config.openshift.io", "infrastructures", "cluster"),
    "network": ("config.openshift.io", "networks", "cluster"),
    "proxy": ("config.openshift.io", "proxies", "cluster"),
    "ingress": ("config.openshift.io", "ingresses", "cluster"),
    "oauth": ("config.openshift.io", "oauths", "cluster"),
    "authentication": ("config.openshift.io", "authentications", "cluster"),
    "featuregate": ("config.openshift.io", "featuregates", "cluster"),
    "image": ("config.openshift.io", "images", "cluster"),
    "apiserver": ("config.openshift.io", "apiservers", "cluster"),
}
#: Insights Operator archive: ``config/<folder>/<name>.json`` -> (group folder, plural).
INSIGHTS_FOLDERS = {
    "clusteroperator": ("config.openshift.io", "clusteroperators"),
    "node": ("core", "nodes"),
    "machineconfigpools": ("machineconfiguration.openshift.io", "machineconfigpools"),
    "certificatesigningrequests": ("certificates.k8s.io", "certificatesigningrequests"),
}
#: Where an archive's kind shows (insights-core's way: a marker path).
INSIGHTS_MARKERS = ("config/version.json", "config/id", "insights-operator/gathers.json")
#: ``openshift-install gather bootstrap``: ``resources/<stem>.json`` (``oc get -o json`` lists)
#: -> (group folder, plural, namespaced).
LOG_BUNDLE_RESOURCES = {
    "nodes": ("core", "nodes", False),
    "pods": ("core", "pods", True),
    "configmaps": ("core", "configmaps", True),
    "namespaces": ("core", "namespaces", False),
    "endpoints": ("core", "endpoints", True),
    "services": ("core", "services", True),
    "events": ("core", "events", True),
    "csr": ("certificates.k8s.io", "certificatesigningrequests", False),
    "clusteroperators": ("config.openshift.io", "clusteroperators", False),
    "clusterversion": ("config.openshift.io", "clusterversions", False),
    "machineconfigpools": ("machineconfiguration.openshift.io", "machineconfigpools", False),
    "machineconfigs": ("machineconfiguration.openshift.io", "machineconfigs", False),
    "apiservices": ("apiregistration.k8s.io", "apiservices", False),
    "kubeapiserver": ("operator.openshift.io", "kubeapiservers", False),
    "kubecontrollermanager": ("operator.openshift.io", "kubecontrollermanagers", False),
    "openshiftapiserver": ("operator.openshift.io", "openshiftapiservers", False),
    "rolebindings": ("rbac.authorization.k8s.io", "rolebindings", True),
    "roles": ("rbac.authorization.k8s.io", "roles", True),
}
#: Names of files that tell an archive's kind; kept as names only.
MARKER_NAMES = ("timestamp", "event-filter.html", "gather.log", "manifest.json", "id")


def _plural(kind: str) -> str:
    """``ingresscontroller`` -> ``ingresscontrollers``, ``dns`` -> ``dnses``, ``policy`` ->
    ``policies``.

    >>> [_plural(k) for k in ("config", "dns", "imagecontentsourcepolicy")]
    ['configs', 'dnses', 'imagecontentsourcepolicies']
    """
    if kind.endswith("s"):
        return kind + "es"
    if kind.endswith("y") and not kind.endswith(("ay", "ey", "oy")):
        return kind[:-1] + "ies"
    return kind + "s"


def _after(parts: list[str], seq: tuple[str, ...]) -> int | None:
    """Index just after the first run of ``seq`` in ``parts``, or None."""
    n = len(seq)
    for i in range(len(parts) - n + 1):
        if tuple(parts[i : i + n]) == seq:
            return i + n
    return None


def split_insights_path(path: str) -> tuple[str, str | None, str, str, str] | None:
    """(root, namespace, group folder, plural, name) of an Insights archive file, or None.

    >>> split_insights_path("config/clusteroperator/dns.json")
    ('', None, 'config.openshift.io', 'clusteroperators', 'dns')
    >>> split_insights_path("io/config/clusteroperator/operator.openshift.io/"
    ...                     "ingresscontroller/openshift-ingress-operator/default.json")
    ('io', 'openshift-ingress-operator', 'operator.openshift.io', 'ingresscontrollers', 'default')
    """
    parts = path.strip("/").split("/")
    i = _after(parts, ("config",))
    if i is None or not parts[-1].endswith(".json"):
        return None
    root, rest = "/".join(parts[: i - 1]), parts[i:]
    rest[-1] = rest[-1][: -len(".json")]
    if len(rest) == 1 and rest[0] in INSIGHTS_FILES:
        group, plural, name = INSIGHTS_FILES[rest[0]]
        return root, None, group, plural, name
    if len(rest) == 2 and rest[0] in INSIGHTS_FOLDERS:
        group, plural = INSIGHTS_FOLDERS[rest[0]]
        return root, None, group, plural, rest[1]
    if len(rest) == 3 and rest[0] == "pod":
        return root, rest[1], "core", "pods", rest[2]
    if rest[0] == "clusteroperator" and len(rest) in (4, 5) and "." in rest[1]:
        ns = rest[3] if len(rest) == 5 else None
        return root, ns, rest[1], _plural(rest[2]), rest[-1]
    return None


def split_log_bundle_path(path: str) -> tuple[str, str, str, bool] | None:
    """(root, group folder, plural, namespaced) of a log bundle's ``resources/*.json``, or None.

    >>> split_log_bundle_path("log-bundle-20240102/resources/clusteroperators.json")
    ('log-bundle-20240102', 'config.openshift.io', 'clusteroperators', False)
    """
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[-2] != "resources" or not parts[-1].endswith(".json"):
        return None
    found = LOG_BUNDLE_RESOURCES.get(parts[-1][: -len(".json")])
    if found is None:
        return None
    return ("/".join(parts[:-2]), *found)


@dataclass(frozen=True)
class LogFile:
    """A host's journal in a snapshot: where it is, whose, which unit, in which text form."""

    path: str
    host: str
    unit: str
    fmt: str = "journal-text"  # journalctl short / short-precise / short-iso text


def log_file_of(path: str) -> LogFile | None:
    """The journal a snapshot path holds (must-gather host_service_logs, an Insights node log,
    a log bundle's journals and failed-unit logs), or None.

    >>> log_file_of("mg/img/host_service_logs/masters/kubelet_service.log")
    LogFile(path='mg/img/host_service_logs/masters/kubelet_service.log', host='masters', \
unit='kubelet.service', fmt='journal-text')
    >>> log_file_of("log-bundle-1/control-plane/10.0.0.5/journals/crio.log").host
    '10.0.0.5'
    """
    parts = path.strip("/").split("/")
    name = parts[-1]
    if not name.endswith(".log") or len(parts) < 3:
        return None
    stem = name[: -len(".log")]
    if parts[-3] == "host_service_logs":
        unit = stem.removesuffix("_service")
        return LogFile(path, parts[-2], unit if "." in unit else f"{unit}.service")
    if parts[-3:-1] == ["node", "logs"] and len(parts) >= 4 and parts[-4] == "config":
        return LogFile(path, stem, "kubelet.service")
    if parts[-2] in ("journals", "unit-status"):
        unit = stem if "." in stem else f"{stem}.service"
        if parts[-3] == "bootstrap" or (parts[-2] == "unit-status" and len(parts) >= 3):
            owner = parts[-3] if len(parts) >= 4 and parts[-4] == "control-plane" else "bootstrap"
            return LogFile(path, owner, unit)
        if len(parts) >= 4 and parts[-4] == "control-plane":
            return LogFile(path, parts[-3], unit)
    return None


def wanted(path: str) -> str | None:
    """What an archive reader keeps of a member: 'object', 'log', 'marker' (its name) or None."""
    name = path.rsplit("/", 1)[-1]
    if log_file_of(path) is not None:
        return "log"
    if name.endswith(SUFFIXES):
        parts = path.split("/")
        if (
            any(m in parts for m in MARKERS)
            or split_insights_path(path)
            or split_log_bundle_path(path)
            or name in ("manifest.json", "findings.json")
            or path.endswith(INSIGHTS_MARKERS)
        ):
            return "object"
    if name in MARKER_NAMES:
        return "marker"
    return None


@dataclass(frozen=True)
class Entry:
    path: str
    namespace: str | None  # None: cluster-scoped, or a list across every namespace
    name: str | None  # None: a list file
    layout: str  # its place in must-gather layout (the bundle writes it there); "" = per item
    group: str = ""
    plural: str = ""


def _layout_of(root: str, rel: str) -> str:
    return rel[len(root) + 1 :] if root else rel


class SnapshotSource:
    """Get and list from a snapshot (must-gather, inspect, Insights archive, log bundle, this
    suite's bundle; a folder or an archive), the way the API would answer."""

    def __init__(
        self, path: str | Path, budget: Budget | None = None, *, slim: bool = True
    ) -> None:
        """``slim``: listed objects keep only what the checks read (:mod:`.slim`); the lab's
        stand-in API server serves them whole."""
        path = Path(path).expanduser()
        self.slim = slim
        self.path = path
        self.tree: Tree = open_tree(path, wanted, budget)
        self.name = f"snapshot {path}"
        self.index: dict[tuple[str, str], list[Entry]] = {}
        self.roots: set[str] = set()
        self.layouts: dict[str, str] = {}  # root -> must-gather | inspect | bundle | ...
        self.namespaces: set[str] = set()  # with a folder under namespaces/
        self.all_namespaces: set[tuple[str, str]] = set()  # listed across every namespace
        self.logs: list[LogFile] = []
        self._index(sorted(self.tree.paths()) + sorted(getattr(self.tree, "markers", ())))
        if not self.index and not self.logs:
            detail = f"; {self.tree.damaged}" if self.tree.damaged else ""
            raise FactError(
                f"{path}: no must-gather layout inside (expected cluster-scoped-resources/ or "
                "namespaces/ folders), nor an Insights archive's config/ or a log bundle's "
                f"resources/ and journals{detail}"
            )
        self._failed: dict[str, FactError] = {}  # path -> why it cannot be read (kept)
        self._listed: dict[str, tuple[list[Obj], list[str]] | FactError] = {}  # path -> objects
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ indexing

    def _add(self, group: str, plural: str, entry: Entry) -> None:
        self.index.setdefault((group, plural), []).append(entry)

    def _index(self, paths: list[str]) -> None:
        names = set(paths)
        insights = {
            p[: -len(m)].rstrip("/") for p in paths for m in INSIGHTS_MARKERS if p.endswith(m)
        }
        for rel in paths:
            if (log := log_file_of(rel)) is not None:
                self.logs.append(log)
                parts = rel.split("/")
                for top in ("bootstrap", "control-plane", "unit-status"):
                    if top in parts[:-1] and "host_service_logs" not in parts:
                        root = "/".join(parts[: parts.index(top)])
                        self.layouts.setdefault(root, "log-bundle")
                        break
                continue
            parsed = split_layout_path(rel)
            if parsed is not None:
                root, ns, group, plural, name = parsed
                self.roots.add(root)
                self._add(group, plural, Entry(rel, ns, name, _layout_of(root, rel), group, plural))
                continue
            parts = rel.split("/")
            if (i := _after(parts, ("namespaces",))) is not None and len(parts) > i + 1:
                self.namespaces.add(parts[i])
            found = split_insights_path(rel)
            if found is not None and any(rel.startswith(r) for r in insights):
                root, ns, group, plural, name = found
                self.layouts[root] = "insights"
                self.roots.add(root)
                base = f"namespaces/{ns}" if ns else "cluster-scoped-resources"
                if ns:
                    self.namespaces.add(ns)
                self._add(
                    group,
                    plural,
                    Entry(rel, ns, name, f"{base}/{group}/{plural}/{name}.yaml", group, plural),
                )
                continue
            bundle = split_log_bundle_path(rel)
            if bundle is not None:
                root, group, plural, namespaced = bundle
                self.layouts[root] = "log-bundle"
                self.roots.add(root)
                if namespaced:
                    self.all_namespaces.add((group, plural))
                layout = "" if namespaced else f"cluster-scoped-resources/{group}/{plural}.yaml"
                self._add(group, plural, Entry(rel, None, None, layout, group, plural))
        for entries in self.index.values():
            for e in entries:
                if e.namespace:
                    self.namespaces.add(e.namespace)
        for root in sorted(self.roots):
            prefix = f"{root}/" if root else ""
            if root in self.layouts:
                continue
            if f"{prefix}manifest.json" in names:
                self.layouts[root] = "bundle"  # this suite's: every namespace was listed
                for key, entries in self.index.items():
                    if any(e.namespace for e in entries):
                        self.all_namespaces.add(key)
            elif f"{prefix}event-filter.html" in names:
                self.layouts[root] = "inspect"
            else:
                self.layouts[root] = "must-gather"

    def describe(self) -> dict[str, Any]:
        """What the report and the manifest say about the snapshot."""
        return {
            "path": str(self.path),
            "layouts": {root or ".": kind for root, kind in sorted(self.layouts.items())},
            "logs": len(self.logs),
            "skipped": [s.as_json() for s in self.tree.skipped],
            "skipped_count": self.tree.skipped_count,
            "damaged": self.tree.damaged,
        }

    def entries(self) -> list[Entry]:
        """Every object or list file indexed, in path order."""
        return sorted((e for es in self.index.values() for e in es), key=lambda e: e.path)

    # ------------------------------------------------------------------ reading

    def _label(self, rel: str) -> str:
        return self.tree.where(rel)

    def parsed(self, entry: Entry) -> Any:
        """The file's whole data, parsed anew on each call (the bundle writer reads each file
        once; the checks' objects are kept by :meth:`_items_in`); InputError / FactError naming
        the file, the same error again on a later call."""
        return self._data(entry)

    def _data(self, entry: Entry, cut: Cut | None = None) -> Any:
        """:meth:`parsed`, or with ``cut`` only what the caller keeps of it (the same error)."""
        with self._lock:
            if entry.path in self._failed:
                raise self._failed[entry.path]
            try:
                data = self.tree.read(entry.path)
                if not data.strip() and split_log_bundle_path(entry.path):
                    raise FactError(
                        f"{self._label(entry.path)} is empty: the API did not answer when "
                        "the log bundle was gathered (its gather.log says why)"
                    ).with_remediation(
                        "gather again once the API answers (openshift-install gather "
                        "bootstrap), or run the post-install gate with --kubeconfig"
                    )
                return _parse(data, self._label(entry.path), cut)
            except FactError as exc:
                self._failed[entry.path] = exc
                raise

    def _objects_in(self, entry: Entry, res: Resource) -> list[Obj]:
        return self._items_in(entry, res)[0]

    def _items_in(self, entry: Entry, res: Resource) -> tuple[list[Obj], list[str]]:
        """The file's objects (kept, slim unless ``slim=False``), and the reasons of the list
        items that are not objects (named by file and index, skipped); InputError when the file
        or an object in it is wrong. The file's whole data is dropped once its objects are cut."""
        with self._lock:
            if entry.path not in self._listed:
                try:
                    with yamlio.paused_gc():  # the whole data is built and dropped: no cycles
                        self._listed[entry.path] = self._read_items(entry, res)
                except FactError as exc:
                    self._listed[entry.path] = exc
            found = self._listed[entry.path]
        if isinstance(found, FactError):
            raise found
        return found

    def _read_items(self, entry: Entry, res: Resource) -> tuple[list[Obj], list[str]]:
        pods = self.slim and entry.name is None and (entry.group, entry.plural) == ("core", "pods")
        data = self._data(entry, cut_pod_list if pods else None)
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
        skipped = [] if entry.name is not None else split_items(items, label)[1]
        out = []
        for i, obj in enumerate(items):
            if entry.name is None and not isinstance(obj, dict):
                continue  # named in skipped
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
            for field in ("name", "namespace"):  # they name the object: text, never a list
                value = obj["metadata"].get(field)
                if value is not None and not isinstance(value, str):
                    raise InputError(
                        label, f"metadata.{field} is {kind_of(value)}, not text", key=where
                    )
            if res.namespaced and entry.namespace and not obj["metadata"].get("namespace"):
                obj["metadata"]["namespace"] = entry.namespace
            out.append(slim(obj, entry.group, entry.plural) if self.slim else obj)
        return out, skipped

    def _entries(self, res: Resource) -> list[Entry]:
        entries = self.index.get((res.group or "core", res.plural))
        if entries is None:
            if self.tree.damaged:
                raise FactError(f"{res.qualified} not found: {self.tree.damaged}")
            raise NotCollected(res, f"the snapshot {self.tree.label}")
        return entries

    def list(self, res: Resource, namespace: str | None = None) -> list[Obj]:
        """Every object of ``res``; PartialListing (with the readable ones) when a file is not."""
        entries = self._entries(res)
        if namespace and res.namespaced:
            entries = [e for e in entries if e.namespace in (namespace, None)]
            if not entries and (res.group or "core", res.plural) not in self.all_namespaces:
                raise NotCollected(res, f"the snapshot {self.tree.label}", namespace=namespace)
        with yamlio.paused_gc():  # tens of thousands of objects, no cycles: no collector passes
            return self._list(res, namespace, entries)

    def _list(self, res: Resource, namespace: str | None, entries: list[Entry]) -> list[Obj]:
        seen: dict[tuple[str, str], Obj] = {}
        broken: list[tuple[str | None, str | None, str, str]] = []
        skipped: list[str] = []
        remedy = ""  # the first unreadable file's own advice, when it has more than "correct it"
        for entry in entries:
            try:
                objs, bad_items = self._items_in(entry, res)
            except FactError as exc:  # errors stay local: this file's objects only
                broken.append((entry.namespace, entry.name, self._label(entry.path), str(exc)))
                if not remedy and not isinstance(exc, InputError):
                    remedy = exc.remediation
                continue
            skipped += bad_items
            broken += [(entry.namespace, None, self._label(entry.path), r) for r in bad_items]
            remedy = remedy or (ITEMS_REMEDIATION if bad_items else "")
            for obj in objs:
                meta = obj["metadata"]
                if namespace and res.namespaced and meta.get("namespace") != namespace:
                    continue
                seen.setdefault((meta.get("namespace") or "", meta["name"]), obj)
        if broken:
            raise PartialListing(res, list(seen.values()), broken, remedy, skipped)
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

    def read_log(self, log: LogFile, cap: int) -> tuple[bytes, bool]:
        """The last ``cap`` bytes of a journal, and whether it was cut."""
        return self.tree.read_tail(log.path, cap)

    def served(self) -> list[tuple[str, str, str | None]]:
        """(group folder, plural, namespace) for every list or object present: the stand-in
        API's discovery."""
        return sorted(
            {(g, p, e.namespace) for (g, p), es in self.index.items() for e in es}, key=str
        )
