"""Infra placement: router, registry, monitoring and logging on infra nodes; infra nodes tainted;
router pods on nodes the load balancer fronts (``002_3305a96b10d962d7.txt`` §7.8.4, §8.2-8.7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from checks.base import NotApplicable, Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import NODES, PODS
from collectors.site import Site

INFRA_LABEL = "node-role.kubernetes.io/infra"
DEFAULT_TAINTS = (
    {"key": "infra", "value": "reserved", "effect": "NoSchedule"},
    {"key": "infra", "value": "reserved", "effect": "NoExecute"},
)
#: (namespace, pod name prefix, component, where it is configured)
COMPONENTS = (
    ("openshift-ingress", "router-default-", "router", "ingresscontroller"),
    ("openshift-image-registry", "image-registry-", "image-registry", "registry"),
    ("openshift-monitoring", "prometheus-k8s-", "prometheus-k8s", "prometheusK8s"),
    ("openshift-monitoring", "alertmanager-main-", "alertmanager-main", "alertmanagerMain"),
    ("openshift-monitoring", "thanos-querier-", "thanos-querier", "thanosQuerier"),
    ("openshift-monitoring", "grafana-", "grafana", "grafana"),
    ("openshift-monitoring", "kube-state-metrics-", "kube-state-metrics", "kubeStateMetrics"),
    (
        "openshift-monitoring",
        "openshift-state-metrics-",
        "openshift-state-metrics",
        "openshiftStateMetrics",
    ),
    ("openshift-monitoring", "prometheus-adapter-", "prometheus-adapter", "k8sPrometheusAdapter"),
    ("openshift-monitoring", "telemeter-client-", "telemeter-client", "telemeterClient"),
    ("openshift-monitoring", "prometheus-operator-", "prometheus-operator", "prometheusOperator"),
    ("openshift-logging", "elasticsearch-", "elasticsearch", "logStore"),
    ("openshift-logging", "kibana-", "kibana", "visualization"),
)
NAMESPACES = tuple(dict.fromkeys(ns for ns, *_ in COMPONENTS))


def component_of(pod: Obj) -> tuple[str, str] | None:
    """(component, config key) of an infra component pod; None for DaemonSets, operators, jobs."""
    meta = pod["metadata"]
    if F.owner_kind(pod) in ("DaemonSet", "Job") or (pod.get("status") or {}).get("phase") in (
        "Succeeded",
        "Failed",
    ):
        return None
    for ns, prefix, component, key in COMPONENTS:
        if meta.get("namespace") == ns and meta["name"].startswith(prefix):
            return component, key
    return None


def infra_nodes(site: Site) -> list[Obj]:
    return [n for n in F.listing(site, NODES) if F.is_infra(n)]


def has_infra(site: Site) -> bool:
    return bool(site.inv.nodes_with_role("infra") or infra_nodes(site))


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


def infra_taints(site: Site) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for node in infra_nodes(site):
        for t in F.taints(node):
            if t.get("effect") in ("NoSchedule", "NoExecute"):
                seen.setdefault(
                    F.taint_text(t),
                    {k: str(v) for k, v in t.items() if k in ("key", "value", "effect")},
                )
    return list(seen.values()) or [dict(t) for t in DEFAULT_TAINTS]


def _compact(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))


def placement_remedy(component: str, key: str, taints: list[dict[str, str]]) -> str:
    """The exact change that moves ``component`` onto the infra nodes."""
    tols = tolerations_json(taints)
    tol_list = json.loads(tols)
    if key == "ingresscontroller":
        patch = _compact(
            {
                "spec": {
                    "nodePlacement": {
                        "nodeSelector": {"matchLabels": {INFRA_LABEL: ""}},
                        "tolerations": tol_list,
                    }
                }
            }
        )
        return f"oc patch ingresscontroller/default -n openshift-ingress-operator --type=merge -p '{patch}'"
    if key == "registry":
        patch = _compact({"spec": {"nodeSelector": {INFRA_LABEL: ""}, "tolerations": tol_list}})
        return f"oc patch configs.imageregistry.operator.openshift.io/cluster --type=merge -p '{patch}'"
    if key in ("logStore", "visualization"):
        where = "spec.logStore.elasticsearch" if key == "logStore" else "spec.visualization.kibana"
        return (
            f"oc -n openshift-logging edit clusterlogging instance: set {where}.nodeSelector "
            f'{{"{INFRA_LABEL}": ""}} and {where}.tolerations {tols}'
        )
    return (
        f"in ConfigMap cluster-monitoring-config (namespace openshift-monitoring), key config.yaml, set "
        f'{key}: {{nodeSelector: {{"{INFRA_LABEL}": ""}}, tolerations: {tols}}} '
        "(oc -n openshift-monitoring edit configmap cluster-monitoring-config; create it if missing)"
    )


# --------------------------------------------------------------------------- placement.infra


def component_pods(site: Site) -> list[Obj]:
    pods = []
    for ns in NAMESPACES:
        pods += [p for p in F.listing(site, PODS, ns) if component_of(p)]
    return pods


def infra_pod_subjects(site: Site) -> list[str]:
    if not has_infra(site):
        raise NotApplicable(
            "no infra nodes (none in the inventory, none labelled infra in the cluster)"
        )
    return [F.ns_name(p) for p in component_pods(site)]


@dataclass(frozen=True)
class PodPlacement:
    pod: Obj
    node: Obj | None
    infra_names: tuple[str, ...]
    taints: list[dict[str, str]] = field(default_factory=list)


def gather_pod_placement(site: Site, subject: str) -> PodPlacement:
    ns, name = subject.split("/", 1)
    pod = F.named(F.listing(site, PODS, ns), name, ns)
    node_name = (pod.get("spec") or {}).get("nodeName")
    nodes = F.listing(site, NODES)
    node = F.find(nodes, node_name)
    return PodPlacement(
        pod, node, tuple(F.name_of(n) for n in infra_nodes(site)), infra_taints(site)
    )


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


def infra_node_subjects(site: Site) -> list[str]:
    names = [F.name_of(n) for n in infra_nodes(site)]
    cluster_names = {F.name_of(n) for n in F.listing(site, NODES)}
    for node in site.inv.nodes_with_role("infra"):
        if node.fqdn not in names and node.name not in names:
            names.append(
                node.fqdn
                if node.fqdn in cluster_names or node.name not in cluster_names
                else node.name
            )
    if not names:
        raise NotApplicable(
            "no infra nodes (none in the inventory, none labelled infra in the cluster)"
        )
    return sorted(names)


def gather_infra_node(site: Site, subject: str) -> Obj | None:
    return F.find(F.listing(site, NODES), subject)


def evaluate_infra_taints(subject: str, node: Obj | None) -> Verdict:
    """An infra node carries a NoSchedule taint (the seed: infra=reserved:NoSchedule and :NoExecute)."""
    taint_cmd = f"oc adm taint node {subject} infra=reserved:NoSchedule infra=reserved:NoExecute"
    if node is None:
        return failed(
            expected=f"a node {subject} labelled infra",
            found="no such node in the cluster",
            remediation=f"join it (approve its CSRs: oc get csr), then oc label node {subject} {INFRA_LABEL}= and {taint_cmd}",
        )
    if not F.is_infra(node):
        return failed(
            expected=f"{subject} labelled {INFRA_LABEL} and tainted",
            found=f"roles {','.join(F.roles(node)) or 'none'}",
            remediation=f"oc label node {subject} {INFRA_LABEL}=; {taint_cmd}",
        )
    no_schedule = [t for t in F.taints(node) if t.get("effect") == "NoSchedule"]
    if no_schedule:
        return passed("tainted " + ", ".join(F.taint_text(t) for t in F.taints(node)))
    found = ", ".join(F.taint_text(t) for t in F.taints(node)) or "no taints"
    return failed(
        expected="a NoSchedule taint keeping user pods off the infra node",
        found=found,
        remediation=f"{taint_cmd} (give router, registry and monitoring the matching tolerations first)",
    )


# --------------------------------------------------------------------------- placement.router_behind_lb


def router_subjects(site: Site) -> list[str]:
    return [
        F.ns_name(p)
        for p in F.listing(site, PODS, "openshift-ingress")
        if p["metadata"]["name"].startswith("router-") and F.owner_kind(p) != "Job"
    ]


@dataclass(frozen=True)
class RouterFacts:
    pod: str
    node: str
    node_ip: str | None
    backends: dict[int, list[tuple[str, int, list[str]]]]  # port -> (backend, line, server IPs)
    config_path: str
    missing_binds: tuple[int, ...] = ()


def _server_ips(site: Site, address: str, resolved: tuple[str, ...], nodes: list[Obj]) -> list[str]:
    """``resolved`` (Site.resolve_servers), else the inventory node or cluster node of that name."""
    if resolved:
        return list(resolved)
    inv_node = site.inv.node_by_name(address)
    if inv_node:
        return [inv_node.ip]
    return [
        ip
        for n in nodes
        if F.name_of(n) in (address, address.split(".")[0]) and (ip := F.internal_ip(n))
    ]


def gather_router(site: Site, subject: str) -> RouterFacts:
    ns, name = subject.split("/", 1)
    pod = F.named(F.listing(site, PODS, ns), name, ns)
    nodes = F.listing(site, NODES)
    node_name = (pod.get("spec") or {}).get("nodeName") or ""
    node = F.find(nodes, node_name)
    cfg = site.lb_config()
    ports = site.inv.load_balancer.ports
    backends: dict[int, list[tuple[str, int, list[str]]]] = {}
    missing = []
    for port in (ports["http"], ports["https"]):
        found = cfg.backends_for_port(port)
        if not found:
            missing.append(port)
        resolved = site.resolve_servers(found, active_only=True)
        backends[port] = [
            (
                b.name,
                b.line,
                sorted(
                    {
                        ip
                        for s in b.servers
                        if s.active
                        for ip in _server_ips(site, s.address, resolved[s.address], nodes)
                    }
                ),
            )
            for b in found
        ]
    return RouterFacts(
        subject,
        node_name,
        F.internal_ip(node) if node else None,
        backends,
        cfg.path,
        tuple(missing),
    )


def evaluate_router(facts: RouterFacts) -> Verdict:
    """The router's node InternalIP is a server of every backend behind 80 and 443."""
    if facts.node_ip is None:
        return failed(
            expected=f"router {facts.pod} on a node with an InternalIP",
            found=f"node {facts.node or '(none: not scheduled)'} unknown",
            remediation=f"oc -n openshift-ingress describe pod {facts.pod.split('/', 1)[1]}",
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
        expected=f"router node {facts.node} ({facts.node_ip}) as a server of the LB's 80 and 443 backends",
        found="not a server of " + ", ".join(f"{b or 'any backend'} ({p})" for p, b, _ in lacking),
        remediation=f"{adds} in {facts.config_path} and reload haproxy; or move the routers onto the fronted "
        "nodes with the ingresscontroller nodePlacement (see placement.infra)",
    )


# --------------------------------------------------------------------------- checks


@check(
    "placement.infra",
    title="Infra components run on infra nodes",
    markers=["postinstall"],
    subject="<namespace>/<pod> of router, registry, monitoring and logging components",
    fails_when="the pod runs on a node without the infra role (only when infra nodes exist)",
    remediation="set nodeSelector and tolerations: ingresscontroller nodePlacement, registry config, cluster-monitoring-config",
    subjects=infra_pod_subjects,
    gather=gather_pod_placement,
)
def test_placement_infra(facts: PodPlacement) -> None:
    expect(evaluate_pod_placement(facts))


@check(
    "placement.infra_taints",
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
