"""checks/imageregistry.py: imageregistry.storage."""

from __future__ import annotations

from checks.imageregistry import evaluate_registry


def test_managed_with_storage_passes() -> None:
    v = evaluate_registry({"spec": {"managementState": "Managed", "storage": {"pvc": {}}}})
    assert v.ok and v.message == "Managed, storage pvc"


def test_removed_registry_fails_with_the_patch() -> None:
    v = evaluate_registry({"spec": {"managementState": "Removed"}})
    assert not v.ok
    assert v.message == (
        "expected image registry managementState Managed with storage configured; "
        "found managementState Removed, storage {}"
    )
    assert v.remediation.startswith(
        "oc patch configs.imageregistry.operator.openshift.io cluster --type merge --patch "
    )
    assert '"managementState":"Managed"' in v.remediation and "emptyDir" in v.remediation
