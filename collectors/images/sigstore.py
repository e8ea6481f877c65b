"""Sigstore signatures in the mirror: for an image by digest, cosign's signature tag
``<repo>:sha256-<hex>.sig`` or an OCI 1.1 referrer (``GET /v2/<repo>/referrers/<digest>``)
whose artifact type is a sigstore signature, looked up where the mirror rules send the image.

Where a node reads a signature: containers/image reads sigstore attachments from the registry
and repository the image itself was pulled from (the mirror that served the manifest), so the
signature's repository is the image's repository and the ICSP/IDMS rule that maps the image maps
its signature too; an image whose repository no rule sends to the mirror has no signature
the node can read there.

For a PublicKey policy, :func:`weigh_signatures` reads each found tag's manifest and signature
layers (through the registry client: its credentials, caps and digest checks) and weighs them
with ``collectors.images.cosign``; referrers are found, not read.

>>> signature_tag("sha256:" + "ab" * 32)
'sha256-abababababababababababababababababababababababababababababababab.sig'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from collectors.errors import FactError, Unreachable
from collectors.images.cosign import (
    MAX_PAYLOAD_BYTES,
    MAX_SIGNATURE_LAYERS,
    NOT_COSIGN,
    SIMPLESIGNING,
    UNREADABLE,
    LayerCheck,
    weigh,
)
from collectors.images.imageref import ImageRef, parse_reference, registry_key
from collectors.images.lookup import check_images
from collectors.images.mirrors import MirrorRule, map_reference, matching_rules
from collectors.images.policy import SignedIdentity
from collectors.images.registry.manifests import _read_limited
from collectors.transport.httpbody import release

#: OCI referrers' artifact types that are sigstore signatures (cosign's, and the bundle format).
SIGNATURE_ARTIFACT_TYPES = (
    "application/vnd.dev.cosign.artifact.sig.v1+json",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
)
#: Bytes read of one referrers answer (an index of descriptors).
MAX_REFERRERS_BYTES = 1 << 20
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def signature_tag(digest: str) -> str:
    """cosign's tag for the signatures of ``digest``: ``<algorithm>-<hex>.sig``."""
    return digest.replace(":", "-", 1) + ".sig"


@dataclass(frozen=True)
class Wanted:
    """One image to find a signature for: how the cluster (or the inventory) names it, what it
    is (``release 4.20.1``, ``component etcd``), the scope covering it, and where it comes from
    upstream (for the ``oc image mirror`` fix; "" when unknown)."""

    image: ImageRef
    what: str
    scope: str = ""
    source: str = ""


@dataclass(frozen=True)
class SignatureLookup:
    """Where the signature of one image was looked for in the mirror, and what was found."""

    image: str
    what: str
    scope: str
    #: mirror repositories (registry/repository) the mirror rules send the image to
    looked_in: tuple[str, ...]
    #: the repository holding ``sha256-<hex>.sig`` ("" none), and one holding a referrer
    tag_in: str = ""
    referrer_in: str = ""
    #: the rule that maps the image's (and so its signature's) repository ("" none)
    rule: str = ""
    source: str = ""
    #: the image's repository (the signature's), as the cluster names it
    repository: str = ""
    #: the signature tag's layers weighed against the policy's key (collectors.images.cosign);
    #: () when not weighed (no PublicKey policy, a referrer, nothing found)
    checks: tuple[LayerCheck, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.tag_in or self.referrer_in)

    @property
    def unmapped(self) -> bool:
        """No mirror rule sends the image's repository (its signature's) to the mirror."""
        return not self.looked_in

    @property
    def verified(self) -> bool | None:
        """Whether one of its signatures verified (None: not weighed)."""
        return any(c.verified for c in self.checks) if self.checks else None

    @property
    def tag(self) -> str:
        digest = self.image.rsplit("@", 1)[-1] if "@" in self.image else ""
        return signature_tag(digest) if digest else ""


def mirror_repositories(ref: ImageRef, rules: list[MirrorRule], mirror_host: str) -> list[ImageRef]:
    """Where on the mirror the nodes pull ``ref`` (by digest) from: its mirrors on
    ``mirror_host``, or ``ref`` itself when it already names the mirror.

    >>> from collectors.images.imageref import parse_reference
    >>> art = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
    >>> rules = [MirrorRule(art, ("m:5000/ocp4/openshift4",))]
    >>> ref = parse_reference(f"{art}@sha256:" + "a" * 64)
    >>> [c.name for c in mirror_repositories(ref, rules, "m:5000")]
    ['m:5000/ocp4/openshift4']
    """
    host = registry_key(mirror_host)
    if ref.registry == host:
        return [ref]
    return [c for c in map_reference(ref, rules, include_source=False) if c.registry == host]


def referrer_signatures(client: Any, ref: ImageRef) -> bool | None:
    """Whether ``GET /v2/<repo>/referrers/<digest>`` lists a sigstore signature; None when the
    registry does not serve the referrers API (404) or answers with something else."""
    from collectors.images.registry.errors import RegistryError

    assert ref.digest
    try:
        resp = client.request(
            "GET",
            ref.api_host,
            f"/v2/{ref.repository}/referrers/{ref.digest}",
            repository=ref.repository,
            what=f"{ref.name} (referrers of {ref.digest[:19]})",
            headers={"Accept": OCI_INDEX},
        )
    except RegistryError as exc:
        if exc.kind == "http":  # 400, 405: no referrers API here (the tag is the way)
            return None
        raise
    try:
        if resp.status_code == 404:
            return None
        body = _read_limited(resp, MAX_REFERRERS_BYTES, f"{ref.name} (referrers)")
    finally:
        release(resp)
    try:
        doc = json.loads(body)
        manifests = doc.get("manifests") or []
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
        return None
    return any(
        isinstance(m, dict) and str(m.get("artifactType") or "") in SIGNATURE_ARTIFACT_TYPES
        for m in manifests
    )


def find_signatures(
    client: Any, wanted: Iterable[Wanted], rules: list[MirrorRule], mirror_host: str, where: str
) -> tuple[SignatureLookup, ...]:
    """Look up every wanted image's signature tag in the mirror repositories the rules send it
    to (one tag listing per repository), then an OCI referrer for those without one. Raises
    FactError naming ``where`` when the registry could not tell."""
    plans: list[tuple[Wanted, list[ImageRef], str]] = []
    for w in wanted:
        if not w.image.digest:
            raise FactError(f"{where}: {w.image} is not by digest: its signature cannot be named")
        found_at = mirror_repositories(w.image, rules, mirror_host)
        chosen = matching_rules(w.image, rules)
        plans.append((w, found_at, chosen[0].origin if chosen else ""))
    tags = {
        (c.name, w.image.digest): ImageRef(
            c.registry, c.repository, tag=signature_tag(c.digest or "")
        )
        for w, cands, _ in plans
        for c in cands
    }
    answers = check_images(client, list(tags.values())) if tags else {}
    errors = [f"{ref}: {a}" for ref, a in answers.items() if isinstance(a, FactError)]
    if errors:
        raise FactError(
            f"{where}: could not look up {len(errors)} signature tag(s): " + "; ".join(errors[:3])
        )
    without = [
        (w, c)
        for w, cands, _ in plans
        for c in cands
        if answers[tags[(c.name, w.image.digest)]] is not True
    ]
    referred: dict[tuple[str, str], bool | None] = {}
    if without:
        results = client.map(lambda wc: referrer_signatures(client, wc[1]), without)
        referred = {
            (c.name, w.image.digest or ""): r for (w, c), r in zip(without, results, strict=True)
        }
    out = []
    for w, cands, rule in plans:
        digest = w.image.digest or ""
        tag_in = next((c.name for c in cands if answers[tags[(c.name, digest)]] is True), "")
        ref_in = (
            "" if tag_in else next((c.name for c in cands if referred.get((c.name, digest))), "")
        )
        out.append(
            SignatureLookup(
                image=str(w.image),
                what=w.what,
                scope=w.scope,
                looked_in=tuple(c.name for c in cands),
                tag_in=tag_in,
                referrer_in=ref_in,
                rule=rule,
                source=w.source,
                repository=w.image.name,
            )
        )
    return tuple(out)


#: RegistryError kinds that are the mirror's answer about one signature (a manifest that is not
#: JSON, a blob it lacks or that does not hash to its digest, one too large): the signature is
#: unreadable. Any other kind (unreachable, timeout, TLS, auth, 5xx) is an error: no verdict.
ANSWERED_KINDS = ("protocol", "integrity", "http")


def _read_payload(
    client: Any, at: ImageRef, layer: dict[str, Any], index: int
) -> bytes | LayerCheck:
    """The payload bytes of one signature layer, or why they cannot be weighed."""
    from collectors.images.registry.errors import RegistryError

    digest, size = layer.get("digest"), layer.get("size")
    if not isinstance(digest, str) or not digest:
        return LayerCheck(index, UNREADABLE, "the layer names no digest")
    if isinstance(size, int) and size > MAX_PAYLOAD_BYTES:
        return LayerCheck(
            index, UNREADABLE, f"{size} bytes, more than the {MAX_PAYLOAD_BYTES} a payload may be"
        )
    try:
        with client.open_blob(at, digest, max_bytes=MAX_PAYLOAD_BYTES) as blob:
            return bytes(blob.read(MAX_PAYLOAD_BYTES + 1))
    except RegistryError as exc:
        if exc.kind in ANSWERED_KINDS and not isinstance(exc, Unreachable):
            return LayerCheck(index, UNREADABLE, str(exc)[:300])
        raise


def weigh_lookup(
    client: Any, lookup: SignatureLookup, key: Any, identity: SignedIdentity
) -> tuple[LayerCheck, ...]:
    """The signature manifest ``<tag_in>:sha256-<hex>.sig`` of one image read, and its
    signature layers (at most MAX_SIGNATURE_LAYERS, each at most MAX_PAYLOAD_BYTES) weighed
    against ``key`` until one verifies. Layers of other media types (attestations) are not
    signatures, as containers/image counts them. RegistryError when the mirror cannot tell."""
    from collectors.images.registry.errors import RegistryError

    image = parse_reference(lookup.image)
    repo = parse_reference(lookup.tag_in)
    at = ImageRef(repo.registry, repo.repository, tag=lookup.tag)
    try:
        manifest = client.get_manifest(at)
    except RegistryError as exc:
        if exc.kind in ANSWERED_KINDS and not isinstance(exc, Unreachable):
            return (LayerCheck(-1, UNREADABLE, str(exc)[:300]),)
        raise
    if manifest is None:
        return (LayerCheck(-1, UNREADABLE, f"{at}: gone since the tag was listed"),)
    layers = manifest.data.get("layers")
    if manifest.is_index or not isinstance(layers, list):
        return (LayerCheck(-1, NOT_COSIGN, f"{at}: an index or a manifest without layers"),)
    signed = [(i, la) for i, la in enumerate(layers) if isinstance(la, dict)]
    signed = [(i, la) for i, la in signed if la.get("mediaType") == SIMPLESIGNING]
    if not signed:
        types = sorted({str(la.get("mediaType"))[:80] for la in layers if isinstance(la, dict)})
        return (
            LayerCheck(
                -1,
                NOT_COSIGN,
                f"none of its {len(layers)} layers is a signature ({SIMPLESIGNING}): "
                + (", ".join(types[:3]) or "no media type"),
            ),
        )
    out: list[LayerCheck] = []
    for index, layer in signed[:MAX_SIGNATURE_LAYERS]:
        payload = _read_payload(client, at, layer, index)
        check = (
            payload
            if isinstance(payload, LayerCheck)
            else weigh(key, payload, layer.get("annotations"), image, identity, index)
        )
        out.append(check)
        if check.verified:
            return tuple(out)
    if len(signed) > MAX_SIGNATURE_LAYERS:
        out.append(
            LayerCheck(
                -1,
                UNREADABLE,
                f"{len(signed) - MAX_SIGNATURE_LAYERS} more signature layers not read (the "
                f"first {MAX_SIGNATURE_LAYERS} are)",
            )
        )
    return tuple(out)


def weigh_signatures(
    client: Any,
    lookups: Iterable[SignatureLookup],
    key: Any,
    identity: SignedIdentity,
    where: str,
) -> tuple[SignatureLookup, ...]:
    """Every lookup found by its tag, with its signatures weighed (``checks``) against ``key``;
    the others as they are. FactError naming ``where`` when the mirror could not tell."""
    items = list(lookups)
    todo = [x for x in items if x.tag_in]

    def one(x: SignatureLookup) -> tuple[LayerCheck, ...] | FactError:
        try:
            return weigh_lookup(client, x, key, identity)
        except FactError as exc:
            return exc

    results = dict(zip([id(x) for x in todo], client.map(one, todo), strict=True))
    errors = [(x, r) for x in todo if isinstance(r := results[id(x)], FactError)]
    if errors:
        shown = "; ".join(f"{x.tag_in}:{x.tag}: {e}" for x, e in errors[:3])
        raise FactError(
            f"{where}: could not read {len(errors)} signature(s) to verify: {shown}"
        ).because(errors[0][1])
    return tuple(replace(x, checks=results[id(x)]) if x.tag_in else x for x in items)
