"""checks/upgrade.py: upgrade.readiness (MachineConfigPools and MachineHealthChecks) and
upgrade.target (the next release: mirrored, mapped, signed, allowed, newer)."""

from __future__ import annotations

from dataclasses import replace

from checks.upgrade import PAUSED, evaluate_target, evaluate_upgrade, icsp_command, target_blockers
from collectors.facts.upgrade import TargetFacts, unmapped_sources
from collectors.images.imageref import parse_reference
from collectors.images.lookup import ComponentLookup
from collectors.images.mirrors import MirrorRule
from collectors.images.release import SignatureMap

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
    v = evaluate_target(replace(READY, signatures=(odd,)))
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
    assert "is not newer than the current 4.5.11" in evaluate_target(
        replace(READY, version="4.5.6")
    ).message
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
        not_upgradeable={"reason": "X", "message": ""},
        version="4.5.1",
    )
    v = evaluate_target(worst)
    assert "found 5 blocker(s):" in v.message
    assert len(target_blockers(worst)) == 5
