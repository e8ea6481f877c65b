"""``python -m lab``: start, stop and demonstrate the lab.

python -m lab up --scenario missing-ptr --dir /tmp/lab   # leaves servers running
python -m lab down --dir /tmp/lab                        # stops them by PID
python -m lab scenarios                                  # what each scenario breaks
python -m lab demo --out out                             # preflight on a broken and the clean site
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab.core import PARTS, Lab
from lab.procs import stop_recorded
from lab.scenarios import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the lab and leave it running")
    up.add_argument("--scenario", default="clean", choices=sorted(SCENARIOS))
    up.add_argument("--dir", required=True, type=Path)
    up.add_argument("--parts", default="", help=f"extra parts, comma-separated: {', '.join(PARTS)}")
    up.add_argument(
        "--max-seconds", type=float, default=3600, help="servers that can stop themselves do"
    )
    down = sub.add_parser("down", help="stop what 'up' started in --dir")
    down.add_argument("--dir", required=True, type=Path)
    sub.add_parser("scenarios", help="list the scenarios")
    demo = sub.add_parser("demo", help="run the preflight on a broken scenario and the clean one")
    demo.add_argument("--out", default=Path("out"), type=Path)
    demo.add_argument(
        "--scenario",
        default="field-day",
        choices=sorted(SCENARIOS),
        help="the broken site for the preflight",
    )
    demo.add_argument(
        "--quick", action="store_true", help="network part only (DNS and load balancer)"
    )
    args = parser.parse_args(argv)

    if args.command == "scenarios":
        for s in SCENARIOS.values():
            print(f"{s.name:24} {s.description}")
        return 0
    if args.command == "down":
        print(f"stopped {stop_recorded(args.dir)} process(es) recorded in {args.dir}/pids.json")
        return 0
    if args.command == "up":
        parts = tuple(p for p in args.parts.split(",") if p)
        lab = Lab(args.dir, args.scenario, parts=parts, max_seconds=args.max_seconds)
        lab.start()
        # the slot stays locked: every server inherited the lock
        print(f"lab up: scenario {args.scenario}, inventory {lab.inventory_path}")
        print(f"stop it with: python -m lab down --dir {args.dir}")
        return 0
    from lab.demo import run_demo

    return run_demo(args.out, args.scenario, quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
