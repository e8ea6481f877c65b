"""The image registry after install: Managed, with storage (``collectors.facts.imageregistry``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster.base import Obj
from collectors.facts.imageregistry import cluster_subject, gather_registry


def evaluate_registry(config: Obj) -> Verdict:
    spec = config.get("spec") or {}
    state = spec.get("managementState", "unset")
    storage = {
        k: v
        for k, v in (spec.get("storage") or {}).items()
        if k != "managementState" and v is not None
    }
    if state == "Managed" and storage:
        return passed(f"Managed, storage {', '.join(sorted(storage))}")
    return failed(
        expected="image registry managementState Managed with storage configured",
        found=f"managementState {state}, storage {storage or '{}'}",
        remediation="oc patch configs.imageregistry.operator.openshift.io cluster --type merge "
        "--patch "
        '\'{"spec":{"managementState":"Managed","storage":{"pvc":{"claim":""}}}}\' '
        "(an empty claim makes the operator create image-registry-storage; "
        "or use emptyDir: {} for a lab)",
    )


@check(
    "imageregistry.storage",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="Image registry is Managed with storage",
    markers=["postinstall"],
    subject="cluster",
    fails_when="managementState is not Managed or spec.storage is empty",
    remediation="oc patch configs.imageregistry.operator.openshift.io cluster "
    "managementState and storage",
    subjects=cluster_subject,
    gather=gather_registry,
)
def test_imageregistry_storage(facts: Obj) -> None:
    expect(evaluate_registry(facts))
