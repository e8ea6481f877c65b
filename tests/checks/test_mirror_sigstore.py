"""mirror.sigstore without servers: the scope matcher (openshift/api's ImageScope rules as
containers/image looks a reference up; hypothesis), the signature lookups against a fake
registry (tag, referrer, none, an unmapped repository), the verdicts, and the real policies of
tests/real/signatures/."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.mirror import evaluate_sigstore
from collectors.errors import FactError, InputError
from collectors.facts.mirror import SigstoreFacts
from collectors.images import cosign
from collectors.images.imageref import ImageRef, parse_reference
from collectors.images.mirrors import MirrorRule
from collectors.images.policy import (
    CLUSTER_KIND,
    MATCH_REPOSITORY,
    NAMESPACED_KIND,
    ImagePolicyDoc,
    SignedIdentity,
    best_scope,
    covering,
    identity_matches,
    lookup_order,
    read_policy,
    scope_rank,
)
from collectors.images.sigstore import (
    SignatureLookup,
    Wanted,
    find_signatures,
    signature_tag,
    weigh_signatures,
)

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
    assert scope_rank(f"{ref.registry.upper()}/{ref.repository}", ref) == 1  # hosts: any case


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


# --------------------------------------------------------------------------- verification

COSIGN_TYPE_TEXT = "cosign container image signature"


def key_data(public_key: Any) -> str:
    """``publicKey.keyData`` for ``public_key``: base64 of its PEM."""
    from cryptography.hazmat.primitives import serialization

    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(pem).decode()


def payload_of(digest: str, reference: str = f"{ART}:4.20", kind: str = COSIGN_TYPE_TEXT) -> bytes:
    critical = {
        "identity": {"docker-reference": reference},
        "image": {"docker-manifest-digest": digest},
        "type": kind,
    }
    return json.dumps({"critical": critical, "optional": None}).encode()


def sign(private: Any, payload: bytes) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    if isinstance(private, ec.EllipticCurvePrivateKey):
        raw = private.sign(payload, ec.ECDSA(hashes.SHA256()))
    elif isinstance(private, rsa.RSAPrivateKey):
        raw = private.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(private, ed25519.Ed25519PrivateKey)
        raw = private.sign(payload)
    return base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def ec_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def test_the_real_cosign_signature_verifies_with_its_key_only() -> None:
    payload = (REAL / "cosign-valid.payload").read_bytes()
    signature = (REAL / "cosign-valid.sig").read_text().strip()
    manifest = (REAL / "cosign-valid.manifest.json").read_bytes()
    image = parse_reference(
        "192.168.64.2:5000/cosign-signed-single-sample@sha256:"
        + hashlib.sha256(manifest).hexdigest()
    )
    notes = {cosign.SIGNATURE_ANNOTATION: signature}
    good, described = cosign.load_key(
        base64.b64encode((REAL / "cosign.pub").read_bytes()).decode(), "cosign.pub"
    )
    other, _ = cosign.load_key(
        base64.b64encode((REAL / "cosign2.pub").read_bytes()).decode(), "cosign2.pub"
    )
    assert described.startswith("ECDSA secp256r1 key sha256:")
    repository = SignedIdentity(MATCH_REPOSITORY)
    assert cosign.weigh(good, payload, notes, image, repository).outcome == cosign.VERIFIED
    assert cosign.weigh(other, payload, notes, image, repository).outcome == cosign.OTHER_KEY
    # cosign signs the repository alone: the default MatchRepoDigestOrExact refuses that claim
    default = cosign.weigh(good, payload, notes, image, SignedIdentity())
    assert default.outcome == cosign.OTHER_IDENTITY
    assert "signedIdentity MatchRepoDigestOrExact does not accept" in default.detail
    elsewhere = image.with_digest("sha256:" + "0" * 64)
    assert cosign.weigh(good, payload, notes, elsewhere, repository).outcome == cosign.OTHER_DIGEST


def test_the_real_policies_keys_load_or_are_named_unusable() -> None:
    openshift = read_policy(
        yaml.safe_load((REAL / "clusterimagepolicy-openshift.yaml").read_text())
    )
    assert cosign.load_key(openshift.key_data, "keyData")[1].startswith("RSA 4096 key sha256:")
    assert openshift.identity == SignedIdentity() and not openshift.rekor
    p1 = read_policy(yaml.safe_load((REAL / "clusterimagepolicy-docs-p1.yaml").read_text()))
    assert p1.identity.match_policy == "MatchRepoDigestOrExact"
    with pytest.raises(InputError, match="not a PEM public key"):
        cosign.load_key(p1.key_data, "keyData")


@pytest.mark.parametrize("kind", ["ec384", "rsa", "ed25519"])
def test_each_key_type_sigstore_verifies_is_verified(kind: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    private = {
        "ec384": lambda: ec.generate_private_key(ec.SECP384R1()),
        "rsa": lambda: rsa.generate_private_key(65537, 2048),
        "ed25519": ed25519.Ed25519PrivateKey.generate,
    }[kind]()
    key, _ = cosign.load_key(key_data(private.public_key()), "keyData")
    payload = payload_of(D1)
    image = parse_reference(f"{ART}@{D1}")
    notes = {cosign.SIGNATURE_ANNOTATION: sign(private, payload)}
    assert cosign.weigh(key, payload, notes, image, SignedIdentity()).verified
    assert not cosign.weigh(key, payload + b" ", notes, image, SignedIdentity()).verified


def test_each_reason_a_signature_is_refused_is_named(ec_key: Any) -> None:
    key, _ = cosign.load_key(key_data(ec_key.public_key()), "keyData")
    image = parse_reference(f"{ART}@{D1}")

    def weigh(payload: bytes, signature: str | None = None) -> cosign.LayerCheck:
        notes = {
            cosign.SIGNATURE_ANNOTATION: sign(ec_key, payload) if signature is None else signature
        }
        return cosign.weigh(key, payload, notes, image, SignedIdentity(), layer=2)

    assert weigh(payload_of(D1)).detail == f"verified, signed as {ART}:4.20"
    assert (weigh(payload_of(D2)).outcome, weigh(payload_of(D2)).detail) == (
        cosign.OTHER_DIGEST,
        f"signed for {D2}, not {D1}",
    )
    assert weigh(payload_of(D1, f"{REL}:4.20")).outcome == cosign.OTHER_IDENTITY
    atomic = weigh(payload_of(D1, kind="atomic container signature"))
    assert atomic.outcome == cosign.NOT_COSIGN
    assert "critical.type: type 'atomic container signature', not" in atomic.detail
    extra = json.loads(payload_of(D1))
    extra["critical"]["extra"] = 1
    assert "fields extra, identity, image, type" in weigh(json.dumps(extra).encode()).detail
    twice = b'{"critical": {}, "critical": {}, "optional": null}'
    assert weigh(twice).detail.endswith("not JSON (a key appears twice)")
    bad = weigh(payload_of(D1), signature="not base64!")
    assert (bad.outcome, bad.detail) == (
        cosign.UNREADABLE,
        f"the {cosign.SIGNATURE_ANNOTATION} annotation is not base64",
    )
    unsigned = cosign.weigh(key, payload_of(D1), {}, image, SignedIdentity())
    assert unsigned.outcome == cosign.UNREADABLE and "no dev.cosignproject" in unsigned.detail


def _pem(obj: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    pem = obj.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(pem).decode()


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_a_key_data_that_is_no_usable_key_is_named() -> None:
    from cryptography.hazmat.primitives.asymmetric import dsa, ed448, x25519

    cases = {
        "": "empty: the policy names no key",
        "%%%": "not base64",
        base64.b64encode(b"keyData").decode(): "not a PEM public key (7 bytes without a PEM",
        base64.b64encode(
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        ).decode(): ("not a PEM public key (a PEM block"),
        "A" * 9000: "more than the 8192 allowed",
        _pem(dsa.generate_private_key(1024).public_key()): "a DSA key: sigstore verifies ECDSA",
        _pem(x25519.X25519PrivateKey.generate().public_key()): "a X25519 key",
        _pem(ed448.Ed448PrivateKey.generate().public_key()): "a Ed448 key",
    }
    for data, said in cases.items():
        with pytest.raises(InputError, match=re.escape(said)):
            cosign.load_key(data, "keyData")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_the_payload_reader_raises_only_input_errors_on_any_bytes(data: bytes) -> None:
    try:
        got = cosign.parse_payload(data, "layer 0")
    except InputError as exc:
        assert str(exc).startswith("layer 0: ")
    else:
        assert isinstance(got.digest, str) and isinstance(got.reference, str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "critical": st.fixed_dictionaries(
                {},
                optional={
                    "type": st.sampled_from([COSIGN_TYPE_TEXT, "x"]) | json_values,
                    "image": st.fixed_dictionaries(
                        {}, optional={"docker-manifest-digest": st.just(D1) | json_values}
                    )
                    | json_values,
                    "identity": st.fixed_dictionaries(
                        {}, optional={"docker-reference": st.just(ART) | json_values}
                    )
                    | json_values,
                },
            )
            | json_values,
            "optional": json_values,
        },
    ),
    st.text(max_size=40) | json_values,
)
def test_weighing_any_payload_and_annotation_gives_an_outcome(doc: Any, signature: Any) -> None:
    image = parse_reference(f"{ART}@{D1}")
    check = cosign.weigh(
        None,
        json.dumps(doc).encode(),
        {cosign.SIGNATURE_ANNOTATION: signature},
        image,
        SignedIdentity(),
    )
    assert check.outcome in (cosign.NOT_COSIGN, cosign.UNREADABLE, cosign.OTHER_KEY)


def test_a_payload_nested_past_the_parser_or_too_large_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not JSON"):
        cosign.parse_payload(b"[" * 60000, "layer 0")
    with pytest.raises(InputError, match="more than the 65536 read"):
        cosign.parse_payload(b" " * (cosign.MAX_PAYLOAD_BYTES + 1), "layer 0")


@pytest.mark.parametrize(
    ("identity", "signed", "accepted"),
    [
        (SignedIdentity(), f"{ART}:4.20", True),
        (SignedIdentity(), f"{ART}@{D2}", True),
        (SignedIdentity(), ART, False),
        (SignedIdentity(), f"{REL}:4.20", False),
        (SignedIdentity(), "not a reference!", False),
        (SignedIdentity(MATCH_REPOSITORY), ART, True),
        (SignedIdentity("ExactRepository", exact_repository=REL), f"{REL}:4.20", True),
        (SignedIdentity("ExactRepository", exact_repository=REL), f"{ART}:4.20", False),
        (
            SignedIdentity(
                "RemapIdentity", prefix="quay.io/openshift-release-dev", signed_prefix="m:5000/ocp"
            ),
            "m:5000/ocp/ocp-v4.0-art-dev:4.20",
            True,
        ),
        (SignedIdentity("SomethingNew"), f"{ART}:4.20", False),
    ],
)
def test_signed_identity_as_containers_image_matches_it(
    identity: SignedIdentity, signed: str, accepted: bool
) -> None:
    assert identity_matches(identity, parse_reference(f"{ART}@{D1}"), signed) is accepted


# --------------------------------------------------------------------------- reading .sig tags

SIG_REPO = f"{MIRROR}/ocp4/openshift4"


class FakeSigRegistry:
    """Signature manifests by tag and blobs by digest; what it was asked for."""

    def __init__(self) -> None:
        self.manifests: dict[str, Any] = {}
        self.blobs: dict[str, bytes] = {}
        self.fail: dict[str, Exception] = {}
        self.asked: list[str] = []

    def add(self, digest: str, layers: list[tuple[bytes, dict[str, Any]]], **kw: Any) -> None:
        descriptors = []
        for data, notes in layers:
            blob = "sha256:" + hashlib.sha256(data).hexdigest()
            self.blobs[blob] = data
            descriptors.append(
                {
                    "mediaType": kw.get("media", cosign.SIMPLESIGNING),
                    "size": kw.get("size", len(data)),
                    "digest": blob,
                    "annotations": notes,
                }
            )
        self.manifests[signature_tag(digest)] = {"schemaVersion": 2, "layers": descriptors}

    def get_manifest(self, ref: ImageRef) -> Any:
        from collectors.images.registry.manifests import Manifest

        self.asked.append(f"manifest {ref.tag}")
        if ref.tag in self.fail:
            raise self.fail[ref.tag]
        data = self.manifests.get(ref.tag or "")
        return (
            None
            if data is None
            else Manifest(ref, "application/vnd.oci.image.manifest.v1+json", D3, data)
        )

    def open_blob(self, ref: ImageRef, digest: str, *, max_bytes: int) -> Any:
        from collectors.images.registry.errors import RegistryError

        self.asked.append(f"blob {digest[:15]}")
        if digest in self.fail:
            raise self.fail[digest]
        if digest not in self.blobs:
            raise RegistryError(f"{ref.name}@{digest} (blob): HTTP 404", kind="http", status=404)
        if len(self.blobs[digest]) > max_bytes:
            raise RegistryError("larger than allowed", kind="protocol")
        return io.BytesIO(self.blobs[digest])

    def map(self, fn: Any, items: list[Any]) -> list[Any]:
        return [fn(i) for i in items]


def found(digest: str, role: str = "component etcd") -> SignatureLookup:
    return lookup(role, f"{ART}@{digest}", tag_in=SIG_REPO)


def test_a_signature_tag_is_read_until_one_layer_verifies(ec_key: Any) -> None:
    key, _ = cosign.load_key(key_data(ec_key.public_key()), "keyData")
    fake = FakeSigRegistry()
    good = payload_of(D1)
    other = payload_of(D2)
    fake.add(
        D1,
        [
            (other, {cosign.SIGNATURE_ANNOTATION: sign(ec_key, other)}),
            (good, {cosign.SIGNATURE_ANNOTATION: sign(ec_key, good)}),
            (good, {cosign.SIGNATURE_ANNOTATION: sign(ec_key, good)}),
        ],
    )
    missing = lookup("component cli", f"{ART}@{D2}")
    got = weigh_signatures(fake, [found(D1), missing], key, SignedIdentity(), "test")
    assert [c.outcome for c in got[0].checks] == [cosign.OTHER_DIGEST, cosign.VERIFIED]
    assert got[0].verified is True and got[1].verified is None and got[1] == missing
    assert fake.asked.count(f"manifest {signature_tag(D1)}") == 1
    assert len([a for a in fake.asked if a.startswith("blob")]) == 2  # the third is not read


def test_hostile_signature_manifests_are_named_never_raised(ec_key: Any) -> None:
    key, _ = cosign.load_key(key_data(ec_key.public_key()), "keyData")
    fake = FakeSigRegistry()
    good = payload_of(D1)
    note = {cosign.SIGNATURE_ANNOTATION: sign(ec_key, good)}
    fake.add(D1, [(b"\x00not json", note)] * (cosign.MAX_SIGNATURE_LAYERS + 984))
    fake.add(D2, [(good, note)], size=10**9)
    fake.add(D3, [(good, note)], media="application/vnd.in-toto+json")
    repo = lambda d: lookup("c", f"{ART}@{d}", tag_in=SIG_REPO)  # noqa: E731
    got = weigh_signatures(fake, [repo(D1), repo(D2), repo(D3)], key, SignedIdentity(), "t")
    many = got[0].checks
    assert len(many) == cosign.MAX_SIGNATURE_LAYERS + 1
    assert {c.outcome for c in many[:-1]} == {cosign.NOT_COSIGN}
    assert many[-1].detail == "984 more signature layers not read (the first 16 are)"
    assert got[1].checks[0].detail == "1000000000 bytes, more than the 65536 a payload may be"
    assert got[2].checks[0].outcome == cosign.NOT_COSIGN
    assert "none of its 1 layers is a signature" in got[2].checks[0].detail
    assert sum(a.startswith("blob") for a in fake.asked) == cosign.MAX_SIGNATURE_LAYERS


def test_a_blob_the_mirror_lacks_is_unreadable_a_mirror_not_answering_is_an_error(
    ec_key: Any,
) -> None:
    from collectors.images.registry.errors import RegistryError, RegistryUnreachable

    key, _ = cosign.load_key(key_data(ec_key.public_key()), "keyData")
    fake = FakeSigRegistry()
    fake.add(D1, [(payload_of(D1), {})])
    fake.blobs.clear()
    fake.fail[signature_tag(D2)] = RegistryError("m: the manifest is not JSON", kind="protocol")
    fake.manifests[signature_tag(D2)] = {}
    got = weigh_signatures(fake, [found(D1), found(D2)], key, SignedIdentity(), "t")
    assert got[0].checks[0].outcome == cosign.UNREADABLE and "HTTP 404" in got[0].checks[0].detail
    assert got[1].checks == (
        cosign.LayerCheck(-1, cosign.UNREADABLE, "m: the manifest is not JSON"),
    )
    fake.fail[signature_tag(D2)] = RegistryUnreachable(MIRROR, "timed out")
    with pytest.raises(FactError, match="t: could not read 1 signature"):
        weigh_signatures(fake, [found(D1), found(D2)], key, SignedIdentity(), "t")
    fake.fail[signature_tag(D2)] = RegistryError("m: HTTP 503", kind="server")
    with pytest.raises(FactError, match="HTTP 503"):
        weigh_signatures(fake, [found(D2)], key, SignedIdentity(), "t")


# --------------------------------------------------------------------------- verdicts, verified


def checked(
    digest: str, *checks: cosign.LayerCheck, role: str = "component etcd"
) -> SignatureLookup:
    return replace(found(digest, role), checks=checks, source=f"{ART}@{digest}")


KEY = "ECDSA secp256r1 key sha256:0123456789abcdef"


def keyed(*lookups: SignatureLookup, **kw: Any) -> SigstoreFacts:
    base = {"policy_type": "PublicKey", "key": KEY, "identity": "MatchRepoDigestOrExact"}
    return facts(*lookups, **{**base, **kw})


def test_verified_signatures_pass_saying_what_was_verified() -> None:
    ok = cosign.LayerCheck(0, cosign.VERIFIED, f"verified, signed as {ART}:4.20")
    v = evaluate_sigstore(
        keyed(
            checked(D1, ok),
            checked(D2, cosign.LayerCheck(0, cosign.OTHER_KEY, "x"), ok),
            lookup("component cli", f"{ART}@{D3}", referrer_in=SIG_REPO),
            rekor=True,
        )
    )
    assert v.ok, v.message
    assert (
        "all 3 covered images have a sigstore signature in the mirror (2 as sha256-<hex>.sig "
        f"tags, 1 as OCI referrers); each sha256-<hex>.sig holds a signature that verifies with "
        f"its publicKey ({KEY}), names the image's digest and is signed as signedIdentity "
        "MatchRepoDigestOrExact accepts (the Rekor SET that rekorKeyData asks for is not "
        "checked); the 1 OCI referrers are there, not verified (sigstore bundles unread); a node"
    ) in v.message


@pytest.mark.parametrize(
    ("outcome", "detail", "words"),
    [
        (
            cosign.OTHER_KEY,
            "signed by another key (it does not verify with the policy's key)",
            "signed by another key",
        ),
        (cosign.OTHER_DIGEST, f"signed for {D3}, not {D2}", "signed for another digest"),
        (
            cosign.NOT_COSIGN,
            "not a cosign container image signature: not JSON (ValueError)",
            "not a cosign signature",
        ),
        (
            cosign.OTHER_IDENTITY,
            "signed as 'quay.io/x', which ...",
            "signed as an identity signedIdentity refuses",
        ),
        (
            cosign.UNREADABLE,
            "the dev.cosignproject.cosign/signature annotation is not base64",
            "unreadable",
        ),
    ],
)
def test_each_refused_signature_fails_naming_why(outcome: str, detail: str, words: str) -> None:
    ok = cosign.LayerCheck(0, cosign.VERIFIED, "verified")
    v = evaluate_sigstore(
        keyed(checked(D1, ok), checked(D2, cosign.LayerCheck(1, outcome, detail)))
    )
    assert not v.ok
    assert (
        f"1 of 2 have signatures in the mirror a node refuses (1 {words}; policy key {KEY}, "
        f"signedIdentity MatchRepoDigestOrExact): component etcd {ART}@{D2}: "
        f"{SIG_REPO}:{signature_tag(D2)}: layer 1: {detail}"
    ) in v.message
    assert "whose signature verifies with the policy's publicKey" in v.message
    words_ = shlex.split(v.remediation.split(": ", 1)[1].split(";")[0])
    assert words_[:7] == [
        "oc",
        "image",
        "mirror",
        "-a",
        "/tmp/pull secret.json",
        f"{ART}:{signature_tag(D2)}",
        f"{SIG_REPO}:{signature_tag(D2)}",
    ]
    assert "oc edit clusterimagepolicy openshift" in v.remediation
    assert ("MatchRepository" in v.remediation) is (outcome == cosign.OTHER_IDENTITY)


def test_an_unusable_key_fails_naming_it_with_an_edit_of_that_policy() -> None:
    hostile = "p; rm -rf ~"
    v = evaluate_sigstore(
        keyed(
            found(D1),
            subject=f"imagepolicy/apps/{hostile}",
            kind=NAMESPACED_KIND,
            key="",
            key_problem="not a PEM public key (7 bytes without a PEM block; "
            "Unable to load PEM file)",
        )
    )
    assert not v.ok
    assert (
        "its spec.policy.rootOfTrust.publicKey.keyData cannot be used: not a PEM public key (7 "
        "bytes without a PEM block; Unable to load PEM file): a node refuses every image its "
        "scopes cover, signed or not"
    ) in v.message
    command = v.remediation.split("keyData: ", 1)[1]
    assert shlex.split(command) == ["oc", "edit", "imagepolicy", "-n", "apps", hostile]


@pytest.mark.parametrize(
    ("policy_type", "said"),
    [
        (
            "FulcioCAWithRekor",
            "not verified: policyType FulcioCAWithRekor trusts Fulcio certificates logged in "
            "Rekor, which the suite does not check",
        ),
        (
            "PKI",
            "not verified: policyType PKI trusts certificates of your own PKI, which the suite "
            "does not check",
        ),
        ("", "not verified: policyType unset is none the suite verifies (it verifies PublicKey)"),
    ],
)
def test_a_certificate_policy_passes_on_presence_saying_it_is_not_verified(
    policy_type: str, said: str
) -> None:
    v = evaluate_sigstore(facts(found(D1), policy_type=policy_type))
    assert v.ok
    assert f"{said}: only that the signatures are there; a node reads" in v.message
