"""Upgrade readiness of a disconnected cluster (``003_3beb5915e9cef39c.txt``): no paused
MachineConfigPool, and every MachineHealthCheck paused before the update.
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.upgrade import gather_upgrade, upgrade_subjects

PAUSED = "cluster.x-k8s.io/paused"


def evaluate_upgrade(kind: str, obj: Obj) -> Verdict:
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
    if PAUSED in F.annotations(obj):
        return passed(
            f"annotated {PAUSED} (remove it after the update: "
            f"oc -n {ns} annotate mhc {name} {PAUSED}-)"
        )
    return failed(
        expected=f"MachineHealthCheck {name} paused before a disconnected update "
        "(nodes reboot during it)",
        found=f"no {PAUSED} annotation",
        remediation=f'oc -n {ns} annotate mhc {name} {PAUSED}=""  '
        f"(and after the update: oc -n {ns} annotate mhc {name} {PAUSED}-)",
    )


@check(
    "upgrade.readiness",
    title="Ready for a disconnected update",
    markers=["postinstall"],
    subject="machineconfigpool/<name>, machinehealthcheck/<namespace>/<name>",
    fails_when="a MachineConfigPool is paused, or a MachineHealthCheck lacks "
    "cluster.x-k8s.io/paused",
    remediation="unpause the pool; annotate the MHC cluster.x-k8s.io/paused",
    subjects=upgrade_subjects,
    gather=gather_upgrade,
)
def test_upgrade_readiness(facts: tuple[str, Obj]) -> None:
    expect(evaluate_upgrade(*facts))
