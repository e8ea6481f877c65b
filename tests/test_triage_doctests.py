"""The docstring examples of the triage modules run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "collectors.catalog", "collectors.classify", "collectors.collect", "collectors.redact",
    "collectors.bundle", "collectors.cluster_dump", "collectors.parsers.logs", "lab.journals",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0, name
