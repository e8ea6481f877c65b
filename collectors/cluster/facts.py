"""Small readers over cluster objects shared by the postinstall checks (pure, no I/O).

>>> node = {"metadata": {"name": "i1", "labels": {"node-role.kubernetes.io/infra": ""}},
...         "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.41"}],
...                    "conditions": [{"type": "Ready", "status": "True"}]}}
>>> roles(node), internal_ip(node), condition(node, "Ready")["status"]
(['infra'], '10.0.0.41', 'True')
"""

from __future__ import annotations

from typing import Any

from collectors.cluster.base import CachedSource, Obj, ResourceMissing
from collectors.cluster.resources import Resource
from collectors.errors import FactError, NotApplicable

ROLE_PREFIX = "node-role.kubernetes.io/"


def source(site: Any) -> CachedSource:
    """The run's cluster source (``--kubeconfig``/``--snapshot``); skips the check without one."""
    access = site.cluster
    if access is None:
        raise NotApplicable("no cluster source plugin loaded (fixtures.cluster)")
    return access.source()


def listing(
    site: Any, res: Resource, namespace: str | None = None, *, optional: bool = False
) -> list[Obj]:
    """Objects of ``res``; ``optional`` turns a resource the cluster does not have into []."""
    try:
        return source(site).list(res, namespace)
    except ResourceMissing:
        if optional:
            return []
        raise


def named(objs: list[Obj], name: str, namespace: str | None = None) -> Obj:
    for obj in objs:
        meta = obj["metadata"]
        if meta["name"] == name and (namespace is None or meta.get("namespace") == namespace):
            return obj
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
