"""Benchmark: start-up of ``upi-conformance``, this tree beside its base commit on main.

    python bench/startup.py [--base COMMIT] [--runs 7] [--nodes 50]

Two commands, each run ``--runs`` times per tree, the best wall time printed (the machine is
shared, so the best of several is the figure; baseline and new are timed in the same run,
alternating):

- ``upi-conformance --list-checks`` (bytecode cache and kept check catalog as left by a first
  run), and the same with no kept catalog (a fresh ``$XDG_CACHE_HOME`` each run: the first
  listing after the checks changed, which imports them);
- ``upi-conformance --co -q --inventory <50-node site>`` with no bytecode cache for the suite:
  each tree is a fresh copy without ``__pycache__``, run with ``PYTHONDONTWRITEBYTECODE=1``.

The base is a temporary ``git worktree`` of ``--base``; this tree is copied (tracked and new
files). Both run as the console script does (``fixtures.cli.main``), from their own folder,
with ``-p no:hypothesispytest``: hypothesis is a test dependency (not in the offline kit) and
without a bytecode cache pytest would rewrite its 73 modules in both. Aims: ``--list-checks``
< 300 ms, ``--co`` < 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = "import sys; from fixtures.cli import main; sys.exit(main())"


def inventory(path: Path, nodes: int) -> Path:
    """A site of ``nodes`` nodes on loopback addresses (nothing is asked of it by ``--co``).

    >>> import tempfile
    >>> text = inventory(Path(tempfile.mkdtemp()) / "s.yaml", 4).read_text()
    >>> text.count("role: worker")
    1
    """
    lines = [
        "cluster: {name: bench, base_domain: example.localdomain}",
        'dns: {servers: ["127.0.0.1:5399"]}',
        "load_balancer: {api: 127.0.0.2, api_int: 127.0.0.3, ingress: 127.0.0.4}",
        "nodes:",
        "  - {name: bs, role: bootstrap, ip: 127.0.1.1}",
    ]
    lines += [f"  - {{name: m{i}, role: master, ip: 127.0.1.{10 + i}}}" for i in range(3)]
    lines += [
        f"  - {{name: w{i}, role: worker, ip: 127.0.{2 + i // 200}.{10 + i % 200}}}"
        for i in range(max(0, nodes - 4))
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def copy_tree(dest: Path) -> Path:
    """This tree's tracked and new files, without any ``__pycache__``."""
    names = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, names):
        src = ROOT / name
        if "__pycache__" in name or not src.is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / name)
    return dest


def timed(tree: Path, args: list[str], *, cache: bool, kept: bool = True) -> float:
    """Wall seconds of one ``upi-conformance ARGS`` run from ``tree``; ``kept=False``: with an
    empty user cache folder (no check catalog kept). Each tree keeps its own catalog: in one
    folder the trees, alternating, would replace each other's."""
    own = tree.parent / f"xdg-cache-{tree.name}"
    folder = own if kept else Path(tempfile.mkdtemp(dir=tree.parent))
    env = {**os.environ, "PYTHONPATH": str(tree), "XDG_CACHE_HOME": str(folder)}
    if cache:  # a shell that exports it (CI images do) would make every run compile
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = [sys.executable, "-c", MAIN, *args, "-p", "no:hypothesispytest"]
    if "--list-checks" in args:
        argv = argv[:-2]  # answered before pytest loads any plugin
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return wall


def best(
    trees: dict[str, Path], args: list[str], runs: int, cache: bool, kept: bool = True
) -> dict[str, float]:
    """The best of ``runs`` per tree, the trees alternating run by run."""
    out = {name: float("inf") for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():
            out[name] = min(out[name], timed(tree, args, cache=cache, kept=kept))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", default=None, help="the commit to compare with (default: merge-base with main)"
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--nodes", type=int, default=50)
    args = parser.parse_args()
    if args.base is None:
        args.base = subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()[:10]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(
            ["git", "worktree", "add", "-q", "--detach", str(base), args.base],
            cwd=ROOT,
            check=True,
        )
        try:
            trees = {args.base: base, "this tree": copy_tree(work / "new")}
            site = inventory(work / "site.yaml", args.nodes)
            for tree in trees.values():  # leave the bytecode cache a first run writes
                timed(tree, ["--list-checks"], cache=True)
            listing = best(trees, ["--list-checks"], args.runs, cache=True)
            first = best(trees, ["--list-checks"], args.runs, cache=True, kept=False)
            for tree in trees.values():
                for cache in tree.rglob("__pycache__"):
                    shutil.rmtree(cache, ignore_errors=True)
            co_args = ["--co", "-q", f"--inventory={site}"]
            collect = best(trees, co_args, args.runs, cache=False)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
    print(f"best of {args.runs} runs each, trees alternating (2 shared cores: noisy)")
    print(
        f"{'':20} {'--list-checks':>14} {'(no kept catalog)':>18} {'--co, no bytecode cache':>24}"
    )
    for name in trees:
        print(
            f"{name:20} {listing[name] * 1000:11.0f} ms {first[name] * 1000:15.0f} ms "
            f"{collect[name] * 1000:21.0f} ms"
        )
    print(f"aims: --list-checks < 300 ms; --co on {args.nodes} nodes < 1000 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
