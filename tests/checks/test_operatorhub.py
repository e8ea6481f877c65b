"""checks/operatorhub.py: operatorhub.sources (the OperatorHub and each CatalogSource)."""

from __future__ import annotations

import pytest

from checks.operatorhub import evaluate_catalog, evaluate_operatorhub, evaluate_source
from collectors.cluster.base import ResourceMissing
from collectors.cluster.resources import PODS
from collectors.errors import FactError
from collectors.facts.operatorhub import CatalogFacts, gather_operatorhub
from collectors.site import Site

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


ADDRESS_SOURCE = {
    "metadata": {"name": "my-grpc", "namespace": "openshift-marketplace"},
    "spec": {"sourceType": "grpc", "address": "10.0.0.5:50051"},
    "status": {"connectionState": {"lastObservedState": "READY"}},
}


def test_address_based_catalog_has_no_pod_by_design() -> None:
    v = evaluate_catalog(CatalogFacts(ADDRESS_SOURCE, ()))
    assert v.ok
    assert v.message == "address-based (grpc 10.0.0.5:50051): no pod by design; connection READY"


def test_image_based_catalog_without_a_pod_still_fails() -> None:
    v = evaluate_catalog(CatalogFacts(SOURCE, ()))
    assert not v.ok and "found no catalog pod; connection TRANSIENT_FAILURE" in v.message


class _Listing:
    """A cluster source whose pod listing of one namespace was not collected."""

    def __init__(self, sources: list[dict], missing_ns: str) -> None:
        self.sources, self.missing_ns = sources, missing_ns
        self.pod_listings = 0

    def source(self) -> _Listing:
        return self

    def list(self, res, namespace=None):  # noqa: ANN001, ANN201 - the CachedSource shape
        if res is PODS:
            self.pod_listings += 1
            if namespace == self.missing_ns:
                raise ResourceMissing(None, message=f"pods of {namespace} are not in the snapshot")
            return []
        return self.sources


def test_pods_not_collected_are_an_error_saying_how_to_collect_them() -> None:
    cluster = _Listing([SOURCE, ADDRESS_SOURCE], "openshift-marketplace")
    site = Site(None, cluster=cluster)  # type: ignore[arg-type]
    with pytest.raises(FactError) as err:
        gather_operatorhub(site, "openshift-marketplace/redhat-operators")
    assert "pods of namespace openshift-marketplace not collected" in str(err.value)
    assert "no pod" not in str(err.value)
    assert err.value.remediation.startswith(
        "collect the namespace with `oc adm inspect ns/openshift-marketplace"
    )
    facts = gather_operatorhub(site, "openshift-marketplace/my-grpc")  # no pod listed at all
    assert evaluate_source(facts).ok and cluster.pod_listings == 1
