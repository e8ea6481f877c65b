"""Cluster health after install: every ClusterOperator available and settled.

Subjects come from the cluster (``--kubeconfig`` or ``--snapshot``), read once per process
(``collectors.facts.cluster``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.cluster import gather_operator, operator_names
from collectors.visible import shell_word

#: What each operator usually waits on in a UPI site, for the remediation.
OPERATOR_HINTS = {
    "openshift-samples": (
        "see the samples.* checks: skip or mirror the imagestreams that cannot import"
    ),
    "image-registry": (
        "see imageregistry.storage: set managementState Managed and configure storage"
    ),
    "ingress": "see placement.router_behind_lb: the router pods must run on nodes the LB fronts",
    "authentication": (
        "it needs the ingress route: see placement.router_behind_lb and lb.port ingress:443"
    ),
    "console": (
        "it needs the ingress route: see placement.router_behind_lb and lb.port ingress:443"
    ),
    "marketplace": "see operatorhub.sources",
    "monitoring": "see placement.infra for the monitoring pods and their PVCs",
    "machine-config": "check the MachineConfigPools: oc get mcp; oc describe mcp",
}


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
        remediation=f"oc describe clusteroperator {shell_word(name)}; {hint}",
    )


@check(
    "cluster.operators",
    reads_site=False,  # the cluster only: runs on a must-gather
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
