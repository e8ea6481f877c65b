"""Every docstring example in the project runs: each module under checks/, collectors/,
fixtures/, reports/ and lab/ is found on disk (no hand-kept list) and its doctests must pass."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("checks", "collectors", "fixtures", "reports", "lab")
#: Helpers outside those packages whose docstrings carry examples too.
EXTRA = ("tests.chromium",)


def discover() -> list[str]:
    """Dotted names of every module in PACKAGES (``__main__`` included: it only runs when named)."""
    names = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return [*names, *EXTRA]


def examples(name: str) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(importlib.import_module(name)) if t.examples]


MODULES = discover()
#: Modules with docstring examples (found by importing each once at collection; cheap).
WITH_EXAMPLES = [name for name in MODULES if examples(name)]


def test_discovery_finds_the_packages() -> None:
    assert {
        "collectors.transport.dns",
        "collectors.parsers.haproxy",
        "checks.base",
        "collectors.site",
        "reports.results",
        "lab.core",
    } <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name: str) -> None:
    tests = examples(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
