"""Loading: read the file, compose its YAML with lines, run every section's validation, and
raise one :class:`InventoryError` listing all the problems, or return the :class:`Inventory`.

Every validation error names the file, the key and the line:

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "site.yaml"
>>> _ = p.write_text("cluster: {name: c, base_domain: example.com}\\n"
...                  "nodes:\\n  - {name: m1, role: boss, ip: 10.0.0.1}\\n")
>>> try:
...     load_inventory(p)
... except InventoryError as e:
...     print(str(e).replace(str(p), "site.yaml"))
site.yaml:3: nodes[0].role: must be one of bootstrap, master, worker, infra (got 'boss')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collectors import localfile
from collectors.errors import InputError
from collectors.inventory.model import Inventory, InventoryError
from collectors.inventory.sections import SECTIONS, Validator
from collectors.inventory.yamlsource import compose


def load_inventory(path: str | Path) -> Inventory:
    """Load and validate an inventory file; raise :class:`InventoryError` naming what is wrong."""
    path = Path(path).expanduser()
    try:
        text = localfile.read_text(path)
    except InputError as exc:
        reason = exc.reason.removeprefix("cannot read: ")
        raise InventoryError(path, [(None, "", f"cannot read inventory: {reason}")]) from None
    data, lines = compose(text, path)
    if not isinstance(data, dict):
        raise InventoryError(
            path, [(1, "", "must be a YAML mapping with at least a cluster section")]
        )
    return validate(path, data, lines)


def validate(path: Path, data: dict[str, Any], lines: dict[str, int]) -> Inventory:
    """The document checked section by section (unknown top-level keys first)."""
    v = Validator(path.resolve(), data, lines)
    v.mapping(data, "", {key for key, _ in SECTIONS})
    built: dict[str, Any] = {}
    for _key, section in SECTIONS:
        built.update(section(v, data, built))
    if v.problems:
        raise InventoryError(path, v.problems)
    return Inventory(path=path.resolve(), **built, raw=data, lines=lines)
