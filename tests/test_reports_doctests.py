"""The examples in the reports modules' docstrings are true."""

from __future__ import annotations

import doctest
import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.results import natural_key

MODULES = ["reports.results", "reports.terminal", "reports.html_report", "reports.catalog",
           "tests.chromium"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


@settings(deadline=None)
@given(st.lists(st.text()))
def test_natural_key_sorts_any_text(names: list[str]) -> None:
    ordered = sorted(names, key=natural_key)
    assert sorted(ordered) == sorted(names)
    assert sorted(["n10", "n9", "n²"], key=natural_key)[:2] == ["n9", "n10"]
