"""Which strings were seen already, in memory that does not grow with their number: what names
each image of an oc-mirror v2 workspace once (mirror.operators), the one thing that check must
remember per image.

Each string is kept as an 8-byte hash (blake2b). The first :data:`SLOTS` * 2/3 hashes (87,381:
more images than the largest catalogs name) go into an open-addressing table made at its full
size (``array('Q')``, 1 MiB), so memory is the same for 5,000 images and for 80,000; past that
the hashes go to a private temporary SQLite file with a page cache of :data:`SPILL_CACHE_KIB`,
which the OS deletes when it is closed. Memory stays flat whatever the catalog's size; only the
file grows (about 20 bytes an image).

Two different strings share a hash with odds of about n^2 / 2^65 (1 in 5 billion for 80,000
images); the second would be taken as seen.

>>> seen = Seen(slots=4)                   # room for 2 in memory, the rest spills to the file
>>> [seen.first(s) for s in ("a", "b", "a", "c", "b", "c", "d")]
[True, True, False, True, False, False, True]
>>> len(seen), seen.spilled
(4, 2)
>>> seen.close()

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
from array import array
from typing import Any

from collectors.errors import FactError

#: Slots of the in-memory table, a power of two (8 bytes each), filled to two thirds at most.
SLOTS = 1 << 17
#: The page cache of the spill file, in KiB: what the file costs in memory, whatever its size.
SPILL_CACHE_KIB = 256
_SIGN = 1 << 63


class Seen:
    """A set of strings kept as 64-bit hashes: a fixed table (0 marks a free slot; a hash of 0
    is stored as 1), then a spill file. ``close()`` (or ``with``) deletes the file."""

    __slots__ = ("_count", "_limit", "_mask", "_spill", "_table", "spilled")

    def __init__(self, slots: int = SLOTS) -> None:
        if slots < 2 or slots & (slots - 1):
            raise ValueError(f"slots must be a power of two of at least 2, not {slots}")
        self._table = array("Q", [0]) * slots
        self._mask = slots - 1
        self._limit = slots * 2 // 3
        self._count = 0
        self._spill: Any = None
        self.spilled = 0

    def __len__(self) -> int:
        return self._count + self.spilled

    def __enter__(self) -> Seen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def first(self, text: str) -> bool:
        """True the first time ``text`` is given (and remember it), False after."""
        h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") or 1
        table, mask = self._table, self._mask
        i = h & mask
        while (v := table[i]) != 0:
            if v == h:
                return False
            i = (i + 1) & mask
        if self._count < self._limit:
            table[i] = h
            self._count += 1
            return True
        return self._first_spilled(h)

    def _first_spilled(self, h: int) -> bool:
        import sqlite3

        try:
            if self._spill is None:
                self._spill = _open_spill()
            cursor = self._spill.execute("INSERT OR IGNORE INTO seen VALUES (?)", (h - _SIGN,))
        except sqlite3.Error as exc:
            import tempfile

            raise FactError(
                f"more than {self._limit:,} images to name once: the temporary file that keeps "
                f"the rest cannot be written in {tempfile.gettempdir()} ({exc}); free space there "
                "or set TMPDIR to a folder that has some"
            ) from None
        if cursor.rowcount != 1:
            return False
        self.spilled += 1
        return True

    def close(self) -> None:
        """Delete the spill file (if there is one); what was seen is forgotten."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None


def _open_spill() -> Any:
    """A private temporary SQLite database: a file in the temporary folder that only this
    connection sees and that is gone when it closes (SQLite's empty file name)."""
    import sqlite3

    db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
    for pragma in (
        f"cache_size = -{SPILL_CACHE_KIB}",
        "temp_store = FILE",
        "journal_mode = OFF",
        "synchronous = OFF",
    ):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE seen (h INTEGER PRIMARY KEY) WITHOUT ROWID")
    db.execute("BEGIN")  # one transaction for its life: nothing is ever committed
    return db
