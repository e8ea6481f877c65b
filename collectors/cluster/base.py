"""What a cluster source is: get and list, nothing else; and a per-process cache over one.

>>> class Two:
...     name = "two"
...     def list(self, res, namespace=None):
...         return [{"metadata": {"name": "b"}}, {"metadata": {"name": "a"}}]
...     def get(self, res, name, namespace=None): return {"metadata": {"name": name}}
>>> from collectors.cluster.resources import NODES
>>> [o["metadata"]["name"] for o in CachedSource(Two()).list(NODES)]
['a', 'b']

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable
from typing import Any, Protocol

from collectors.cluster import shape
from collectors.cluster.resources import Resource
from collectors.errors import FactError, InputError
from collectors.memo import Memo
from collectors.runwarnings import RUN_WARNINGS

Obj = dict[str, Any]


class ResourceMissing(FactError):
    """The resource type is not served (live) or not in the snapshot at all."""

    def __init__(self, res: Resource | None, where: str = "", *, message: str = "") -> None:
        self.resource = res
        if res is not None:
            message = f"{res.qualified} ({res.group_version}) is not in {where}"
        super().__init__(message)


class NotCollected(ResourceMissing):
    """The snapshot did not collect the resource, or not in that namespace: how to collect it.

    >>> from collectors.cluster.resources import PODS
    >>> e = NotCollected(PODS, "the snapshot mg", namespace="openshift-marketplace")
    >>> e.remediation
    'collect it with `oc adm inspect ns/openshift-marketplace` and give that folder to --snapshot'
    """

    def __init__(self, res: Resource, where: str, *, namespace: str | None = None) -> None:
        if namespace:
            message = (
                f"{res.qualified} ({res.group_version}) of namespace {namespace} is not in "
                f"{where}: not collected (no namespaces/{namespace}/{res.folder})"
            )
            how = f"oc adm inspect ns/{namespace}"
        else:
            message = (
                f"{res.qualified} ({res.group_version}) is not in {where}: not collected "
                f"(no {res.folder}/ under cluster-scoped-resources/ or namespaces/<ns>/)"
            )
            how = f"oc adm inspect {res.qualified}"
            how += " --all-namespaces" if res.namespaced else ""
        super().__init__(None, message=message)
        self.resource = res
        self.namespace = namespace
        self.remediation = f"collect it with `{how}` and give that folder to --snapshot"


class ObjectMissing(FactError):
    """The named object does not exist."""

    def __init__(self, res: Resource, name: str, namespace: str | None, where: str) -> None:
        self.resource = res
        ns = f"{namespace}/" if namespace else ""
        super().__init__(f"{res.qualified} {ns}{name} not found in {where}")


#: The key a placeholder object carries instead of content: an object (or list file) that could
#: not be read, with the reason. :class:`CachedSource` lists them beside the readable objects, so
#: only the subjects that need one error (collectors.cluster.facts.Listing keeps them apart).
UNREADABLE = "__unreadable__"


#: Remediation of list items that are not objects (a proxy or aggregated API, or an edited file).
ITEMS_REMEDIATION = (
    "the list holds items that are not objects: regenerate the file (oc get -o yaml), or find "
    "what answers for the API (an aggregated API, a proxy in front of it) and repair it"
)


def kind_of(value: Any) -> str:
    """The JSON name of a value's type: ``a number``, ``a string``, ``null``, ``a list``.

    >>> kind_of(3), kind_of("x"), kind_of(None), kind_of([1]), kind_of(True)
    ('a number', 'a string', 'null', 'a list', 'a boolean')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    names = {str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def split_items(items: list[Any], where: str) -> tuple[list[Obj], list[str]]:
    """The items that are objects, and one reason per item that is not (named by ``where``, the
    API path or the file, and its index): those are skipped, the others kept.

    >>> kept, skipped = split_items([{"metadata": {"name": "a"}}, 7, None], "GET /api/v1/nodes")
    >>> kept
    [{'metadata': {'name': 'a'}}]
    >>> for reason in skipped:
    ...     print(reason)
    GET /api/v1/nodes: items[1] is a number, not an object: skipped
    GET /api/v1/nodes: items[2] is null, not an object: skipped
    """
    kept: list[Obj] = []
    skipped: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            kept.append(item)
        else:
            skipped.append(f"{where}: items[{i}] is {kind_of(item)}, not an object: skipped")
    return kept, skipped


class SkippedItems(UserWarning):
    """List items that are not objects were skipped (each named by its list and index)."""


def _skipped(reason: str) -> None:
    """Say a skipped item in pytest's warnings summary and in the report's ``run.warnings``."""
    RUN_WARNINGS.add(reason)
    warnings.warn(SkippedItems(reason), stacklevel=3)


class PartialListing(InputError):
    """A list where some files (or items) could not be read: ``objects`` were, ``broken``
    (namespace, object name or None for a list file or an item, file or API path, reason) were
    not; ``skipped_items`` are the reasons of the items that were not objects. An InputError
    naming the first unreadable one, for a caller that cannot use part of a list."""

    def __init__(
        self,
        res: Resource,
        objects: list[Obj],
        broken: list[tuple[str | None, str | None, str, str]],
        remediation: str = "",
        skipped_items: list[str] | None = None,
    ) -> None:
        self.resource = res
        self.objects = objects
        self.broken = broken
        self.skipped_items = list(skipped_items or [])
        first = broken[0][3] if broken else ""
        self.source, self.line, self.key = (broken[0][2] if broken else res.qualified), None, ""
        self.reason = first
        FactError.__init__(
            self,
            f"{len(broken)} file(s) or item(s) of {res.qualified} could not be read, e.g. {first}",
        )
        self.remediation = remediation or (
            "repair or regenerate the files named, or leave them out of the snapshot"
        )

    def placeholders(self) -> list[Obj]:
        """One plain object per unreadable file: its name (if known), namespace and reason."""
        return [
            {
                "metadata": {"name": name or "", **({"namespace": ns} if ns else {})},
                UNREADABLE: reason,
                "file": path,
            }
            for ns, name, path, reason in self.broken
        ]


class ClusterSource(Protocol):
    """Reads only. ``namespace=None`` on a namespaced resource lists every namespace."""

    name: str

    def list(self, res: Resource, namespace: str | None = None) -> list[Obj]: ...

    def get(self, res: Resource, name: str, namespace: str | None = None) -> Obj: ...


def sort_key(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


class CachedSource:
    """Lists and gets once per process (errors cached too), results sorted by namespace/name.

    ``seed`` preloads answers handed over from the xdist controller: key -> ("ok", objs) or
    ("error", exported error) where :func:`export_error` made the error and
    :func:`import_error` rebuilds the same exception type on the worker.
    """

    def __init__(
        self,
        inner: ClusterSource | Callable[[], ClusterSource],
        seed: dict[str, Any] | None = None,
        name: str = "",
    ) -> None:
        self._inner = inner if not callable(inner) or hasattr(inner, "list") else None
        self._factory = None if self._inner is not None else inner
        self.name = name or getattr(inner, "name", "cluster")
        self._memo = Memo()
        for key, (state, value) in (seed or {}).items():
            self._memo.seed(key, state == "ok", value if state == "ok" else import_error(value))
        self._lock = threading.RLock()

    @property
    def inner(self) -> ClusterSource:
        """The backend, opened on the first read the seed does not answer."""
        with self._lock:
            if self._inner is None:
                assert self._factory is not None
                self._inner = self._factory()  # a FactError here is the read's error
            return self._inner

    @staticmethod
    def list_key(res: Resource, namespace: str | None) -> str:
        return f"list {res.folder} {namespace or '*'}"

    def list(self, res: Resource, namespace: str | None = None) -> list[Obj]:
        """The sorted objects; unreadable ones are placeholders (see :data:`UNREADABLE`)."""
        return self._memo.get(self.list_key(res, namespace), lambda: self._list(res, namespace))

    def _list(self, res: Resource, namespace: str | None) -> list[Obj]:
        try:
            objs = self.inner.list(res, namespace)
        except PartialListing as exc:  # one bad file must not lose the others
            objs = [*exc.objects, *exc.placeholders()]
            for reason in exc.skipped_items:
                _skipped(reason)
        objs, skipped = split_items(objs, f"{self.name}: list {res.qualified}")
        for reason in skipped:  # a source that let one through: still named, never a crash
            _skipped(reason)
        return sorted((self._shaped(res, o) for o in objs), key=sort_key)

    def _shaped(self, res: Resource, obj: Obj) -> Obj:
        """``obj``, or the placeholder of an unreadable one when a field the checks read has
        the wrong shape (see :mod:`collectors.cluster.shape`): its subjects error naming it."""
        if UNREADABLE in obj:
            return obj
        wrong = shape.problem(obj, res.kind)
        if wrong is None:
            return obj
        meta = obj.get("metadata") or {}
        name, ns = str(meta.get("name") or ""), meta.get("namespace")
        return {
            "metadata": {"name": name, **({"namespace": ns} if ns else {})},
            UNREADABLE: f"{self.name}: {res.kind} {f'{ns}/' if ns else ''}{name}: {wrong}",
            "file": "",
        }

    def get(self, res: Resource, name: str, namespace: str | None = None) -> Obj:
        return self._memo.get(
            f"get {res.folder} {namespace or '-'} {name}",
            lambda: self._get(res, name, namespace),
        )

    def _get(self, res: Resource, name: str, namespace: str | None) -> Obj:
        obj = self.inner.get(res, name, namespace)
        wrong = shape.problem(obj, res.kind)
        if wrong is not None:
            where = f"{namespace}/{name}" if namespace else name
            raise InputError(self.name, f"{res.kind} {where}: {wrong}")
        return obj

    def keys(self) -> list[str]:
        """Every read cached so far."""
        return self._memo.keys()

    def export(self, keys: list[str]) -> dict[str, Any]:
        """The cached answers for ``keys`` in the form ``seed`` takes (for xdist workers)."""
        out: dict[str, Any] = {}
        for key in keys:
            found = self._memo.peek(key)
            if found is not None:
                ok, value = found
                out[key] = ("ok", value) if ok else ("error", export_error(value))
        return out


_PLAIN = (str, int, float, bool, bytes, type(None))


def export_error(exc: FactError) -> dict[str, Any]:
    """A FactError as plain data (execnet carries only builtins): its type, message, attributes.

    >>> from collectors.cluster.resources import SAMPLES_CONFIGS
    >>> missing = ObjectMissing(SAMPLES_CONFIGS, "cluster", None, "the snapshot")
    >>> again = import_error(export_error(missing))
    >>> type(again).__name__, again.resource == SAMPLES_CONFIGS, str(again)[:31]
    ('ObjectMissing', True, 'configs.samples.operator.opensh')
    """
    attrs: dict[str, Any] = {}
    for name, value in vars(exc).items():
        if isinstance(value, Resource):
            attrs[name] = {
                "__resource__": [
                    value.group,
                    value.version,
                    value.plural,
                    value.namespaced,
                    value.kind,
                ]
            }
        elif isinstance(value, _PLAIN):
            attrs[name] = value
    cls = type(exc)
    return {"type": f"{cls.__module__}:{cls.__qualname__}", "message": str(exc), "attrs": attrs}


def import_error(data: dict[str, Any] | str) -> FactError:
    """The exception :func:`export_error` described, of the same type (FactError if unknown)."""
    if isinstance(data, str):
        return FactError(data)
    cls: Any = FactError
    module, _, qualname = str(data.get("type", "")).partition(":")
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
        if isinstance(found, type) and issubclass(found, FactError):
            cls = found
    except (ImportError, AttributeError, ValueError):
        cls = FactError
    exc = cls.__new__(cls)
    Exception.__init__(exc, data.get("message", ""))
    for name, value in (data.get("attrs") or {}).items():
        if isinstance(value, dict) and "__resource__" in value:
            value = Resource(*value["__resource__"])
        setattr(exc, name, value)
    return exc
