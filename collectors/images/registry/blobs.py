"""Blobs: a download into a temporary file under a deadline and a size cap, verified against its
digest, and a file read out of an image's layers.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import tempfile
import time
from typing import IO

from collectors import settings
from collectors.images.imageref import ImageRef
from collectors.images.layers import LayerError, find_in_tar
from collectors.images.registry.digests import hasher as digest_hasher
from collectors.images.registry.errors import RegistryError
from collectors.transport.httpbody import release

_CHUNK = 1024 * 1024


class BlobsMixin:
    """The blob calls of :class:`~collectors.images.registry.client.RegistryClient`; they use its
    ``request``, ``image_manifest`` and ``_as_ref``."""

    def open_blob(
        self,
        ref: ImageRef | str,
        digest: str,
        *,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> IO[bytes]:
        """Download a blob into a temporary file, verifying its digest; returns the file at 0.

        The whole download must finish within ``deadline`` seconds (settings.HTTP_TOTAL_TIMEOUT)
        and stay under ``max_bytes`` (settings.BLOB_MAX_BYTES): each read returns what has arrived,
        so a server dripping bytes is cut off too.
        """
        import requests
        import urllib3

        ref = self._as_ref(ref)
        limit = max_bytes if max_bytes is not None else settings.BLOB_MAX_BYTES
        budget = deadline if deadline is not None else settings.HTTP_TOTAL_TIMEOUT
        what = f"{ref.name}@{digest} (blob)"
        hasher = digest_hasher(digest, what)  # before asking: a blob we cannot check is not read
        started = time.monotonic()
        resp = self.request(
            "GET",
            ref.api_host,
            f"/v2/{ref.repository}/blobs/{digest}",
            repository=ref.repository,
            what=what,
            stream=True,
        )
        out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - returned
        try:
            if resp.status_code == 404:
                raise RegistryError(
                    f"{what}: HTTP 404 (the manifest names a blob the registry lacks)",
                    kind="http",
                    status=404,
                )
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise RegistryError(
                    f"{what}: {declared} bytes, larger than the {limit} allowed "
                    "(UPI_BLOB_MAX_BYTES)",
                    kind="protocol",
                )
            total = 0
            try:
                while True:
                    if time.monotonic() - started > budget:
                        raise RegistryError(
                            f"{what}: download not finished within {budget:g}s after {total} "
                            "bytes (UPI_HTTP_TOTAL_TIMEOUT)",
                            kind="timeout",
                        )
                    chunk = resp.raw.read1(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        raise RegistryError(
                            f"{what}: larger than the {limit} bytes allowed (UPI_BLOB_MAX_BYTES)",
                            kind="protocol",
                        )
                    hasher.update(chunk)
                    out.write(chunk)
            except (
                requests.exceptions.RequestException,
                urllib3.exceptions.HTTPError,
                OSError,
            ) as exc:
                raise RegistryError(
                    f"{what}: download broke off ({type(exc).__name__})", kind="timeout"
                ) from None
        except BaseException:
            out.close()
            raise
        finally:
            release(resp)
        got = f"{digest.partition(':')[0]}:{hasher.hexdigest()}"
        if got != digest:
            out.close()
            raise RegistryError(
                f"{what}: content hashes to {got}, not to its digest", kind="integrity"
            )
        out.seek(0)
        return out

    def read_file(self, ref: ImageRef | str, path: str) -> bytes | None:
        """A file's bytes from the image's layers (top layer first), or None if no layer has it.

        Layers must be tar archives, gzip-compressed or not; anything else raises RegistryError.
        """
        ref = self._as_ref(ref)
        manifest = self.image_manifest(ref)
        if manifest is None:
            return None
        wanted = path.strip("/")
        layers = manifest.layers
        if not layers:
            raise RegistryError(f"{ref}: the manifest has no layers", kind="protocol")
        for layer in reversed(layers):
            digest = str(layer.get("digest", ""))
            with self.open_blob(ref, digest) as blob:
                try:
                    found = find_in_tar(blob, wanted, f"{ref.name}@{digest} (layer of {ref})")
                except LayerError as exc:
                    raise RegistryError(str(exc), kind="protocol") from None
            if found is not None:
                return found
        return None
