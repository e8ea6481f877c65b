"""The README's first command: the demo leaves its reports and stops every server it started."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite import ROOT

pytestmark = pytest.mark.lab  # starts the lab's servers


def lab_processes() -> set[int]:
    """PIDs of lab servers now running (by their config paths under the demo's temp folders)."""
    found = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if b"upi-demo-" in (proc / "cmdline").read_bytes():
                    found.add(int(proc.name))
            except OSError:
                pass
    return found


def test_demo_reports_broken_and_clean_sites_and_the_offline_loop(tmp_path: Path) -> None:
    before = lab_processes()
    done = subprocess.run(
        [sys.executable, "-m", "lab", "demo", "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = tmp_path / "out"
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("report.html", "report.json", "junit.xml", "summary.txt", "demo.txt"):
        assert (out / name).is_file(), name
    broken = json.loads((out / "report.json").read_text())
    failing = {r["check"] for r in broken["results"] if r["outcome"] == "failed"}
    assert {
        "dns.reverse",
        "lb.backends",
        "selinux.http_content",
        "ignition.expiry",
        "mirror.release",
    } <= failing
    clean = json.loads((out / "clean" / "report.json").read_text())["summary"]
    assert clean["failed"] == clean["error"] == 0 and clean["passed"] > 50
    assert (out / "postinstall" / "bundle.tar.gz").is_file()
    assert "cluster verdicts identical to the live run" in done.stdout
    assert lab_processes() <= before
