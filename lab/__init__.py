"""The local lab: the seed site's real servers on loopback, and scenarios that break them.

``with Lab(tmpdir, scenario="missing-ptr") as lab:`` starts BIND, HAProxy and stand-in node
ports for the cluster ``ocp45.example.localdomain`` and writes ``lab.inventory_path``.
``python -m lab --help`` drives it from a shell.
"""

from typing import Any

__all__ = ["Lab"]


def __getattr__(name: str) -> Any:
    """``from lab import Lab`` without importing every part for ``python -m lab.packages``."""
    if name == "Lab":
        from lab.core import Lab

        return Lab
    raise AttributeError(name)
