"""Manifests: the media types asked for, ``HEAD`` (is it there?) one or many references at once,
``GET`` with a size cap and the digest verified (by digest: the one asked for; by tag: the
``Docker-Content-Digest`` header), and a manifest list followed to one platform.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from collectors import settings
from collectors.errors import FactError
from collectors.images.imageref import ImageRef
from collectors.images.registry.digests import digest_of, matches
from collectors.images.registry.errors import RegistryError
from collectors.transport.httpbody import BodyError, read_body, release

if TYPE_CHECKING:
    import requests

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_TYPES = (DOCKER_LIST, OCI_INDEX)
IMAGE_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))

#: Largest manifest read (a manifest is a few kB; a list of hundreds stays far below this).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    """A manifest as served: media type, digest (verified against the bytes), parsed JSON."""

    ref: ImageRef
    media_type: str
    digest: str
    data: dict[str, Any] = field(repr=False)

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES or "manifests" in self.data

    @property
    def layers(self) -> list[dict[str, Any]]:
        return list(self.data.get("layers") or [])


def verified_digest(ref: ImageRef, body: bytes, header: str) -> str:
    """The digest of the manifest ``body`` served for ``ref``, checked: asked by digest, the
    body must hash to it; asked by tag, to the ``Docker-Content-Digest`` ``header`` when the
    registry sent one. A mismatch is a RegistryError (kind ``integrity``) naming ``ref``.

    >>> from collectors.images.imageref import parse_reference
    >>> verified_digest(parse_reference("m:5000/a/b:v1"), b"{}", "")
    'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    >>> verified_digest(parse_reference("m:5000/a/b:v1"), b"{}", "sha256:" + "0" * 64)
    Traceback (most recent call last):
    ...
    collectors.images.registry.errors.RegistryError: m:5000/a/b:v1: the manifest served hashes \
to sha256:4413...8a, not to sha256:0000...0000 (the Docker-Content-Digest header sent with it); \
not used
    """
    if ref.digest:
        expected, source = ref.digest, "the digest asked for"
    elif header.strip():
        expected, source = header.strip(), "the Docker-Content-Digest header sent with it"
    else:
        return digest_of(body)
    if not matches(expected, body, str(ref)):
        got = digest_of(body, expected.partition(":")[0])
        raise RegistryError(
            f"{ref}: the manifest served hashes to {got}, not to {expected} ({source}); not used",
            kind="integrity",
        )
    return expected


def _read_limited(resp: requests.Response, limit: int, what: str) -> bytes:
    """The manifest body: at most ``limit`` bytes, within settings.HTTP_TOTAL_TIMEOUT."""
    import requests
    import urllib3

    try:
        return read_body(
            resp, cap=limit, seconds=settings.HTTP_TOTAL_TIMEOUT, what=f"{what}: manifest"
        )
    except BodyError as exc:
        kind = "protocol" if exc.kind == "too_large" else "timeout"
        raise RegistryError(str(exc), kind=kind) from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise RegistryError(
            f"{what}: reading the manifest broke off ({type(exc).__name__})", kind="timeout"
        ) from None


class ManifestsMixin:
    """The manifest calls of :class:`~collectors.images.registry.client.RegistryClient`; they use
    its ``request``, ``map`` and ``_as_ref``."""

    def head_manifest(self, ref: ImageRef | str) -> tuple[str, str] | None:
        """(media type, digest) of the manifest, or None when the registry says 404."""
        ref = self._as_ref(ref)
        resp = self.request(
            "HEAD",
            ref.api_host,
            f"/v2/{ref.repository}/manifests/{ref.reference}",
            repository=ref.repository,
            what=str(ref),
            headers={"Accept": ACCEPT},
        )
        release(resp)
        if resp.status_code == 404:
            return None
        # asked by digest, a 200 confirms that digest; by tag, the header is the registry's
        # word (no bytes to check it against: get_manifest checks them)
        return resp.headers.get("Content-Type", ""), ref.digest or resp.headers.get(
            "Docker-Content-Digest", ""
        )

    def has_manifest(self, ref: ImageRef | str) -> bool:
        """Whether the registry has the manifest; raises RegistryError when it cannot tell."""
        return self.head_manifest(ref) is not None

    def has_manifests(self, refs: Iterable[ImageRef | str]) -> dict[ImageRef, bool | FactError]:
        """``has_manifest`` for many references at once, at most ``max_workers`` in flight."""
        parsed = list(dict.fromkeys(self._as_ref(r) for r in refs))

        def one(r: ImageRef) -> bool | FactError:
            try:
                return self.has_manifest(r)
            except FactError as exc:
                return exc

        return dict(zip(parsed, self.map(one, parsed), strict=True))

    def get_manifest(self, ref: ImageRef | str) -> Manifest | None:
        """The manifest (any media type), parsed; None on 404. A manifest asked for by digest
        must hash to it."""
        ref = self._as_ref(ref)
        resp = self.request(
            "GET",
            ref.api_host,
            f"/v2/{ref.repository}/manifests/{ref.reference}",
            repository=ref.repository,
            what=str(ref),
            headers={"Accept": ACCEPT},
            stream=True,
        )
        try:
            if resp.status_code == 404:
                return None
            body = _read_limited(resp, MAX_MANIFEST_BYTES, str(ref))
        finally:
            release(resp)
        media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        digest = verified_digest(ref, body, resp.headers.get("Docker-Content-Digest", ""))
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise RegistryError(
                f"{ref}: the manifest is not JSON (Content-Type {media or 'none'}, "
                f"{len(body)} bytes)",
                kind="protocol",
            ) from None
        if not isinstance(data, dict):
            raise RegistryError(f"{ref}: the manifest is JSON but not an object", kind="protocol")
        media = data.get("mediaType") or media
        if data.get("schemaVersion") == 1:
            raise RegistryError(
                f"{ref}: schema 1 manifest (unsupported; re-push it as schema 2)", kind="protocol"
            )
        return Manifest(ref, media, digest, data)

    def image_manifest(
        self, ref: ImageRef | str, platform: tuple[str, str] = ("linux", "amd64")
    ) -> Manifest | None:
        """The single-image manifest for ``ref``, following a manifest list / index to the entry
        for ``platform`` (else its first entry). None when ``ref`` itself is missing."""
        ref = self._as_ref(ref)
        manifest = self.get_manifest(ref)
        if manifest is None or not manifest.is_index:
            return manifest
        entries = manifest.data.get("manifests") or []
        if not entries:
            raise RegistryError(f"{ref}: the manifest list is empty", kind="protocol")
        pick = next(
            (
                m
                for m in entries
                if (m.get("platform") or {}).get("os") == platform[0]
                and (m.get("platform") or {}).get("architecture") == platform[1]
            ),
            entries[0],
        )
        child = ref.with_digest(str(pick.get("digest", "")))
        inner = self.get_manifest(child)
        if inner is None:
            raise RegistryError(
                f"{ref}: its manifest list names {child.digest}, which the registry lacks",
                kind="protocol",
            )
        return inner
