"""The layout the checks follow (no servers): for a check ``<prefix>.<name>``, metadata and pure
evaluation in ``checks/<prefix>.py``, what it gathers in ``collectors/facts/<prefix>.py``, its
direct tests in ``tests/checks/test_<prefix>.py``; collectors never reach up into the suite."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from checks.base import REGISTRY, CheckSpec, spec_of
from reports.catalog import check_module_names

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "checks"
FACTS = ROOT / "collectors" / "facts"


def check_modules() -> list[str]:
    """Stems of the check modules (what the plugin collects: not base, not ``_*``)."""
    return [name.split(".", 1)[1] for name in check_module_names()]


def specs() -> list[CheckSpec]:
    for stem in check_modules():
        importlib.import_module(f"checks.{stem}")
    return list(REGISTRY.values())


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_every_check_id_prefix_names_its_module() -> None:
    wrong = [
        f"{s.id} is declared in {s.module}"
        for s in specs()
        if s.module != f"checks.{s.id.split('.', 1)[0]}"
    ]
    assert not wrong, "a check id's prefix must name its module: " + "; ".join(wrong)


@pytest.mark.parametrize("stem", check_modules())
def test_a_check_module_declares_only_its_own_prefix(stem: str) -> None:
    declared = [s.id for s in specs() if s.module == f"checks.{stem}"]
    assert declared, f"checks/{stem}.py declares no check"
    assert all(i.startswith(f"{stem}.") for i in declared), declared


@pytest.mark.parametrize("stem", check_modules())
def test_gathering_lives_in_collectors_facts_of_the_same_name(stem: str) -> None:
    mine = [s for s in specs() if s.module == f"checks.{stem}"]
    gathers = [s for s in mine if s.gather is not None]
    if gathers:
        assert (FACTS / f"{stem}.py").is_file(), (
            f"checks/{stem}.py gathers: add collectors/facts/{stem}.py"
        )
    for spec in mine:
        for role, fn in (("subjects", spec.subjects), ("gather", spec.gather)):
            if fn is None:
                continue
            assert getattr(fn, "__module__", "") == f"collectors.facts.{stem}", (
                f"{spec.id}: {role}={getattr(fn, '__qualname__', fn)} is defined in "
                f"{fn.__module__}, not collectors/facts/{stem}.py"
            )


def _takes_site(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> bool:
    args = node.args
    return any(a.arg == "site" for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


def _is_check(node: ast.AST) -> bool:
    """A test function declared with ``@check(...)``."""
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Call) and getattr(d.func, "id", "") == "check"
        for d in node.decorator_list
    )


@pytest.mark.parametrize("path", sorted(CHECKS.glob("*.py")), ids=lambda p: p.name)
def test_nothing_in_checks_takes_the_site_but_the_test_functions(path: Path) -> None:
    """Subjects, gathering and helpers that need the site belong in collectors/facts/."""
    tree = parsed(path)
    checks = {id(n) for n in tree.body if _is_check(n)}
    offenders = [
        f"{path.name}:{node.lineno} {getattr(node, 'name', 'lambda')}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        and id(node) not in checks
        and _takes_site(node)
    ]
    assert not offenders, "functions in checks/ taking site: " + ", ".join(offenders)


def _imports(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def test_collectors_never_import_checks_fixtures_or_reports() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / "collectors").rglob("*.py"))
        for line, name in _imports(parsed(path))
        if name.split(".")[0] in ("checks", "fixtures", "reports")
    ]
    assert not wrong, "; ".join(wrong)


def test_facts_modules_belong_to_a_check_module() -> None:
    stems = set(check_modules())
    orphans = [p.name for p in FACTS.glob("*.py") if p.stem != "__init__" and p.stem not in stems]
    assert not orphans, f"collectors/facts/ modules without a checks/ module: {orphans}"


def verdict_functions(stem: str) -> list[str]:
    """The pure verdict functions of a check module: ``evaluate_*`` and any other function
    annotated to return a Verdict."""
    tree = parsed(CHECKS / f"{stem}.py")
    return [
        n.name
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
        and (
            n.name.startswith("evaluate_")
            or (n.returns is not None and ast.unparse(n.returns) == "Verdict")
        )
    ]


def test_every_check_module_has_its_direct_tests() -> None:
    missing = [
        f"tests/checks/test_{stem}.py"
        for stem in check_modules()
        if verdict_functions(stem) and not (ROOT / "tests" / "checks" / f"test_{stem}.py").is_file()
    ]
    assert not missing, f"add {missing}"


def test_every_evaluate_function_is_reached_by_a_direct_test() -> None:
    texts = [
        p.read_text(encoding="utf-8")
        for p in (ROOT / "tests").rglob("*.py")
        if p.resolve() != Path(__file__).resolve()
    ]
    untested = [
        f"checks/{stem}.py:{name}"
        for stem in check_modules()
        for name in verdict_functions(stem)
        if not any(re.search(rf"\b{name}\s*\(", text) for text in texts)
    ]
    assert not untested, "evaluate functions no test calls: " + ", ".join(untested)
    assert verdict_functions("dns")  # the listing itself works


def test_test_functions_are_thin() -> None:
    """A check's test function calls ``expect`` once, on what an evaluate function returned."""
    for stem in check_modules():
        module = importlib.import_module(f"checks.{stem}")
        for name in dir(module):
            fn = getattr(module, name)
            if spec_of(fn) is not None and fn.__module__ == module.__name__:
                body = [n for n in ast.walk(ast.parse(_source(fn))) if isinstance(n, ast.Call)]
                assert sum(getattr(c.func, "id", "") == "expect" for c in body) == 1, name


def _source(fn: object) -> str:
    import inspect
    import textwrap

    return textwrap.dedent(inspect.getsource(fn))  # type: ignore[arg-type]
