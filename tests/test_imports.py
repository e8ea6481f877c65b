"""Imports go one way (docs/architecture.md): collectors <- checks <- fixtures, and reports.

collectors/ (facts in) imports no other package of the project; checks/ (verdicts) only
collectors; reports/ (out) collectors and checks, never the pytest wiring in fixtures/; the lab and
the tests are never imported by the suite. Lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.suite import ROOT

PROJECT = {"collectors", "checks", "fixtures", "reports", "lab", "tests", "bench"}
ALLOWED = {
    "collectors": {"collectors"},
    "checks": {"checks", "collectors"},
    "reports": {"reports", "checks", "collectors"},
    "fixtures": {"fixtures", "reports", "checks", "collectors"},
}


def project_imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import of a project package in ``path``.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("import os\\ndef f():\\n    from checks.base import check\\n")
    >>> project_imports(Path(f.name)); os.unlink(f.name)
    [(3, 'checks')]
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [(node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in PROJECT]
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_go_one_way(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: imports {top}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, top in project_imports(path)
        if top not in ALLOWED[package]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from fixtures.plugin import site_of\n")
    assert [top for _, top in project_imports(bad)] == ["fixtures"]
    assert "fixtures" not in ALLOWED["collectors"] and "fixtures" not in ALLOWED["reports"]
