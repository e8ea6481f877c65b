"""Is an image in the mirror? The interface the postinstall checks use, over issue 4's client.

``lookups(site, refs)`` asks the mirror for every reference once per run (in parallel, cached,
with the run's shared client ``registry.client_for``);
``candidates(ref, rules, mirror_host)`` says where a disconnected cluster would pull ``ref``
from: through ICSP/IDMS for a digest, and only from the mirror host.

>>> from collectors.images.mirrors import MirrorRule
>>> art = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
>>> rules = [MirrorRule(art, ("m:5000/ocp4/openshift4",))]
>>> [str(c)[:24] for c in candidates(f"{art}@sha256:" + "a" * 64, rules, "m:5000")]
['m:5000/ocp4/openshift4@s']
>>> candidates("registry.redhat.io/rhscl/nginx:latest", rules, "m:5000")
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from collectors.errors import FactError, InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference
from collectors.images.mirrors import MirrorRule, map_reference
from collectors.images.registry import client_for


def candidates(ref: str, rules: Iterable[MirrorRule], mirror_host: str) -> list[ImageRef]:
    """Where ``ref`` can be pulled from in a disconnected site: mirrors on ``mirror_host``."""
    try:
        parsed = parse_reference(ref)
    except ImageRefError as exc:
        raise InputError(ref, f"not an image reference: {exc}") from None
    return [c for c in map_reference(parsed, list(rules)) if c.registry == mirror_host]


def lookups(site: Any, refs: Iterable[ImageRef]) -> dict[str, bool | FactError]:
    """``str(ref)`` -> present, or the FactError that says why the mirror could not tell."""
    wanted = list(dict.fromkeys(refs))
    cache: dict[str, bool | FactError] = site.memo("mirror_lookups", dict)
    todo = [r for r in wanted if str(r) not in cache]
    if todo:
        for ref, found in client_for(site).has_manifests(todo).items():
            cache[str(ref)] = found
    return {str(r): cache[str(r)] for r in wanted}
