"""The per-run fact cache: once per key, errors remembered, slow keys do not block others."""

from __future__ import annotations

import threading
import time

import pytest

from collectors.errors import FactError
from collectors.memo import Memo


def test_value_and_error_are_kept() -> None:
    memo = Memo()
    calls = []

    def boom() -> int:
        calls.append(1)
        raise FactError("server down")

    for _ in range(3):
        with pytest.raises(FactError, match="server down"):
            memo.get("k", boom)
    assert len(calls) == 1
    assert memo.get("v", lambda: 1) == 1 and memo.get("v", lambda: 2) == 1


def test_a_slow_key_does_not_hold_up_another_and_runs_once() -> None:
    memo = Memo()
    started = threading.Event()
    release = threading.Event()
    runs = []

    def slow() -> str:
        runs.append(1)
        started.set()
        release.wait(10)
        return "slow"

    threads = [threading.Thread(target=memo.get, args=("slow", slow)) for _ in range(3)]
    for t in threads:
        t.start()
    assert started.wait(10)
    t0 = time.monotonic()
    assert memo.get("fast", lambda: "fast") == "fast"  # not blocked by "slow"
    assert time.monotonic() - t0 < 5
    release.set()
    for t in threads:
        t.join(10)
    assert runs == [1] and memo.get("slow", lambda: "again") == "slow"
