"""The demo: the suite against the bundled lab, reports left in ``out/``.

``python -m lab demo --out out``

1. the preflight on a broken site (scenario ``field-day``: DNS, LB, bastion, ignition, mirror):
   ``out/report.html``, ``out/report.json``, ``out/junit.xml``, ``out/summary.txt``;
2. the preflight on the same site, clean: ``out/clean/``;
3. the post-install gate on a broken cluster (``day-one``) with a triage bundle:
   ``out/postinstall/`` and ``out/postinstall/bundle.tar.gz``;
4. the same gate offline, on that bundle, after the lab is stopped and (as root) inside a network
   namespace without network: ``out/offline/``; every verdict must match step 3's.

Every server started is stopped by PID before the demo returns; each lab's files stay in
``out/labs/<scenario>/`` (inventory, zone files, haproxy.cfg, ignition files...), so the paths the
reports' fixes name still exist afterwards. ``--quick`` runs only the network part (steps 1 and 2
with ``seed-initial`` and ``clean``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from lab.core import Lab
from lab.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


def _no_network() -> tuple[str, ...]:
    """``unshare -n`` when this machine can make a namespace without network (root), else ()."""
    probe = ["unshare", "-n", "true"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return ("unshare", "-n") if ok else ()


#: A message longer than this is cut in the demo's summary, with an ellipsis and where to read it
#: whole; a fix (a command to paste) is never cut.
MESSAGE_AT_MOST = 300


def shown(text: str, where: Path, limit: int = MESSAGE_AT_MOST) -> str:
    """``text`` whole, or its first ``limit`` characters, an ellipsis and where it is whole.

    >>> shown("short", Path("r.json"))
    'short'
    >>> shown("x" * 12, Path("out/report.json"), limit=5)
    'xxxxx… (whole in out/report.json)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… (whole in {where})"


def command_line(marker: str, *args: str) -> list[str]:
    """The ``upi-conformance`` command a user types for this run (what the demo shows)."""
    return ["upi-conformance", "-m", marker, *args]


def _run(out: Path, marker: str, *args: str, wrap: tuple[str, ...] = ()) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    shown_argv = command_line(
        marker,
        *args,
        f"--report-json={out / 'report.json'}",
        f"--junitxml={out / 'junit.xml'}",
        f"--report-html={out / 'report.html'}",
        "-q",
    )
    # the console script as this checkout has it (fixtures.cli is what upi-conformance runs)
    argv = [*wrap, sys.executable, "-m", "fixtures.cli", *shown_argv[1:]]
    print("$ " + " ".join(shown_argv), flush=True)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    (out / "summary.txt").write_text("$ " + " ".join(shown_argv) + "\n" + done.stdout + done.stderr)
    report = out / "report.json"
    if not report.exists():
        raise RuntimeError(
            f"pytest wrote no report ({out / 'summary.txt'}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return json.loads(report.read_text())


def _summary_lines(title: str, report: dict, where: Path) -> list[str]:
    s = report["summary"]
    lines = [
        f"{title}: {s['passed']} passed, {s['failed']} failed, {s['error']} error, "
        f"{s['skipped']} skipped"
    ]
    for rec in report["results"]:
        if rec["outcome"] in ("failed", "error"):
            lines.append(
                f"  {rec['outcome'].upper():6} {rec['check']} [{rec['subject']}]: "
                f"{shown(rec['message'], where)}"
            )
            if rec.get("remediation"):  # a command to paste: whole, never cut
                lines.append(f"         fix: {rec['remediation']}")
    return lines


def _verdicts(report: dict) -> dict[tuple[str, str], tuple[str, str, str]]:
    return {
        (r["check"], r["subject"]): (r["outcome"], r["message"], r["remediation"])
        for r in report["results"]
    }


def _lab(name: str, out: Path, parts: tuple[str, ...] = ()) -> Lab:
    """The scenario's lab in ``out/labs/<name>`` (emptied first), kept after its servers stop."""
    print(f"lab: scenario {name}: {SCENARIOS[name].description}", flush=True)
    workdir = out / "labs" / name
    shutil.rmtree(workdir, ignore_errors=True)
    return Lab(workdir, name, parts=parts, max_seconds=900)


def run_demo(out: Path, scenario: str = "field-day", quick: bool = False) -> int:
    """Run the demo; 0 when the broken sites fail, the clean one passes and offline matches live."""
    out = out.resolve()
    lines: list[str] = []
    ok = True
    broken_name, clean_name = ("seed-initial", "clean") if quick else (scenario, "site-clean")
    for name, target in ((broken_name, out), (clean_name, out / "clean")):
        with _lab(name, out) as lab:
            report = _run(target, "preflight", f"--inventory={lab.inventory_path}")
        lines += _summary_lines(
            f"preflight, scenario {name} ({target})", report, target / "report.json"
        ) + [""]
        s = report["summary"]
        ok &= (s["failed"] > 0) if name == broken_name else (s["failed"] == s["error"] == 0)

    if not quick:
        lab = _lab("day-one", out)
        with lab:
            bundle = out / "postinstall" / "bundle.tar.gz"
            live = _run(
                out / "postinstall",
                "postinstall",
                f"--inventory={lab.inventory_path}",
                f"--kubeconfig={lab.workdir / 'kubeconfig'}",
                f"--bundle={bundle}",
            )
        # the lab is stopped: the offline run has only the bundle (and, as root, no network)
        wrap = _no_network()
        offline = _run(
            out / "offline",
            "postinstall",
            f"--inventory={lab.inventory_path}",
            f"--snapshot={bundle}",
            wrap=wrap,
        )
        lines += _summary_lines(
            f"postinstall, scenario day-one, live ({out / 'postinstall'})",
            live,
            out / "postinstall" / "report.json",
        ) + [""]
        live_v, offline_v = _verdicts(live), _verdicts(offline)
        differ = sorted(
            k for k in set(live_v) | set(offline_v) if live_v.get(k) != offline_v.get(k)
        )
        where = "in a namespace without network, " if wrap else ""
        lines.append(
            f"postinstall offline on {bundle} ({where}the lab stopped): "
            + (
                f"all {len(live_v)} verdicts identical to the live run"
                if not differ
                else f"{len(differ)} verdicts DIFFER from the live run: "
                + ", ".join(f"{c} [{s}]" for c, s in differ[:5])
                + (
                    f", … ({len(differ) - 5} more: compare {out / 'postinstall' / 'report.json'} "
                    f"with {out / 'offline' / 'report.json'})"
                    if len(differ) > 5
                    else ""
                )
            )
        )
        ok &= not differ and live["summary"]["failed"] > 0

    text = "\n".join(lines)
    (out / "demo.txt").write_text(text + "\n")
    print(text)
    print(f"\nopen {out / 'report.html'} (and clean/, postinstall/, offline/ beside it)")
    return 0 if ok else 1
