"""Cluster health after install: operators settled, nodes Ready and well named, no pending CSR.

Subjects come from the cluster (``--kubeconfig`` or ``--snapshot``), read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import CLUSTEROPERATORS, CSRS, NODES
from collectors.inventory import Inventory
from collectors.site import Site

#: What each operator usually waits on in a UPI site, for the remediation.
OPERATOR_HINTS = {
    "openshift-samples": "see the samples.* checks: skip or mirror the imagestreams that cannot import",
    "image-registry": "see imageregistry.storage: set managementState Managed and configure storage",
    "ingress": "see placement.router_behind_lb: the router pods must run on nodes the LB fronts",
    "authentication": "it needs the ingress route: see placement.router_behind_lb and lb.port ingress:443",
    "console": "it needs the ingress route: see placement.router_behind_lb and lb.port ingress:443",
    "marketplace": "see operatorhub.sources",
    "monitoring": "see placement.infra for the monitoring pods and their PVCs",
    "machine-config": "check the MachineConfigPools: oc get mcp; oc describe mcp",
}

# --------------------------------------------------------------------------- cluster.operators


def operator_names(site: Site) -> list[str]:
    return [F.name_of(o) for o in F.listing(site, CLUSTEROPERATORS)]


def gather_operator(site: Site, subject: str) -> Obj:
    return F.named(F.listing(site, CLUSTEROPERATORS), subject)


def evaluate_operator(co: Obj) -> Verdict:
    """Available=True, Progressing=False, Degraded=False.

    >>> co = {"metadata": {"name": "dns"}, "status": {"conditions": [
    ...     {"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True"},
    ...     {"type": "Degraded", "status": "False"}]}}
    >>> evaluate_operator(co).message
    'expected Available=True, Progressing=False, Degraded=False; found Progressing=True'
    """
    want = {"Available": "True", "Progressing": "False", "Degraded": "False"}
    wrong = []
    for ctype, status in want.items():
        cond = F.condition(co, ctype) or {}
        found = str(cond.get("status", "Unknown"))
        if found != status:
            why = ": ".join(x for x in (cond.get("reason"), cond.get("message")) if x)
            wrong.append(f"{ctype}={found}" + (f" ({why})" if why else ""))
    name = F.name_of(co)
    if not wrong:
        return passed("Available, not progressing, not degraded")
    hint = OPERATOR_HINTS.get(name, "read its conditions and the operator's pod logs")
    return failed(
        expected="Available=True, Progressing=False, Degraded=False",
        found=", ".join(wrong),
        remediation=f"oc describe clusteroperator {name}; {hint}",
    )


# --------------------------------------------------------------------------- nodes.*


def node_names(site: Site) -> list[str]:
    return F.listing(site, NODES).subject_names()  # unreadable nodes too: they error alone


def gather_node(site: Site, subject: str) -> Obj:
    return F.named(F.listing(site, NODES), subject)


def evaluate_ready(node: Obj, inv: Inventory | None = None) -> Verdict:
    """Ready=True; the remediation reaches the node the way the inventory says (its ssh, else defaults)."""
    cond = F.condition(node, "Ready") or {}
    status = str(cond.get("status", "Unknown"))
    if status == "True":
        return passed("Ready")
    name, ip = F.name_of(node), F.internal_ip(node) or "<node ip>"
    known = inv.node_by_name(name) if inv else None
    if known is not None and known.ssh is not None:
        login = f"ssh -p {known.ssh.port} {known.ssh.user}@{known.ssh.host}"
    else:
        login = f"ssh {inv.ssh.user if inv else 'core'}@{ip}"
    why = (
        ": ".join(x for x in (cond.get("reason"), cond.get("message")) if x) or "no Ready condition"
    )
    return failed(
        expected="Ready=True",
        found=f"Ready={status} ({why})",
        remediation=(
            f"oc describe node {name}; approve its CSRs if any are pending (oc get csr), and read the "
            f"kubelet on the node: {login} journalctl -u kubelet -u crio --since -1h"
        ),
    )


def evaluate_name(node: Obj, inv: Inventory) -> Verdict:
    """The node registered under an inventory name, not ``localhost`` (a missing PTR)."""
    name = F.name_of(node)
    ip = F.internal_ip(node)
    by_ip = inv.node_by_ip(ip) if ip else None
    ptr_fix = (
        f'add "{ip.rsplit(".", 1)[-1]} IN PTR {by_ip.fqdn}." to the reverse zone of {ip} (and bump the serial)'
        if ip and by_ip
        else f"add a PTR record for {ip or 'its IP'} naming the node's FQDN"
    )
    if name.split(".")[0] in ("localhost",):
        who = f" (inventory {by_ip.role} {by_ip.name}, {by_ip.fqdn})" if by_ip else ""
        return failed(
            expected=f"the node at {ip or '?'} named {by_ip.fqdn if by_ip else 'after its PTR record'}",
            found=f'"{name}": reverse DNS for {ip}{who} gave no name when the node booted',
            remediation=f"{ptr_fix}; then reinstall the node, or on it run "
            f"hostnamectl set-hostname {by_ip.fqdn if by_ip else '<fqdn>'} and reboot, approve its new CSRs "
            f"(oc get csr) and remove the stale entry: oc delete node {name}",
        )
    known = inv.node_by_name(name)
    if known is None:
        return failed(
            expected="a node named after an inventory node (FQDN from its PTR record)",
            found=f'"{name}" at {ip or "?"}'
            + (f", which the inventory calls {by_ip.fqdn}" if by_ip else ", not in the inventory"),
            remediation=f"check reverse DNS: dig -x {ip or '<ip>'} +short must print the inventory FQDN; {ptr_fix}"
            + ("" if by_ip else "; or add the node to the inventory"),
        )
    if ip and known.ip != ip:
        return failed(
            expected=f"{name} at its inventory address {known.ip}",
            found=f"InternalIP {ip}",
            remediation=f"fix the A/PTR records or the inventory: dig +short {known.fqdn}; dig -x {ip} +short",
        )
    return passed(f"inventory {known.role} {known.name}")


# --------------------------------------------------------------------------- csr.pending


@dataclass(frozen=True)
class CsrFacts:
    pending: tuple[tuple[str, str], ...]  # (name, requestor)
    total: int


def gather_csrs(site: Site, subject: str) -> CsrFacts:
    csrs = F.listing(site, CSRS)
    pending = tuple(
        (F.name_of(c), str((c.get("spec") or {}).get("username", "?")))
        for c in csrs
        if not (c.get("status") or {}).get("conditions")
    )
    return CsrFacts(pending, len(csrs))


def evaluate_csrs(facts: CsrFacts) -> Verdict:
    """No CSR without a status (a pending one).

    >>> evaluate_csrs(CsrFacts((("csr-8cjss", "system:node:w1"),), 9)).remediation
    'oc adm certificate approve csr-8cjss (each node asks twice: approve again until none is pending)'
    """
    if not facts.pending:
        return passed(f"{facts.total} CSR(s), none pending")
    names = " ".join(n for n, _ in facts.pending)
    return failed(
        expected="no pending CertificateSigningRequest",
        found=f"{len(facts.pending)} pending: "
        + ", ".join(f"{n} ({who})" for n, who in facts.pending),
        remediation=f"oc adm certificate approve {names} (each node asks twice: approve again until none is pending)",
    )


# --------------------------------------------------------------------------- checks


@check(
    "cluster.operators",
    title="Cluster operators are available and settled",
    markers=["postinstall"],
    subject="clusteroperator name",
    fails_when="not Available=True, Degraded=False, Progressing=False",
    remediation="oc describe clusteroperator <name> and fix what its conditions name",
    subjects=operator_names,
    gather=gather_operator,
)
def test_cluster_operators(facts: Obj) -> None:
    expect(evaluate_operator(facts))


@check(
    "nodes.ready",
    title="Nodes are Ready",
    markers=["postinstall"],
    subject="node name",
    fails_when="Ready is not True",
    remediation="approve pending CSRs, read the kubelet journal on the node",
    subjects=node_names,
    gather=gather_node,
)
def test_nodes_ready(site: Site, facts: Obj) -> None:
    expect(evaluate_ready(facts, site.inv))


@check(
    "nodes.names",
    title="Nodes registered under their inventory names",
    markers=["postinstall"],
    subject="node name",
    fails_when="the name is localhost or not an inventory node (the message points at reverse DNS)",
    remediation="add the PTR record for the node's IP, then rename or reinstall the node",
    subjects=node_names,
    gather=gather_node,
    requires=("nodes",),
)
def test_nodes_names(site: Site, facts: Obj) -> None:
    expect(evaluate_name(facts, site.inv))


@check(
    "csr.pending",
    title="No pending certificate signing requests",
    markers=["postinstall"],
    subject="cluster",
    fails_when="any CSR has no status (pending)",
    remediation="oc adm certificate approve <names>",
    subjects=lambda site: ["cluster"],
    gather=gather_csrs,
)
def test_csr_pending(facts: CsrFacts) -> None:
    expect(evaluate_csrs(facts))
