"""OperatorHub in a disconnected cluster (``001_0a1346de1a4b89e1.txt``): the default sources
are disabled and every image-based CatalogSource is served by a Running, ready pod from the
mirror (an address-based one, ``spec.address``, has no pod by design).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.operatorhub import CatalogFacts, gather_operatorhub, operatorhub_subjects
from collectors.visible import shell_word


def evaluate_operatorhub(hub: Obj) -> Verdict:
    if (hub.get("spec") or {}).get("disableAllDefaultSources") is True:
        return passed("disableAllDefaultSources: true")
    return failed(
        expected="OperatorHub cluster with disableAllDefaultSources: true "
        "(the default sources cannot be reached)",
        found="disableAllDefaultSources: "
        f"{(hub.get('spec') or {}).get('disableAllDefaultSources', 'unset')}",
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
    return (
        f"{F.name_of(pod)} {status.get('phase', 'Unknown')}"
        f"{'/' + reason if reason else ''}{'' if ready else ' not ready'}"
    )


def evaluate_catalog(facts: CatalogFacts) -> Verdict:
    """An image-based CatalogSource has a Running, ready pod; an address-based one passes (OLM
    connects to its grpc address; there is no pod to look for)."""
    src = facts.source
    state = ((src.get("status") or {}).get("connectionState") or {}).get("lastObservedState")
    if facts.address is not None:
        seen = f"; connection {state}" if state else ""
        return passed(f"address-based (grpc {facts.address}): no pod by design{seen}")
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
    if state:
        found += f"; connection {state}"
    return failed(
        expected=f"a Running, ready pod serving CatalogSource {ns}/{name}",
        found=found,
        remediation=(
            f"oc -n {shell_word(ns)} describe pod -l {shell_word(f'olm.catalogSource={name}')}; "
            f"the index image {image} must "
            "be in the mirror (oc adm catalog mirror) and the image registry Managed with "
            "storage (imageregistry.storage); a large index can CrashLoop (OOM) for about 30 "
            "minutes before it serves"
        ),
    )


def evaluate_source(facts: Any) -> Verdict:
    """The OperatorHub (subject ``cluster``) or one CatalogSource, whichever was gathered."""
    return (
        evaluate_catalog(facts) if isinstance(facts, CatalogFacts) else evaluate_operatorhub(facts)
    )


@check(
    "operatorhub.sources",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="OperatorHub uses mirrored catalogs that serve",
    markers=["postinstall"],
    subject="cluster (OperatorHub), and <namespace>/<name> of each CatalogSource",
    fails_when="disableAllDefaultSources is not true in a disconnected site, "
    "or an image-based CatalogSource has no Running, ready pod (address-based sources have none "
    "by design)",
    remediation="oc patch OperatorHub cluster disableAllDefaultSources; mirror the index image",
    subjects=operatorhub_subjects,
    gather=gather_operatorhub,
)
def test_operatorhub_sources(facts: Any) -> None:
    expect(evaluate_source(facts))
