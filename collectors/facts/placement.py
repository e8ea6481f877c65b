"""What the placement.* checks gather: the infra component pods and the nodes they run on,
the infra nodes and their taints, and each router pod's node next to the load balancer's 80 and
443 backends (haproxy.cfg, servers resolved through the site's DNS, else by node name).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collectors.cluster import facts as F
from collectors.cluster.base import NotCollected, Obj
from collectors.cluster.resources import NODES, PODS
from collectors.errors import NotApplicable
from collectors.site import Site

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


# --------------------------------------------------------------------------- placement.infra


def component_pods(site: Site) -> list[Obj]:
    pods = []
    for ns in NAMESPACES:
        try:
            listed = F.listing(site, PODS, ns)
        except NotCollected:  # a snapshot without that namespace (e.g. no logging installed)
            continue
        pods += [p for p in listed if component_of(p)]
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


# ------------------------------------------------------------------- placement.router_behind_lb


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
