"""installer.release's evaluate function on made facts (no servers)."""

from __future__ import annotations

from dataclasses import replace

from checks.installer import evaluate_installer
from collectors.facts.installer import InstallerFacts
from collectors.parsers.installer import InstallerVersion, OcVersion

LAB = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64
RELEASE = "registry.example.com:5000/ocp4/openshift4:4.5.6-x86_64"
GOOD = InstallerFacts(
    "/usr/local/bin/openshift-install",
    "root@bastion:22",
    InstallerVersion("openshift-install", "4.5.6", "c" * 40, f"quay.io/x/ocp-release@{LAB}"),
    "",
    None,
    RELEASE,
    LAB,
    "/usr/local/bin/oc",
    OcVersion("4.5.6"),
    auth_file="pull secret.json",
)


def test_the_mirrored_release_and_an_oc_of_its_minor_pass() -> None:
    v = evaluate_installer(GOOD)
    assert v.ok and "installs " + RELEASE in v.message and "oc 4.5.6" in v.message


def test_an_installer_of_another_release_fails_with_the_extract_command_quoted() -> None:
    v = evaluate_installer(replace(GOOD, expected_digest=OTHER))
    assert not v.ok
    assert "sha256:aaaaaaaaaaaa…" in v.message and "sha256:bbbbbbbbbbbb…" in v.message
    assert v.remediation.endswith(
        "oc adm release extract -a 'pull secret.json' --command=openshift-install " + RELEASE
    )


def test_the_override_is_what_the_installer_installs() -> None:
    over = "registry.example.com:5000/ocp4/openshift4@" + OTHER
    v = evaluate_installer(replace(GOOD, override=over, override_digest=OTHER))
    assert not v.ok and "OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE=" + over in v.message
    assert v.remediation.startswith("unset OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE")
    v = evaluate_installer(replace(GOOD, override=RELEASE, override_digest=LAB))
    assert v.ok and "(OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE)" in v.message


def test_an_oc_of_another_minor_fails() -> None:
    v = evaluate_installer(replace(GOOD, oc=OcVersion("4.12.0-202303010941.p0.g846602e")))
    assert not v.ok and "expected oc of 4.5" in v.message and "(4.12)" in v.message
    assert "--command=oc " in v.remediation


def test_a_release_tag_the_mirror_lacks_and_a_missing_oc() -> None:
    assert not evaluate_installer(replace(GOOD, expected_digest=None)).ok
    v = evaluate_installer(replace(GOOD, oc=None, oc_path="", oc_error="no oc on root@bastion:22"))
    assert v.ok and v.message.endswith("no oc on root@bastion:22")
