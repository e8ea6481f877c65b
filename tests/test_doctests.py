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


MODULES = discover()


def test_discovery_finds_the_packages() -> None:
    assert {"collectors.dns", "collectors.parsers.haproxy", "checks.base", "fixtures.site",
            "reports.results", "lab.core"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(module) if t.examples]
    if not tests:
        pytest.skip(f"{name} has no docstring examples")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
