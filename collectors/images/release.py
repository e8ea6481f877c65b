"""The release payload's ``release-manifests/image-references``: an ImageStream whose tags name
every component image (``from: {kind: DockerImage, name: quay.io/...@sha256:...}``).

>>> text = b'{"kind": "ImageStream", "apiVersion": "image.openshift.io/v1",'
>>> text += b' "metadata": {"name": "4.5.6"},'
>>> text += b' "spec": {"tags": [{"name": "cli", "from": {"kind": "DockerImage",'
>>> text += b' "name": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:'
>>> text += b"a" * 64 + b'"}}]}}'
>>> refs = parse_image_references(text, "release")
>>> refs.version, list(refs.components), refs.components["cli"].digest[:10]
('4.5.6', ['cli'], 'sha256:aaa')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference

IMAGE_REFERENCES = "release-manifests/image-references"


@dataclass(frozen=True)
class ReleaseReferences:
    """The release version (the ImageStream's name) and each component by tag name."""

    version: str
    components: dict[str, ImageRef]
    #: the Kubernetes version the release ships (``io.openshift.build.versions``), "" unknown
    kubernetes: str = ""


BUILD_VERSIONS = "io.openshift.build.versions"


def build_version(annotation: Any, component: str) -> str:
    """The version of ``component`` in an ``io.openshift.build.versions`` annotation
    (``kubernetes=1.25.4,kubectl=1.25.4``); "" when it is not named.

    >>> build_version("kubernetes=1.18.3, kubernetes-tests=1.18.3", "kubernetes")
    '1.18.3'
    """
    if not isinstance(annotation, str):
        return ""
    for part in annotation.split(","):
        key, sep, value = part.strip().partition("=")
        if sep and key.strip() == component:
            return value.strip()[:40]
    return ""


def _kubernetes(doc: dict[str, Any], tags: list[Any]) -> str:
    """The release's Kubernetes version: the ImageStream's own annotation, else the first tag
    (hyperkube, kube-apiserver ...) whose annotation names it."""
    holders = [doc.get("metadata"), *tags]
    for holder in holders:
        annotations = holder.get("annotations") if isinstance(holder, dict) else None
        if isinstance(annotations, dict):
            found = build_version(annotations.get(BUILD_VERSIONS), "kubernetes")
            if found:
                return found
    return ""


def parse_image_references(data: bytes, where: str) -> ReleaseReferences:
    """Parse image-references; InputError (naming ``where`` and the key) when it is not an
    ImageStream of DockerImage tags."""
    source = f"{where}: {IMAGE_REFERENCES}"
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            source, f"is not JSON ({exc.__class__.__name__}); not an ImageStream"
        ) from None
    if not isinstance(doc, dict) or doc.get("kind") != "ImageStream":
        kind = doc.get("kind") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(source, f"is a {kind or 'document without kind'}, not an ImageStream")
    tags = (doc.get("spec") or {}).get("tags")
    if not isinstance(tags, list):
        raise InputError(source, "has no spec.tags list", key="spec.tags")
    version = str((doc.get("metadata") or {}).get("name") or "")
    components: dict[str, ImageRef] = {}
    for i, tag in enumerate(tags):
        key = f"spec.tags[{i}]"
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            raise InputError(source, "a tag without a name", key=key)
        origin = tag.get("from") or {}
        if origin.get("kind") != "DockerImage" or not isinstance(origin.get("name"), str):
            raise InputError(
                source, f"tag {tag['name']!r} is not from a DockerImage", key=f"{key}.from"
            )
        try:
            components[tag["name"]] = parse_reference(origin["name"])
        except ImageRefError as exc:
            raise InputError(
                source, f"tag {tag['name']!r}: {exc}", key=f"{key}.from.name"
            ) from None
    return ReleaseReferences(version, components, _kubernetes(doc, tags))


# --------------------------------------------------------------------------- release metadata

RELEASE_METADATA = "release-manifests/release-metadata"


def parse_release_metadata(data: bytes, where: str) -> str:
    """The ``version`` of ``release-manifests/release-metadata`` (cincinnati-metadata-v0).

    >>> parse_release_metadata(b'{"kind": "cincinnati-metadata-v0", "version": "4.5.13"}', "r")
    '4.5.13'
    """
    source = f"{where}: {RELEASE_METADATA}"
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise InputError(source, "is not JSON") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version:
        raise InputError(source, "has no version", key="version")
    return version


def version_key(version: str) -> tuple[tuple[int, ...], int, tuple[str, ...]]:
    """A sort key for OpenShift versions: numbers first, a pre-release (``-rc.1``, ``-ec.4``)
    before its release, an OKD date suffix (``-0.okd-2023-03-04``) compared as text.

    >>> sorted(["4.10.1", "4.9.30", "4.10.0-rc.1", "4.10.0"], key=version_key)
    ['4.9.30', '4.10.0-rc.1', '4.10.0', '4.10.1']
    """
    core, _, pre = version.strip().lstrip("v").partition("-")
    numbers = []
    for part in core.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits) if digits else 0)
    okd = pre.startswith("0.okd")
    return tuple(numbers), (1 if not pre or okd else 0), tuple(pre.split("."))


# --------------------------------------------------------------------------- signatures

SIGNATURE_NAMESPACE = "openshift-config-managed"
SIGNATURE_LABEL = "release.openshift.io/verification-signatures"
_SIGNATURE_KEY = re.compile(r"^sha256-([0-9a-f]{64})(?:-([1-9][0-9]*))?$")


@dataclass(frozen=True)
class SignatureMap:
    """What one signature ConfigMap holds: release digests it signs, keys of another shape."""

    name: str
    digests: frozenset[str]
    unexpected: tuple[str, ...]


def read_signature_configmap(obj: dict[str, Any]) -> SignatureMap:
    """The digests a ``release.openshift.io/verification-signatures`` ConfigMap signs: binaryData
    keys ``sha256-<hex>-<n>`` (oc adm release mirror, oc-mirror) or ``sha256-<hex>``; any other
    key (or a signature put in ``data``) is listed as unexpected (the CVO ignores it).

    >>> cm = {"metadata": {"name": "sigs"},
    ...       "binaryData": {"sha256-" + "a" * 64 + "-1": "b3du", "sha256-xyz": "b3du"}}
    >>> s = read_signature_configmap(cm)
    >>> sorted(d[:10] for d in s.digests), s.unexpected
    (['sha256:aaa'], ('binaryData.sha256-xyz',))
    """
    name = str((obj.get("metadata") or {}).get("name", "?"))
    binary = obj.get("binaryData") or {}
    digests: set[str] = set()
    unexpected: list[str] = []
    if not isinstance(binary, dict):
        return SignatureMap(name, frozenset(), ("binaryData (not a mapping)",))
    for key, value in binary.items():
        m = _SIGNATURE_KEY.match(str(key))
        if m and isinstance(value, str) and value:
            digests.add(f"sha256:{m.group(1)}")
        else:
            unexpected.append(f"binaryData.{key}")
    for key in obj.get("data") or {}:
        unexpected.append(f"data.{key} (signatures belong in binaryData)")
    return SignatureMap(name, frozenset(digests), tuple(unexpected))


def signature_blobs(obj: dict[str, Any], digest: str) -> list[tuple[str, bytes | str]]:
    """The signatures of ``digest`` in one signature ConfigMap, as the CVO picks them: binaryData
    keys ``sha256-<hex>`` and ``sha256-<hex>-<n>``, each decoded from base64 (the API and
    must-gather YAML both carry ``[]byte`` as base64); a value that is not base64 comes back as
    the reason (a str).

    >>> cm = {"binaryData": {"sha256-" + "a" * 64 + "-1": "b3du", "sha256-" + "a" * 64 + "-2": "%"}}
    >>> [(k[-2:], v) for k, v in signature_blobs(cm, "sha256:" + "a" * 64)]
    [('-1', b'own'), ('-2', 'not base64 (Error)')]
    """
    import base64
    import binascii

    hexpart = digest.split(":", 1)[-1]
    binary = obj.get("binaryData") or {}
    if not isinstance(binary, dict):
        return []
    out: list[tuple[str, bytes | str]] = []
    for key, value in sorted(binary.items(), key=lambda kv: str(kv[0])):
        m = _SIGNATURE_KEY.match(str(key))
        if not m or m.group(1) != hexpart:
            continue
        try:
            out.append((str(key), base64.b64decode(str(value), validate=True)))
        except (binascii.Error, ValueError) as exc:
            out.append((str(key), f"not base64 ({exc.__class__.__name__})"))
    return out


#: The ConfigMap holding the keys the CVO trusts (openshift/cluster-update-keys), and the
#: annotation that marks such ConfigMaps; their ``verifier-public-key-*`` entries are keyrings.
VERIFICATION_CONFIGMAP = "release-verification"
VERIFICATION_ANNOTATION = "release.openshift.io/verification-config-map"


def trusted_keys(configmaps: list[dict[str, Any]]) -> dict[str, str | bytes]:
    """``<configmap>/<key>`` -> key data for every ``verifier-public-key-*`` entry (data or
    binaryData) of ``release-verification`` and of ConfigMaps annotated
    ``release.openshift.io/verification-config-map``.

    >>> cm = {"metadata": {"name": "release-verification"},
    ...       "data": {"verifier-public-key-redhat": "K", "store-x": "https://x"}}
    >>> trusted_keys([cm])
    {'release-verification/verifier-public-key-redhat': 'K'}
    """
    import base64
    import binascii

    out: dict[str, str | bytes] = {}
    for cm in configmaps:
        meta = cm.get("metadata") or {}
        name = str(meta.get("name", "?"))
        if name != VERIFICATION_CONFIGMAP and VERIFICATION_ANNOTATION not in (
            meta.get("annotations") or {}
        ):
            continue
        for key, value in sorted((cm.get("data") or {}).items()):
            if str(key).startswith("verifier-public-key-"):
                out[f"{name}/{key}"] = str(value)
        for key, value in sorted((cm.get("binaryData") or {}).items()):
            if str(key).startswith("verifier-public-key-"):
                try:
                    out[f"{name}/{key}"] = base64.b64decode(str(value))
                except (binascii.Error, ValueError):
                    out[f"{name}/{key}"] = b""
    return out
