"""Local input files (inventory, auth file, install-config, CA file) read whole, but bounded:
only a regular file (never a fifo or a device, which would hang or never end), at most
``settings.LOCAL_FILE_MAX_BYTES``, errors naming the file.

>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
...     _ = f.write("cluster: {}\\n")
>>> read_text(f.name); os.unlink(f.name)
'cluster: {}\\n'
>>> read_text("/dev/zero")
Traceback (most recent call last):
...
collectors.errors.InputError: /dev/zero: cannot read: not a regular file (a device)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from collectors import settings
from collectors.errors import InputError


def _kind(mode: int) -> str:
    """What a non-regular file is, for the message.

    >>> _kind(stat.S_IFIFO), _kind(stat.S_IFDIR)
    ('a fifo', 'a folder')
    """
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a fifo"), (stat.S_ISCHR, "a device"),
             (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "not a file")


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading in binary if it is a regular file; InputError naming it when
    it is missing or not a regular file. A fifo, a device or a folder is refused from its
    ``stat`` without being opened; the open itself is non-blocking and checked to be the file
    that was stat'ed, so a fifo swapped in meanwhile cannot hang it either."""
    try:
        before = os.stat(path)
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(before.st_mode):
        raise InputError(str(path), f"cannot read: not a regular file ({_kind(before.st_mode)})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    handle = os.fdopen(fd, "rb")
    now = os.fstat(fd)
    if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
        handle.close()
        raise InputError(str(path), "cannot read: not a regular file (it changed while opened)")
    return handle


def read_bytes(path: str | Path, cap: int | None = None) -> bytes:
    """The file's bytes; InputError naming it when it is missing, not a regular file, or over
    ``cap`` (default settings.LOCAL_FILE_MAX_BYTES)."""
    cap = settings.LOCAL_FILE_MAX_BYTES if cap is None else cap
    with open_regular(path) as handle:
        data = read_capped(handle, cap)
    if len(data) > cap:
        raise InputError(
            str(path),
            f"larger than the {cap} bytes read from a local file "
            "(raise UPI_LOCAL_FILE_MAX_BYTES to read it)",
        )
    return data


#: What one read asks for beyond the file's size when it grows while read.
CHUNK_BYTES = 1 << 20


def read_capped(handle: BinaryIO, cap: int) -> bytes:
    """At most ``cap + 1`` bytes of ``handle``, read by its size then in chunks, so a small file
    never costs a cap-sized buffer (``read(cap + 1)`` allocates all of it first).

    >>> import io
    >>> read_capped(io.BytesIO(b"abcdef"), 3), read_capped(io.BytesIO(b"ab"), 3)
    (b'abcd', b'ab')
    """
    try:
        size = os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, ValueError):  # not a file (a test's BytesIO)
        size = 0
    chunks: list[bytes] = []
    total, want = 0, min(size, cap) + 1
    while total <= cap:
        chunk = handle.read(min(want, cap + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = CHUNK_BYTES
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_text(path: str | Path, cap: int | None = None, errors: str = "strict") -> str:
    """The file as UTF-8 text (``errors`` as for ``bytes.decode``); see :func:`read_bytes`."""
    data = read_bytes(path, cap)
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"cannot read: not UTF-8 text ({exc.reason})") from None
