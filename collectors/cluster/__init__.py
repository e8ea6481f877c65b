"""The cluster as plain dicts, from a live API server or a must-gather snapshot.

Checks ask a :class:`ClusterSource` for objects by resource; both backends return the same
JSON-shaped dicts, so a verdict never depends on where the cluster came from.

>>> from collectors.cluster.resources import NODES
>>> NODES.folder, NODES.api_path()
('core/nodes', '/api/v1/nodes')

PYTEST_DONT_REWRITE
"""

from collectors.cluster.base import (
    CachedSource,
    ClusterSource,
    NotCollected,
    ObjectMissing,
    ResourceMissing,
)
from collectors.cluster.resources import Resource

__all__ = [
    "CachedSource",
    "ClusterSource",
    "NotCollected",
    "ObjectMissing",
    "Resource",
    "ResourceMissing",
]
