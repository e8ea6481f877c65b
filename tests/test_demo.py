"""The README's first command: the demo leaves its reports and stops every server it started."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite import ROOT

pytestmark = pytest.mark.lab  # starts the lab's servers


def lab_processes(out: Path) -> set[int]:
    """PIDs of lab servers now running (by their config paths under the demo's out/labs/)."""
    found = set()
    marker = str(out / "labs").encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes():
                    found.add(int(proc.name))
            except OSError:
                pass
    return found


def test_demo_reports_broken_and_clean_sites_and_the_offline_loop(tmp_path: Path) -> None:
    before = lab_processes(tmp_path / "out")
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
    # every verdict, not only the cluster's, offline after the lab stopped (issue 18)
    assert "verdicts identical to the live run" in done.stdout, done.stdout[-2000:]
    assert "in a namespace without network, the lab stopped" in done.stdout
    live = json.loads((out / "postinstall" / "report.json").read_text())["results"]
    offline = json.loads((out / "offline" / "report.json").read_text())["results"]
    assert [(r["check"], r["subject"], r["outcome"], r["message"]) for r in offline] == [
        (r["check"], r["subject"], r["outcome"], r["message"]) for r in live
    ]
    assert lab_processes(out) <= before
    named = fix_paths(out)
    assert any(str(out / "labs") in p for p in named), named  # the fixes do name lab files
    # a fix may name a file to create or remove (``rm -f DIR/.openshift_install_state.json``,
    # ``cp ... DIR/install-config.yaml``): then its folder is what must still be there
    missing = [p for p in named if not Path(p).exists() and not Path(p).parent.is_dir()]
    assert not missing, f"fixes name files the demo removed: {missing}"
    assert sum(Path(p).exists() for p in named) >= len(named) // 2, named


#: An absolute path in a message or a fix (ends before spaces, quotes and punctuation).
_PATH = re.compile(r"(?<![\w:])(/(?:[\w.@+-]+/)*[\w.@+-]+)")


def fix_paths(out: Path) -> set[str]:
    """The paths under the demo's out/ or /tmp that its reports' messages and fixes name."""
    named = set()
    for report in out.rglob("report.json"):
        for rec in json.loads(report.read_text())["results"]:
            text = f"{rec.get('message', '')} {rec.get('remediation', '')}"
            for path in _PATH.findall(text):
                path = path.rstrip(".")
                if path.startswith((str(out), "/tmp/")):
                    named.add(path)
    return named
