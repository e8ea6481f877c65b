"""What operatorhub.sources gathers: the OperatorHub (in a disconnected site) and each
CatalogSource with the pods serving it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import CATALOGSOURCES, OPERATORHUBS, PODS
from collectors.site import Site


def operatorhub_subjects(site: Site) -> list[str]:
    subjects = ["cluster"] if site.inv.has("mirror.registry") else []
    subjects += [F.ns_name(c) for c in F.listing(site, CATALOGSOURCES, optional=True)]
    return subjects


@dataclass(frozen=True)
class CatalogFacts:
    source: Obj
    pods: tuple[Obj, ...]


def gather_operatorhub(site: Site, subject: str) -> Any:
    if subject == "cluster":
        return F.source(site).get(OPERATORHUBS, "cluster")
    ns, name = subject.split("/", 1)
    source = F.named(F.listing(site, CATALOGSOURCES), name, ns)
    pods = tuple(
        p for p in F.listing(site, PODS, ns) if F.labels(p).get("olm.catalogSource") == name
    )
    return CatalogFacts(source, pods)
