"""Nodes after install: every node Ready, and registered under its inventory name (a node
named ``localhost`` is a missing PTR record). Nodes come from ``collectors.facts.nodes``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.nodes import (
    JoinFacts,
    gather_joined,
    gather_node,
    joining_names,
    node_names,
)
from collectors.inventory import Inventory
from collectors.site import Site
from collectors.visible import shell_word, shell_word_or


def evaluate_ready(node: Obj, inv: Inventory | None = None) -> Verdict:
    """Ready=True; the remediation reaches the node the way the inventory says (its ssh, else
    defaults)."""
    cond = F.condition(node, "Ready") or {}
    status = str(cond.get("status", "Unknown"))
    if status == "True":
        return passed("Ready")
    name, ip = F.name_of(node), F.internal_ip(node) or "<node ip>"
    known = inv.node_by_name(name) if inv else None
    if known is not None and known.ssh is not None:
        login = f"ssh -p {known.ssh.port} {shell_word(f'{known.ssh.user}@{known.ssh.host}')}"
    else:
        user = inv.ssh.user if inv else "core"
        login = f"ssh {shell_word(f'{user}@{ip}')}"
    why = (
        ": ".join(x for x in (cond.get("reason"), cond.get("message")) if x) or "no Ready condition"
    )
    return failed(
        expected="Ready=True",
        found=f"Ready={status} ({why})",
        remediation=(
            f"oc describe node {shell_word(name)}; approve its CSRs if any are pending "
            "(oc get csr), and "
            f"read the kubelet on the node: {login} journalctl -u kubelet -u crio --since -1h"
        ),
    )


def evaluate_name(node: Obj, inv: Inventory) -> Verdict:
    """The node registered under an inventory name, not ``localhost`` (a missing PTR)."""
    name = F.name_of(node)
    ip = F.internal_ip(node)
    by_ip = inv.node_by_ip(ip) if ip else None
    ptr_fix = (
        f'add "{ip.rsplit(".", 1)[-1]} IN PTR {by_ip.fqdn}." to the reverse zone of {ip} '
        "(and bump the serial)"
        if ip and by_ip
        else f"add a PTR record for {ip or 'its IP'} naming the node's FQDN"
    )
    if name.split(".")[0] in ("localhost",):
        who = f" (inventory {by_ip.role} {by_ip.name}, {by_ip.fqdn})" if by_ip else ""
        return failed(
            expected=f"the node at {ip or '?'} named "
            f"{by_ip.fqdn if by_ip else 'after its PTR record'}",
            found=f'"{name}": reverse DNS for {ip}{who} gave no name when the node booted',
            remediation=f"{ptr_fix}; then reinstall the node, or on it run "
            f"hostnamectl set-hostname {shell_word_or(by_ip and by_ip.fqdn, '<fqdn>')} and reboot, "
            "approve its new CSRs (oc get csr) and remove the stale entry: "
            f"oc delete node {shell_word(name)}",
        )
    known = inv.node_by_name(name)
    if known is None:
        return failed(
            expected="a node named after an inventory node (FQDN from its PTR record)",
            found=f'"{name}" at {ip or "?"}'
            + (f", which the inventory calls {by_ip.fqdn}" if by_ip else ", not in the inventory"),
            remediation="check reverse DNS: "
            f"dig -x {shell_word_or(ip, '<ip>')} +short must print the "
            f"inventory FQDN; {ptr_fix}" + ("" if by_ip else "; or add the node to the inventory"),
        )
    if ip and known.ip != ip:
        return failed(
            expected=f"{name} at its inventory address {known.ip}",
            found=f"InternalIP {ip}",
            remediation="fix the A/PTR records or the inventory: "
            f"dig +short {shell_word(known.fqdn)}; dig -x {shell_word(ip)} +short",
        )
    return passed(f"inventory {known.role} {known.name}")


@check(
    "nodes.ready",
    reads_site=False,  # the cluster only: runs on a must-gather
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
    reads_site=False,  # the cluster only: runs on a must-gather
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


def evaluate_joined(facts: JoinFacts, inv: Inventory | None = None) -> Verdict:
    """The inventory node has a Node object (by name, FQDN or its InternalIP).

    >>> evaluate_joined(JoinFacts("w1", "w1.c.example", "10.0.0.31", "worker", None)).ok
    False
    """
    if facts.node is not None:
        return passed(f"Node {facts.node}")
    where = f"{facts.role} {facts.name} ({facts.fqdn}, {facts.ip})"
    target = next((n for n in inv.nodes if n.name == facts.name), None) if inv else None
    if target is not None and target.ssh is not None:
        login = f"ssh -p {target.ssh.port} {shell_word(f'{target.ssh.user}@{target.ssh.host}')}"
    else:
        user = inv.ssh.user if inv else "core"
        login = f"ssh {shell_word(f'{user}@{facts.ip}')}"
    csrs = (
        f"its pending CSRs {', '.join(facts.pending_csrs)}: "
        f"oc adm certificate approve {' '.join(shell_word(c) for c in facts.pending_csrs)}"
        if facts.pending_csrs
        else "its CSRs (oc get csr | grep -i pending; approve them with oc adm certificate approve)"
    )
    return failed(
        expected=f"a Node for {where}",
        found="no Node by that name, FQDN or InternalIP"
        + ("; a pending CSR names it" if facts.pending_csrs else ""),
        remediation=f"approve {csrs}; if none is pending, read the kubelet on the node: "
        f"{login} journalctl -u kubelet -u crio --since -1h (did it boot its ignition? can it "
        "reach api-int:22623 and 6443?)",
    )


@check(
    "nodes.joined",
    reads_site=False,  # the inventory and the cluster: runs on a must-gather
    title="Every inventory node joined the cluster",
    markers=["postinstall"],
    subject="inventory node name (master, worker, infra)",
    fails_when="no Node object for it (the message points at its CSRs and its kubelet journal)",
    remediation="approve its pending CSRs; else read its kubelet journal",
    subjects=joining_names,
    gather=gather_joined,
    requires=("nodes",),
)
def test_nodes_joined(site: Site, facts: JoinFacts) -> None:
    expect(evaluate_joined(facts, site.inv))
