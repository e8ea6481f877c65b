"""Benchmark: every preflight check that needs no SSH on a generated site in the lab.

    python bench/preflight_scale.py [--nodes 2000] [--parts registry,time]

The lab runs the network (BIND, HAProxy, node ports) plus ``--parts`` (default: the mirror
registry with its install-config, and chrony for time.sync), so DNS, LB, mirror, install-config
and time checks all run; the bastion checks (SSH) are left out. Prints wall time with and
without ``-n auto``, and the suite's overhead per check: the
serial run's wall time minus the time the same DNS and TCP questions take when asked directly,
divided by the number of checks. Aims: issue 2, under 10 s with ``-n auto`` on 2 cores at 500
nodes and under 5 ms of overhead per check; issue 14, under 10 s at 2,000 nodes, serial or
``-n auto`` (whichever the README recommends); issue 21, under 10 s serial at 4,000 nodes and
``-n auto`` never slower than serial.

Each figure is printed beside its baseline, measured in the same run: the suite at the commit
this branch started from (``--baseline``, default the merge base with ``main``), checked out in
a temporary git worktree and run from there in a subprocess against the same lab. The machine is
shared and noisy: each run is repeated (``--repeat``), baseline and new in turn, and the best
is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402, F401 - the children it starts keep a bytecode cache
from collectors.inventory import load_inventory  # noqa: E402
from collectors.transport.dns import DnsClient, reverse_name  # noqa: E402
from collectors.transport.net import probe_tcp  # noqa: E402
from lab import Lab  # noqa: E402


def run(inventory: Path, *extra: str, root: Path = ROOT) -> tuple[float, dict]:
    """One preflight run of the suite in ``root``: wall time and its JSON report."""
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
            cwd=root,
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - start
        return wall, json.loads(report.read_text())


def direct_questions(inventory: Path) -> float:
    """Ask the same questions as the checks, directly, as this tree's client asks them (one
    batch per server): the network's share of the run."""
    inv = load_inventory(inventory)
    client = DnsClient()
    start = time.perf_counter()
    questions = [(n.fqdn, "A") for n in inv.nodes] + [
        (reverse_name(n.ip), "PTR") for n in inv.nodes
    ]
    client.prefetch(inv.dns_servers, questions)
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


@contextlib.contextmanager
def baseline_tree(commit: str) -> Iterator[Path]:
    """``commit`` checked out in a temporary git worktree (removed afterwards).

    ``with baseline_tree("main") as root: run(inventory, root=root)``
    """
    sha = _git("rev-parse", commit)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        _git("worktree", "add", "--detach", str(tree), sha)
        try:
            yield tree
        finally:
            _git("worktree", "remove", "--force", str(tree))


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def best_of(repeat: int, runs: dict[str, tuple[Path, tuple[str, ...]]], inv: Path) -> dict:
    """Each named run ``repeat`` times, in turn; its best wall time and its last report.

    >>> best_of(0, {}, Path("site.yaml"))
    {}
    """
    walls: dict[str, list[float]] = {name: [] for name in runs}
    reports: dict[str, dict] = {}
    for _ in range(repeat):
        for name, (root, extra) in runs.items():
            wall, reports[name] = run(inv, *extra, root=root)
            walls[name].append(wall)
    return {name: (min(walls[name]), reports[name]) for name in walls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--parts", default="registry,time", help="lab parts beside the network")
    parser.add_argument("--baseline", default="", help="commit to compare with (merge base)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, best printed")
    args = parser.parse_args()
    commit = args.baseline or _git("merge-base", "HEAD", "main")
    extra = max(0, args.nodes - 10)
    parts = tuple(p for p in args.parts.split(",") if p)
    with (
        tempfile.TemporaryDirectory() as tmp,
        Lab(Path(tmp), "clean", parts=parts, extra_workers=extra, max_seconds=3600) as lab,
        baseline_tree(commit) as base,
    ):
        inv = lab.inventory_path
        run(inv, root=base)  # warm caches (imports, bytecode)
        run(inv)
        runs = {
            "base serial": (base, ()),
            "new serial": (ROOT, ()),
            "base -n": (base, ("-n", "auto")),
            "new -n": (ROOT, ("-n", "auto")),
            "base -n 2": (base, ("-n", "2")),
            "new -n 2": (ROOT, ("-n", "2")),
            "base collect": (base, ("--collect-only",)),
            "new collect": (ROOT, ("--collect-only",)),
        }
        best = best_of(args.repeat, runs, inv)
        network = direct_questions(inv)
        _print(args.nodes, commit, args.repeat, best, network)


def _print(nodes: int, commit: str, repeat: int, best: dict, network: float) -> None:
    """The figures, new beside baseline."""
    report = best["new serial"][1]
    checks = sum(report["summary"].values())
    print(f"site: {nodes} nodes, {checks} checks; outcomes {report['summary']}")
    print(f"baseline: {commit[:12]} (temporary worktree); best of {repeat} runs each")
    print(f"{'':24}{'new':>9}{'baseline':>11}")
    for label, key, aim in (
        ("wall, serial:", "serial", "(aim < 10 s at 4,000 nodes)"),
        ("wall, -n auto:", "-n", "(aim: not slower than serial)"),
        ("wall, -n 2:", "-n 2", "(two workers, whatever the cores)"),
        ("startup + collection:", "collect", ""),
    ):
        new, old = best[f"new {key}"][0], best[f"base {key}"][0]
        print(f"{label:24}{new:7.2f} s{old:9.2f} s   {aim}")
    print(f"network share (direct): {network:7.2f} s (this tree's client, batched)")
    serial, collect = best["new serial"][0], best["new collect"][0]
    per_check = (serial - network) / checks * 1000
    per_check_run = (serial - collect - network) / checks * 1000
    print(
        f"suite overhead/check:  {per_check:7.2f} ms including start-up, "
        f"{per_check_run:.2f} ms excluding it (aim < 5 ms)"
    )
    same = _outcomes(report) == _outcomes(best["new -n"][1]) == _outcomes(best["base serial"][1])
    print(f"same outcomes (new serial, new -n, baseline): {same}")


def _outcomes(report: dict) -> list[tuple[str, str, str]]:
    return sorted((r["check"], r["subject"], r["outcome"]) for r in report["results"])


if __name__ == "__main__":
    main()
