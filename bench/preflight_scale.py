"""Benchmark: every preflight check that needs no SSH on a generated site in the lab.

    python bench/preflight_scale.py [--nodes 2000] [--parts registry,time]

The lab runs the network (BIND, HAProxy, node ports) plus ``--parts`` (default: the mirror
registry with its install-config, and chrony for time.sync), so DNS, LB, mirror, install-config
and time checks all run; the bastion checks (SSH) are left out. Prints wall time with and
without ``-n auto``, and the suite's overhead per check: the
serial run's wall time minus the time the same DNS and TCP questions take when asked directly,
divided by the number of checks. Aims: issue 2, under 10 s with ``-n auto`` on 2 cores at 500
nodes and under 5 ms of overhead per check; issue 14, under 10 s at 2,000 nodes, serial or
``-n auto`` (whichever the README recommends).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors.inventory import load_inventory  # noqa: E402
from collectors.transport.dns import DnsClient, reverse_name  # noqa: E402
from collectors.transport.net import probe_tcp  # noqa: E402
from lab import Lab  # noqa: E402


def run(inventory: Path, *extra: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-m",
                "preflight",
                f"--inventory={inventory}",
                f"--report-json={report}",
                "-q",
                "-p",
                "no:randomly",
                *extra,
            ],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - start
        return wall, json.loads(report.read_text())


def direct_questions(inventory: Path) -> float:
    """Ask the same questions as the checks, directly, serially: the network's share of the run."""
    inv = load_inventory(inventory)
    client = DnsClient()
    start = time.perf_counter()
    for server in inv.dns_servers:
        for node in inv.nodes:
            client.query(server, node.fqdn, "A")
            client.query(server, reverse_name(node.ip), "PTR")
    lb = inv.load_balancer
    for vip, port in (
        (lb.api, 6443),
        (lb.api_int, 6443),
        (lb.api_int, 22623),
        (lb.ingress, 80),
        (lb.ingress, 443),
    ):
        probe_tcp(vip, port)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--parts", default="registry,time", help="lab parts beside the network")
    args = parser.parse_args()
    extra = max(0, args.nodes - 10)
    parts = tuple(p for p in args.parts.split(",") if p)
    with (
        tempfile.TemporaryDirectory() as tmp,
        Lab(Path(tmp), "clean", parts=parts, extra_workers=extra, max_seconds=900) as lab,
    ):
        inv = lab.inventory_path
        run(inv)  # warm caches (imports, bytecode)
        serial, report = run(inv)
        parallel, report_n = run(inv, "-n", "auto")
        collect, _ = run(inv, "--collect-only")
        network = direct_questions(inv)
        checks = sum(report["summary"].values())
        print(f"site: {args.nodes} nodes, {checks} checks; outcomes {report['summary']}")
        print(f"wall, serial:          {serial:7.2f} s")
        print(f"wall, -n auto:         {parallel:7.2f} s   (aim < 10 s)")
        print(f"startup + collection:  {collect:7.2f} s")
        print(f"network share (direct):{network:7.2f} s")
        per_check = (serial - network) / checks * 1000
        per_check_run = (serial - collect - network) / checks * 1000
        print(
            f"suite overhead/check:  {per_check:7.2f} ms including start-up, "
            f"{per_check_run:.2f} ms excluding it (aim < 5 ms)"
        )
        print(f"same results with -n:  {_outcomes(report) == _outcomes(report_n)}")


def _outcomes(report: dict) -> list[tuple[str, str, str]]:
    return sorted((r["check"], r["subject"], r["outcome"]) for r in report["results"])


if __name__ == "__main__":
    main()
