"""The site inventory (contract §2): load, validate, and resolve paths.

The modules: ``model`` (Inventory and its parts, InventoryError, ``split_host_port``),
``yamlsource`` (YAML composed with the line of every key), ``sections`` (the Validator and one
validation function per section, in the order of ``SECTIONS``) and ``loader``
(``load_inventory``). The names other code uses are re-exported here.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collectors.inventory.loader import load_inventory
from collectors.inventory.model import (
    DEFAULT_PORTS,
    HOST_KEY_POLICIES,
    ROLES,
    Bastion,
    DnsServer,
    Ignition,
    Installer,
    Inventory,
    InventoryError,
    LoadBalancer,
    Mirror,
    Node,
    Ntp,
    SshDefaults,
    SshTarget,
    split_host_port,
)

__all__ = [
    "DEFAULT_PORTS",
    "HOST_KEY_POLICIES",
    "ROLES",
    "Bastion",
    "DnsServer",
    "Ignition",
    "Installer",
    "Inventory",
    "InventoryError",
    "LoadBalancer",
    "Mirror",
    "Node",
    "Ntp",
    "SshDefaults",
    "SshTarget",
    "load_inventory",
    "split_host_port",
]
