"""docs/inventory.md: every inventory key, its default, the checks that need it and where the
code reads it, and an example, generated from the validators' key metadata
(:data:`collectors.inventory.sections.KEYS`) and the checks' ``@check(requires=...)``, as
docs/checks.md is from the check metadata. ``python -m reports.inventory_doc > docs/inventory.md``;
tests/test_inventory_doc.py fails when the file and the code disagree.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

from checks.base import CheckSpec
from collectors.inventory.sections import KEYS, SECTIONS, Key
from reports.catalog import load_checks

ROOT = Path(__file__).resolve().parent.parent
#: Where the checks read the inventory: their modules, their gather functions, the Site facade.
READERS = ("checks/*.py", "collectors/facts/*.py", "collectors/site.py")


@cache
def _sources() -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in READERS:
        for path in sorted(ROOT.glob(pattern)):
            if not path.name.startswith(("_", "test_")) and path.name != "base.py":
                found[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return found


def read_in(key: Key) -> list[str]:
    """The files of :data:`READERS` that read the key's model attribute (``key.reads``)."""
    if not key.reads:
        return []
    attrs = "|".join(re.escape(a.lstrip(".")) for a in key.reads.split("|"))
    pattern = re.compile(r"\.(?:" + attrs + r")\b")
    return [name for name, text in _sources().items() if pattern.search(text)]


def needed_by(key: str, specs: list[CheckSpec]) -> list[str]:
    """The checks whose ``requires`` names the key (skipped, naming it, without it)."""
    return [s.id for s in specs if key in s.requires]


def undocumented_requires(specs: list[CheckSpec]) -> list[str]:
    """``requires`` entries that name neither a documented key nor a section."""
    known = {k.key for keys in KEYS.values() for k in keys} | set(KEYS)
    return sorted({r for s in specs for r in s.requires if r not in known})


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def example_yaml() -> list[str]:
    """A whole inventory, every key with its example value (generated, so it never lags)."""
    out: list[str] = []
    for section, keys in KEYS.items():
        if section == "nodes":
            out.append("nodes:")
            item = ", ".join(f"{k.key[len('nodes[].') :]}: {k.example}" for k in keys[1:4])
            out.append(f"  - {{{item}}}")
            continue
        if section == "install_config":
            out.append(f"install_config: {keys[0].example}")
            continue
        out.append(f"{section}:")
        opened: set[str] = set()
        for k in keys:
            parts = k.key.split(".")[1:]
            if len(parts) == 2 and parts[0] not in opened:
                opened.add(parts[0])
                out.append(f"  {parts[0]}:")
            indent = "  " * len(parts)
            out.append(f"{indent}{parts[-1]}: {k.example}")
    return out


def markdown(specs: list[CheckSpec]) -> str:
    out = [
        "# Inventory",
        "",
        "<!-- Generated from the validators' key metadata (collectors/inventory/sections.py) and",
        "     the checks' requires by `python -m reports.inventory_doc > docs/inventory.md`;",
        "     tests/test_inventory_doc.py fails when this file and the code disagree.",
        "     Do not edit. -->",
        "",
        "The site inventory is the YAML file given with `--inventory FILE`. Relative paths in it",
        "are relative to that file. Only `cluster` (`name`, `base_domain`) is required; a check",
        "that needs a key the inventory lacks is *skipped*, naming the key. A key that is not",
        "listed here, or a bad value, stops the run with a usage error (exit 4) naming the file,",
        "the key and the line. `upi-conformance draft-inventory` writes a first draft from the",
        "site's files (install-config.yaml, haproxy.cfg, zone files, a node table, an",
        "agent-config.yaml).",
        "",
        "Columns: **default** (what the suite uses when the key is absent; empty: none, the checks",
        "that need it skip), **needed by** (the checks skipped without it: their `requires`),",
        "**read in** (the files of the checks and their gather functions that read it; SSH keys",
        "are read by the SSH transport, `collectors/transport/ssh.py`, for every target).",
        "",
        "## Every key at once",
        "",
        "```yaml",
        *example_yaml(),
        "```",
    ]
    order = [name for name, _ in SECTIONS]
    for section in order:
        keys = KEYS[section]
        out += ["", f"## {section}", ""]
        whole = needed_by(section, specs)
        if whole and section != keys[0].key:
            out += [f"Needed as a whole (not empty) by: {', '.join(_code(c) for c in whole)}.", ""]
        out += [
            "| key | meaning | default | needed by | read in | example |",
            "|---|---|---|---|---|---|",
        ]
        for k in keys:
            default = "required" if k.required else _cell(k.default)
            out.append(
                f"| `{k.key}` | {_cell(k.meaning)} | {default} "
                f"| {', '.join(_code(c) for c in needed_by(k.key, specs))} "
                f"| {', '.join(_code(f) for f in read_in(k))} | `{_cell(k.example)}` |"
            )
    return "\n".join(out) + "\n"


def main() -> int:
    sys.stdout.write(markdown(load_checks()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
