"""checks/cluster.py: cluster.operators."""

from __future__ import annotations

from checks.cluster import evaluate_operator


def operator(name: str, available: str, progressing: str, degraded: str, **why: str) -> dict:
    def cond(ctype: str, status: str) -> dict:
        return {"type": ctype, "status": status, **why} if status != "Unknown" else {}

    conds = [cond("Available", available), cond("Progressing", progressing)]
    conds.append(cond("Degraded", degraded))
    return {"metadata": {"name": name}, "status": {"conditions": [c for c in conds if c]}}


def test_settled_operator_passes() -> None:
    v = evaluate_operator(operator("dns", "True", "False", "False"))
    assert v.ok and v.message == "Available, not progressing, not degraded"


def test_degraded_operator_names_the_reason_and_the_hint() -> None:
    co = operator("image-registry", "False", "False", "True", reason="NoStorage", message="x")
    v = evaluate_operator(co)
    assert not v.ok
    assert v.message == (
        "expected Available=True, Progressing=False, Degraded=False; found "
        "Available=False (NoStorage: x), Degraded=True (NoStorage: x)"
    )
    assert v.remediation == (
        "oc describe clusteroperator image-registry; see imageregistry.storage: set "
        "managementState Managed and configure storage"
    )


def test_unknown_operator_gets_the_generic_hint() -> None:
    v = evaluate_operator(operator("etcd", "True", "True", "False"))
    assert not v.ok and v.remediation.endswith("read its conditions and the operator's pod logs")
