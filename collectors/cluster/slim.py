"""What the checks read of an object listed from a snapshot; the rest is dropped right after the
file is parsed, so 60,000 pods keep about a kilobyte each instead of fifteen.

A shape names the keys kept: ``True`` keeps the value whole, a dict keeps those keys of a dict
value, a one-item list applies its shape to every item of a list value. A value of another type
than its shape expects is kept whole, so a reader sees on a kept path exactly what the file
holds. Every object loses ``metadata.managedFields`` (no check reads it); a pod keeps only
:data:`POD`. The bundle writer reads files whole
(``SnapshotSource.parsed``), never through here.

>>> pod = {"kind": "Pod", "metadata": {"name": "p", "annotations": {"a": "b"}},
...        "spec": {"nodeName": "n1", "containers": [{"image": "x"}]},
...        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "image": "x"}]}}
>>> slim(pod, "core", "pods")
{'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': {'nodeName': 'n1'}, \
'status': {'phase': 'Running', 'containerStatuses': [{'name': 'c'}]}}
>>> slim({"metadata": {"name": "n", "managedFields": [{}]}, "spec": {}}, "core", "nodes")
{'metadata': {'name': 'n'}, 'spec': {}}

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

Shape = Any  # True | dict[str, Shape] | list[Shape] (one item)

_WHOLE = True
#: Pods: what collectors/facts (placement, operatorhub) and their checks read, and the names
#: a message shows (metadata without annotations and managedFields).
POD: dict[str, Shape] = {
    "apiVersion": _WHOLE,
    "kind": _WHOLE,
    "metadata": dict.fromkeys(
        (
            "name",
            "namespace",
            "uid",
            "generateName",
            "labels",
            "ownerReferences",
            "creationTimestamp",
            "deletionTimestamp",
        ),
        _WHOLE,
    ),
    "spec": {"nodeName": _WHOLE},
    "status": {
        **dict.fromkeys(("phase", "reason", "message", "conditions"), _WHOLE),
        "containerStatuses": [dict.fromkeys(("name", "ready", "restartCount", "state"), _WHOLE)],
    },
}


def trim(value: Any, shape: Shape) -> Any:
    """``value`` cut to ``shape`` (new containers; the kept values are shared).

    >>> trim({"a": [{"b": 1, "c": 2}, 3], "d": 4}, {"a": [{"b": True}]})
    {'a': [{'b': 1}, 3]}
    """
    if shape is _WHOLE:
        return value
    if isinstance(shape, list):
        return [trim(v, shape[0]) for v in value] if isinstance(value, list) else value
    if not isinstance(value, dict):
        return value
    return {key: trim(value[key], sub) for key, sub in shape.items() if key in value}


def _pod(obj: dict[str, Any]) -> dict[str, Any]:
    """:data:`POD` cut by hand (the generic :func:`trim` costs more than the parse here).

    >>> _pod({"spec": {"nodeName": "n"}, "status": []}) == trim({"spec": {"nodeName": "n"},
    ...                                                          "status": []}, POD)
    True
    """
    out = {key: obj[key] for key in ("apiVersion", "kind") if key in obj}
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        out["metadata"] = {key: meta[key] for key in POD["metadata"] if key in meta}
    elif "metadata" in obj:
        out["metadata"] = meta
    for key in ("spec", "status"):
        if key in obj:
            out[key] = trim(obj[key], POD[key])
    return out


def slim(obj: dict[str, Any], group: str, plural: str) -> dict[str, Any]:
    """The part of ``obj`` (a listed object of that resource) the checks read.

    >>> slim({"metadata": {"name": "a"}, "data": {"k": "v"}}, "core", "configmaps")
    {'metadata': {'name': 'a'}, 'data': {'k': 'v'}}
    """
    if (group, plural) == ("core", "pods"):
        return _pod(obj)
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    return obj
