"""What the checks read of an object listed from a snapshot; the rest is dropped right after the
file is parsed, so 60,000 pods keep about a kilobyte each instead of fifteen.

A shape names the keys kept: ``True`` keeps the value whole, a dict keeps those keys of a dict
value, a one-item list applies its shape to every item of a list value. A value of another type
than its shape expects is kept whole, so a reader sees on a kept path exactly what the file
holds. Every object loses ``metadata.managedFields`` (no check reads it); a pod keeps only
:data:`POD`. The bundle writer reads files whole
(``SnapshotSource.parsed``), never through here.

A pod list in block style (as ``oc`` writes it) is also cut before it is parsed
(:func:`cut_pod_list`): the lines under an item's ``metadata``, ``spec`` or ``status`` whose key
:data:`POD` keeps nowhere are never built, which is most of a pod's text.

>>> pod = {"kind": "Pod", "metadata": {"name": "p", "annotations": {"a": "b"}},
...        "spec": {"nodeName": "n1", "containers": [{"image": "x"}]},
...        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "image": "x"}]}}
>>> slim(pod, "core", "pods")
{'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': {'nodeName': 'n1'}, \
'status': {'phase': 'Running', 'containerStatuses': [{'name': 'c', 'image': 'x'}]}}
>>> slim({"metadata": {"name": "n", "managedFields": [{}]}, "spec": {}}, "core", "nodes")
{'metadata': {'name': 'n'}, 'spec': {}}

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import re
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
        # image and imageID: the digests a namespace's pods run (mirror.sigstore's ImagePolicy
        # scopes); a waiting container's status names its image too
        "containerStatuses": [
            dict.fromkeys(("name", "ready", "restartCount", "state", "image", "imageID"), _WHOLE)
        ],
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


_META = tuple(POD["metadata"])
_STATUS = tuple(k for k in POD["status"] if k != "containerStatuses")
_CONTAINER = tuple(POD["status"]["containerStatuses"][0])


def _pod(obj: dict[str, Any]) -> dict[str, Any]:
    """:data:`POD` cut by hand (the generic :func:`trim` costs more than the parse here).

    >>> _pod({"spec": {"nodeName": "n"}, "status": []}) == trim({"spec": {"nodeName": "n"},
    ...                                                          "status": []}, POD)
    True
    """
    out = {key: obj[key] for key in ("apiVersion", "kind") if key in obj}
    if "metadata" in obj:
        meta = obj["metadata"]
        out["metadata"] = (
            {key: meta[key] for key in _META if key in meta} if isinstance(meta, dict) else meta
        )
    if "spec" in obj:
        spec = obj["spec"]
        if isinstance(spec, dict):
            out["spec"] = {"nodeName": spec["nodeName"]} if "nodeName" in spec else {}
        else:
            out["spec"] = spec
    if "status" in obj:
        status = obj["status"]
        if isinstance(status, dict):
            kept = {key: status[key] for key in _STATUS if key in status}
            if "containerStatuses" in status:
                listed = status["containerStatuses"]
                kept["containerStatuses"] = (
                    [
                        {k: c[k] for k in _CONTAINER if k in c} if isinstance(c, dict) else c
                        for c in listed
                    ]
                    if isinstance(listed, list)
                    else listed
                )
            status = kept
        out["status"] = status
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


# ----------------------------------------------------------------------- the text-level cut

#: A plain key as ``oc`` writes them. A key in any other form (quoted, ``? key``, ``key :``)
#: never starts a cut.
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_./-]*"
#: What may follow an item-level ``key: `` on its line and cannot go on to the next line: a plain
#: scalar (not starting with an indicator), a closed quoted scalar, ``{}`` or ``[]``; a comment.
_COMMENT = r"[ ]*(?:#[^\n]*)?"
_INLINE = (
    r"(?:(?:[^\s#'\"\[\]{}|>&*!%@`,?:-]|[-?:](?=\S))[^\n]*"
    rf"|\"(?:[^\"\\\n]|\\[^\n])*\"{_COMMENT}|'(?:[^'\n]|'')*'{_COMMENT}|(?:\{{\}}|\[\]){_COMMENT})"
)
#: An item-level key that opens a block; apiVersion and kind are kept whole, so never.
_OPENER = rf"(?!(?:apiVersion|kind)[ ]*:){_KEY}:(?=[ \n]|\Z){_COMMENT}"


def _alone(indent: str) -> str:
    """No line deeper than ``indent`` next (after blank lines): the value does not go on."""
    return rf"(?!(?:\n *)*\n{indent} )"


#: Aliases and tags (the text goes to the whole parse), and the items' column.
_ALIAS = r"[*!](?<=[\s\[{,:-][*!])(?=[^\s,\[\]{}])"
_ITEMS = r"\nitems:[ ]*\n( *)-[ \n]"
#: The keys a pod keeps under metadata, spec or status: a line cannot tell which it is under.
_KEPT = "|".join(sorted({k for part in ("metadata", "spec", "status") for k in POD[part]}))


@functools.lru_cache(maxsize=8)
def _patterns(d: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    r"""For items whose dash is at column ``d`` (keys at ``c = d + 2``): a search for an
    item-level line the cut cannot vouch for, and one run of cut entries at column ``c + 2``.

    >>> bad, run = _patterns(0)
    >>> bad.search("\nkind: PodList\nitems:\n- kind: Pod\n  spec:\n    a: 1\n") is None
    True
    >>> bad.search("\nitems:\n- kind: |\n    a: 1\n").start()  # a block scalar at item level
    7
    >>> cut = "\n  spec:\n    a: 1\n    nodeName: n\n    b:\n    - x: 1\n# c\n    c: 2"
    >>> run.sub("\n    _:", cut)
    '\n  spec:\n    _:\n    nodeName: n\n    _:'
    """
    c = d + 2
    outer = f"(?: {{{c}}}| {{0,{d - 1}}})" if d else f"(?: {{{c}}}|)"
    safe = "|".join(
        (
            rf" {{0,{c + 1}}}#[^\n]*",
            rf" {{{d}}}-(?: {_OPENER}|{_COMMENT})",
            rf" {{{d}}}- {_KEY}:[ ]+{_INLINE}(?=\n|\Z){_alone(f'[ ]{{{c}}}')}",
            rf" {{{d}}}- {_INLINE}(?=\n|\Z){_alone(f'[ ]{{{d}}}')}",
            rf"{outer}{_OPENER}",
            rf"(?P<i>{outer}){_KEY}:[ ]+{_INLINE}(?=\n|\Z){_alone('(?P=i)')}",
        )
    )
    bad = re.compile(rf"\n(?=[ ]{{0,{c + 1}}}[^ \n])(?!(?:{safe})(?:\n|\Z))")
    # one entry's key line, then its lines (deeper, a sequence at its column, comments, blank)
    # and the next entries' key lines: a run is one flat loop, each line tried once
    key = rf"(?!(?:{_KEPT})[ ]*:){_KEY}:(?=[ \n]|\Z)[^\n]*"
    line = (
        rf" {{{c + 3}}}[^\n]*| {{{c + 2}}}(?:-(?=[ \n]|\Z)[^\n]*|{key})"
        rf"|[ ]*(?:#[^\n]*)?(?=\n|\Z)"
    )
    return bad, re.compile(rf"\n {{{c + 2}}}{key}(?:\n(?:{line}))*+")


def cut_pod_list(text: str) -> str | None:
    r"""A pod list's YAML without the entries :func:`slim` drops under each item's metadata, spec
    and status (each run of them becomes ``_:``, so a mapping never turns null), or None when the
    text is not plainly the block style the cut can vouch for: then it is parsed whole.

    Parsed, the cut text gives what the whole text gives once slim: every line of an item's own
    keys is kept, and a cut entry ends where the next line no deeper than its key starts; a
    multi-line scalar's lines are deeper than its key (yaml-rs refuses them otherwise). Left to
    the whole parse: a CR, tab, document marker, directive, alias or tag anywhere; an item-level
    value that may go on to the next line (a block scalar, an open quote or bracket, a plain
    scalar followed by a deeper line); apiVersion or kind holding a block; a sequence at the
    items' key column; keys at an odd column. The cut parts are not parsed: a line there that
    only a parser would refuse (a mis-indented key inside a pod's spec) is not an error here; the
    bundle, which parses every file whole, still reports it.

    >>> text = "items:\n- kind: Pod\n  metadata:\n    name: p\n    managedFields:\n    - {}\n"
    >>> print(cut_pod_list(text), end="")
    items:
    - kind: Pod
      metadata:
        name: p
        _:
    >>> cut_pod_list("items:\n- kind: Pod\n  spec:\n    a: !!str x\n") is None
    True
    """
    if "\r" in text or "\t" in text or text.startswith(("---", "...", "%")):
        return None
    whole = "\n" + text
    if ("*" in text or "!" in text) and re.search(_ALIAS, whole):
        return None
    found = re.search(_ITEMS, whole)
    if found is None:
        return None
    d = len(found.group(1))
    bad, run = _patterns(d)
    cut = run.sub(f"\n{' ' * (d + 4)}_:", whole)
    # what is checked from here on is never cut: lines at the first columns (markers, the items
    # key, item-level lines, each with a deeper line after it where it had one)
    if "\n---" in cut or "\n..." in cut or "\n%" in cut or cut.count("\nitems:") != 1:
        return None
    return None if bad.search(cut) else cut[1:]
