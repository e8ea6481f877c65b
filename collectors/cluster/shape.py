"""The shape of the parts of a Kubernetes object the checks read: a field that should be a
mapping, a list of objects or a list of strings and is something else (a number where
``status.conditions`` should be, a string for ``metadata.labels``) is named by its path, so the
object becomes an unreadable one (its subjects error with this reason) instead of a crash or a
verdict over junk. Pure, no I/O.

Paths follow the API conventions every object keeps (``metadata``, ``spec``, ``status``,
``status.conditions``) and, per kind, the fields the suite reads; ``a[]`` is each item of the
list ``a``. ``None`` is an absent field (the checks read ``x or {}``), never a problem.

>>> problem({"metadata": {"name": "m1"}, "status": {"conditions": 7}}, "Node")
'status.conditions is a number, not a list'
>>> problem({"metadata": {"name": "m1"}, "status": {"addresses": [{"type": "x"}, "ip"]}}, "Node")
'status.addresses[1] is a string, not an object'
>>> problem({"metadata": {"name": "p", "labels": None}, "spec": {"containers": []}}, "Pod") is None
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

#: What a path must hold: a mapping, a list of mappings, a list of strings, a string, a
#: condition's status (``"True"``; a boolean where a hand-written YAML left it unquoted).
OBJECT, OBJECTS, STRINGS, STRING, FLAG = "object", "objects", "strings", "string", "flag"

#: Every object, whatever its kind (API conventions).
COMMON: dict[str, str] = {
    "metadata.labels": OBJECT,
    "metadata.annotations": OBJECT,
    "metadata.ownerReferences": OBJECTS,
    "spec": OBJECT,
    "status": OBJECT,
    "status.conditions": OBJECTS,
    "status.conditions[].type": STRING,
    "status.conditions[].status": FLAG,
}

#: Per kind, the fields the suite's facts read.
BY_KIND: dict[str, dict[str, str]] = {
    "Node": {
        "status.addresses": OBJECTS,
        "status.nodeInfo": OBJECT,
        "status.capacity": OBJECT,
        "status.allocatable": OBJECT,
        "spec.taints": OBJECTS,
    },
    "Pod": {
        "spec.containers": OBJECTS,
        "spec.initContainers": OBJECTS,
        "spec.nodeSelector": OBJECT,
        "spec.tolerations": OBJECTS,
        "status.containerStatuses": OBJECTS,
        "status.initContainerStatuses": OBJECTS,
        "status.containerStatuses[].state": OBJECT,
    },
    "ConfigMap": {"data": OBJECT, "binaryData": OBJECT},
    "Secret": {"data": OBJECT},
    "ClusterVersion": {
        "spec.desiredUpdate": OBJECT,
        "status.desired": OBJECT,
        "status.history": OBJECTS,
        "status.availableUpdates": OBJECTS,
        "status.conditionalUpdates": OBJECTS,
    },
    "ClusterOperator": {"status.versions": OBJECTS, "status.relatedObjects": OBJECTS},
    "ImageContentSourcePolicy": {
        "spec.repositoryDigestMirrors": OBJECTS,
        "spec.repositoryDigestMirrors[].mirrors": STRINGS,
    },
    "ImageDigestMirrorSet": {
        "spec.imageDigestMirrors": OBJECTS,
        "spec.imageDigestMirrors[].mirrors": STRINGS,
    },
    "ImageTagMirrorSet": {
        "spec.imageTagMirrors": OBJECTS,
        "spec.imageTagMirrors[].mirrors": STRINGS,
    },
    "ImageStream": {
        "spec.tags": OBJECTS,
        "spec.tags[].from": OBJECT,
        "status.tags": OBJECTS,
        "status.tags[].items": OBJECTS,
    },
    "CatalogSource": {"status.connectionState": OBJECT},
    "ClusterCatalog": {"spec.source": OBJECT, "spec.source.image": OBJECT},
    "OperatorHub": {"spec.sources": OBJECTS},
    "Image": {
        "spec.additionalTrustedCA": OBJECT,
        "spec.registrySources": OBJECT,
    },
    "ClusterImagePolicy": {
        "spec.scopes": STRINGS,
        "spec.policy": OBJECT,
        "spec.policy.rootOfTrust": OBJECT,
    },
    "ImagePolicy": {
        "spec.scopes": STRINGS,
        "spec.policy": OBJECT,
        "spec.policy.rootOfTrust": OBJECT,
    },
    "MachineConfigPool": {
        "spec.nodeSelector": OBJECT,
        "spec.machineConfigSelector": OBJECT,
    },
    "IngressController": {"spec.nodePlacement": OBJECT},
    "PodDisruptionBudget": {"spec.selector": OBJECT},
    "ClusterServiceVersion": {"spec.relatedImages": OBJECTS},
    "Config": {"spec.skippedImagestreams": STRINGS, "spec.storage": OBJECT},
}

_NAMES = {dict: "an object", list: "a list", str: "a string"}


def problem(obj: Mapping[str, Any], kind: str) -> str | None:
    """The first field of ``obj`` (a ``kind``) whose value has the wrong shape, said as
    ``<path> is <what>, not <expected>``; None when every field read is as the API says."""
    for parts, want in _paths(kind):
        found = _check(obj, parts, want, "")
        if found:
            return found
    return None


@functools.cache
def _paths(kind: str) -> tuple[tuple[list[str], str], ...]:
    return tuple((p.split("."), w) for p, w in (*COMMON.items(), *BY_KIND.get(kind, {}).items()))


def _check(value: Any, parts: list[str], want: str, where: str) -> str | None:
    if value is None:
        return None
    head, rest = parts[0], parts[1:]
    each = head.endswith("[]")
    key = head[:-2] if each else head
    if not isinstance(value, Mapping):
        return None  # the parent's own path says it is wrong
    here = f"{where}.{key}" if where else key
    child = value.get(key)
    if child is None:
        return None
    if each:
        if not isinstance(child, list):
            return None  # the list's own path says it
        for i, item in enumerate(child):
            found = _check(item, rest, want, f"{here}[{i}]") if rest else None
            if found:
                return found
        return None
    if rest:
        return _check(child, rest, want, here)
    return _judge(child, want, here)


def _judge(value: Any, want: str, where: str) -> str | None:
    if want == OBJECT:
        return None if isinstance(value, Mapping) else f"{where} is {_what(value)}, not an object"
    if want in (STRING, FLAG):
        ok = isinstance(value, (str, bool) if want == FLAG else str)
        return None if ok else f"{where} is {_what(value)}, not a string"
    if not isinstance(value, list):
        return f"{where} is {_what(value)}, not a list"
    for i, item in enumerate(value):
        if want == OBJECTS and not isinstance(item, Mapping):
            return f"{where}[{i}] is {_what(item)}, not an object"
        if want == STRINGS and not isinstance(item, str):
            return f"{where}[{i}] is {_what(item)}, not a string"
    return None


def _what(value: Any) -> str:
    """``a number``, ``a string``...: the kind of a JSON value, never the value itself."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return next((name for t, name in _NAMES.items() if isinstance(value, t)), "a value")
