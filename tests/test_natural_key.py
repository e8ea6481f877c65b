"""natural_key orders subjects as people do (n9 before n10), for any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.results import natural_key


@settings(deadline=None)
@given(st.lists(st.text()))
def test_natural_key_sorts_any_text(names: list[str]) -> None:
    ordered = sorted(names, key=natural_key)
    assert sorted(ordered) == sorted(names)
    assert sorted(["n10", "n9", "n²"], key=natural_key)[:2] == ["n9", "n10"]
