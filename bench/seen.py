"""Benchmark: what naming each image of an oc-mirror v2 workspace once costs, as it grows.

    python bench/seen.py [--counts 5000,20000,80000,200000,1000000]

``collectors.images.seen.Seen`` (what mirror.operators remembers per image) is given ``count``
distinct image references, then each again, in a child process of its own per count; printed:
microseconds per reference and the child's peak resident memory (``VmHWM``, which counts
SQLite's page cache and everything else outside Python's heap that tracemalloc cannot see),
beside a Python ``set`` of the same references, the simplest code that would do. Aim (issue 20):
memory flat as the catalog grows, whatever its size; the table holds the first 87,381 images
and the rest spill to a temporary file, so the last counts measure the spill.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402, F401 - the children it starts keep a bytecode cache

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from collectors.images.seen import Seen
count, kind = {count}, {kind!r}
refs = (f"registry.redhat.io/ns-{{i % 97}}/op@sha256:{{i:064x}}" for n in range(2 * count)
        for i in [n % count])  # each reference twice
t = time.perf_counter()
if kind == "seen":
    with Seen() as seen:
        new = sum(map(seen.first, refs))
        spilled = seen.spilled
else:
    known, new, spilled = set(), 0, 0
    for ref in refs:
        if ref not in known:
            known.add(ref)
            new += 1
seconds = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"new": new, "spilled": spilled, "seconds": seconds, "hwm_kib": hwm}}))
"""


def run(count: int, kind: str) -> dict:
    code = CHILD.format(root=str(ROOT), count=count, kind=kind)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    result = json.loads(out.stdout)
    assert result["new"] == count, result
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="5000,20000,80000,200000,1000000")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",") if c]
    print(
        f"{'images':>10} {'us/ref':>7} {'peak RSS MiB':>13} {'spilled':>9}   {'set: us/ref':>11} "
        f"{'peak RSS MiB':>13}"
    )
    first = None
    for count in counts:
        s, p = run(count, "seen"), run(count, "set")
        rss, set_rss = s["hwm_kib"] / 1024, p["hwm_kib"] / 1024
        first = first if first is not None else (count, rss)
        print(
            f"{count:10,} {s['seconds'] / (2 * count) * 1e6:7.2f} {rss:13.1f} {s['spilled']:9,}"
            f"   {p['seconds'] / (2 * count) * 1e6:11.2f} {set_rss:13.1f}"
        )
    if first is not None and len(counts) > 1:
        grow = (rss - first[1]) * 2**20 / max(1, counts[-1] - first[0])
        print(
            f"peak RSS from {first[0]:,} to {counts[-1]:,} images: {grow:+.1f} bytes per extra "
            "image (aim: flat)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
