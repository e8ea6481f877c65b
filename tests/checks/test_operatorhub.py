"""checks/operatorhub.py: operatorhub.sources (the OperatorHub and each CatalogSource)."""

from __future__ import annotations

from checks.operatorhub import evaluate_catalog, evaluate_operatorhub, evaluate_source
from collectors.facts.operatorhub import CatalogFacts

SOURCE = {
    "metadata": {"name": "redhat-operators", "namespace": "openshift-marketplace"},
    "spec": {"image": "m:5000/olm/redhat-operator-index:v4.14"},
    "status": {"connectionState": {"lastObservedState": "TRANSIENT_FAILURE"}},
}


def pod(name: str, phase: str, ready: str, waiting: str = "") -> dict:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    return {
        "metadata": {"name": name, "labels": {"olm.catalogSource": "redhat-operators"}},
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": ready}],
            "containerStatuses": [{"state": state}],
        },
    }


def test_operatorhub_with_default_sources_disabled_passes() -> None:
    v = evaluate_operatorhub({"spec": {"disableAllDefaultSources": True}})
    assert v.ok and v.message == "disableAllDefaultSources: true"


def test_operatorhub_with_default_sources_fails_with_the_patch() -> None:
    v = evaluate_operatorhub({"spec": {"disableAllDefaultSources": False}})
    assert not v.ok and v.message.endswith("found disableAllDefaultSources: False")
    assert '"path": "/spec/disableAllDefaultSources", "value": true' in v.remediation


def test_catalog_with_a_ready_pod_passes() -> None:
    v = evaluate_catalog(CatalogFacts(SOURCE, (pod("rh-1", "Running", "True"),)))
    assert v.ok and v.message == "pod rh-1 Running and ready"


def test_crashlooping_catalog_names_pod_state_and_image() -> None:
    facts = CatalogFacts(SOURCE, (pod("rh-1", "Running", "False", "CrashLoopBackOff"),))
    v = evaluate_catalog(facts)
    assert not v.ok
    assert v.message == (
        "expected a Running, ready pod serving CatalogSource "
        "openshift-marketplace/redhat-operators; found rh-1 Running/CrashLoopBackOff not ready; "
        "connection TRANSIENT_FAILURE"
    )
    assert "oc -n openshift-marketplace describe pod -l olm.catalogSource=redhat-operators" in (
        v.remediation
    )
    assert "m:5000/olm/redhat-operator-index:v4.14 must be in the mirror" in v.remediation


def test_source_dispatches_on_what_was_gathered() -> None:
    assert evaluate_source({"spec": {"disableAllDefaultSources": True}}).ok
    assert not evaluate_source(CatalogFacts(SOURCE, ())).ok
