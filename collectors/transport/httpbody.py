"""HTTP bodies read in bounded pieces: a size cap and a deadline for the whole body, so a server
that streams without end or drips one byte at a time cannot hold the run or its memory.

>>> import io
>>> class Raw(io.BytesIO):
...     def read1(self, n=-1, decode_content=True):
...         return super().read1(n)
>>> class Resp:
...     def __init__(self, body):
...         self.raw = Raw(body)
>>> read_body(Resp(b"x" * 10), cap=100, seconds=5, what="GET /v2/")
b'xxxxxxxxxx'
>>> read_body(Resp(b"x" * 10), cap=4, seconds=5, what="GET /v2/")
Traceback (most recent call last):
...
collectors.transport.httpbody.BodyError: GET /v2/: the body is larger than 4 bytes; not read...

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import time
from typing import Any

from collectors.errors import FactError


class BodyError(FactError):
    """A body over its cap (``kind`` "too_large") or not read by its deadline ("timeout")."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def read_body(
    response: Any,
    *,
    cap: int,
    seconds: float,
    what: str,
    hint: str = "a server that streams without end?",
) -> bytes:
    """The body of a ``stream=True`` response, read one socket read at a time; BodyError when
    it passes ``cap`` bytes (its message ends with ``hint``, in parentheses) or is still
    arriving after ``seconds``."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.raw.read1(1 << 16, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise BodyError(
                f"{what}: the body is larger than {cap} bytes; not read further ({hint})",
                "too_large",
            )
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise BodyError(
                f"{what}: the body was still arriving after {seconds:g}s ({size} bytes so far)",
                "timeout",
            )


def release(response: Any) -> None:
    """Done with a ``stream=True`` response: when nothing of its body is left on the wire (a
    ``HEAD``, a 304, a body read to its end) the connection goes back to the keep-alive pool;
    otherwise (a capped read stopped half-way, a body never read) it is closed, so the rest is
    never read. ``response.close()`` alone would close the connection every time, making each
    request a new TCP and TLS handshake.

    >>> class Raw:
    ...     length_remaining, released = 0, False
    ...     def read(self, n=-1):
    ...         return b""
    ...     def release_conn(self):
    ...         self.released = True
    >>> class Resp:
    ...     def __init__(self):
    ...         self.raw, self.closed = Raw(), False
    ...     def close(self):
    ...         self.closed = True
    >>> r = Resp(); release(r); (r.raw.released, r.closed)
    (True, False)
    >>> r = Resp(); r.raw.length_remaining = 10; release(r); (r.raw.released, r.closed)
    (False, True)
    """
    raw = getattr(response, "raw", None)
    done = (
        raw is not None
        and getattr(raw, "length_remaining", None) == 0
        and not getattr(raw, "chunked", False)  # a chunked 204/304 may still carry bytes
        and hasattr(raw, "release_conn")
    )
    if done:
        try:  # at most one byte: a server that says 0 and sends more is closed, never read
            leftover = raw.read(1)
        except Exception:
            leftover = b"?"
        if leftover == b"":
            raw.release_conn()
            response._content_consumed = True  # a later close() leaves the pooled conn be
            return
    response.close()
