"""Sigstore image policies (ClusterImagePolicy, ImagePolicy; config.openshift.io v1 or v1alpha1)
and which image a policy's ``spec.scopes`` cover: pure, no I/O.

The rules are openshift/api's (``config/v1/types_image_policy.go``, ``ImageScope``) over
containers-policy.json(5)'s docker transport, as containers/image looks a reference up
(``docker/policyconfiguration/naming.go``): a scope is

- one image, fully expanded, by tag or digest (``quay.io/a/b:1``, ``quay.io/a/b@sha256:...``);
- a repository or a repository namespace (``quay.io/a/b``, ``quay.io/a``), matched on ``/``
  boundaries (``quay.io/a`` covers ``quay.io/a/b``, never ``quay.io/ab``);
- a registry host, with its port if the image names one (``quay.io``; ``m.example:5000`` covers
  only images on port 5000);
- a wildcard ``*.domain`` covering every subdomain whatever the port (``*.example.com`` covers
  ``a.example.com:5000/x`` and ``b.a.example.com/x``, not ``example.com/x``).

Only the most specific matching scope applies: the image itself, then its repository, each
parent namespace up to the host, then the wildcards from the longest domain down. Hosts are
compared in ``imageref.registry_key`` form (``Quay.io:443`` is ``quay.io``).

>>> ref = parse_reference("quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "a" * 64)
>>> best_scope(["quay.io", "quay.io/openshift-release-dev/ocp-v4.0-art-dev", "*.io"], ref)
'quay.io/openshift-release-dev/ocp-v4.0-art-dev'
>>> best_scope(["quay.io/openshift-release-dev/ocp-release"], ref) is None
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from collectors.images.imageref import ImageRef, ImageRefError, canonical_name, parse_reference

CLUSTER_KIND = "ClusterImagePolicy"
NAMESPACED_KIND = "ImagePolicy"
#: ``spec.policy.rootOfTrust.policyType`` values (openshift/api ``PolicyType``).
PUBLIC_KEY = "PublicKey"
FULCIO = "FulcioCAWithRekor"
PKI = "PKI"
#: ``spec.policy.signedIdentity.matchPolicy`` values; the first is the default.
MATCH_REPO_DIGEST_OR_EXACT = "MatchRepoDigestOrExact"
MATCH_REPOSITORY = "MatchRepository"
EXACT_REPOSITORY = "ExactRepository"
REMAP_IDENTITY = "RemapIdentity"


def lookup_order(ref: ImageRef | str) -> list[str]:
    """Every scope that can cover ``ref``, most specific first (what containers/image tries).

    >>> lookup_order(parse_reference("Reg.Example.com:5000/ns/app:v1"))
    ['reg.example.com:5000/ns/app:v1', 'reg.example.com:5000/ns/app', 'reg.example.com:5000/ns', \
'reg.example.com:5000', '*.example.com', '*.com']
    """
    if isinstance(ref, str):
        ref = parse_reference(ref)
    identity = f"{ref.name}@{ref.digest}" if ref.digest else f"{ref.name}:{ref.tag or 'latest'}"
    out = [identity]
    name = ref.name
    while True:
        out.append(name)
        if "/" not in name:
            break
        name = name.rsplit("/", 1)[0]
    host = name[: name.index("]") + 1] if name.startswith("[") else name.split(":", 1)[0]
    while "." in host and not host.startswith("["):
        host = host.split(".", 1)[1]
        out.append(f"*.{host}")
    return out


def normal_scope(scope: str) -> str:
    """A scope as compared: its registry in ``registry_key`` form, a wildcard lower-cased.

    >>> normal_scope(" Quay.IO:443/openshift-release-dev/ocp-release/ ")
    'quay.io/openshift-release-dev/ocp-release'
    >>> normal_scope("*.Example.com")
    '*.example.com'
    """
    return canonical_name(str(scope).strip().rstrip("/"))


def scope_rank(scope: str, ref: ImageRef) -> int | None:
    """How specific ``scope`` is for ``ref`` (0: the image itself; larger: more general), or
    None when it does not cover ``ref``.

    >>> r = parse_reference("quay.io/a/b:1")
    >>> [scope_rank(s, r) for s in ("quay.io/a/b:1", "quay.io/a", "quay.io/ab", "*.io", "io")]
    [0, 2, None, 4, None]
    """
    try:
        return lookup_order(ref).index(normal_scope(scope))
    except ValueError:
        return None


def best_scope(scopes: Iterable[str], ref: ImageRef) -> str | None:
    """The most specific of ``scopes`` that covers ``ref`` (as written), or None."""
    ranked = [(rank, s) for s in scopes if (rank := scope_rank(s, ref)) is not None]
    return min(ranked, key=lambda rs: rs[0])[1] if ranked else None


@dataclass(frozen=True)
class SignedIdentity:
    """``spec.policy.signedIdentity``: which identity (``critical.identity.docker-reference``) a
    signature may claim for an image; ``MatchRepoDigestOrExact`` when the policy says nothing.

    >>> SignedIdentity(REMAP_IDENTITY, prefix="m:5000/ocp4", signed_prefix="quay.io/ocp").describe()
    'RemapIdentity m:5000/ocp4 -> quay.io/ocp'
    """

    match_policy: str = MATCH_REPO_DIGEST_OR_EXACT
    exact_repository: str = ""
    prefix: str = ""
    signed_prefix: str = ""

    def describe(self) -> str:
        if self.match_policy == EXACT_REPOSITORY:
            return f"{EXACT_REPOSITORY} {self.exact_repository}"
        if self.match_policy == REMAP_IDENTITY:
            return f"{REMAP_IDENTITY} {self.prefix} -> {self.signed_prefix}"
        return self.match_policy


def _repo_digest_or_exact(intended: ImageRef, signed: ImageRef) -> bool:
    """containers/image's ``matchRepoDigestOrExactReferenceValues``: an image by tag must be
    signed as exactly that; by digest only, as any reference in its repository; a claim naming
    neither tag nor digest never (cosign's own, ``quay.io/a/b``, needs MatchRepository)."""
    if not (signed.tag or signed.digest):
        return False
    if intended.tag:
        return str(signed) == str(intended)
    return signed.name == intended.name


def identity_matches(identity: SignedIdentity, image: ImageRef, signed: str) -> bool:
    """Whether a signature claiming ``signed`` is accepted for ``image`` (as the node names it)
    under ``identity``, as containers/image's ``policy_reference_match.go`` decides; a claim
    that is not a reference is never accepted.

    >>> img = parse_reference("quay.io/ocp/art@sha256:" + "a" * 64)
    >>> identity_matches(SignedIdentity(), img, "quay.io/ocp/art:4.20")
    True
    >>> identity_matches(SignedIdentity(), img, "m:5000/ocp/art:4.20")
    False
    >>> identity_matches(SignedIdentity(), img, "quay.io/ocp/art")  # as cosign signs
    False
    >>> identity_matches(SignedIdentity(MATCH_REPOSITORY), img, "quay.io/ocp/art")
    True
    >>> remap = SignedIdentity(REMAP_IDENTITY, prefix="quay.io/ocp", signed_prefix="m:5000/x")
    >>> identity_matches(remap, img, "m:5000/x/art@sha256:" + "b" * 64)
    True
    """
    try:
        claim = parse_reference(signed)
    except ImageRefError:
        return False
    policy = identity.match_policy or MATCH_REPO_DIGEST_OR_EXACT
    if policy == MATCH_REPO_DIGEST_OR_EXACT:
        return _repo_digest_or_exact(image, claim)
    if policy == MATCH_REPOSITORY:
        return claim.name == image.name
    if policy == EXACT_REPOSITORY:
        try:
            return claim.name == parse_reference(identity.exact_repository).name
        except ImageRefError:
            return False
    if policy == REMAP_IDENTITY:
        prefix, signed_prefix = normal_scope(identity.prefix), normal_scope(identity.signed_prefix)
        name = image.name
        if prefix and (name == prefix or name.startswith(prefix + "/")):
            try:
                image = parse_reference(str(image).replace(prefix, signed_prefix, 1))
            except ImageRefError:
                return False
        return _repo_digest_or_exact(image, claim)
    return False


@dataclass(frozen=True)
class ImagePolicyDoc:
    """A ClusterImagePolicy (``namespace`` "") or an ImagePolicy: its scopes and root of trust
    (``key_data``: ``publicKey.keyData`` as written, base64 of a PEM public key; ``rekor``:
    whether it also names a Rekor key), and the identity its signatures must claim."""

    kind: str
    name: str
    namespace: str
    scopes: tuple[str, ...]
    policy_type: str = ""
    api_version: str = ""
    key_data: str = ""
    rekor: bool = False
    identity: SignedIdentity = SignedIdentity()

    @property
    def subject(self) -> str:
        """``clusterimagepolicy/<name>`` or ``imagepolicy/<ns>/<name>``.

        >>> ImagePolicyDoc(NAMESPACED_KIND, "p", "apps", ()).subject
        'imagepolicy/apps/p'
        """
        if self.kind == CLUSTER_KIND:
            return f"clusterimagepolicy/{self.name}"
        return f"imagepolicy/{self.namespace}/{self.name}"


def read_policy(obj: dict[str, Any], kind: str = "") -> ImagePolicyDoc:
    """The policy in a ClusterImagePolicy/ImagePolicy object (scopes that are not strings are
    left out; the API server would have refused them).

    >>> doc = {"kind": "ClusterImagePolicy", "metadata": {"name": "openshift"},
    ...        "spec": {"scopes": ["quay.io/openshift-release-dev/ocp-release"],
    ...                 "policy": {"rootOfTrust": {"policyType": "PublicKey"}}}}
    >>> read_policy(doc).subject, read_policy(doc).policy_type
    ('clusterimagepolicy/openshift', 'PublicKey')
    """
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    scopes = spec.get("scopes") or []
    policy = _mapping(spec, "policy")
    trust = _mapping(policy, "rootOfTrust")
    public = _mapping(trust, "publicKey")
    return ImagePolicyDoc(
        kind=str(obj.get("kind") or kind),
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or ""),
        scopes=tuple(str(s) for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
        policy_type=str(trust.get("policyType") or ""),
        api_version=str(obj.get("apiVersion") or ""),
        key_data=str(public.get("keyData") or ""),
        rekor=bool(public.get("rekorKeyData")),
        identity=read_identity(_mapping(policy, "signedIdentity")),
    )


def _mapping(obj: Any, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def read_identity(doc: dict[str, Any]) -> SignedIdentity:
    """``spec.policy.signedIdentity`` (``{}``: the default, MatchRepoDigestOrExact).

    >>> read_identity({"matchPolicy": "ExactRepository",
    ...                "exactRepository": {"repository": "quay.io/a/b"}}).describe()
    'ExactRepository quay.io/a/b'
    """
    exact = _mapping(doc, "exactRepository")
    remap = _mapping(doc, "remapIdentity")
    return SignedIdentity(
        str(doc.get("matchPolicy") or MATCH_REPO_DIGEST_OR_EXACT),
        str(exact.get("repository") or ""),
        str(remap.get("prefix") or ""),
        str(remap.get("signedPrefix") or ""),
    )


def covering(
    policy: ImagePolicyDoc, ref: ImageRef, cluster_policies: Iterable[ImagePolicyDoc]
) -> str | None:
    """The scope of ``policy`` that applies to ``ref``, or None: for a ClusterImagePolicy, its
    most specific matching scope when no other ClusterImagePolicy has a more specific one; for an
    ImagePolicy, its most specific matching scope when no ClusterImagePolicy covers ``ref`` at
    all (a scope nested under or equal to a ClusterImagePolicy's: the cluster policy applies).

    >>> cip = ImagePolicyDoc(CLUSTER_KIND, "a", "", ("quay.io",))
    >>> ip = ImagePolicyDoc(NAMESPACED_KIND, "b", "ns", ("quay.io/x",))
    >>> r = parse_reference("quay.io/x/y:1")
    >>> covering(cip, r, [cip]), covering(ip, r, [cip]), covering(ip, r, [])
    ('quay.io', None, 'quay.io/x')
    """
    mine = best_scope(policy.scopes, ref)
    if mine is None:
        return None
    others = [p for p in cluster_policies if p != policy]
    if policy.kind != CLUSTER_KIND:
        return None if any(best_scope(p.scopes, ref) for p in others) else mine
    rank = scope_rank(mine, ref)
    assert rank is not None
    for other in others:
        theirs = best_scope(other.scopes, ref)
        if theirs is not None and (scope_rank(theirs, ref) or 0) < rank:
            return None
    return mine
