"""Small readers over cluster objects shared by the postinstall checks (pure, no I/O).

>>> node = {"metadata": {"name": "i1", "labels": {"node-role.kubernetes.io/infra": ""}},
...         "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.41"}],
...                    "conditions": [{"type": "Ready", "status": "True"}]}}
>>> roles(node), internal_ip(node), condition(node, "Ready")["status"]
(['infra'], '10.0.0.41', 'True')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

from collectors.cluster.base import UNREADABLE, CachedSource, Obj, ResourceMissing
from collectors.cluster.resources import Resource
from collectors.errors import FactError, NotApplicable

ROLE_PREFIX = "node-role.kubernetes.io/"


def source(site: Any) -> CachedSource:
    """The run's cluster source (``--kubeconfig``/``--snapshot``); skips the check without one."""
    access = site.cluster
    if access is None:
        raise NotApplicable("no cluster source plugin loaded (fixtures.cluster)")
    return access.source()


class Listing(list[Obj]):
    """The readable objects of a listing; ``broken`` holds the placeholders of the unreadable
    ones, so a subject that needs one errors with its reason and the others go on.

    >>> bad = {"metadata": {"name": "m2"}, UNREADABLE: "nodes/m2.yaml:3: not valid YAML"}
    >>> nodes = Listing([{"metadata": {"name": "m1"}}, bad])
    >>> [name_of(n) for n in nodes], nodes.subject_names()
    (['m1'], ['m1', 'm2'])
    >>> find(nodes, "m3") is None
    True
    >>> find(nodes, "m2")
    Traceback (most recent call last):
    ...
    collectors.errors.FactError: nodes/m2.yaml:3: not valid YAML
    """

    def __init__(self, objs: list[Obj] = ()) -> None:  # type: ignore[assignment]
        super().__init__(o for o in objs if UNREADABLE not in o)
        self.broken = [o for o in objs if UNREADABLE in o]

    def subject_names(self) -> list[str]:
        """Names of the readable objects and of the unreadable ones whose name is known."""
        names = [name_of(o) for o in self]
        return sorted({*names, *(name_of(b) for b in self.broken if name_of(b))})

    def error_for(self, name: str, namespace: str | None = None) -> FactError | None:
        """The reason ``name`` could not be read: its own file, else an unreadable list file
        that may hold it; None when nothing unreadable could."""
        for own in (True, False):
            for b in self.broken:
                meta = b["metadata"]
                matches = (meta["name"] == name) if own else not meta["name"]
                if matches and (namespace is None or meta.get("namespace") in (None, namespace)):
                    return FactError(str(b[UNREADABLE])).with_remediation(
                        f"repair or regenerate {b.get('file') or 'the file'} (oc get -o "
                        "yaml of the object), or leave it out of the snapshot"
                    )
        return None


def listing(
    site: Any, res: Resource, namespace: str | None = None, *, optional: bool = False
) -> Listing:
    """Objects of ``res``; ``optional`` turns a resource the cluster does not have into [].
    When nothing of it could be read (only unreadable list files), that is the error."""
    try:
        found = Listing(source(site).list(res, namespace))
    except ResourceMissing:
        if optional:
            return Listing([])
        raise
    if not found and found.broken and not found.subject_names():
        raise found.error_for("", namespace) or FactError(str(found.broken[0][UNREADABLE]))
    return found


def find(objs: list[Obj], name: str | None, namespace: str | None = None) -> Obj | None:
    """The object named ``name`` or None; the reason when it is one that could not be read."""
    for obj in objs:
        meta = obj["metadata"]
        if meta["name"] == name and (namespace is None or meta.get("namespace") == namespace):
            return obj
    error = objs.error_for(name, namespace) if name and isinstance(objs, Listing) else None
    if error is not None:
        raise error
    return None


def named(objs: list[Obj], name: str, namespace: str | None = None) -> Obj:
    found = find(objs, name, namespace)
    if found is not None:
        return found
    raise FactError(
        f"{namespace + '/' if namespace else ''}{name} is gone from the cluster listing"
    )


def name_of(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def ns_name(obj: Obj) -> str:
    return f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


def labels(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def annotations(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def roles(node: Obj) -> list[str]:
    return sorted(k[len(ROLE_PREFIX) :] for k in labels(node) if k.startswith(ROLE_PREFIX))


def is_infra(node: Obj) -> bool:
    return f"{ROLE_PREFIX}infra" in labels(node)


def internal_ip(node: Obj) -> str | None:
    for addr in (node.get("status") or {}).get("addresses") or []:
        if addr.get("type") == "InternalIP":
            return str(addr.get("address"))
    return None


def condition(obj: Obj, ctype: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def owner_kind(obj: Obj) -> str:
    owners = (obj.get("metadata") or {}).get("ownerReferences") or []
    return str(owners[0].get("kind", "")) if owners else ""


def taints(node: Obj) -> list[dict[str, str]]:
    return list((node.get("spec") or {}).get("taints") or [])


def taint_text(t: dict[str, str]) -> str:
    value = f"={t['value']}" if t.get("value") else ""
    return f"{t.get('key')}{value}:{t.get('effect')}"


def selector_matches(selector: dict[str, Any] | None, obj_labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (``matchLabels`` and ``matchExpressions`` with In,
    NotIn, Exists, DoesNotExist) selects an object with ``obj_labels``; an empty selector selects
    everything, an operator it does not know selects nothing.

    >>> spot = {"matchLabels": {"machine.openshift.io/interruptible-instance": ""}}
    >>> selector_matches(spot, {"machine.openshift.io/cluster-api-machine-role": "worker"})
    False
    >>> selector_matches({"matchExpressions": [{"key": "role", "operator": "In",
    ...     "values": ["worker", "infra"]}]}, {"role": "infra"})
    True
    """
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if obj_labels.get(key) != str(value):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key"), expr.get("operator")
        values = [str(v) for v in expr.get("values") or []]
        present = key in obj_labels
        if op == "In":
            ok = present and obj_labels[key] in values
        elif op == "NotIn":
            ok = not present or obj_labels[key] not in values
        elif op == "Exists":
            ok = present
        elif op == "DoesNotExist":
            ok = not present
        else:
            ok = False
        if not ok:
            return False
    return True
