"""The update-readiness checks on real objects (tests/real/update/, see its SOURCES.md for the
provenance and the verdicts a careful reader gives)."""

from __future__ import annotations

from pathlib import Path

import yaml

from checks.upgrade import admin_ack_key, evaluate_api, evaluate_operator, evaluate_upgrade
from collectors.facts.upgrade import ApiFacts, OperatorFacts, TargetRelease
from collectors.parsers.apirequestcount import summarize
from collectors.parsers.olmproperties import max_openshift_version

REAL = Path(__file__).parent / "real" / "update"
TO_412 = TargetRelease("t", "4.12.0", "1.25.4", "4.11.20")
TO_411 = TargetRelease("t", "4.11.20", "1.24.6", "4.10.40")


def load(name: str) -> object:
    return yaml.safe_load((REAL / name).read_text())


def test_camel_k_budget_blocks_drains_in_both_states() -> None:
    for pdb in load("camel-k-pdb-java.yaml"):  # type: ignore[union-attr]
        v = evaluate_upgrade("poddisruptionbudget", pdb)
        assert not v.ok and "disruptionsAllowed 0" in v.message, pdb["status"]
        assert "minAvailable 2" in v.message


def test_endpointslices_blocks_412_names_istiod_and_the_ack_but_not_411() -> None:
    use = summarize(load("dci-endpointslices-apirequestcount.yaml"))  # type: ignore[arg-type]
    assert use.requests == 115
    v = evaluate_api(ApiFacts(use, TO_412))
    assert not v.ok
    assert "system:serviceaccount:istio-system:istiod (pilot-discovery/1.11.8-am4): 14" in v.message
    assert admin_ack_key(TO_412) == "ack-4.11-kube-1.25-api-removals-in-4.12"
    assert "ack-4.11-kube-1.25-api-removals-in-4.12" in v.remediation
    assert evaluate_api(ApiFacts(use, TO_411)).ok


def test_the_documented_csv_blocks_49_and_allows_48() -> None:
    csv = load("operator-sdk-olm-properties-csv.yaml")
    found = max_openshift_version(csv["metadata"]["annotations"], "csv")  # type: ignore[index]
    assert found is not None and found.annotation == "olm.properties"
    to_49 = TargetRelease("t", "4.9.0", "1.22.1", "4.8.2")
    to_48 = TargetRelease("t", "4.8.30", "1.21.8", "4.8.2")
    facts = OperatorFacts("openshift-operators/etcdoperator.v0.9.4", "etcd", found, to_49)
    assert not evaluate_operator(facts).ok
    assert evaluate_operator(OperatorFacts(facts.subject, "etcd", found, to_48)).ok
