"""The demo: the preflight against a broken lab and the clean one, reports left in ``out/``.

``python -m lab demo --out out`` writes ``out/report.html``, ``out/report.json``, ``out/junit.xml``
and ``out/summary.txt`` for the broken scenario, the same under ``out/clean/`` for the clean site, and
stops every server it started.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from lab.core import Lab
from lab.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


def _run_preflight(lab: Lab, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable, "-m", "pytest", "-m", "preflight", f"--inventory={lab.inventory_path}",
        f"--report-json={out / 'report.json'}", f"--junitxml={out / 'junit.xml'}",
        f"--report-html={out / 'report.html'}", "-q",
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    (out / "summary.txt").write_text(done.stdout + done.stderr)
    return json.loads((out / "report.json").read_text())


def _summary_lines(title: str, report: dict) -> list[str]:
    s = report["summary"]
    lines = [f"{title}: {s['passed']} passed, {s['failed']} failed, {s['error']} error, {s['skipped']} skipped"]
    for rec in report["results"]:
        if rec["outcome"] in ("failed", "error"):
            lines.append(f"  {rec['outcome'].upper():6} {rec['check']} [{rec['subject']}]: {rec['message']}")
            if rec.get("remediation"):
                lines.append(f"         fix: {rec['remediation']}")
    return lines


def run_demo(out: Path, scenario: str = "seed-initial") -> int:
    """Run the demo; return 0 when the broken site failed and the clean one passed."""
    out = out.resolve()
    lines: list[str] = []
    reports = {}
    for name, target in ((scenario, out), ("clean", out / "clean")):
        print(f"lab: starting scenario {name} ({SCENARIOS[name].description})", flush=True)
        with tempfile.TemporaryDirectory(prefix="upi-demo-") as tmp, Lab(Path(tmp), name, max_seconds=900) as lab:
            reports[name] = report = _run_preflight(lab, target)
        lines += _summary_lines(f"preflight on scenario {name}", report) + [""]
    text = "\n".join(lines)
    (out / "demo.txt").write_text(text)
    print(text)
    print(f"reports: {out}/report.html, report.json, junit.xml, summary.txt; the clean run in {out}/clean/")
    broken_failed = reports[scenario]["summary"]["failed"] > 0
    clean = reports["clean"]["summary"]
    return 0 if broken_failed and clean["failed"] == clean["error"] == 0 else 1
