"""checks/mirror.py: mirror.access, mirror.release and mirror.imagestreams."""

from __future__ import annotations

from checks.mirror import evaluate_access, evaluate_mirror_stream, evaluate_release
from collectors.cluster import samples as S
from collectors.facts.mirror import AccessProbe, ComponentLookup, ReleaseFacts
from collectors.facts.samples import StreamFacts, TagFacts
from collectors.images.imageref import parse_reference
from collectors.images.registry import Ping, RegistryError

HOST = "mirror.example:5000"
RELEASE = f"{HOST}/ocp4/openshift4@sha256:" + "a" * 64
DIGEST = "@sha256:" + "b" * 64

# --------------------------------------------------------------------------- mirror.access


def test_access_200_passes_naming_the_user() -> None:
    v = evaluate_access(AccessProbe(HOST, Ping(HOST, 200, "Bearer", "init")))
    assert v.ok and v.message == "GET /v2/ 200 as init (Bearer)"
    assert evaluate_access(AccessProbe(HOST, Ping(HOST, 200))).message == "GET /v2/ 200 (anonymous)"


def test_access_tls_failure_points_at_the_ca_file() -> None:
    error = RegistryError("certificate verify failed", kind="tls")
    v = evaluate_access(AccessProbe(HOST, None, error, "/auth.json", "/ca.crt"))
    assert not v.ok
    assert v.message == (
        f"expected https://{HOST}/v2/ to answer 200 over verified TLS with the credentials from "
        "/auth.json; found certificate verify failed"
    )
    assert v.remediation.startswith(f"point mirror.ca_file (/ca.crt) at the CA that signed {HOST}")


def test_access_auth_and_connect_failures_have_their_own_fix() -> None:
    v = evaluate_access(AccessProbe(HOST, None, RegistryError("401", kind="auth"), "/auth.json"))
    assert v.remediation.startswith(
        f"log in again to refresh the auth file: podman login --authfile /auth.json {HOST}"
    )
    v = evaluate_access(AccessProbe(HOST, None, RegistryError("refused", kind="connect")))
    assert "firewall-cmd --add-port=5000/tcp" in v.remediation


# --------------------------------------------------------------------------- mirror.release


def lookup(name: str, found: bool, *, covered: bool = True) -> ComponentLookup:
    source = parse_reference(f"quay.io/openshift-release-dev/ocp-v4.0-art-dev{DIGEST}")
    where = (parse_reference(f"{HOST}/ocp4/openshift4{DIGEST}"),) if covered else ()
    return ComponentLookup(name, source, where, found)


def test_release_with_every_component_passes() -> None:
    facts = ReleaseFacts(RELEASE, True, "4.14.1", (lookup("etcd", True), lookup("cli", True)))
    v = evaluate_release(facts)
    assert v.ok and v.message == "release 4.14.1: all 2 components present"


def test_missing_release_image_fails_with_the_mirror_command() -> None:
    v = evaluate_release(ReleaseFacts(RELEASE, False), "/pull.json")
    assert not v.ok and v.message.endswith(
        "found the release image itself is missing (HTTP 404 for its manifest)"
    )
    assert v.remediation.startswith("mirror the release: oc adm release mirror -a /pull.json ")
    assert f"--to={HOST}/ocp4/openshift4 --to-release-image={RELEASE}" in v.remediation


def test_missing_and_uncovered_components_are_named() -> None:
    facts = ReleaseFacts(
        RELEASE,
        True,
        "4.14.1",
        (lookup("etcd", False), lookup("cli", False, covered=False), lookup("oauth", True)),
        "install-config.yaml imageContentSources/imageDigestSources",
    )
    v = evaluate_release(facts)
    assert not v.ok and v.message.endswith("found 2 missing: etcd, cli")
    assert any(d.startswith("cli: ") and "nowhere: no mirror rule covers" in d for d in v.details)
    assert v.remediation.startswith(
        "add imageContentSources entries mirroring quay.io/openshift-release-dev/ocp-v4.0-art-dev"
    )
    assert "--from=quay.io/openshift-release-dev/ocp-release:4.14.1-x86_64" in v.remediation


# --------------------------------------------------------------------------- mirror.imagestreams


def stream(present: bool, skipped: tuple[str, ...] = ()) -> StreamFacts:
    pattern = S.pattern(
        {"spec": {"managementState": "Managed", "skippedImagestreams": list(skipped)}}
    )
    tag = TagFacts(
        "8",
        "registry.redhat.io/ubi8/ruby:8",
        f"{HOST}/ubi8/ruby:8",
        (f"{HOST}/ubi8/ruby:8",),
        present,
    )
    return StreamFacts("ruby", pattern, True, (tag,), None, HOST, "pull-secret.json")


def test_stream_in_the_mirror_passes() -> None:
    v = evaluate_mirror_stream(stream(True))
    assert v.ok and v.message == "1 tag(s) in the mirror"
    assert evaluate_mirror_stream(stream(False, ("ruby",))).ok


def test_stream_missing_a_tag_gives_mirror_and_skip_fixes() -> None:
    v = evaluate_mirror_stream(stream(False))
    assert not v.ok
    assert v.message == (
        f"expected every tag of openshift/ruby in the mirror {HOST}; found tag 8: "
        f"{HOST}/ubi8/ruby:8 not in the mirror (looked up {HOST}/ubi8/ruby:8)"
    )
    assert v.remediation.startswith(
        f"oc image mirror registry.redhat.io/ubi8/ruby:8 {HOST}/ubi8/ruby:8 -a pull-secret.json; "
        "or stop importing it: "
    )
    assert "skippedImagestreams" in v.remediation
