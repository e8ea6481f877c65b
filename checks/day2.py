"""Day-2 readiness of a disconnected cluster: OperatorHub on mirrored catalogs
(``001_0a1346de1a4b89e1.txt``), image registry storage, and upgrade readiness
(``003_3beb5915e9cef39c.txt``: no paused MachineConfigPool, MachineHealthChecks paused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.base import NotApplicable, Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import (
    CATALOGSOURCES,
    MCPS,
    MHCS,
    OPERATORHUBS,
    PODS,
    REGISTRY_CONFIGS,
)
from collectors.site import Site

PAUSED = "cluster.x-k8s.io/paused"

# --------------------------------------------------------------------------- operatorhub.sources


def operatorhub_subjects(site: Site) -> list[str]:
    subjects = ["cluster"] if site.inv.has("mirror.registry") else []
    subjects += [F.ns_name(c) for c in F.listing(site, CATALOGSOURCES, optional=True)]
    return subjects


@dataclass(frozen=True)
class CatalogFacts:
    source: Obj
    pods: tuple[Obj, ...]


def gather_operatorhub(site: Site, subject: str) -> Any:
    if subject == "cluster":
        return F.source(site).get(OPERATORHUBS, "cluster")
    ns, name = subject.split("/", 1)
    source = F.named(F.listing(site, CATALOGSOURCES), name, ns)
    pods = tuple(
        p for p in F.listing(site, PODS, ns) if F.labels(p).get("olm.catalogSource") == name
    )
    return CatalogFacts(source, pods)


def evaluate_operatorhub(hub: Obj) -> Verdict:
    if (hub.get("spec") or {}).get("disableAllDefaultSources") is True:
        return passed("disableAllDefaultSources: true")
    return failed(
        expected="OperatorHub cluster with disableAllDefaultSources: true (the default sources cannot be reached)",
        found=f"disableAllDefaultSources: {(hub.get('spec') or {}).get('disableAllDefaultSources', 'unset')}",
        remediation="oc patch OperatorHub cluster --type json -p "
        '\'[{"op": "add", "path": "/spec/disableAllDefaultSources", "value": true}]\'',
    )


def _pod_state(pod: Obj) -> str:
    status = pod.get("status") or {}
    waits = [
        (cs.get("state") or {}).get("waiting", {}).get("reason")
        for cs in status.get("containerStatuses") or []
    ]
    reason = next((w for w in waits if w), "")
    ready = (F.condition(pod, "Ready") or {}).get("status") == "True"
    return f"{F.name_of(pod)} {status.get('phase', 'Unknown')}{'/' + reason if reason else ''}{'' if ready else ' not ready'}"


def evaluate_catalog(facts: CatalogFacts) -> Verdict:
    """The CatalogSource has a Running, ready pod."""
    src = facts.source
    good = [
        p
        for p in facts.pods
        if (p.get("status") or {}).get("phase") == "Running"
        and (F.condition(p, "Ready") or {}).get("status") == "True"
    ]
    if good:
        return passed(f"pod {F.name_of(good[0])} Running and ready")
    ns, name = src["metadata"].get("namespace", "openshift-marketplace"), F.name_of(src)
    image = (src.get("spec") or {}).get("image", "?")
    found = ", ".join(_pod_state(p) for p in facts.pods) or "no catalog pod"
    state = ((src.get("status") or {}).get("connectionState") or {}).get("lastObservedState")
    if state:
        found += f"; connection {state}"
    return failed(
        expected=f"a Running, ready pod serving CatalogSource {ns}/{name}",
        found=found,
        remediation=(
            f"oc -n {ns} describe pod -l olm.catalogSource={name}; the index image {image} must be in the "
            "mirror (oc adm catalog mirror) and the image registry Managed with storage (imageregistry.storage); "
            "a large index can CrashLoop (OOM) for about 30 minutes before it serves"
        ),
    )


# --------------------------------------------------------------------------- imageregistry.storage


def gather_registry(site: Site, subject: str) -> Obj:
    return F.source(site).get(REGISTRY_CONFIGS, "cluster")


def evaluate_registry(config: Obj) -> Verdict:
    spec = config.get("spec") or {}
    state = spec.get("managementState", "unset")
    storage = {
        k: v
        for k, v in (spec.get("storage") or {}).items()
        if k != "managementState" and v is not None
    }
    if state == "Managed" and storage:
        return passed(f"Managed, storage {', '.join(sorted(storage))}")
    return failed(
        expected="image registry managementState Managed with storage configured",
        found=f"managementState {state}, storage {storage or '{}'}",
        remediation="oc patch configs.imageregistry.operator.openshift.io cluster --type merge --patch "
        '\'{"spec":{"managementState":"Managed","storage":{"pvc":{"claim":""}}}}\' '
        "(an empty claim makes the operator create image-registry-storage; or use emptyDir: {} for a lab)",
    )


# --------------------------------------------------------------------------- upgrade.readiness


def upgrade_subjects(site: Site) -> list[str]:
    subjects = [f"machineconfigpool/{F.name_of(p)}" for p in F.listing(site, MCPS, optional=True)]
    subjects += [f"machinehealthcheck/{F.ns_name(m)}" for m in F.listing(site, MHCS, optional=True)]
    if not subjects:
        raise NotApplicable("no MachineConfigPool and no MachineHealthCheck in the cluster")
    return subjects


def gather_upgrade(site: Site, subject: str) -> tuple[str, Obj]:
    kind, rest = subject.split("/", 1)
    if kind == "machineconfigpool":
        return kind, F.named(F.listing(site, MCPS), rest)
    ns, name = rest.split("/", 1)
    return kind, F.named(F.listing(site, MHCS), name, ns)


def evaluate_upgrade(kind: str, obj: Obj) -> Verdict:
    name = F.name_of(obj)
    if kind == "machineconfigpool":
        if (obj.get("spec") or {}).get("paused"):
            return failed(
                expected=f"MachineConfigPool {name} not paused (its nodes would be skipped by the update)",
                found="spec.paused: true",
                remediation=f'oc patch mcp/{name} --type merge --patch \'{{"spec":{{"paused":false}}}}\'',
            )
        return passed("not paused")
    ns = obj["metadata"].get("namespace", "openshift-machine-api")
    if PAUSED in F.annotations(obj):
        return passed(
            f"annotated {PAUSED} (remove it after the update: oc -n {ns} annotate mhc {name} {PAUSED}-)"
        )
    return failed(
        expected=f"MachineHealthCheck {name} paused before a disconnected update (nodes reboot during it)",
        found=f"no {PAUSED} annotation",
        remediation=f'oc -n {ns} annotate mhc {name} {PAUSED}=""  (and after the update: oc -n {ns} annotate mhc {name} {PAUSED}-)',
    )


# --------------------------------------------------------------------------- checks


@check(
    "operatorhub.sources",
    title="OperatorHub uses mirrored catalogs that serve",
    markers=["postinstall"],
    subject="cluster (OperatorHub), and <namespace>/<name> of each CatalogSource",
    fails_when="disableAllDefaultSources is not true in a disconnected site, or a CatalogSource has no Running, ready pod",
    remediation="oc patch OperatorHub cluster disableAllDefaultSources; mirror the index image",
    subjects=operatorhub_subjects,
    gather=gather_operatorhub,
)
def test_operatorhub_sources(facts: Any) -> None:
    expect(
        evaluate_catalog(facts) if isinstance(facts, CatalogFacts) else evaluate_operatorhub(facts)
    )


@check(
    "imageregistry.storage",
    title="Image registry is Managed with storage",
    markers=["postinstall"],
    subject="cluster",
    fails_when="managementState is not Managed or spec.storage is empty",
    remediation="oc patch configs.imageregistry.operator.openshift.io cluster managementState and storage",
    subjects=lambda site: ["cluster"],
    gather=gather_registry,
)
def test_imageregistry_storage(facts: Obj) -> None:
    expect(evaluate_registry(facts))


@check(
    "upgrade.readiness",
    title="Ready for a disconnected update",
    markers=["postinstall"],
    subject="machineconfigpool/<name>, machinehealthcheck/<namespace>/<name>",
    fails_when="a MachineConfigPool is paused, or a MachineHealthCheck lacks cluster.x-k8s.io/paused",
    remediation="unpause the pool; annotate the MHC cluster.x-k8s.io/paused",
    subjects=upgrade_subjects,
    gather=gather_upgrade,
)
def test_upgrade_readiness(facts: tuple[str, Obj]) -> None:
    expect(evaluate_upgrade(*facts))
