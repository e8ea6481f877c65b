"""Facts gathered once per run: a value, or the FactError that stopped it, kept by key.

>>> memo = Memo()
>>> memo.get("answer", lambda: 42), memo.get("answer", lambda: 0)
(42, 42)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from collectors.errors import FactError

T = TypeVar("T")


class Memo:
    """Thread-safe; a FactError is remembered and raised again, so a dead source is asked once."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[bool, Any]] = {}
        self._lock = threading.Lock()  # guards the dicts only
        self._key_locks: dict[str, threading.RLock] = {}

    def get(self, key: str, produce: Callable[[], T]) -> T:
        """Run ``produce`` once per key; later calls return its value or re-raise its error.

        Only callers of the same key wait for each other: a slow fact holds up no other.
        """
        with self._lock:
            found = self._values.get(key)
            key_lock = self._key_locks.setdefault(key, threading.RLock())
        if found is None:
            with key_lock:
                with self._lock:
                    found = self._values.get(key)
                if found is None:
                    try:
                        found = (True, produce())
                    except FactError as exc:
                        found = (False, exc)
                    with self._lock:
                        self._values[key] = found
        ok, value = found
        if not ok:
            raise value
        return value

    def seed(self, key: str, ok: bool, value: Any) -> None:
        """Store an answer gathered elsewhere (a value, or with ``ok`` False a FactError)."""
        with self._lock:
            self._values[key] = (ok, value)

    def peek(self, key: str) -> tuple[bool, Any] | None:
        """``(ok, value or error)`` when ``key`` was gathered, else None; never gathers."""
        with self._lock:
            return self._values.get(key)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._values)
