"""The check catalog: docs/checks.md matches the code, and ``--list-checks`` prints every check
without an inventory."""

from __future__ import annotations

import subprocess
import sys

import pytest

from checks.base import REGISTRY, CheckSpec
from reports.catalog import (
    MarkExprError,
    check_module_names,
    load_checks,
    markdown_catalog,
    markexpr_matches,
    selected,
    text_catalog,
)
from tests.suite import ROOT

DOC = ROOT / "docs" / "checks.md"


def list_checks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--list-checks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_docs_checks_md_is_in_step_with_the_code() -> None:
    expected = markdown_catalog(load_checks())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/checks.md is out of date: run `python -m reports.catalog > docs/checks.md`"
    )


def test_every_check_module_is_loaded_and_documented() -> None:
    specs = load_checks()
    modules = {s.module for s in specs}
    assert set(check_module_names()) <= modules | {"checks.base"}, (
        "a check module declares no check"
    )
    doc = DOC.read_text(encoding="utf-8")
    for spec in specs:
        assert f"## {spec.id}\n" in doc
        assert spec.remediation.split()[0] in doc


def test_list_checks_needs_no_inventory_and_prints_every_check() -> None:
    done = list_checks()
    assert done.returncode == 0, done.stderr
    load_checks()
    for spec in REGISTRY.values():
        block = done.stdout.split(f"{spec.id}  [", 1)
        assert len(block) == 2, f"{spec.id} missing from --list-checks"
        entry = block[1].split("\n\n", 1)[0]
        assert ", ".join(spec.markers) in entry
        for label in ("subject:", "fails when:", "remediation:"):
            assert label in entry
    assert f"{len(REGISTRY)} checks" in done.stdout
    assert "inventory" not in done.stderr


def test_list_checks_honours_marker_and_keyword() -> None:
    done = list_checks("-m", "postinstall and not preflight")
    assert done.returncode == 0, done.stderr
    specs = load_checks()
    wanted = [s.id for s in specs if "postinstall" in s.markers and "preflight" not in s.markers]
    unwanted = [s.id for s in specs if "preflight" in s.markers]
    assert all(f"{c}  [" in done.stdout for c in wanted)
    assert not any(f"{c}  [" in done.stdout for c in unwanted)
    done = list_checks("-k", "dns.")
    assert "dns.reverse  [" in done.stdout and "lb.port  [" not in done.stdout


LISTED_BY_THE_SCRIPT = """
import sys
from fixtures.cli import main
status = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pytest", "_pytest"))
sys.stderr.write(f"pytest modules: {loaded}\\n")
sys.exit(status)
"""


@pytest.mark.parametrize("args", [(), ("-m", "preflight"), ("-k", "dns.")])
def test_upi_conformance_lists_checks_as_pytest_does_without_importing_it(
    args: tuple[str, ...],
) -> None:
    """``upi-conformance --list-checks`` answers before pytest is imported (start-up time), and
    prints what the plugin prints under pytest."""
    script = subprocess.run(
        [sys.executable, "-c", LISTED_BY_THE_SCRIPT, "--list-checks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    assert "pytest modules: []" in script.stderr
    assert script.stdout == list_checks(*args).stdout


@pytest.mark.parametrize(
    "expr",
    ["preflight", "not preflight", " \tpostinstall\t", "notpreflight", "not  postinstall ", "x_1"]
    + ["not", "and", "or", "preflight\n", "pre-flight", "preflight or not postinstall"],
)
def test_marker_expressions_read_as_pytest_reads_them(expr: str) -> None:
    """The plain ``-m NAME`` / ``-m "not NAME"`` answered without pytest agree with its grammar."""
    from _pytest.mark.expression import Expression

    for markers in [(), ("preflight",), ("postinstall",), ("preflight", "postinstall")]:
        try:
            want: bool | None = Expression.compile(expr).evaluate(
                lambda name, *_, **__: name in markers  # noqa: B023 - used at once
            )
        except Exception:  # noqa: BLE001 - pytest's ParseError (a private type)
            want = None
        try:
            got: bool | None = markexpr_matches(expr, markers)
        except MarkExprError:
            got = None
        assert got == want, (expr, markers)


def spec(check_id: str, markers: tuple[str, ...], **kw: str) -> CheckSpec:
    fields = {"title": "T", "subject": "s", "fails_when": "f", "remediation": "r", **kw}
    return CheckSpec(check_id, markers=markers, subjects=lambda site: [], **fields)  # type: ignore[arg-type]


def test_selected_uses_pytest_marker_expressions() -> None:
    specs = [
        spec("a.x", ("preflight",)),
        spec("b.y", ("postinstall",)),
        spec("c.z", ("preflight", "postinstall")),
    ]
    assert [s.id for s in selected(specs, "preflight")] == ["a.x", "c.z"]
    assert [s.id for s in selected(specs, "postinstall and not preflight")] == ["b.y"]
    assert [s.id for s in selected(specs, "", "B.")] == ["b.y"]


def test_markdown_escapes_table_breakers() -> None:
    md = markdown_catalog(
        [spec("a.x", ("preflight",), fails_when="a | b <c> *d*", subject="*.apps.<cluster>")]
    )
    row = next(line for line in md.splitlines() if line.startswith("| [`a.x`]"))
    assert row.count(" | ") == 3  # the | in the text is escaped, the table keeps 4 cells
    assert "a \\| b &lt;c> \\*d\\*" in row and "\\*.apps.&lt;cluster>" in row


def test_text_entry_wraps_long_remediation() -> None:
    text = text_catalog([spec("a.x", ("preflight",), remediation="word " * 60)], width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.endswith("1 check\n")


def test_a_broken_check_module_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import reports.catalog as catalog

    monkeypatch.setattr(
        catalog, "check_module_names", lambda: ["checks.dns", "checks.no_such_area"]
    )
    with pytest.raises(catalog.CatalogError, match=r"checks/no_such_area\.py: ModuleNotFoundError"):
        catalog.load_checks()
