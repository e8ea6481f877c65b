"""Reports of a real run: the seed's first state (infra nodes without PTRs, ingress on workers)
against the lab's BIND and HAProxy. One lab for the module; the HTML page is rendered in
headless Chromium, the terminal table read as a CI log shows it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lab import Lab, packages
from tests.chromium import render
from tests.suite import SuiteRun, run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

#: What seed-initial breaks. The report tests compare the page and the table with the run's own
#: JSON records, so they hold even when a shared machine's DNS answers vary; these must fail.
EXPECTED_FAILING = {("lb.backends", "80"), ("lb.backends", "443")}


@pytest.fixture(scope="module")
def seed_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab-seed-initial"), "seed-initial", max_seconds=900) as lab:
        yield lab


@pytest.fixture(scope="module")
def seed_run(seed_lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteRun, Path]:
    page = tmp_path_factory.mktemp("report") / "report.html"
    run = run_suite(
        "-m", "preflight", "--report-html", str(page), inventory=seed_lab.inventory_path
    )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.failing() >= EXPECTED_FAILING, run.failing()
    return run, page


def counts(run: SuiteRun, check: str) -> list[str]:
    """The table's pass/fail/error/skip cells for ``check``, from the run's JSON records."""
    outcomes = [r["outcome"] for r in run.results if r["check"] == check]
    return [str(outcomes.count(o) or ".") for o in ("passed", "failed", "error", "skipped")]


class Cells(HTMLParser):
    """Every outcome cell of the rendered DOM, as (check, subject, outcome)."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        m = re.search(r"\boutcome-(\w+)", a.get("class", ""))
        if m and "data-check" in a:
            self.cells.append((a["data-check"], a["data-subject"], m.group(1)))


def test_html_report_renders_in_chromium_with_the_failing_cells(
    seed_run: tuple[SuiteRun, Path], tmp_path: Path
) -> None:
    packages.ensure(["chromium"])
    run, page = seed_run
    shot = tmp_path / "report.png"
    rendered = render(page, shot)
    assert rendered.console == [], rendered.console  # no error, no blocked load, no log at all
    cells = Cells(rendered.dom).cells
    failing = {(c, s) for c, s, o in cells if o == "failed"}
    assert failing == run.failing() >= EXPECTED_FAILING
    with_subject = {(r["check"], r["subject"]) for r in run.results if r["subject"] != "-"}
    assert {(c, s) for c, s, _ in cells} == with_subject  # every record has its cell
    assert "ocp45.example.localdomain" in rendered.dom
    for rec in run.results:
        if rec["outcome"] == "failed":  # every failure's remediation is on the page
            assert rec["remediation"] in html.unescape(rendered.dom)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a page, not a blank


def test_console_check_would_see_a_broken_page(tmp_path: Path) -> None:
    """The console assertion above can fail: a page with an error is caught."""
    packages.ensure(["chromium"])
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom');undefinedCall()</script>")
    console = render(page).console
    assert any("boom" in m for m in console) and any("undefinedCall" in m for m in console)


def table_of(stdout: str) -> list[str]:
    """The rows (no heading) of the "checks" table in a run's output."""
    m = re.search(r"^=+ checks =+\n(.*?)\n=+ ", stdout, re.S | re.M)
    assert m, stdout[-3000:]
    return m.group(1).splitlines()[1:]


def test_terminal_table_by_check_in_a_ci_log(seed_run: tuple[SuiteRun, Path]) -> None:
    run, _ = seed_run
    out = run.stdout
    assert "\x1b[" not in out  # not a TTY: no colour codes
    rows = {line.split()[0]: line for line in table_of(out)}
    assert set(rows) == {r["check"] for r in run.results}
    for check, row in rows.items():
        assert row.split()[1:5] == counts(run, check), row
    assert rows["lb.backends"].endswith("  80, 443")
    assert rows["dns.forward"].split()[1:] == counts(run, "dns.forward")  # no failing subjects
    reverse = sorted(s.split(".")[0] for c, s in run.failing() if c == "dns.reverse")
    if len(reverse) > 1:  # node names short, their shared domain once
        assert rows["dns.reverse"].endswith(f"{', '.join(reverse)} (.ocp45.example.localdomain)")
    assert "failures by check" in out and "remediation:" in out  # kept below the table


def test_quiet_run_lists_only_failing_checks_and_colour_only_when_asked(seed_lab: Lab) -> None:
    run = run_suite("-q", "-m", "preflight", inventory=seed_lab.inventory_path)
    failing_checks = sorted({c for c, _ in run.failing()})
    assert "lb.backends" in failing_checks
    assert [line.split()[0] for line in table_of(run.stdout)] == failing_checks
    assert "\x1b[" not in run.stdout
    coloured = run_suite(
        "-q", "--color=yes", "-m", "preflight", "-k", "lb.", inventory=seed_lab.inventory_path
    )
    assert re.search(r"\x1b\[31m[^\n]*lb\.backends\s+2\s+2", coloured.stdout), coloured.stdout[
        -2000:
    ]
    assert not re.search(r"\x1b\[31m[^\n]*lb\.port", coloured.stdout)  # passing: not red
