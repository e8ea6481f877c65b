"""mirror.sigstore without servers: the scope matcher (openshift/api's ImageScope rules as
containers/image looks a reference up; hypothesis), the signature lookups against a fake
registry (tag, referrer, none, an unmapped repository), the verdicts, and the real policies of
tests/real/signatures/."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.mirror import evaluate_sigstore
from collectors.facts.mirror import SigstoreFacts
from collectors.images.imageref import ImageRef, parse_reference
from collectors.images.mirrors import MirrorRule
from collectors.images.policy import (
    CLUSTER_KIND,
    NAMESPACED_KIND,
    ImagePolicyDoc,
    best_scope,
    covering,
    lookup_order,
    read_policy,
    scope_rank,
)
from collectors.images.sigstore import SignatureLookup, Wanted, find_signatures, signature_tag

REAL = Path(__file__).resolve().parent.parent / "real" / "signatures"
ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
REL = "quay.io/openshift-release-dev/ocp-release"
MIRROR = "mirror.example:5000"
D1, D2, D3 = ("sha256:" + c * 64 for c in "abc")

# --------------------------------------------------------------------------- the matcher

label = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
component = st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)


@st.composite
def references(draw: Any) -> ImageRef:
    host = ".".join(draw(st.lists(label, min_size=2, max_size=4)))
    port = draw(st.one_of(st.none(), st.integers(1, 65535).filter(lambda p: p != 443)))
    path = "/".join(draw(st.lists(component, min_size=1, max_size=4)))
    registry = f"{host}:{port}" if port else host
    if draw(st.booleans()):
        return parse_reference(f"{registry}/{path}@sha256:" + draw(st.sampled_from("0123")) * 64)
    return parse_reference(f"{registry}/{path}:{draw(component)}")


@settings(max_examples=300, deadline=None)
@given(references())
def test_every_scope_of_the_lookup_order_covers_the_image_most_specific_first(
    ref: ImageRef,
) -> None:
    order = lookup_order(ref)
    assert order[1] == ref.name  # the image itself, then its repository
    assert [scope_rank(s, ref) for s in order] == list(range(len(order)))
    # longest match: whatever subset of scopes is given, the earliest in the order applies
    for start in range(len(order)):
        assert best_scope(list(reversed(order[start:])), ref) == order[start]


@settings(max_examples=300, deadline=None)
@given(references(), component)
def test_a_scope_matches_on_path_boundaries_only(ref: ImageRef, extra: str) -> None:
    assert scope_rank(ref.name + extra, ref) is None  # quay.io/ab is not quay.io/a's
    assert scope_rank(f"{ref.name}/{extra}", ref) is None  # a deeper repository does not cover
    assert scope_rank(ref.name.upper().replace(ref.repository.upper(), ref.repository), ref) == 1


@settings(max_examples=300, deadline=None)
@given(references(), label)
def test_wildcards_cover_subdomains_whatever_the_port_and_a_host_only_its_own_port(
    ref: ImageRef, other: str
) -> None:
    host = ref.registry.split(":", 1)[0]
    parent = host.split(".", 1)[1]
    assert scope_rank(f"*.{parent}", ref) is not None
    assert scope_rank(f"*.{host}", ref) is None  # *.example.com does not cover example.com
    assert scope_rank(f"*.{other}x.{parent}", ref) is None
    if ":" in ref.registry:
        assert scope_rank(host, ref) is None  # example.com is not example.com:5000
        assert scope_rank(ref.registry, ref) is not None
    assert scope_rank(f"{ref.registry}/{ref.repository}:nope-{other}", ref) is None or (
        ref.tag == f"nope-{other}"
    )


def test_the_default_https_port_is_the_same_registry() -> None:
    ref = parse_reference(f"{ART}@{D1}")
    assert best_scope(["Quay.io:443/openshift-release-dev"], ref) == (
        "Quay.io:443/openshift-release-dev"
    )


def test_a_cluster_policy_wins_over_an_image_policy_and_the_most_specific_cluster_scope() -> None:
    ref = parse_reference(f"{ART}@{D1}")
    broad = ImagePolicyDoc(CLUSTER_KIND, "broad", "", ("quay.io",))
    narrow = ImagePolicyDoc(CLUSTER_KIND, "narrow", "", (ART,))
    mine = ImagePolicyDoc(NAMESPACED_KIND, "p", "apps", (f"{ART}@{D1}",))
    cluster = [broad, narrow]
    assert covering(broad, ref, cluster) is None
    assert covering(narrow, ref, cluster) == ART
    assert covering(mine, ref, cluster) is None  # nested under a cluster scope: CIP applies
    assert covering(mine, ref, []) == f"{ART}@{D1}"


# --------------------------------------------------------------------------- the real policies


def test_the_real_openshift_policy_covers_the_payload_not_a_mirror_reference() -> None:
    doc = read_policy(yaml.safe_load((REAL / "clusterimagepolicy-openshift.yaml").read_text()))
    assert doc.subject == "clusterimagepolicy/openshift" and doc.policy_type == "PublicKey"
    assert best_scope(doc.scopes, parse_reference(f"{REL}@{D1}")) == REL
    assert best_scope(doc.scopes, parse_reference(f"{ART}@{D2}")) == ART
    assert best_scope(doc.scopes, parse_reference(f"{MIRROR}/ocp4/openshift4@{D3}")) is None


def test_the_real_docs_policy_covers_its_host_only() -> None:
    doc = read_policy(yaml.safe_load((REAL / "clusterimagepolicy-docs-p1.yaml").read_text()))
    assert doc.subject == "clusterimagepolicy/p1" and doc.scopes == ("example.com",)
    assert best_scope(doc.scopes, parse_reference("example.com/app/x:1")) == "example.com"
    for image in ("registry.example.com/app:1", "example.com:5000/app:1", f"{REL}@{D1}"):
        assert best_scope(doc.scopes, parse_reference(image)) is None, image


# --------------------------------------------------------------------------- the lookups


class FakeRegistry:
    """Tags per repository (listed), referrers per (repository, digest); records calls."""

    def __init__(
        self, tags: dict[str, set[str]], referrers: dict[tuple[str, str], list[dict]] | None = None
    ) -> None:
        self.tags = tags
        self.referrers = referrers or {}
        self.calls: list[str] = []

    def list_tags(self, ref: ImageRef) -> set[str] | None:
        self.calls.append(f"list {ref.name}")
        return self.tags.get(ref.name)

    def has_manifests(self, refs: Any) -> dict[ImageRef, bool]:
        refs = list(refs)
        self.calls += [f"head {r}" for r in refs]
        return {r: (r.tag or "") in self.tags.get(r.name, set()) for r in refs}

    def map(self, fn: Any, items: list[Any]) -> list[Any]:
        return [fn(i) for i in items]

    def request(self, method: str, host: str, path: str, **kw: Any) -> Any:
        self.calls.append(f"{method} {path}")
        repo, digest = path[len("/v2/") :].split("/referrers/")
        found = self.referrers.get((f"{host}/{repo}", digest))

        class Resp:
            status_code = 404 if found is None else 200
            body = json.dumps({"manifests": found or []}).encode()

        return Resp()


def rules() -> list[MirrorRule]:
    return [
        MirrorRule(REL, (f"{MIRROR}/ocp4/openshift4",), origin="ImageDigestMirrorSet/r spec[0]"),
        MirrorRule(ART, (f"{MIRROR}/ocp4/openshift4",), origin="ImageDigestMirrorSet/r spec[1]"),
    ]


def test_tags_found_by_one_listing_referrer_and_unmapped(monkeypatch: Any) -> None:
    import collectors.images.sigstore as sig

    monkeypatch.setattr(sig, "_read_limited", lambda resp, cap, what: resp.body)
    monkeypatch.setattr(sig, "release", lambda resp: None)
    repo = f"{MIRROR}/ocp4/openshift4"
    fake = FakeRegistry(
        {repo: {signature_tag(D1), signature_tag(D2), "4.20.1-x86_64"}},
        {(repo, D3): [{"artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}]},
    )
    wanted = [
        Wanted(parse_reference(f"{REL}@{D1}"), "release", REL),
        Wanted(parse_reference(f"{ART}@{D2}"), "component etcd", ART),
        Wanted(parse_reference(f"{ART}@{D3}"), "component cli", ART),
        Wanted(parse_reference(f"registry.redhat.io/x/y@{D1}"), "component odd", "*.io"),
    ]
    got = find_signatures(fake, wanted, rules(), MIRROR, "test")
    assert [(g.tag_in, g.referrer_in, g.unmapped) for g in got] == [
        (repo, "", False),
        (repo, "", False),
        ("", repo, False),
        ("", "", True),
    ]
    assert fake.calls.count(f"list {repo}") == 1  # one listing for all three tags
    assert got[0].rule.startswith("ImageDigestMirrorSet/r")


# --------------------------------------------------------------------------- the verdicts


def lookup(role: str, image: str, **kw: Any) -> SignatureLookup:
    ref = parse_reference(image)
    base = {"looked_in": (f"{MIRROR}/ocp4/openshift4",), "rule": "ICSP/x", "repository": ref.name}
    return SignatureLookup(image, role, ART, **{**base, **kw})


def facts(*lookups: SignatureLookup, **kw: Any) -> SigstoreFacts:
    base: dict[str, Any] = {
        "subject": "clusterimagepolicy/openshift",
        "kind": CLUSTER_KIND,
        "mirror_host": MIRROR,
        "scopes": (REL, ART),
        "considered": 3,
        "considered_what": "the release 4.20.1 and its 2 components",
        "lookups": lookups,
        "rules_from": "ImageDigestMirrorSet/r",
        "auth_file": "/tmp/pull secret.json",
    }
    return SigstoreFacts(**{**base, **kw})


def test_no_policy_passes_saying_so() -> None:
    for no_crd, text in ((True, "not served (no CRD"), (False, "no ClusterImagePolicy")):
        v = evaluate_sigstore(SigstoreFacts("cluster", "", MIRROR, no_crd=no_crd))
        assert v.ok and text in v.message and "no policy covers anything" in v.message


def test_a_policy_covering_nothing_passes_naming_what_was_weighed() -> None:
    v = evaluate_sigstore(facts(scopes=("example.com",), notes=("no update target",)))
    assert v.ok
    assert v.message == (
        "ClusterImagePolicy openshift: its scopes (example.com) cover none of what the cluster "
        "runs or will run (the release 4.20.1 and its 2 components); no update target"
    )


def test_all_signed_passes_and_says_the_mapping_covers_the_signatures() -> None:
    v = evaluate_sigstore(
        facts(
            lookup("release 4.20.1", f"{REL}@{D1}", tag_in=f"{MIRROR}/ocp4/openshift4"),
            lookup("component etcd", f"{ART}@{D2}", referrer_in=f"{MIRROR}/ocp4/openshift4"),
        )
    )
    assert v.ok
    assert (
        "all 2 covered images have a sigstore signature in the mirror (1 as sha256-<hex>.sig"
        in (v.message)
    )
    assert "1 as OCI referrers" in v.message
    assert "the mirror rule that maps the image's repository maps its signature's" in v.message
    assert f"(ImageDigestMirrorSet/r map {REL}, {ART})" in v.message


def test_a_missing_signature_fails_naming_image_repository_and_tag() -> None:
    v = evaluate_sigstore(
        facts(
            lookup("release 4.20.1", f"{REL}@{D1}", tag_in=f"{MIRROR}/ocp4/openshift4"),
            lookup("component etcd", f"{ART}@{D2}", source=f"{ART}@{D2}"),
        )
    )
    assert not v.ok
    assert (
        f"1 of 2 without a signature in the mirror: component etcd {ART}@{D2}: looked in "
        f"{MIRROR}/ocp4/openshift4: no tag {signature_tag(D2)} and no sigstore referrer"
    ) in v.message
    words = shlex.split(v.remediation.split(";")[0].split(": ", 1)[1])
    assert words[:7] == [
        "oc",
        "image",
        "mirror",
        "-a",
        "/tmp/pull secret.json",
        f"{ART}:{signature_tag(D2)}",
        f"{MIRROR}/ocp4/openshift4:{signature_tag(D2)}",
    ]


def test_an_unmapped_repository_fails_naming_it_with_an_idms_fix() -> None:
    odd = "registry.example.com/team/app"
    v = evaluate_sigstore(facts(lookup("component odd", f"{odd}@{D3}", looked_in=(), rule="")))
    assert not v.ok
    assert (
        f"1 of 1 come from repositories no mirror rule (ImageDigestMirrorSet/r) sends to the "
        f"mirror {MIRROR}, so neither they nor their signatures can be read there: {odd}"
    ) in v.message
    assert "ImageDigestMirrorSet" in v.remediation and odd in v.remediation
    shlex.split(v.remediation)  # one pasteable command line


def test_preflight_release_missing_fails() -> None:
    v = evaluate_sigstore(
        SigstoreFacts(
            "release", "release", MIRROR, notes=("the release image m/r:4 itself is not in it",)
        )
    )
    assert not v.ok and "the release image m/r:4 itself is not in it" in v.message


def test_preflight_release_signed_passes() -> None:
    v = evaluate_sigstore(
        facts(
            lookup("release", f"{MIRROR}/ocp4/openshift4@{D1}", tag_in=f"{MIRROR}/ocp4/openshift4"),
            subject="release",
            kind="release",
            considered_what="mirror.release_image m (1 images)",
        )
    )
    assert v.ok and v.message.startswith("mirror.release_image: all 1 covered images")
