"""Infra placement: router, registry, monitoring and logging on infra nodes; infra nodes tainted;
router pods on nodes the load balancer fronts (``002_3305a96b10d962d7.txt`` §7.8.4, §8.2-8.7).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.placement import (
    PodPlacement,
    RouterFacts,
    component_of,
    gather_infra_node,
    gather_pod_placement,
    gather_router,
    infra_node_subjects,
    infra_pod_subjects,
    router_subjects,
)
from collectors.visible import json_word, shell_word

INFRA_LABEL = "node-role.kubernetes.io/infra"


def tolerations_json(taints: list[dict[str, str]]) -> str:
    tols = [
        {
            "effect": t["effect"],
            "key": t["key"],
            **({"value": t["value"]} if t.get("value") else {}),
        }
        for t in taints
    ]
    return json.dumps(tols, separators=(",", ":"))


def placement_remedy(component: str, key: str, taints: list[dict[str, str]]) -> str:
    """The exact change that moves ``component`` onto the infra nodes."""
    tols = tolerations_json(taints)
    tol_list = json.loads(tols)
    if key == "ingresscontroller":
        patch = json_word(
            {
                "spec": {
                    "nodePlacement": {
                        "nodeSelector": {"matchLabels": {INFRA_LABEL: ""}},
                        "tolerations": tol_list,
                    }
                }
            }
        )
        return (
            "oc patch ingresscontroller/default -n openshift-ingress-operator --type=merge "
            f"-p {patch}"
        )
    if key == "registry":
        patch = json_word({"spec": {"nodeSelector": {INFRA_LABEL: ""}, "tolerations": tol_list}})
        return (
            f"oc patch configs.imageregistry.operator.openshift.io/cluster --type=merge -p {patch}"
        )
    if key in ("logStore", "visualization"):
        where = "spec.logStore.elasticsearch" if key == "logStore" else "spec.visualization.kibana"
        return (
            f"oc -n openshift-logging edit clusterlogging instance: set {where}.nodeSelector "
            f'{{"{INFRA_LABEL}": ""}} and {where}.tolerations {tols}'
        )
    return (
        "in ConfigMap cluster-monitoring-config (namespace openshift-monitoring), "
        "key config.yaml, set "
        f'{key}: {{nodeSelector: {{"{INFRA_LABEL}": ""}}, tolerations: {tols}}} '
        "(oc -n openshift-monitoring edit configmap cluster-monitoring-config; "
        "create it if missing)"
    )


# --------------------------------------------------------------------------- placement.infra


def evaluate_pod_placement(facts: PodPlacement) -> Verdict:
    pod = facts.pod
    comp = component_of(pod)
    node_name = (pod.get("spec") or {}).get("nodeName") or "no node (not scheduled)"
    if facts.node is not None and F.is_infra(facts.node):
        return passed(f"on infra node {node_name}")
    component, key = comp or ("?", "")
    roles = ",".join(F.roles(facts.node)) if facts.node else "unknown"
    where = ", ".join(facts.infra_names) or "no node is labelled infra yet"
    remedy = placement_remedy(component, key, facts.taints)
    if not facts.infra_names:
        remedy = f"label the infra nodes first: oc label node <name> {INFRA_LABEL}=; then {remedy}"
    return failed(
        expected=f"{component} on an infra node ({where})",
        found=f"{F.ns_name(pod)} on {node_name} (roles: {roles})",
        remediation=remedy,
    )


# --------------------------------------------------------------------------- placement.infra_taints


def evaluate_infra_taints(subject: str, node: Obj | None) -> Verdict:
    """An infra node carries a NoSchedule taint (the seed: infra=reserved:NoSchedule and
    :NoExecute)."""
    taint_cmd = (
        f"oc adm taint node {shell_word(subject)} "
        "infra=reserved:NoSchedule infra=reserved:NoExecute"
    )
    if node is None:
        return failed(
            expected=f"a node {subject} labelled infra",
            found="no such node in the cluster",
            remediation="join it (approve its CSRs: oc get csr), then "
            f"oc label node {shell_word(subject)} {INFRA_LABEL}= and {taint_cmd}",
        )
    if not F.is_infra(node):
        return failed(
            expected=f"{subject} labelled {INFRA_LABEL} and tainted",
            found=f"roles {','.join(F.roles(node)) or 'none'}",
            remediation=f"oc label node {shell_word(subject)} {INFRA_LABEL}=; {taint_cmd}",
        )
    no_schedule = [t for t in F.taints(node) if t.get("effect") == "NoSchedule"]
    if no_schedule:
        return passed("tainted " + ", ".join(F.taint_text(t) for t in F.taints(node)))
    found = ", ".join(F.taint_text(t) for t in F.taints(node)) or "no taints"
    return failed(
        expected="a NoSchedule taint keeping user pods off the infra node",
        found=found,
        remediation=f"{taint_cmd} "
        "(give router, registry and monitoring the matching tolerations first)",
    )


# ------------------------------------------------------------------- placement.router_behind_lb


def evaluate_router(facts: RouterFacts) -> Verdict:
    """The router's node InternalIP is a server of every backend behind 80 and 443."""
    if facts.node_ip is None:
        return failed(
            expected=f"router {facts.pod} on a node with an InternalIP",
            found=f"node {facts.node or '(none: not scheduled)'} unknown",
            remediation="oc -n openshift-ingress describe pod "
            + shell_word(facts.pod.split("/", 1)[-1]),
        )
    lacking = []
    for port, backends in facts.backends.items():
        if not backends:
            lacking.append((port, "", 0))
        for backend, line, ips in backends:
            if facts.node_ip not in ips:
                lacking.append((port, backend, line))
    if not lacking:
        return passed(
            f"{facts.node} ({facts.node_ip}) is behind " + ", ".join(str(p) for p in facts.backends)
        )
    short = facts.node.split(".")[0]
    adds = "; ".join(
        f'add "server {short} {facts.node}:{port} check" to backend {b} (line {line})'
        if b
        else f"bind port {port} to a backend"
        for port, b, line in lacking
    )
    return failed(
        expected=f"router node {facts.node} ({facts.node_ip}) "
        "as a server of the LB's 80 and 443 backends",
        found="not a server of " + ", ".join(f"{b or 'any backend'} ({p})" for p, b, _ in lacking),
        remediation=f"{adds} in {facts.config_path} and reload haproxy; "
        "or move the routers onto the fronted "
        "nodes with the ingresscontroller nodePlacement (see placement.infra)",
    )


# --------------------------------------------------------------------------- checks


@check(
    "placement.infra",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="Infra components run on infra nodes",
    markers=["postinstall"],
    subject="<namespace>/<pod> of router, registry, monitoring and logging components",
    fails_when="the pod runs on a node without the infra role (only when infra nodes exist)",
    remediation="set nodeSelector and tolerations: ingresscontroller nodePlacement, "
    "registry config, cluster-monitoring-config",
    subjects=infra_pod_subjects,
    gather=gather_pod_placement,
)
def test_placement_infra(facts: PodPlacement) -> None:
    expect(evaluate_pod_placement(facts))


@check(
    "placement.infra_taints",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="Infra nodes are tainted",
    markers=["postinstall"],
    subject="infra node name",
    fails_when="the node has no NoSchedule taint keeping user pods off",
    remediation="oc adm taint node <name> infra=reserved:NoSchedule infra=reserved:NoExecute",
    subjects=infra_node_subjects,
    gather=gather_infra_node,
)
def test_placement_infra_taints(subject: str, facts: Obj | None) -> None:
    expect(evaluate_infra_taints(subject, facts))


@check(
    "placement.router_behind_lb",
    title="Router pods run on nodes the load balancer fronts",
    markers=["postinstall"],
    subject="<namespace>/<pod> of each router pod",
    fails_when="its node is not a server of the LB's 80 and 443 backends",
    remediation="add the node to the 80/443 backends, or move the routers with nodePlacement",
    subjects=router_subjects,
    gather=gather_router,
    requires=("load_balancer.config",),
)
def test_placement_router_behind_lb(facts: RouterFacts) -> None:
    expect(evaluate_router(facts))
