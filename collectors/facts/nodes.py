"""What nodes.ready and nodes.names gather: the cluster's Node objects, by name.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import NODES
from collectors.site import Site


def node_names(site: Site) -> list[str]:
    return F.listing(site, NODES).subject_names()  # unreadable nodes too: they error alone


def gather_node(site: Site, subject: str) -> Obj:
    return F.named(F.listing(site, NODES), subject)
