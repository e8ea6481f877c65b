"""Cosign signatures weighed against a policy's public key, as containers/image (CRI-O) weighs
them for a ClusterImagePolicy/ImagePolicy whose root of trust is ``PublicKey``; pure, no I/O.

A signature (one layer of ``<repo>:sha256-<hex>.sig``, media type
``application/vnd.dev.cosign.simplesigning.v1+json``) is the payload, a "cosign container image
signature" JSON document naming the image's digest (``critical.image.docker-manifest-digest``)
and the identity it was signed as (``critical.identity.docker-reference``), with its signature,
base64, in the layer's ``dev.cosignproject.cosign/signature`` annotation, made over the exact
payload bytes with SHA-256 (ECDSA, RSA PKCS#1 v1.5) or Ed25519. The key is
``spec.policy.rootOfTrust.publicKey.keyData``: base64 of a PEM public key.

A node accepts the image when one signature verifies with the key, its payload is that type and
names the image's digest, and its identity passes ``spec.policy.signedIdentity``
(``collectors.images.policy.identity_matches``). Not weighed here: a Rekor SET
(``rekorKeyData``), Fulcio certificates (``FulcioCAWithRekor``) and BYO PKI (``PKI``).

>>> from collectors.images.imageref import parse_reference
>>> weigh(None, b"[]", {}, parse_reference("q.io/a@sha256:" + "a" * 64), SignedIdentity()).outcome
'not-cosign'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError
from collectors.images.imageref import ImageRef
from collectors.images.policy import SignedIdentity, identity_matches

COSIGN_TYPE = "cosign container image signature"
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
#: Bytes read of one signature payload (a payload is a few hundred bytes).
MAX_PAYLOAD_BYTES = 64 * 1024
#: Signature layers weighed per image (cosign appends one per signing).
MAX_SIGNATURE_LAYERS = 16
#: Characters of a signature annotation read (an RSA-16384 signature is under 3000 in base64).
MAX_SIGNATURE_CHARS = 8192
#: keyData characters read (openshift/api caps it at 8192).
MAX_KEY_CHARS = 8192

#: What one signature layer comes to.
VERIFIED = "verified"
OTHER_KEY = "other-key"
OTHER_DIGEST = "other-digest"
OTHER_IDENTITY = "other-identity"
NOT_COSIGN = "not-cosign"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class CosignPayload:
    """What a payload claims: the image's digest and the identity it was signed as."""

    digest: str
    reference: str


@dataclass(frozen=True)
class LayerCheck:
    """One layer of a signature manifest weighed: its index (-1: the manifest itself), its
    outcome (``VERIFIED`` ... ``UNREADABLE``) and what it says, in words."""

    layer: int
    outcome: str
    detail: str = ""

    @property
    def verified(self) -> bool:
        return self.outcome == VERIFIED


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _exact(obj: Any, fields: tuple[str, ...], key: str, where: str) -> dict[str, Any]:
    """``obj`` as an object with exactly ``fields`` (containers/image's ``ExactFields``)."""
    if not isinstance(obj, dict):
        raise InputError(where, f"{key or 'the payload'} is not a JSON object", key=key)
    if set(obj) != set(fields):
        got = ", ".join(sorted(str(k)[:40] for k in obj)[:8]) or "none"
        raise InputError(
            where, f"fields {got}, not exactly {', '.join(fields)}", key=key or "(top level)"
        )
    return obj


def parse_payload(data: bytes, where: str) -> CosignPayload:
    """The claim of a cosign signature payload, read as strictly as containers/image reads it
    (``UntrustedSigstorePayload``: exactly ``critical`` and ``optional``; ``critical`` exactly
    ``type``, ``image``, ``identity``; no duplicate key); InputError naming ``where`` and the
    key otherwise, and for more than :data:`MAX_PAYLOAD_BYTES`.

    >>> parse_payload(b'{"critical": {"type": "cosign container image signature",'
    ...     b' "image": {"docker-manifest-digest": "sha256:ab"},'
    ...     b' "identity": {"docker-reference": "quay.io/x:1"}}, "optional": null}', "s").digest
    'sha256:ab'
    >>> parse_payload(b"\\x89PNG", "layer 0")
    Traceback (most recent call last):
    ...
    collectors.errors.InputError: layer 0: not JSON (UnicodeDecodeError)
    """
    if len(data) > MAX_PAYLOAD_BYTES:
        raise InputError(where, f"{len(data)} bytes, more than the {MAX_PAYLOAD_BYTES} read")
    try:
        doc = json.loads(data, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        why = "a key appears twice" if str(exc) == "duplicate key" else exc.__class__.__name__
        raise InputError(where, f"not JSON ({why})") from None
    top = _exact(doc, ("critical", "optional"), "", where)
    if top["optional"] is not None and not isinstance(top["optional"], dict):
        raise InputError(where, "is neither an object nor null", key="optional")
    critical = _exact(top["critical"], ("type", "image", "identity"), "critical", where)
    if critical["type"] != COSIGN_TYPE:
        found = str(critical["type"])[:80]
        raise InputError(where, f"type {found!r}, not {COSIGN_TYPE!r}", key="critical.type")
    image = _exact(critical["image"], ("docker-manifest-digest",), "critical.image", where)
    digest = image["docker-manifest-digest"]
    if not isinstance(digest, str) or ":" not in digest:
        raise InputError(where, "is not a digest", key="critical.image.docker-manifest-digest")
    identity = _exact(critical["identity"], ("docker-reference",), "critical.identity", where)
    reference = identity["docker-reference"]
    if not isinstance(reference, str):
        raise InputError(where, "is not a string", key="critical.identity.docker-reference")
    return CosignPayload(digest, reference)


def load_key(key_data: str, where: str) -> tuple[Any, str]:
    """The public key in ``keyData`` (base64 of a PEM ``PUBLIC KEY`` or ``RSA PUBLIC KEY``) and
    a description (type, size, SHA-256 of its DER); InputError naming ``where`` when it is
    not base64, not a PEM public key, or a type sigstore does not verify (ECDSA, RSA, Ed25519).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    text = "".join(str(key_data).split())
    if not text:
        raise InputError(where, "empty: the policy names no key")
    if len(text) > MAX_KEY_CHARS:
        raise InputError(where, f"{len(text)} characters, more than the {MAX_KEY_CHARS} allowed")
    try:
        pem = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(where, "not base64 (it holds the base64 of a PEM public key)") from None
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        shown = "a PEM block" if b"-----BEGIN" in pem else f"{len(pem)} bytes without a PEM block"
        raise InputError(
            where, f"not a PEM public key ({shown}; {str(exc).split('.')[0][:120]})"
        ) from None
    except Exception as exc:  # cryptography's own errors on odd key material
        raise InputError(where, f"not a usable public key ({exc.__class__.__name__})") from None
    if isinstance(key, ec.EllipticCurvePublicKey):
        kind = f"ECDSA {key.curve.name}"
    elif isinstance(key, rsa.RSAPublicKey):
        kind = f"RSA {key.key_size}"
    elif isinstance(key, ed25519.Ed25519PublicKey):
        kind = "Ed25519"
    else:
        name = type(key).__name__.removesuffix("PublicKey").lstrip("_") or "unknown"
        raise InputError(where, f"a {name} key: sigstore verifies ECDSA, RSA and Ed25519 keys only")
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, f"{kind} key sha256:{hashlib.sha256(der).hexdigest()[:16]}"


def verifies(key: Any, payload: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` (the annotation) is ``key``'s signature over ``payload``: ECDSA
    and RSA (PKCS#1 v1.5) over SHA-256, Ed25519 pure, as sigstore's ``LoadVerifier`` with
    SHA-256; InputError when the annotation is not base64 or too long."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    if len(signature_b64) > MAX_SIGNATURE_CHARS:
        raise InputError(
            SIGNATURE_ANNOTATION,
            f"{len(signature_b64)} characters, more than {MAX_SIGNATURE_CHARS}",
        )
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(SIGNATURE_ANNOTATION, "not base64") from None
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, payload)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def weigh(
    key: Any,
    payload: bytes,
    annotations: Any,
    image: ImageRef,
    identity: SignedIdentity,
    layer: int = 0,
) -> LayerCheck:
    """One signature layer against the policy: its payload, then its signature with ``key``,
    then the digest it names against ``image``'s, then the identity it claims.

    >>> from collectors.images.imageref import parse_reference
    >>> weigh(None, b"{}", {SIGNATURE_ANNOTATION: "bm9wZQ=="}, parse_reference("q.io/a@sha256:"
    ...       + "a" * 64), SignedIdentity()).detail
    'not a cosign container image signature: fields none, not exactly critical, optional'
    """
    try:
        claim = parse_payload(payload, f"layer {layer}")
    except InputError as exc:
        detail = f"{exc.key + ': ' if exc.key and exc.key != '(top level)' else ''}{exc.reason}"
        return LayerCheck(layer, NOT_COSIGN, f"not a {COSIGN_TYPE}: {detail}")
    annotations = annotations if isinstance(annotations, dict) else {}
    signature = annotations.get(SIGNATURE_ANNOTATION)
    if not isinstance(signature, str) or not signature:
        return LayerCheck(layer, UNREADABLE, f"no {SIGNATURE_ANNOTATION} annotation")
    try:
        good = verifies(key, payload, signature)
    except InputError as exc:
        return LayerCheck(
            layer, UNREADABLE, f"the {SIGNATURE_ANNOTATION} annotation is {exc.reason}"
        )
    if not good:
        return LayerCheck(
            layer, OTHER_KEY, "signed by another key (it does not verify with the policy's key)"
        )
    if claim.digest != image.digest:
        return LayerCheck(
            layer, OTHER_DIGEST, f"signed for {claim.digest[:80]}, not {image.digest}"
        )
    if not identity_matches(identity, image, claim.reference):
        return LayerCheck(
            layer,
            OTHER_IDENTITY,
            f"signed as {claim.reference[:200]!r}, which signedIdentity {identity.describe()} "
            f"does not accept for {image.name}",
        )
    return LayerCheck(layer, VERIFIED, f"verified, signed as {claim.reference[:200]}")
