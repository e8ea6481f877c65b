"""Which strings were seen already, in about 12 bytes each: an 8-byte hash (blake2b) per string in
an open-addressing table (``array('Q')``, at most two thirds full), where a ``set`` of the same
hashes costs about 90 bytes a string. What names each image of an oc-mirror v2 workspace once
(mirror.operators): the one thing that check must remember per image.

Two different strings share a hash with odds of about n^2 / 2^65 (1 in 5 billion for 80,000
images); the second would be taken as seen.

>>> seen = Seen()
>>> [seen.first(s) for s in ("a", "b", "a", "c", "b")]
[True, True, False, True, False]
>>> len(seen)
3

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
from array import array

_START = 1024  # slots, a power of two


class Seen:
    """A set of strings kept as 64-bit hashes (0 marks a free slot; a hash of 0 is stored as 1)."""

    __slots__ = ("_count", "_mask", "_table")

    def __init__(self) -> None:
        self._table = array("Q", bytes(8 * _START))
        self._mask = _START - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def first(self, text: str) -> bool:
        """True the first time ``text`` is given (and remember it), False after."""
        h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") or 1
        table, mask = self._table, self._mask
        i = h & mask
        while (v := table[i]) != 0:
            if v == h:
                return False
            i = (i + 1) & mask
        table[i] = h
        self._count += 1
        if self._count * 3 > len(table) * 2:
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._table
        table = array("Q", bytes(16 * len(old)))
        mask = len(table) - 1
        for h in old:
            if h:
                i = h & mask
                while table[i]:
                    i = (i + 1) & mask
                table[i] = h
        self._table, self._mask = table, mask
