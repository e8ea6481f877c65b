"""The check catalog: docs/checks.md matches the code, and ``--list-checks`` prints every check
without an inventory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks.base import REGISTRY, CheckSpec
from reports import catalogcache
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


def list_checks(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--list-checks", *args],
        cwd=ROOT,
        env=env,
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
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pytest", "_pytest", "checks"))
sys.stderr.write(f"loaded: {loaded}\\n")
sys.exit(status)
"""


def listing_env(cache: Path) -> dict[str, str]:
    """One environment for both listings: the same width (COLUMNS may be in the process's
    environment without being in ``os.environ``), the cache in ``cache``."""
    return {**os.environ, "COLUMNS": "100", "XDG_CACHE_HOME": str(cache)}


def listed_by_the_script(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LISTED_BY_THE_SCRIPT, "--list-checks", *args],
        cwd=ROOT,
        env=listing_env(cache),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", [(), ("-m", "preflight"), ("-k", "dns.")])
def test_upi_conformance_lists_checks_as_pytest_does_without_importing_it(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    """``upi-conformance --list-checks`` answers before pytest is imported, and from the second
    time on without importing the checks either (start-up time); it prints what the plugin
    prints under pytest."""
    want = list_checks(*args, env=listing_env(tmp_path)).stdout
    first = listed_by_the_script(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert "'pytest'" not in first.stderr and "'checks.dns'" in first.stderr
    assert first.stdout == want
    again = listed_by_the_script(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert "loaded: ['checks', 'checks.base']" in again.stderr
    assert again.stdout == want


def test_a_kept_catalog_that_does_not_read_back_is_made_again(tmp_path: Path) -> None:
    kept = tmp_path / "upi-conformance" / catalogcache.FILE_NAME
    want = listed_by_the_script(tmp_path).stdout
    for text in ("{", kept.read_text().replace('"checks":[{', '"checks":[{"x":1,'), ""):
        kept.write_text(text)
        done = listed_by_the_script(tmp_path)
        assert done.stdout == want and "'checks.dns'" in done.stderr  # imported again
        assert catalogcache.decode(kept.read_text(), catalogcache.fingerprint()) is not None


def test_a_kept_catalog_is_for_the_sources_it_was_made_from(tmp_path: Path) -> None:
    """Any change to a check or a collector (whose constants a check's text may name) is
    another catalog."""
    stamp = catalogcache.fingerprint()
    copies = []
    for root in catalogcache.SOURCES:
        copies.append(tmp_path / root.name)
        shutil.copytree(root, copies[-1], ignore=shutil.ignore_patterns("__pycache__"))
    assert catalogcache.fingerprint(copies) == stamp
    constant = copies[1] / "facts" / "mirror.py"
    constant.write_text(constant.read_text().replace("CURL_MAX_TIME = 10", "CURL_MAX_TIME = 11"))
    assert catalogcache.fingerprint(copies) != stamp
    constant.unlink()
    assert catalogcache.fingerprint(copies) != stamp


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
