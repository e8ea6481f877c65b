"""What upgrade.apis and upgrade.operators gather from a cluster source: copies left out, a
hostile object errors its own subject only (naming it), the others are judged."""

from __future__ import annotations

import json

import pytest

from collectors.cluster.base import ResourceMissing
from collectors.cluster.resources import APIREQUESTCOUNTS, CSVS
from collectors.errors import InputError, NotApplicable
from collectors.facts.upgrade import (
    TargetRelease,
    api_subjects,
    gather_api,
    gather_operator,
    operator_subjects,
)
from collectors.site import Site

TARGET = TargetRelease("m:5000/r@sha256:" + "a" * 64, "4.9.10", "1.22.3", "4.8.20")
PROPS = "operatorframework.io/properties"


class Cluster:
    def __init__(self, held: dict) -> None:
        self.held = held

    def source(self) -> Cluster:
        return self

    def list(self, res, namespace=None):  # noqa: ANN001, ANN201 - the CachedSource shape
        if res not in self.held:
            raise ResourceMissing(None, message=f"{res.plural} not collected")
        return [o for o in self.held[res] if namespace in (None, o["metadata"].get("namespace"))]


def site(held: dict) -> Site:
    s = Site(None, cluster=Cluster(held))  # type: ignore[arg-type]
    s.to_image = TARGET.target
    s.memo("upgrade-target-release", lambda: TARGET)  # as if read from the mirror
    return s


def csv(ns: str, name: str, props: str, **meta: object) -> dict:
    return {"metadata": {"name": name, "namespace": ns, "annotations": {PROPS: props}, **meta}}


def test_operators_skip_copies_and_a_malformed_csv_errors_alone() -> None:
    good = csv(
        "openshift-operators",
        "etcd.v1",
        json.dumps([{"type": "olm.maxOpenShiftVersion", "value": "4.8"}]),
    )
    copy = csv(
        "my-app",
        "etcd.v1",
        good["metadata"]["annotations"][PROPS],
        labels={"olm.copiedFrom": "openshift-operators"},
    )
    bad = csv("other", "broken.v2", '{"properties": [')
    s = site({CSVS: [good, copy, bad]})
    assert operator_subjects(s) == ["openshift-operators/etcd.v1", "other/broken.v2"]
    facts = gather_operator(s, "openshift-operators/etcd.v1")
    assert facts.max_version is not None and facts.max_version.value == "4.8"
    with pytest.raises(InputError, match="clusterserviceversion other/broken.v2: annotation"):
        gather_operator(s, "other/broken.v2")


def test_apis_list_only_removed_ones_and_a_huge_one_errors_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from collectors.parsers import apirequestcount as arc

    monkeypatch.setattr(arc, "MAX_USER_ENTRIES", 10)
    user = {"username": "u", "userAgent": "a", "requestCount": 1}
    ok = {
        "metadata": {"name": "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io"},
        "status": {
            "removedInRelease": "1.26",
            "requestCount": 1,
            "last24h": [{"byNode": [{"byUser": [user]}]}],
        },
    }
    huge = {
        "metadata": {"name": "cronjobs.v1beta1.batch"},
        "status": {"removedInRelease": "1.25", "last24h": [{"byNode": [{"byUser": [user] * 11}]}]},
    }
    odd = {
        "metadata": {"name": "widgets.v1.example.com"},
        "status": {"removedInRelease": "soon", "requestCount": 1},
    }
    plain = {"metadata": {"name": "pods.v1"}, "status": {"requestCount": 9}}
    s = site({APIREQUESTCOUNTS: [ok, huge, odd, plain]})
    assert api_subjects(s) == [
        "cronjobs.v1beta1.batch",
        "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io",
        "widgets.v1.example.com",
    ]
    assert gather_api(s, "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io").use.requests == 1
    with pytest.raises(InputError, match="apirequestcount cronjobs.v1beta1.batch"):
        gather_api(s, "cronjobs.v1beta1.batch")
    with pytest.raises(InputError, match="'soon' is not a Kubernetes version"):
        gather_api(s, "widgets.v1.example.com")


def test_without_a_target_or_the_resources_they_skip_naming_why() -> None:
    s = Site(None, cluster=Cluster({}))  # type: ignore[arg-type]
    s.inventory = None
    with pytest.raises(NotApplicable, match="--to-image"):
        api_subjects(s)
    with pytest.raises(NotApplicable, match="OpenShift 4.8 and later"):
        api_subjects(site({}))
    with pytest.raises(NotApplicable, match="OLM not installed"):
        operator_subjects(site({}))


def test_budgets_fall_back_to_policy_v1beta1() -> None:
    from collectors.cluster.resources import PDBS_V1BETA1
    from collectors.facts.upgrade import gather_upgrade, upgrade_subjects

    pdb = {
        "metadata": {"name": "ledger", "namespace": "payments"},
        "status": {"expectedPods": 2, "currentHealthy": 2, "desiredHealthy": 2},
    }
    s = site({PDBS_V1BETA1: [pdb]})
    assert upgrade_subjects(s) == ["poddisruptionbudget/payments/ledger"]
    assert gather_upgrade(s, "poddisruptionbudget/payments/ledger")[1] is pdb
