"""``python -m reports merge A.json B.tar.gz ... --html fleet.html [--json F] [--junit F]``.

See :mod:`reports.merge` for what the merge holds and its exit status.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import argparse
import json
import sys

from reports.merge import (
    MergeInputError,
    fleet_junit,
    load_report,
    merge_reports,
    render_fleet_html,
)
from reports.results import write_text_atomically


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    merge = commands.add_parser(
        "merge", help="many sites' reports on one page", description=__doc__.splitlines()[0]
    )
    merge.add_argument(
        "reports", nargs="+", metavar="REPORT", help="result JSON or bundle .tar.gz, one per run"
    )
    merge.add_argument("--html", metavar="FILE", help="the fleet page (sites x checks)")
    merge.add_argument("--json", metavar="FILE", help="the merged results as JSON")
    merge.add_argument("--junit", metavar="FILE", help="the merged results as JUnit XML")
    args = parser.parse_args(argv)
    if not (args.html or args.json or args.junit):
        parser.error("merge: give at least one of --html, --json, --junit")
    loaded, unreadable = [], []
    for path in args.reports:
        try:
            loaded.append(load_report(path))
        except MergeInputError as exc:
            unreadable.append(str(exc))
            print(f"skipped: {exc}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - one report never takes the fleet page down
            unreadable.append(f"{path}: {type(exc).__name__}: {exc} (a bug: please report it)")
            print(f"skipped: {unreadable[-1]}", file=sys.stderr)
    fleet = merge_reports(loaded, unreadable)
    outputs = [
        (args.html, lambda: render_fleet_html(fleet)),
        (args.json, lambda: json.dumps(fleet, indent=2, ensure_ascii=False) + "\n"),
        (args.junit, lambda: fleet_junit(fleet)),
    ]
    for path, render in outputs:
        if not path:
            continue
        try:
            write_text_atomically(path, render())
        except OSError as exc:
            print(f"cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"written: {path}")
    s = fleet["summary"]
    print(
        f"{len(loaded)} sites merged: {s['passed']} passed, {s['failed']} failed, "
        f"{s['error']} error, {s['skipped']} skipped"
        + (f"; {len(unreadable)} reports skipped (could not be read)" if unreadable else "")
    )
    return 1 if unreadable else 0


if __name__ == "__main__":
    sys.exit(main())
