"""Direct tests of the checks' pure evaluate functions, one module per check module:
``tests/checks/test_<name>.py`` tests ``checks/<name>.py`` (no servers, no site)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from collectors.inventory import Inventory, load_inventory

CLUSTER = "cluster: {name: ocp45, base_domain: example.localdomain}\n"


def inventory(text: str = "") -> Inventory:
    """An inventory from YAML ``text`` (the cluster section is added when missing)."""
    folder = Path(tempfile.mkdtemp(prefix="upi-inv-"))
    path = folder / "site.yaml"
    path.write_text(text if text.startswith("cluster:") else CLUSTER + text)
    return load_inventory(path)
