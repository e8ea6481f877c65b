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
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from collectors.errors import InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference

IMAGE_REFERENCES = "release-manifests/image-references"


@dataclass(frozen=True)
class ReleaseReferences:
    """The release version (the ImageStream's name) and each component by tag name."""

    version: str
    components: dict[str, ImageRef]


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
    return ReleaseReferences(version, components)
