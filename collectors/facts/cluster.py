"""What cluster.operators gathers: the ClusterOperators (``--kubeconfig`` or ``--snapshot``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import CLUSTEROPERATORS
from collectors.site import Site


def operator_names(site: Site) -> list[str]:
    return [F.name_of(o) for o in F.listing(site, CLUSTEROPERATORS)]


def gather_operator(site: Site, subject: str) -> Obj:
    return F.named(F.listing(site, CLUSTEROPERATORS), subject)
