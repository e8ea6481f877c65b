"""Read one file out of an image layer: a tar archive, gzip-compressed or not, honouring a
whiteout (``.wh.<name>``) that deletes it.

>>> import io, tarfile
>>> buf = io.BytesIO()
>>> with tarfile.open(fileobj=buf, mode="w") as tar:
...     info = tarfile.TarInfo("release-manifests/x"); info.size = 2
...     tar.addfile(info, io.BytesIO(b"hi"))
>>> _ = buf.seek(0)
>>> find_in_tar(buf, "release-manifests/x", "layer")
b'hi'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import gzip
import tarfile
import zlib
from typing import IO

from collectors.errors import FactError


class LayerError(FactError):
    """A layer that is not a (gzip) tar archive; the message names the layer."""


def find_in_tar(blob: IO[bytes], wanted: str, what: str) -> bytes | None:
    """The member ``wanted`` of a (gzip) tar layer; None if absent (or whited out)."""
    head = blob.read(2)
    blob.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=blob, mode="rb") if head == b"\x1f\x8b" else blob
    wanted = wanted.strip("/")
    parent, _, base = wanted.rpartition("/")
    whiteout = f"{parent}/.wh.{base}" if parent else f".wh.{base}"
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                name = member.name.removeprefix("./").lstrip("/")
                if name == whiteout:
                    return None
                if name == wanted and member.isfile():
                    extracted = tar.extractfile(member)
                    return extracted.read() if extracted else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        kind = "gzip" if head == b"\x1f\x8b" else "tar"
        raise LayerError(f"{what}: not a {kind} archive ({exc})") from None
    finally:
        if stream is not blob:
            with contextlib.suppress(Exception):
                stream.close()
    return None
