"""The lab's dependencies run one way: ``lab.core`` imports the parts, no part imports it back.

Read from the source with ``ast`` (imports inside functions and ``if TYPE_CHECKING:`` blocks
count too); no server is started.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from lab.core import PARTS
from lab.part import Part
from lab.scenarios import SCENARIOS, declared

LAB = Path(__file__).resolve().parent.parent / "lab"
#: Modules that drive the lab and so may import lab.core: the lab itself, its command line, the
#: demo, and the package's ``from lab import Lab`` (a lazy import in ``lab/__init__.py``).
MAY_IMPORT_CORE = {"core.py", "__main__.py", "demo.py", "__init__.py"}


def imported_modules(source: str) -> set[str]:
    """Dotted names a module imports, anywhere in it (``from lab import core`` gives lab.core,
    ``importlib.import_module("lab.core")`` too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "lab." * (node.level > 0) + (node.module or "")
            base = base.rstrip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_the_import_parser_sees_every_form() -> None:
    for source in (
        "import lab.core",
        "from lab.core import Lab",
        "from lab import core",
        "from .core import Lab",
        "from . import core",
        "def f():\n    from lab.core import PARTS",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lab.core import Lab",
        "import importlib\nimportlib.import_module('lab.core')",
    ):
        assert "lab.core" in imported_modules(source), source
    assert "lab.core" not in imported_modules("from lab import cluster_model, model")


@pytest.mark.parametrize("path", sorted(LAB.glob("*.py")), ids=lambda p: p.name)
def test_no_lab_module_but_the_drivers_imports_lab_core(path: Path) -> None:
    if path.name in MAY_IMPORT_CORE:
        return
    assert "lab.core" not in imported_modules(path.read_text()), (
        f"lab/{path.name} imports lab.core: a part sees the lab as lab.part.LabContext"
    )


@pytest.mark.parametrize("name", list(PARTS))
def test_every_part_has_the_part_shape(name: str) -> None:
    module = PARTS[name]
    assert isinstance(module, Part)
    assert isinstance(module.PACKAGES, list)
    assert all(isinstance(p, str) for p in module.PACKAGES)
    assert callable(module.start)
    assert list(inspect.signature(module.start).parameters) == ["lab"]
    assert all(need in PARTS for need in getattr(module, "NEEDS", ()))


@pytest.mark.parametrize("name", list(PARTS))
def test_parts_type_the_lab_with_the_protocol(name: str) -> None:
    """Every ``lab`` parameter in a part module is a LabContext, not the Lab class."""
    tree = ast.parse(Path(inspect.getfile(PARTS[name])).read_text())
    untyped = [
        f"{fn.name} (line {fn.lineno})"
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for arg in fn.args.args + fn.args.kwonlyargs
        if arg.arg == "lab"
        and (arg.annotation is None or ast.unparse(arg.annotation) != "LabContext")
    ]
    assert not untyped, f"lab/{name}.py: lab parameter not typed LabContext: {untyped}"


def test_scenarios_are_the_parts_in_order_then_the_composed_sites() -> None:
    from_parts = [s.name for module in PARTS.values() for s in declared(module)]
    assert list(SCENARIOS)[: len(from_parts)] == from_parts
    assert len(set(from_parts)) == len(from_parts)
    assert all(p in PARTS for s in SCENARIOS.values() for p in s.parts)
