"""Pure evaluate functions of the postinstall checks: the branches the lab scenarios do not
reach."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from checks import (
    cluster,
    csr,
    imageregistry,
    lb,
    mirror,
    nodes,
    operatorhub,
    placement,
    samples,
    upgrade,
)
from collectors.cluster import samples as S
from collectors.facts.csr import CsrFacts
from collectors.facts.lb import BootstrapFacts
from collectors.facts.operatorhub import CatalogFacts
from collectors.facts.samples import StreamFacts, TagFacts
from collectors.inventory import Node
from collectors.parsers.haproxy import parse_haproxy
from lab.cluster_model import seed_cluster
from lab.model import seed_model

NET = seed_model(0)
MODEL = seed_cluster(NET, "m:5000")


def inventory(tmp_path: Path):
    import yaml

    from collectors.inventory import load_inventory

    inv = {
        "cluster": {"name": NET.cluster, "base_domain": NET.base_domain},
        "nodes": [{"name": n.name, "role": n.role, "ip": n.ip} for n in NET.nodes],
    }
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(inv))
    return load_inventory(path)


def test_operator_without_conditions_is_unknown() -> None:
    v = cluster.evaluate_operator({"metadata": {"name": "csi-snapshot-controller"}, "status": {}})
    assert (
        not v.ok
        and "Available=Unknown" in v.message
        and "oc describe clusteroperator csi-snapshot-controller" in v.remediation
    )


def test_node_names(tmp_path: Path) -> None:
    inv = inventory(tmp_path)
    stranger = {
        "metadata": {"name": "s1.ocp45.example.localdomain"},
        "status": {"addresses": [{"type": "InternalIP", "address": "10.9.9.9"}]},
    }
    v = nodes.evaluate_name(stranger, inv)
    assert not v.ok and "not in the inventory" in v.message and "dig -x 10.9.9.9" in v.remediation
    renamed = {
        "metadata": {"name": "node-21"},
        "status": {"addresses": [{"type": "InternalIP", "address": NET.node("m1").ip}]},
    }
    v = nodes.evaluate_name(renamed, inv)
    assert not v.ok and "m1.ocp45.example.localdomain" in v.message
    assert nodes.evaluate_name(MODEL.node("w1"), inv).ok


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.from_regex(r"csr-[a-z0-9]{5}", fullmatch=True), st.booleans()),
        max_size=8,
        unique_by=lambda t: t[0],
    )
)
def test_csr_pending_iff_a_csr_has_no_status(csrs: list[tuple[str, bool]]) -> None:
    facts = CsrFacts(tuple((n, "system:node:x") for n, approved in csrs if not approved), len(csrs))
    v = csr.evaluate_csrs(facts)
    assert v.ok == all(approved for _, approved in csrs)
    for name, approved in csrs:
        assert (name in v.remediation) == (not approved)


def test_bootstrap_matched_by_address_and_disabled_servers_ignored() -> None:
    cfg = parse_haproxy(
        "backend kube_api\n    server api0 10.0.0.11:6443 check\n"
        "    server m1 10.0.0.21:6443 check\n"
        "backend other\n    server bs 10.0.0.11:6443 check disabled\n",
        "lb.cfg",
    )
    bs = Node("bs", "bootstrap", "10.0.0.11", "bs.c.example")
    servers = tuple(
        (b, s) for b in cfg.sections if b.kind == "backend" for s in b.servers if s.active
    )
    v = lb.evaluate_bootstrap(BootstrapFacts(6443, "lb.cfg", bs, servers, {}))
    assert (
        not v.ok
        and '"server api0 10.0.0.11:6443 check" (line 2, backend kube_api)' in v.remediation
    )
    assert "other" not in v.message


def test_router_without_node_ip_and_missing_bind() -> None:
    v = placement.evaluate_router(
        placement.RouterFacts("openshift-ingress/r", "", None, {}, "lb.cfg")
    )
    assert not v.ok and "oc -n openshift-ingress describe pod r" in v.remediation
    v = placement.evaluate_router(
        placement.RouterFacts(
            "openshift-ingress/r",
            "i1.x",
            "10.0.0.41",
            {80: [], 443: [("infra_https", 40, ["10.0.0.41"])]},
            "lb.cfg",
        )
    )
    assert not v.ok and "bind port 80" in v.remediation


def test_infra_placement_remedy_uses_the_nodes_taints() -> None:
    taints = [{"key": "node-role.kubernetes.io/infra", "effect": "NoSchedule"}]
    cmd = placement.placement_remedy("image-registry", "registry", taints)
    assert cmd == (
        "oc patch configs.imageregistry.operator.openshift.io/cluster --type=merge -p "
        '\'{"spec":{"nodeSelector":{"node-role.kubernetes.io/infra":""},"tolerations":'
        '[{"effect":"NoSchedule","key":"node-role.kubernetes.io/infra"}]}}\''
    )
    assert (
        placement.component_of(
            {
                "metadata": {
                    "name": "node-exporter-x",
                    "namespace": "openshift-monitoring",
                    "ownerReferences": [{"kind": "DaemonSet"}],
                }
            }
        )
        is None
    )
    assert (
        placement.component_of(
            {
                "metadata": {
                    "name": "cluster-monitoring-operator-1",
                    "namespace": "openshift-monitoring",
                }
            }
        )
        is None
    )


def test_unlabelled_infra_node_and_missing_node() -> None:
    node = MODEL.node("w1")
    v = placement.evaluate_infra_taints("w1.ocp45.example.localdomain", node)
    assert (
        not v.ok
        and "oc label node w1.ocp45.example.localdomain node-role.kubernetes.io/infra="
        in v.remediation
    )
    assert not placement.evaluate_infra_taints("i9", None).ok
    assert placement.evaluate_infra_taints("i1", MODEL.node("i1")).ok


def stream(
    name: str,
    pattern: S.Pattern,
    present: bool,
    candidates: tuple[str, ...] = ("m:5000/a:1",),
    failure: str | None = None,
) -> StreamFacts:
    tag = TagFacts("1", "registry.redhat.io/a:1", "m:5000/a:1", candidates, present)
    return StreamFacts(name, pattern, True, (tag,), failure, "m:5000", "pull-secret.json")


def test_samples_patterns_in_the_verdicts() -> None:
    removed = S.pattern({"spec": {"managementState": "Removed", "skippedImagestreams": ["a"]}})
    assert samples.evaluate_skip_coverage(stream("b", removed, False)).ok
    managed = S.pattern({"spec": {"managementState": "Managed"}})
    v = samples.evaluate_skip_coverage(stream("b", managed, True, failure="ConfigMap x"))
    assert not v.ok and "import failed: ConfigMap x" in v.message and "pattern 1" in v.details[0]
    v = mirror.evaluate_mirror_stream(stream("b", managed, False, candidates=()))
    assert not v.ok and "has no route to the mirror" in v.message
    assert "oc image mirror registry.redhat.io/a:1 m:5000/a:1 -a pull-secret.json" in v.remediation
    skipped = S.pattern({"spec": {"managementState": "Managed", "skippedImagestreams": ["b"]}})
    assert mirror.evaluate_mirror_stream(stream("b", skipped, False)).ok
    assert samples.evaluate_samples_registry({"spec": {"managementState": "Removed"}}, "m:5000").ok
    assert not samples.evaluate_samples_registry(
        {"spec": {"managementState": "Managed"}}, "m:5000"
    ).ok


def test_day2_branches() -> None:
    assert imageregistry.evaluate_registry(
        {"spec": {"managementState": "Managed", "storage": {"emptyDir": {}}}}
    ).ok
    assert not imageregistry.evaluate_registry(
        {"spec": {"managementState": "Managed", "storage": {}}}
    ).ok
    v = operatorhub.evaluate_catalog(
        CatalogFacts(
            {
                "metadata": {"name": "c", "namespace": "openshift-marketplace"},
                "spec": {"image": "m:5000/olm/x:v1"},
            },
            (),
        )
    )
    assert not v.ok and "no catalog pod" in v.message and "m:5000/olm/x:v1" in v.remediation
    assert not operatorhub.evaluate_operatorhub({"spec": {}}).ok
    assert upgrade.evaluate_upgrade(
        "machineconfigpool", {"metadata": {"name": "worker"}, "spec": {}}
    ).ok


def test_tag_references_map_only_through_tag_mirror_sets() -> None:
    from collectors.images.lookup import candidates
    from collectors.images.mirrors import MirrorRule

    digest_rule = MirrorRule("registry.redhat.io/rhscl", ("m:5000/rhscl",))
    tag_rule = MirrorRule("registry.redhat.io/rhscl", ("m:5000/rhscl",), digest_only=False)
    assert (
        candidates("registry.redhat.io/rhscl/nginx-112-rhel7:latest", [digest_rule], "m:5000") == []
    )
    found = candidates("registry.redhat.io/rhscl/nginx-112-rhel7:latest", [tag_rule], "m:5000")
    assert [str(c) for c in found] == ["m:5000/rhscl/nginx-112-rhel7:latest"]


def test_nodes_ready_remediation_logs_in_as_the_inventory_says(tmp_path) -> None:  # noqa: ANN001
    from checks.nodes import evaluate_ready
    from collectors.inventory import load_inventory

    inv_path = tmp_path / "site.yaml"
    inv_path.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\nssh: {user: root}\nnodes:\n"
        "  - {name: w1, role: worker, ip: 10.0.0.31}\n"
        "  - {name: w2, role: worker, ip: 10.0.0.32, ssh: 'admin@jump:2222'}\n"
    )
    inv = load_inventory(inv_path)

    def node(name: str, ip: str) -> dict:
        return {
            "metadata": {"name": name},
            "status": {
                "addresses": [{"type": "InternalIP", "address": ip}],
                "conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady"}],
            },
        }

    assert (
        "ssh root@10.0.0.31 journalctl"
        in evaluate_ready(node("w1.ocp45.example.localdomain", "10.0.0.31"), inv).remediation
    )
    assert (
        "ssh -p 2222 admin@jump journalctl"
        in evaluate_ready(node("w2.ocp45.example.localdomain", "10.0.0.32"), inv).remediation
    )
