"""Upgrade readiness of a disconnected cluster (``003_3beb5915e9cef39c.txt``): no paused
MachineConfigPool, and every MachineHealthCheck that selects machines paused before the update
(one that selects none, such as the operator-owned ``machine-api-termination-handler`` on a site
without spot instances, cannot remediate anything: see ``collectors.facts.upgrade``).
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.upgrade import Selection, gather_upgrade, upgrade_subjects

PAUSED = "cluster.x-k8s.io/paused"


def evaluate_upgrade(kind: str, obj: Obj, selected: Selection | None = None) -> Verdict:
    """A pool must not be paused; an MHC that selects machines (or may: ``selected`` unknown)
    must carry the paused annotation."""
    name = F.name_of(obj)
    if kind == "machineconfigpool":
        if (obj.get("spec") or {}).get("paused"):
            return failed(
                expected=f"MachineConfigPool {name} not paused "
                "(its nodes would be skipped by the update)",
                found="spec.paused: true",
                remediation=f"oc patch mcp/{name} --type merge "
                '--patch \'{"spec":{"paused":false}}\'',
            )
        return passed("not paused")
    ns = obj["metadata"].get("namespace", "openshift-machine-api")
    if selected is not None and selected.selects_nothing:
        return passed(f"selects no machine ({selected.basis}): nothing to pause")
    if PAUSED in F.annotations(obj):
        return passed(
            f"annotated {PAUSED} (remove it after the update: "
            f"oc -n {ns} annotate mhc {name} {PAUSED}-)"
        )
    basis = f" ({selected.basis})" if selected is not None else ""
    return failed(
        expected=f"MachineHealthCheck {name} paused before a disconnected update "
        "(nodes reboot during it)",
        found=f"no {PAUSED} annotation{basis}",
        remediation=f'oc -n {ns} annotate mhc {name} {PAUSED}=""  '
        f"(and after the update: oc -n {ns} annotate mhc {name} {PAUSED}-)",
    )


@check(
    "upgrade.readiness",
    title="Ready for a disconnected update",
    markers=["postinstall"],
    subject="machineconfigpool/<name>, machinehealthcheck/<namespace>/<name>",
    fails_when="a MachineConfigPool is paused, or a MachineHealthCheck that selects machines "
    "lacks cluster.x-k8s.io/paused",
    remediation="unpause the pool; annotate the MHC cluster.x-k8s.io/paused",
    subjects=upgrade_subjects,
    gather=gather_upgrade,
)
def test_upgrade_readiness(facts: tuple[str, Obj] | tuple[str, Obj, Selection]) -> None:
    expect(evaluate_upgrade(*facts))
