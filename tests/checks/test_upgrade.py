"""checks/upgrade.py: upgrade.readiness (MachineConfigPools and MachineHealthChecks)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.upgrade import PAUSED, evaluate_upgrade
from collectors.cluster.base import ResourceMissing
from collectors.cluster.facts import selector_matches
from collectors.cluster.resources import MACHINES, NODES
from collectors.facts.upgrade import INTERRUPTIBLE, Selection, selection
from collectors.site import Site

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


def test_mhc_that_selects_no_machine_passes_unpaused() -> None:
    v = evaluate_upgrade("machinehealthcheck", MHC, Selection(0, "0 of 4 Machine(s) match"))
    assert v.ok and v.message == "selects no machine (0 of 4 Machine(s) match): nothing to pause"


def test_mhc_that_selects_machines_or_may_must_be_paused() -> None:
    for sel in (Selection(2, "2 of 4 Machine(s) match"), Selection(None, "Machines not collected")):
        v = evaluate_upgrade("machinehealthcheck", MHC, sel)
        assert not v.ok and v.message.endswith(f"found no {PAUSED} annotation ({sel.basis})")


labels = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(["", "x", "y"]))
ops = st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"])
exprs = st.lists(
    st.fixed_dictionaries(
        {"key": st.sampled_from(["a", "b", "c"]), "operator": ops},
        optional={"values": st.lists(st.sampled_from(["", "x", "y"]), max_size=2)},
    ),
    max_size=3,
)


@settings(deadline=None, max_examples=80)
@given(labels, labels, exprs)
def test_selector_is_the_and_of_its_terms(obj: dict, match: dict, expressions: list) -> None:
    """matchLabels and each expression must all hold; the whole is their conjunction."""
    whole = selector_matches({"matchLabels": match, "matchExpressions": expressions}, obj)
    parts = [selector_matches({"matchLabels": {k: v}}, obj) for k, v in match.items()]
    parts += [selector_matches({"matchExpressions": [e]}, obj) for e in expressions]
    assert whole == all(parts)
    assert selector_matches({}, obj) and selector_matches(None, obj)


def test_selector_operators() -> None:
    obj = {"role": "worker"}
    assert selector_matches({"matchExpressions": [{"key": "role", "operator": "Exists"}]}, obj)
    assert not selector_matches(
        {"matchExpressions": [{"key": "role", "operator": "NotIn", "values": ["worker"]}]}, obj
    )
    assert selector_matches(
        {"matchExpressions": [{"key": "spot", "operator": "DoesNotExist"}]}, obj
    )
    assert not selector_matches({"matchExpressions": [{"key": "role", "operator": "Gt"}]}, obj)


class _Cluster:
    """A cluster source holding some resources; the others were not collected."""

    def __init__(self, held: dict) -> None:
        self.held = held

    def source(self) -> _Cluster:
        return self

    def list(self, res, namespace=None):  # noqa: ANN001, ANN201 - the CachedSource shape
        if res not in self.held:
            raise ResourceMissing(None, message=f"{res.plural} not collected")
        return self.held[res]


SPOT_MHC = {
    "metadata": {"name": "machine-api-termination-handler", "namespace": "openshift-machine-api"},
    "spec": {"selector": {"matchLabels": {INTERRUPTIBLE: ""}}},
}
WORKERS_MHC = {
    "metadata": {"name": "workers", "namespace": "openshift-machine-api"},
    "spec": {
        "selector": {"matchLabels": {"machine.openshift.io/cluster-api-machine-role": "worker"}}
    },
}


def machine(name: str, **lab: str) -> dict:
    return {"metadata": {"name": name, "namespace": "openshift-machine-api", "labels": lab}}


def test_selection_from_collected_machines() -> None:
    role = "machine.openshift.io/cluster-api-machine-role"
    site = Site(None, cluster=_Cluster({MACHINES: [machine("m1", **{role: "worker"})]}))  # type: ignore[arg-type]
    assert selection(site, SPOT_MHC) == Selection(
        0, "0 of 1 Machine(s) in openshift-machine-api match its selector"
    )
    assert selection(site, WORKERS_MHC).machines == 1


def test_selection_without_machines_uses_the_spot_label_on_nodes() -> None:
    plain = {"metadata": {"name": "n1", "labels": {}}}
    spot = {"metadata": {"name": "n2", "labels": {INTERRUPTIBLE: ""}}}
    site = Site(None, cluster=_Cluster({NODES: [plain]}))  # type: ignore[arg-type]
    assert selection(site, SPOT_MHC).selects_nothing
    assert selection(site, WORKERS_MHC) == Selection(None, "Machines not collected")
    site = Site(None, cluster=_Cluster({NODES: [plain, spot]}))  # type: ignore[arg-type]
    assert selection(site, SPOT_MHC).machines is None
    site = Site(None, cluster=_Cluster({}))  # type: ignore[arg-type]
    assert selection(site, SPOT_MHC) == Selection(None, "Machines and Nodes not collected")
