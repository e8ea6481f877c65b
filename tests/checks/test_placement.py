"""checks/placement.py: placement.infra, placement.infra_taints, placement.router_behind_lb."""

from __future__ import annotations

from checks.placement import (
    evaluate_infra_taints,
    evaluate_pod_placement,
    evaluate_router,
    placement_remedy,
)
from collectors.facts.placement import DEFAULT_TAINTS, PodPlacement, RouterFacts

INFRA = "node-role.kubernetes.io/infra"


def node(name: str, role: str, taints: list | None = None) -> dict:  # type: ignore[type-arg]
    return {
        "metadata": {"name": name, "labels": {f"node-role.kubernetes.io/{role}": ""}},
        "spec": {"taints": taints or []},
    }


def pod(ns: str, name: str, node_name: str) -> dict:  # type: ignore[type-arg]
    return {"metadata": {"namespace": ns, "name": name}, "spec": {"nodeName": node_name}}


ROUTER = pod("openshift-ingress", "router-default-1", "w1")


def test_pod_on_an_infra_node_passes() -> None:
    facts = PodPlacement(
        pod("openshift-ingress", "router-default-1", "i1"), node("i1", "infra"), ("i1",)
    )
    v = evaluate_pod_placement(facts)
    assert v.ok and v.message == "on infra node i1"


def test_pod_on_a_worker_gets_the_ingresscontroller_patch() -> None:
    taints = [dict(t) for t in DEFAULT_TAINTS]
    v = evaluate_pod_placement(PodPlacement(ROUTER, node("w1", "worker"), ("i1",), taints))
    assert not v.ok
    assert v.message == (
        "expected router on an infra node (i1); found openshift-ingress/router-default-1 on w1 "
        "(roles: worker)"
    )
    assert v.remediation == placement_remedy("router", "ingresscontroller", taints)
    assert v.remediation.startswith(
        "oc patch ingresscontroller/default -n openshift-ingress-operator"
    )


def test_no_infra_node_yet_says_label_first() -> None:
    v = evaluate_pod_placement(PodPlacement(ROUTER, node("w1", "worker"), ()))
    assert not v.ok and "no node is labelled infra yet" in v.message
    assert v.remediation.startswith(f"label the infra nodes first: oc label node <name> {INFRA}=")


def test_tainted_infra_node_passes_and_untainted_fails() -> None:
    tainted = node("i1", "infra", [{"key": "infra", "value": "reserved", "effect": "NoSchedule"}])
    assert evaluate_infra_taints("i1", tainted).ok
    v = evaluate_infra_taints("i1", node("i1", "infra"))
    assert not v.ok and v.message.endswith("found no taints")
    assert v.remediation.startswith(
        "oc adm taint node i1 infra=reserved:NoSchedule infra=reserved:NoExecute"
    )


def test_router_behind_both_backends_passes() -> None:
    backends = {80: [("http", 12, ["10.0.0.41"])], 443: [("https", 20, ["10.0.0.41"])]}
    v = evaluate_router(RouterFacts("openshift-ingress/r", "i1.x", "10.0.0.41", backends, "lb.cfg"))
    assert v.ok and v.message == "i1.x (10.0.0.41) is behind 80, 443"


def test_router_not_behind_a_backend_names_the_server_line() -> None:
    backends = {80: [("http", 12, ["10.0.0.31"])], 443: [("https", 20, ["10.0.0.41"])]}
    v = evaluate_router(RouterFacts("openshift-ingress/r", "i1.x", "10.0.0.41", backends, "lb.cfg"))
    assert not v.ok and v.message.endswith("found not a server of http (80)")
    assert v.remediation.startswith(
        'add "server i1 i1.x:80 check" to backend http (line 12) in lb.cfg'
    )
