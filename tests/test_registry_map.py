"""``RegistryClient.map``: results in order, an exception of the function raised, and at most a
window of futures alive at a time (``Executor.map`` made one per item at once: 2.6 kB each, so
mirror.operators' peak memory grew with its batch)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest

from collectors.images.registry.client import MAP_WINDOW_PER_WORKER, RegistryClient


class _Counting(Future):
    """A future that counts the live ones (made, result not yet taken)."""

    live = 0
    most = 0

    def result(self, timeout: float | None = None) -> Any:
        if not getattr(self, "_taken", False):
            self._taken = True
            _Counting.live -= 1
        return super().result(timeout)


class _InlinePool:
    """Runs each submitted call at once, handing back a counting future."""

    def submit(self, fn: Any, item: Any) -> Future:
        future = _Counting()
        _Counting.live += 1
        _Counting.most = max(_Counting.most, _Counting.live)
        try:
            future.set_result(fn(item))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, as an executor does
            future.set_exception(exc)
        return future

    def shutdown(self, **_: Any) -> None:
        pass


def _client(workers: int) -> RegistryClient:
    client = RegistryClient(max_workers=workers)
    client._pool = _InlinePool()  # type: ignore[assignment]
    _Counting.live = _Counting.most = 0
    return client


def test_results_in_order_within_the_window() -> None:
    client = _client(3)
    assert client.map(lambda i: i * i, list(range(1000))) == [i * i for i in range(1000)]
    assert _Counting.most == 3 * MAP_WINDOW_PER_WORKER
    assert _Counting.live == 0


def test_an_exception_of_the_function_is_raised() -> None:
    client = _client(2)

    def fn(i: int) -> int:
        if i == 37:
            raise ValueError("item 37")
        return i

    with pytest.raises(ValueError, match="item 37"):
        client.map(fn, list(range(100)))


def test_a_real_pool_gives_the_same_answers() -> None:
    with RegistryClient(max_workers=4) as client:
        assert client.map(str, list(range(500))) == [str(i) for i in range(500)]
