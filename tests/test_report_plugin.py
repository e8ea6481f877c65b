"""The report plugin end to end without servers: extras from other plugins reach the HTML page,
and a report that cannot be written is a clear message, not a traceback."""

from __future__ import annotations

import os
from pathlib import Path

from tests.suite import run_suite

EXTRAS_PLUGIN = """
from reports.plugin import extras_of

def pytest_configure(config):
    extras_of(config)["findings"] = [
        {"count": 7, "host": "bs", "unit": "bootkube", "sample": "failed to create <manifest>"}]

def pytest_upi_report_extras(config):
    return {"samples": {"pattern": "Managed without skippedImagestreams: goes Degraded",
                        "failing_imagestreams": ["jenkins"]}}
"""


def minimal_site(tmp_path: Path) -> Path:
    inventory = tmp_path / "site.yaml"
    inventory.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\n"
        "nodes:\n  - {name: m1, role: master, ip: 127.0.0.9}\n"
    )
    return inventory


def test_extras_from_a_hook_and_the_stash_reach_the_page(tmp_path: Path) -> None:
    (tmp_path / "upi_extras_demo.py").write_text(EXTRAS_PLUGIN)
    out = tmp_path / "report.html"
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    }
    run = run_suite(
        "-p",
        "upi_extras_demo",
        "-m",
        "preflight",
        "--report-html",
        str(out),
        inventory=minimal_site(tmp_path),
        env=env,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    page = out.read_text(encoding="utf-8")
    assert "ocp45.example.localdomain" in page
    assert "Managed without skippedImagestreams: goes Degraded" in page and "jenkins" in page
    assert "failed to create &lt;manifest&gt;" in page
    assert "skipped: inventory has no" in page  # checks without their inputs say why


def test_unwritable_report_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = run_suite(
        "-m",
        "preflight",
        "--report-html",
        str(blocker / "r.html"),
        inventory=minimal_site(tmp_path),
    )
    assert f"could not write --report-html {blocker / 'r.html'}" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
