"""The docstring examples of the mirror modules hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "collectors.imageref", "collectors.mirrors", "collectors.pullsecret", "collectors.registry",
    "collectors.release", "collectors.tlsprobe", "collectors.installconfig", "collectors.layers", "lab.imagebuild",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0, result
