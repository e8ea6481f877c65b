"""mirror.sigstore against the lab: the registry part pushes cosign's ``sha256-<hex>.sig`` tags
for the release, its components and the next release's components, and the cluster part
applies the ``openshift`` ClusterImagePolicy (the real one's scopes); the clean site passes
live and the same offline from a bundle of the live run; each scenario fails for its reason (a
missing signature tag; a repository the mirror sets no longer map); no policy at all passes
saying so; the preflight ``release`` with mirror.require_sigstore. The ``openshift`` policy is
PublicKey: each signature is verified with its key, and one signed with another key fails, live
and offline the same (the verification is in the recorded fact)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab import Lab
from lab.cluster import drop_release_content_source, drop_sigstore_policies
from lab.cluster_model import write_must_gather
from tests.suite import SuiteRun, live_then_offline, run_suite

pytestmark = pytest.mark.lab

FAST = {"UPI_HTTP_TIMEOUT": "3", "UPI_HTTP_RETRIES": "0"}
POLICY = "clusterimagepolicy/openshift"
ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"


def selection(marker: str = "postinstall") -> tuple[str, ...]:
    # -p upi_conformance: the inventory lies outside the repository (--inventory PATH, two
    # words: pytest reads the path before the repository's conftest; docs/architecture.md)
    return ("-p", "upi_conformance", "-m", marker, "-k", "sigstore", "-p", "no:randomly")


def suite(inventory: Path, *args: str, marker: str = "postinstall") -> SuiteRun:
    return run_suite(*selection(marker), *args, inventory=inventory, env=FAST)


def sigstore(run: SuiteRun) -> dict[str, dict[str, Any]]:
    return {r["subject"]: r for r in run.results if r["check"] == "mirror.sigstore"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab-sigstore"), "installed", max_seconds=900) as lab:
        yield lab


def snapshot_with(lab: Lab, work: Path, *edits: Callable[[Any, Any], None]) -> Path:
    model = copy.deepcopy(lab.cluster_model)
    for fn in edits:
        fn(lab, model)
    return write_must_gather(model, work / "must-gather")


def test_clean_site_passes_live_and_the_same_offline_from_its_bundle(
    installed: Lab, tmp_path: Path
) -> None:
    bundle = tmp_path / "live.tar.gz"
    live = suite(
        installed.inventory_path,
        "--kubeconfig",
        str(installed.kubeconfig),
        "--bundle",
        str(bundle),
    )
    offline = suite(installed.inventory_path, "--snapshot", str(bundle))
    got_live, got_offline = sigstore(live), sigstore(offline)
    assert set(got_live) == {POLICY}, live.stdout[-3000:] + live.stderr[-3000:]
    rec = got_live[POLICY]
    assert rec["outcome"] == "passed", rec
    assert rec["message"].startswith(
        "ClusterImagePolicy openshift: all 25 covered images have a sigstore signature in the "
        "mirror (25 as sha256-<hex>.sig tags); each sha256-<hex>.sig holds a signature that "
        "verifies with its publicKey (ECDSA secp256r1 key sha256:"
    ), rec["message"]
    assert (
        "names the image's digest and is signed as signedIdentity MatchRepoDigestOrExact "
        "accepts; a node reads an image's sigstore signature from the mirror repository it "
        "pulled the image from"
    ) in rec["message"]
    assert f"map quay.io/openshift-release-dev/ocp-release, {ART})" in rec["message"]
    for key in ("outcome", "message", "remediation"):
        assert got_offline[POLICY][key] == rec[key], got_offline[POLICY]


def test_a_repository_the_mirror_sets_no_longer_map_fails_naming_it(
    installed: Lab, tmp_path: Path
) -> None:
    snap = snapshot_with(installed, tmp_path, drop_release_content_source)
    rec = sigstore(suite(installed.inventory_path, "--snapshot", str(snap), "--live"))[POLICY]
    assert rec["outcome"] == "failed"
    assert (
        "24 of 25 come from repositories no mirror rule (ImageContentSourcePolicy/mirror-ocp, "
        in rec["message"]
    )
    assert f"so neither they nor their signatures can be read there: {ART}" in rec["message"]
    assert "ImageDigestMirrorSet" in rec["remediation"] and ART in rec["remediation"]


def test_no_policy_passes_saying_no_signature_is_required(installed: Lab, tmp_path: Path) -> None:
    snap = snapshot_with(installed, tmp_path, drop_sigstore_policies)
    got = sigstore(suite(installed.inventory_path, "--snapshot", str(snap), "--live"))
    assert set(got) == {"cluster"}
    assert got["cluster"]["outcome"] == "passed"
    assert (
        "no policy covers anything, no sigstore signature is required"
        in (got["cluster"]["message"])
    )


def test_preflight_release_with_require_sigstore(installed: Lab, tmp_path: Path) -> None:
    inv = yaml.safe_load(installed.inventory_path.read_text())
    inv["mirror"]["require_sigstore"] = True
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(inv))
    got = sigstore(suite(site, marker="preflight"))
    assert set(got) == {"release"}
    assert got["release"]["outcome"] == "passed", got
    assert got["release"]["message"].startswith(
        "mirror.release_image: all 13 covered images have a sigstore signature"
    )
    # without the key, preflight skips naming it
    skipped = list(sigstore(suite(installed.inventory_path, marker="preflight")).values())
    assert [r["outcome"] for r in skipped] == ["skipped"]
    assert "mirror.require_sigstore is not true" in skipped[0]["message"]


def test_a_missing_signature_tag_fails_naming_image_repository_and_tag(
    start_lab: Callable[..., Lab],
) -> None:
    lab = start_lab("mirror-sigstore-missing")
    run = suite(lab.inventory_path, "--kubeconfig", str(lab.kubeconfig))
    rec = sigstore(run)[POLICY]
    assert rec["outcome"] == "failed", rec
    mirror = lab.inventory["mirror"]["registry"]
    assert (
        f"1 of 25 without a signature in the mirror: component etcd {ART}@sha256:" in rec["message"]
    )
    assert f": looked in {mirror}/ocp4/openshift4: no tag sha256-" in rec["message"]
    assert rec["remediation"].startswith("copy the signatures into the mirror: oc image mirror -a ")
    assert f"{mirror}/ocp4/openshift4:sha256-" in rec["remediation"]


def test_a_signature_made_with_another_key_fails_live_and_the_same_offline(
    start_lab: Callable[..., Lab], tmp_path: Path
) -> None:
    lab = start_lab("mirror-sigstore-wrong-key")
    mirror = lab.inventory["mirror"]["registry"]
    live, offline = live_then_offline(
        lab,
        tmp_path / "live.tar.gz",
        *selection(),
        live=("--kubeconfig", str(lab.kubeconfig)),
        env=FAST,
    )
    rec = sigstore(live)[POLICY]
    assert rec["outcome"] == "failed", rec
    assert (
        "1 of 25 have signatures in the mirror a node refuses (1 signed by another key; policy "
        "key ECDSA secp256r1 key sha256:"
    ) in rec["message"]
    assert (
        f"component etcd {ART}@sha256:" in rec["message"]
        and f"{mirror}/ocp4/openshift4:sha256-" in rec["message"]
        and ".sig: layer 0: signed by another key (it does not verify with the policy's key)"
        in rec["message"]
    ), rec["message"]
    assert "without a signature" not in rec["message"]  # it is there, only refused
    assert rec["remediation"].startswith(
        "copy the signatures again from where the images come from (signed with the key the "
        "policy trusts): oc image mirror -a "
    )
    assert "oc edit clusterimagepolicy openshift" in rec["remediation"]
    back = sigstore(offline)[POLICY]
    for key in ("outcome", "message", "remediation"):
        assert back[key] == rec[key], back
