"""RFC 2397 data URLs as Ignition writes them: base64, percent-encoded, and gzip-compressed.

>>> decode_data_url("data:,hello%20world")
b'hello world'
>>> decode_data_url("data:text/plain;charset=utf-8;base64,aGk=")
b'hi'
>>> decode_contents(encode_data_url(b"abc", form="gzip"), "gzip")
b'abc'
>>> try:
...     decode_data_url("data:;base64,a")
... except DataUrlError as e:
...     print(e)
bad base64 payload (1 character(s) past the last full group)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from urllib.parse import quote_from_bytes, unquote_to_bytes

#: The encodings :func:`encode_data_url` can produce (the ones Ignition configs carry).
FORMS = ("base64", "percent", "gzip")
_SPACE = re.compile(r"\s+")


class DataUrlError(ValueError):
    """A data URL (or its compression) that cannot be decoded; the message says why."""


def is_data_url(source: object) -> bool:
    """Whether ``source`` is a ``data:`` URL (the scheme is case-insensitive)."""
    return isinstance(source, str) and source[:5].lower() == "data:"


def decode_data_url(url: str) -> bytes:
    """The bytes a data URL carries; :class:`DataUrlError` if it is not one or does not decode."""
    if not is_data_url(url):
        raise DataUrlError("not a data: URL")
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise DataUrlError("no ',' between the media type and the data")
    params = [p.strip().lower() for p in header.split(";")]
    raw = unquote_to_bytes(payload)
    if params[-1] != "base64":
        return raw
    text = _SPACE.sub("", raw.decode("ascii", errors="replace"))
    extra = len(text.rstrip("=")) % 4
    if extra == 1:
        raise DataUrlError("bad base64 payload (1 character(s) past the last full group)")
    text = text.rstrip("=") + "=" * ((4 - extra) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DataUrlError(f"bad base64 payload ({exc})") from None


def decompress(data: bytes, compression: str | None) -> bytes:
    """Undo Ignition's ``contents.compression`` (``gzip``, or none)."""
    if not compression:
        return data
    if compression != "gzip":
        raise DataUrlError(f"unsupported compression {compression!r} (Ignition knows gzip)")
    try:
        return gzip.decompress(data)
    except EOFError:
        reason = "truncated"
    except zlib.error:
        reason = "corrupt deflate stream"
    except OSError:
        reason = "no gzip header"  # the exception text would quote content bytes
    raise DataUrlError(f"compression is gzip but the data does not gunzip ({reason})")


def decode_contents(source: str, compression: str | None = None) -> bytes:
    """A file's bytes from its ``contents.source`` data URL and ``contents.compression``."""
    return decompress(decode_data_url(source), compression)


def encode_data_url(
    data: bytes, form: str = "base64", mediatype: str = "text/plain;charset=utf-8"
) -> str:
    """A data URL for ``data``: ``base64``, ``percent`` (no base64) or ``gzip`` (base64 of gzip).

    >>> encode_data_url(b"a b", form="percent")
    'data:text/plain;charset=utf-8,a%20b'
    """
    if form == "percent":
        return f"data:{mediatype},{quote_from_bytes(data, safe='')}"
    if form == "gzip":
        data = gzip.compress(data, mtime=0)
        mediatype = ""
    elif form != "base64":
        raise ValueError(f"unknown form {form!r}; one of {', '.join(FORMS)}")
    return f"data:{mediatype};base64,{base64.b64encode(data).decode()}"
