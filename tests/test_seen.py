"""``collectors.images.seen.Seen`` answers as a set would, through its table's growth, and
costs a small fraction of a set of the same hashes."""

from __future__ import annotations

import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from collectors.images.seen import Seen


@given(st.lists(st.text(max_size=12), max_size=3000))
def test_first_is_true_exactly_once_per_string(texts: list[str]) -> None:
    seen, expected = Seen(), set()
    for text in texts:
        assert seen.first(text) is (text not in expected)
        expected.add(text)
    assert len(seen) == len(expected)


def test_past_growth_every_string_is_still_known() -> None:
    seen = Seen()
    texts = [f"registry.example/op-{i % 97}@sha256:{i:064x}" for i in range(20000)]
    assert all(seen.first(t) for t in texts)
    assert not any(seen.first(t) for t in texts)


def test_smaller_than_a_set_of_hashes() -> None:
    texts = [f"registry.example/op@sha256:{i:064x}" for i in range(20000)]
    tracemalloc.start()
    seen = Seen()
    for t in texts:
        seen.first(t)
    table = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert table < 20 * len(texts), table  # a set of 8-byte hashes: about 90 bytes each
