"""What imageregistry.storage gathers: the image registry operator's config.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import REGISTRY_CONFIGS
from collectors.site import Site


def cluster_subject(site: Site) -> list[str]:
    """One subject, the cluster: there is one registry config."""
    return ["cluster"]


def gather_registry(site: Site, subject: str) -> Obj:
    return F.source(site).get(REGISTRY_CONFIGS, "cluster")
