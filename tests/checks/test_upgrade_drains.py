"""upgrade.readiness's new subjects evaluated directly: PodDisruptionBudgets that would hold a
drain for ever, and Degraded MachineConfigPools."""

from __future__ import annotations

from checks.upgrade import evaluate_upgrade


def pdb(expected: int, current: int, desired: int, allowed: int, **spec: object) -> dict:
    return {
        "metadata": {"name": "ledger", "namespace": "payments"},
        "spec": spec or {"minAvailable": 2},
        "status": {
            "expectedPods": expected,
            "currentHealthy": current,
            "desiredHealthy": desired,
            "disruptionsAllowed": allowed,
        },
    }


def test_a_pdb_that_allows_nothing_while_all_are_healthy_fails() -> None:
    v = evaluate_upgrade("poddisruptionbudget", pdb(2, 2, 2, 0))
    assert not v.ok
    assert "disruptionsAllowed 0 with 2 of 2 pod(s) healthy (desiredHealthy 2; minAvailable 2)" in (
        v.message
    )
    assert v.remediation.startswith(
        "oc -n payments patch pdb/ledger --type merge --patch "
        '\'{"spec":{"minAvailable":null,"maxUnavailable":1}}\''
    )


def test_pdbs_that_select_nothing_allow_one_or_wait_for_their_pods_pass() -> None:
    assert "selects no pod" in evaluate_upgrade("poddisruptionbudget", pdb(0, 0, 0, 0)).message
    assert evaluate_upgrade("poddisruptionbudget", pdb(3, 3, 2, 1)).ok
    waiting = evaluate_upgrade("poddisruptionbudget", pdb(3, 1, 2, 0))
    assert waiting.ok and "1 of 2 desired pod(s) healthy" in waiting.message


def test_a_pdb_with_a_status_of_other_types_is_judged_as_zeroes() -> None:
    odd = pdb(2, 2, 2, 0)
    odd["status"] = {"expectedPods": "2", "disruptionsAllowed": None}
    assert evaluate_upgrade("poddisruptionbudget", odd).ok  # "2" is no count: selects none


def pool(**status: object) -> dict:
    return {"metadata": {"name": "worker"}, "spec": {"paused": False}, "status": status}


def test_a_degraded_pool_fails_by_condition_or_count() -> None:
    cond = pool(
        conditions=[
            {
                "type": "Degraded",
                "status": "True",
                "reason": "NodeDegraded",
                "message": "Node w2 is reporting: unexpected on-disk state",
            }
        ]
    )
    v = evaluate_upgrade("machineconfigpool", cond)
    assert not v.ok and "NodeDegraded: Node w2 is reporting: unexpected on-disk state" in v.message
    assert "oc describe mcp/worker" in v.remediation
    counted = evaluate_upgrade("machineconfigpool", pool(degradedMachineCount=1))
    assert not counted.ok and "1 degraded machine(s)" in counted.message


def test_a_paused_and_degraded_pool_names_both() -> None:
    both = pool(degradedMachineCount=2)
    both["spec"]["paused"] = True
    v = evaluate_upgrade("machineconfigpool", both)
    assert "spec.paused: true; Degraded (2 degraded machine(s))" in v.message
    assert "oc patch mcp/worker" in v.remediation and "oc describe mcp/worker" in v.remediation


def test_a_healthy_pool_passes() -> None:
    ok = pool(conditions=[{"type": "Degraded", "status": "False"}], degradedMachineCount=0)
    assert evaluate_upgrade("machineconfigpool", ok).ok


def test_the_kind_specific_evaluators_agree_with_the_dispatch() -> None:
    from checks.upgrade import evaluate_pdb, evaluate_pool

    assert evaluate_pdb(pdb(2, 2, 2, 0)) == evaluate_upgrade("poddisruptionbudget", pdb(2, 2, 2, 0))
    assert evaluate_pool(pool(degradedMachineCount=1)) == evaluate_upgrade(
        "machineconfigpool", pool(degradedMachineCount=1)
    )


def test_a_budget_desiring_more_than_it_selects_blocks_for_ever() -> None:
    """minAvailable 2 over one pod (healthy): it never allows a disruption."""
    v = evaluate_upgrade("poddisruptionbudget", pdb(1, 1, 2, 0))
    assert not v.ok and "disruptionsAllowed 0 with 1 of 1 pod(s) healthy (desiredHealthy 2" in (
        v.message
    )
