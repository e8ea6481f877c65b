"""The README's check table is kept in step with the checks' metadata.

Regenerate the table in place with ``python -m tests.test_readme --write``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from checks.base import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- checks:start -->", "<!-- checks:end -->"


def load_all_checks() -> None:
    for path in sorted((ROOT / "checks").glob("*.py")):
        if not path.name.startswith("_"):
            importlib.import_module(f"checks.{path.stem}")


def check_table() -> str:
    load_all_checks()
    rows = ["| check | markers | subject | fails when |", "|---|---|---|---|"]
    for spec in sorted(REGISTRY.values(), key=lambda s: s.id):
        subject = f"`{spec.subject}`" if "<" in spec.subject else spec.subject
        cells = [f"`{spec.id}`", ", ".join(spec.markers), subject, spec.fails_when]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def test_readme_check_table_matches_the_code() -> None:
    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert match, "README.md lacks the check table markers"
    assert match.group(1) == check_table(), (
        "README check table is stale: run python -m tests.test_readme --write"
    )


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    commands = re.findall(r"^\s*(\./run \w+)", text, re.M)
    assert commands[:2] == ["./run demo", "./run test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./run test" in ci


def write_readme() -> None:
    path = ROOT / "README.md"
    text = path.read_text()
    pattern = re.escape(START) + r"\n.*?" + re.escape(END)
    path.write_text(re.sub(pattern, lambda _: f"{START}\n{check_table()}\n{END}", text, flags=re.S))


if __name__ == "__main__":
    import sys

    if "--write" in sys.argv:
        write_readme()
    else:
        print(check_table())
