"""checks/upgrade.py: upgrade.readiness (MachineConfigPools and MachineHealthChecks)."""

from __future__ import annotations

from checks.upgrade import PAUSED, evaluate_upgrade

MHC = {"metadata": {"name": "workers", "namespace": "openshift-machine-api"}}


def test_unpaused_pool_passes_and_paused_pool_fails() -> None:
    assert evaluate_upgrade("machineconfigpool", {"metadata": {"name": "worker"}}).ok
    v = evaluate_upgrade(
        "machineconfigpool", {"metadata": {"name": "worker"}, "spec": {"paused": True}}
    )
    assert not v.ok and v.message.endswith("found spec.paused: true")
    assert v.remediation == (
        'oc patch mcp/worker --type merge --patch \'{"spec":{"paused":false}}\''
    )


def test_mhc_must_be_paused() -> None:
    v = evaluate_upgrade("machinehealthcheck", MHC)
    assert not v.ok and v.message.endswith(f"found no {PAUSED} annotation")
    assert v.remediation.startswith(f'oc -n openshift-machine-api annotate mhc workers {PAUSED}=""')
    paused = {"metadata": {**MHC["metadata"], "annotations": {PAUSED: ""}}}
    v = evaluate_upgrade("machinehealthcheck", paused)
    assert v.ok and f"annotate mhc workers {PAUSED}-" in v.message
