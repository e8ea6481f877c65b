"""Sigstore signatures the way cosign (and oc-mirror v2) leave them in a registry: for an image
``<repo>@sha256:<hex>``, the tag ``<repo>:sha256-<hex>.sig`` holding an OCI manifest whose one
layer (``application/vnd.dev.cosign.simplesigning.v1+json``) is the signed "cosign container
image signature" JSON, the signature (ECDSA P-256 over it, base64) in the layer's
``dev.cosignproject.cosign/signature`` annotation. The key is one the lab makes per run.

``push_signatures(pusher, repo, images, key)`` pushes one per (reference, digest); the
ClusterImagePolicy the cluster part applies (:func:`cluster_image_policy`) carries the
public key and the scopes of the real ``openshift`` policy (tests/real/signatures/).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lab.imagebuild import OCI_CONFIG, Image, Pusher, raw_blob

SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
#: The scopes of the real ``openshift`` ClusterImagePolicy (cluster-update-keys).
OPENSHIFT_SCOPES = (
    "quay.io/openshift-release-dev/ocp-release",
    "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
    "quay.io/openshift-release-dev/ocp-v5.0-art-dev",
)


def signing_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signature_tag(digest: str) -> str:
    return digest.replace(":", "-", 1) + ".sig"


def signature_image(key: Any, reference: str, digest: str) -> Image:
    """The cosign signature manifest of ``digest`` (signed as ``reference``)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    payload = json.dumps(
        {
            "critical": {
                "identity": {"docker-reference": reference},
                "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature",
            },
            "optional": None,
        }
    ).encode()
    signature = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
    layer = raw_blob(payload)
    config = raw_blob(json.dumps({"architecture": "", "os": "", "rootfs": {}}).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config.data), "digest": config.digest},
        "layers": [
            {
                "mediaType": SIMPLESIGNING,
                "size": len(layer.data),
                "digest": layer.digest,
                "annotations": {"dev.cosignproject.cosign/signature": signature},
            }
        ],
    }
    return Image(config, [layer], json.dumps(manifest).encode(), OCI_MANIFEST)


def push_signatures(pusher: Pusher, repo: str, images: list[tuple[str, str]], key: Any) -> None:
    """Push ``<repo>:sha256-<hex>.sig`` for each (signed reference, digest)."""
    for reference, digest in images:
        pusher.image(repo, signature_image(key, reference, digest), signature_tag(digest))


def cluster_image_policy(public_key_pem: bytes, name: str = "openshift") -> dict[str, Any]:
    """A ClusterImagePolicy (config.openshift.io/v1) like the payload's ``openshift`` one,
    trusting the lab's key."""
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterImagePolicy",
        "metadata": {"name": name},
        "spec": {
            "scopes": list(OPENSHIFT_SCOPES),
            "policy": {
                "rootOfTrust": {
                    "policyType": "PublicKey",
                    "publicKey": {"keyData": base64.b64encode(public_key_pem).decode()},
                }
            },
        },
    }
