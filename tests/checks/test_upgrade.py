"""checks/upgrade.py: upgrade.readiness (MachineConfigPools and MachineHealthChecks) and
upgrade.target (the next release: mirrored, mapped, signed, allowed, newer)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.upgrade import PAUSED, evaluate_target, evaluate_upgrade, icsp_command, target_blockers
from collectors.cluster.base import ResourceMissing
from collectors.cluster.facts import selector_matches
from collectors.cluster.resources import MACHINES, NODES
from collectors.facts.upgrade import (
    INTERRUPTIBLE,
    Selection,
    TargetFacts,
    selection,
    unmapped_sources,
)
from collectors.images.gpg import Keyring, SignatureCheck
from collectors.images.imageref import parse_reference
from collectors.images.lookup import ComponentLookup
from collectors.images.mirrors import MirrorRule
from collectors.images.release import SignatureMap
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


# --------------------------------------------------------------------------- upgrade.target

DIGEST = "sha256:" + "ab" * 32
TARGET = f"m:5000/ocp4/openshift4@{DIGEST}"
ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"


def _component(name: str, found: bool = True) -> ComponentLookup:
    source = parse_reference(f"{ART}@sha256:" + name[0] * 64)
    return ComponentLookup(name, source, (source.with_name("m:5000/ocp4/openshift4"),), found)


READY = TargetFacts(
    target=TARGET,
    digest=DIGEST,
    mirror_host="m:5000",
    auth_file="/root/pull-secret.json",
    release_at=(parse_reference(TARGET),),
    release_found=parse_reference(TARGET),
    version="4.5.13",
    components=(_component("cli"), _component("etcd")),
    rules_from="ImageContentSourcePolicy/mirror-ocp",
    mirror_repository="m:5000/ocp4/openshift4",
    signatures=(SignatureMap("sha256-abab", frozenset({DIGEST}), ()),),
    current_version="4.5.11",
    keyrings=(Keyring("release-verification/verifier-public-key-redhat", ("567E",)),),
    checked=(
        SignatureCheck(
            "sha256-abab",
            f"sha256-{'ab' * 32}-1",
            "release-verification/verifier-public-key-redhat",
            "567E",
            DIGEST,
            "quay.io/openshift-release-dev/ocp-release:4.5.13-x86_64",
        ),
    ),
)


def test_a_mirrored_signed_newer_target_passes() -> None:
    v = evaluate_target(READY)
    assert v.ok and "release 4.5.13 (from 4.5.11)" in v.message and "sha256-abab" in v.message


def test_a_missing_component_names_it_and_the_release_mirror_line() -> None:
    v = evaluate_target(replace(READY, components=(_component("cli"), _component("etcd", False))))
    assert not v.ok and "1 of 2 components of the target missing from the mirror: etcd" in v.message
    assert v.remediation.startswith("oc adm release mirror -a /root/pull-secret.json ")
    assert f"--from=quay.io/openshift-release-dev/ocp-release@{DIGEST}" in v.remediation
    assert v.details[0].startswith(f"etcd: {ART}@sha256:eee")


def test_a_target_missing_from_the_mirror_fails() -> None:
    v = evaluate_target(replace(READY, release_found=None, components=(), version=""))
    assert "the target release image is not in the mirror (looked up at m:5000/" in v.message
    assert "--to-release-image=m:5000/ocp4/openshift4:<version>-x86_64" in v.remediation


def test_no_signature_names_the_key_and_the_apply() -> None:
    odd = SignatureMap("release-image-4.5.13", frozenset(), ("binaryData.sha256-xyz",))
    v = evaluate_target(replace(READY, signatures=(odd,), checked=()))
    assert f"binaryData sha256-{'ab' * 32}-<n>" in v.message
    assert "keys of another shape: release-image-4.5.13: binaryData.sha256-xyz" in v.message
    assert v.remediation.endswith("oc apply -f ./release-signatures/")


def test_unexpected_keys_beside_a_good_signature_still_pass_and_are_named() -> None:
    note = ("data.note (signatures belong in binaryData)",)
    good = SignatureMap("sigs", frozenset({DIGEST}), note)
    v = evaluate_target(replace(READY, signatures=(good,)))
    assert v.ok and "sigs also hold keys of another shape" in v.message


def test_unmapped_release_sources_give_the_icsp_to_add() -> None:
    rules = [MirrorRule("quay.io/openshift-release-dev/ocp-release", ("m:5000/ocp4/openshift4",))]
    unmapped = unmapped_sources(rules, "m:5000")
    assert unmapped == (ART,)
    v = evaluate_target(replace(READY, unmapped_sources=unmapped))
    assert f"the cluster's ICSP/IDMS do not map {ART} to the mirror m:5000" in v.message
    assert v.remediation == icsp_command((ART,), "m:5000/ocp4/openshift4")
    assert '"repositoryDigestMirrors": [{"source": "' + ART in v.remediation


def test_upgradeable_false_names_the_reason() -> None:
    blocked = {"reason": "AdminAckRequired", "message": "ack the API removals"}
    v = evaluate_target(replace(READY, not_upgradeable=blocked))
    assert "ClusterVersion Upgradeable=False (AdminAckRequired: ack the API removals)" in v.message


def test_a_target_not_newer_fails_and_rc_orders_before_its_release() -> None:
    assert (
        "is not newer than the current 4.5.11"
        in evaluate_target(replace(READY, version="4.5.6")).message
    )
    assert not evaluate_target(replace(READY, version="4.5.11")).ok
    assert evaluate_target(replace(READY, version="4.6.0-rc.1")).ok
    older = replace(READY, version="4.6.0-rc.1", current_version="4.6.0")
    assert len(target_blockers(older)) == 1


def test_every_blocker_is_listed_once_with_one_command_each() -> None:
    worst = replace(
        READY,
        unmapped_sources=(ART,),
        components=(_component("etcd", False),),
        signatures=(),
        checked=(),
        not_upgradeable={"reason": "X", "message": ""},
        version="4.5.1",
    )
    v = evaluate_target(worst)
    assert "found 5 blocker(s):" in v.message
    assert len(target_blockers(worst)) == 5


RING = "release-verification/verifier-public-key-redhat"


def test_a_signature_naming_another_digest_fails_naming_the_configmap_and_key() -> None:
    other = "sha256:" + "cd" * 32
    wrong = replace(
        READY.checked[0], digest=other, problem=f"signs {other} (q:4.5.12), not the target {DIGEST}"
    )
    v = evaluate_target(replace(READY, checked=(wrong,)))
    assert not v.ok
    assert f"no signature of the target verifies with trusted keyring {RING}" in v.message
    assert f"ConfigMap sha256-abab binaryData sha256-{'ab' * 32}-1: signs {other}" in v.message
    assert any(f"(verified by {RING})" in d for d in v.details)
    assert v.remediation.endswith("oc apply -f ./release-signatures/")


def test_a_signature_by_an_untrusted_key_fails_naming_the_key() -> None:
    untrusted = SignatureCheck(
        "sha256-abab",
        f"sha256-{'ab' * 32}-1",
        problem="signed by key 0123ABCD, a key no trusted keyring holds "
        f"(the cluster trusts {RING} (567E))",
    )
    v = evaluate_target(replace(READY, checked=(untrusted,)))
    assert not v.ok and "signed by key 0123ABCD, a key no trusted keyring holds" in v.message


def test_each_trusted_keyring_needs_a_good_signature() -> None:
    two = (*READY.keyrings, Keyring("release-verification/verifier-public-key-beta", ("B08B",)))
    v = evaluate_target(replace(READY, keyrings=two))
    assert not v.ok and "keyring release-verification/verifier-public-key-beta" in v.message


def test_no_trusted_keyring_fails_saying_so() -> None:
    v = evaluate_target(replace(READY, keyrings=()))
    assert "the cluster trusts no release key" in v.message
    assert "openshift-config-managed/release-verification" in v.message
    bad = (Keyring(RING, problem="holds no public key gpg can import (not an OpenPGP key)"),)
    v = evaluate_target(replace(READY, keyrings=bad))
    assert f"{RING}: holds no public key gpg can import" in v.message


def test_an_unusable_keyring_beside_a_good_one_still_passes() -> None:
    bad = Keyring("release-verification/verifier-public-key-junk", problem="not an OpenPGP key")
    assert evaluate_target(replace(READY, keyrings=(*READY.keyrings, bad))).ok
