"""Benchmark: a site whose every packet is dropped, and a machine with no route to it.

    python bench/silent_site.py [--scenario site-clean]

The lab's files are made (inventory, ignition, install-config, catalogs) and its servers
stopped; the preflight then runs in a network namespace where every packet to 127.0.0.0/8 is
dropped (connects hang until their timeout), serial and with ``-n auto``, and once more where
loopback is down (no route: every connect fails at once). Prints, beside the aim of issue 18
("about one timeout per dead server"), the wall time, the number of dead servers the report
names in ``run.unreachable``, the waits ``run.dead_sources`` counted, and that no outcome is
*failed*. Traffic stays inside the namespace.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402, F401 - the children it starts keep a bytecode cache
from lab import Lab  # noqa: E402

DROP = 'ip link set lo up && iptables -A OUTPUT -d 127.0.0.0/8 -j DROP && exec "$@"'
TIMEOUTS = {"UPI_TCP_TIMEOUT": "3", "UPI_DNS_TIMEOUT": "2", "UPI_HTTP_TIMEOUT": "10"}


def run(inventory: Path, wrap: list[str], *extra: str, root: Path = ROOT) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        argv = [
            *wrap,
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "preflight",
            "-q",
            f"--inventory={inventory}",
            f"--report-json={report}",
            *extra,
        ]
        start = time.perf_counter()
        subprocess.run(
            argv,
            cwd=root,
            capture_output=True,
            timeout=1800,
            check=False,
            env={**__import__("os").environ, **TIMEOUTS},
        )
        return time.perf_counter() - start, json.loads(report.read_text())


def describe(name: str, seconds: float, report: dict) -> str:
    run_ = report["run"]
    causes, dead = run_["unreachable"], run_["dead_sources"]
    failed = report["summary"]["failed"]
    waits = sum(d["waits"] for d in dead)
    return (
        f"{name:40} {seconds:6.1f} s  causes {len(causes):2}  dead servers {len(dead):2}  "
        f"waits {waits:2}  failed {failed}  errors {report['summary']['error']}"
    )


def best(
    inventory: Path, wrap: list[str], extra: tuple[str, ...], root: Path
) -> tuple[float, dict]:
    """The faster of two runs."""
    return min((run(inventory, wrap, *extra, root=root) for _ in range(2)), key=lambda r: r[0])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="site-clean")
    parser.add_argument("--base", default="main", help="the commit to compare with (git archive)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="silent-base-"))
    try:
        archive = subprocess.run(
            ["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        return compare(args.scenario, args.base, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def compare(scenario: str, name: str, base: Path) -> int:
    args = argparse.Namespace(scenario=scenario)
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(Path(tmp) / "lab", args.scenario, max_seconds=600)
        lab.start()
        lab.stop(keep_slot=True)
        try:
            inv = lab.inventory_path
            print(f"silent site ({args.scenario}), timeouts {TIMEOUTS}")
            print("aim (issue 18): about one timeout per dead server; no outcome failed")
            silent = ["unshare", "-n", "sh", "-c", DROP, "sh"]
            print(f"best of 2 runs each; each line of this tree under the line of {name}")
            for label, wrap, extra in (
                ("packets dropped, serial", silent, ()),
                ("packets dropped, -n auto", silent, ("-n", "auto")),
                ("packets dropped, -n 2", silent, ("-n", "2")),
                ("no route (loopback down)", ["unshare", "-n"], ()),
            ):
                seconds, report = best(inv, wrap, extra, base)
                print(describe(f"{label} [{name}]", seconds, report))
                seconds, report = best(inv, wrap, extra, ROOT)
                print(describe(f"{label} [this tree]", seconds, report))
        finally:
            lab.release_slot()
    return 0


if __name__ == "__main__":
    sys.exit(main())
