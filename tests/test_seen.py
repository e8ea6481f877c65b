"""``collectors.images.seen.Seen`` answers as a set would, in its table and past it in the spill
file, and its Python memory does not grow with the strings given."""

from __future__ import annotations

import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from collectors.images.seen import Seen


@given(st.lists(st.text(max_size=12), max_size=3000), st.sampled_from([2, 16, 1024]))
def test_first_is_true_exactly_once_per_string(texts: list[str], slots: int) -> None:
    expected: set[str] = set()
    with Seen(slots=slots) as seen:
        for text in texts:
            assert seen.first(text) is (text not in expected)
            expected.add(text)
        assert len(seen) == len(expected)
        assert seen.spilled == max(0, len(expected) - slots * 2 // 3)


def test_past_the_table_every_string_is_still_known() -> None:
    texts = [f"registry.example/op-{i % 97}@sha256:{i:064x}" for i in range(20000)]
    with Seen(slots=4096) as seen:
        assert all(seen.first(t) for t in texts)
        assert not any(seen.first(t) for t in texts)
        assert seen.spilled == 20000 - 4096 * 2 // 3


def test_python_memory_is_the_same_for_ten_thousand_strings_and_for_sixty_thousand() -> None:
    """The table is made at its full size and the spill file's pages live in SQLite's own
    bounded cache, so what Python holds does not grow (bench/seen.py measures the process)."""
    peaks = []
    for count in (10000, 10000, 60000):  # the first imports sqlite3
        texts = (f"registry.example/op@sha256:{i:064x}" for i in range(count))
        tracemalloc.start()
        with Seen(slots=8192) as seen:
            for t in texts:
                seen.first(t)
            peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[2] - peaks[1] < 16 * 1024, peaks  # 50,000 more strings: not 1 byte each


def test_slots_must_be_a_power_of_two() -> None:
    for bad in (0, 1, 3, 100):
        try:
            Seen(slots=bad)
        except ValueError as exc:
            assert str(bad) in str(exc)
        else:
            raise AssertionError(f"slots={bad} was taken")


def test_a_spill_file_that_cannot_be_written_is_an_error_naming_the_folder(monkeypatch) -> None:
    import sqlite3
    import tempfile

    from collectors.errors import FactError
    from collectors.images import seen as seen_module

    def full(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(seen_module, "_open_spill", full)
    with Seen(slots=4) as seen:
        assert seen.first("a") and seen.first("b")  # the table's two
        try:
            seen.first("c")
        except FactError as exc:
            assert tempfile.gettempdir() in str(exc) and "disk is full" in str(exc)
            assert "TMPDIR" in str(exc)
        else:
            raise AssertionError("a spill that cannot be written was taken")
