"""The docstring examples of the shared helpers (error hand-over, YAML, kubeconfig, -m, server
resolution, install-config, certificates) run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "collectors.cluster.base",
    "collectors.yamlio",
    "collectors.cluster.kubeconfig",
    "reports.catalog",
    "collectors.site",
    "collectors.install.installconfig",
    "collectors.parsers.certs",
    "collectors.images.lookup",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0, name
