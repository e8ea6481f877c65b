"""What operatorhub.sources gathers: the OperatorHub (in a disconnected site) and each
CatalogSource with the pods serving it.

An address-based CatalogSource (``spec.address``, grpc to a server elsewhere, no ``spec.image``)
has no pod by design: its pods are not listed. Pods of a namespace the snapshot did not collect
are "not collected" (an error saying how to collect them), never "no pod".

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.cluster import facts as F
from collectors.cluster.base import UNREADABLE, Obj, ResourceMissing
from collectors.cluster.resources import CATALOGSOURCES, OPERATORHUBS, PODS
from collectors.errors import FactError
from collectors.site import Site
from collectors.visible import shell_word


def operatorhub_subjects(site: Site) -> list[str]:
    subjects = ["cluster"] if site.inv.has("mirror.registry") else []
    subjects += [F.ns_name(c) for c in F.listing(site, CATALOGSOURCES, optional=True)]
    return subjects


@dataclass(frozen=True)
class CatalogFacts:
    """A CatalogSource and the pods serving it (none listed for an address-based source)."""

    source: Obj
    pods: tuple[Obj, ...]

    @property
    def address(self) -> str | None:
        """``spec.address`` of a source served from elsewhere (no image, no pod), else None.

        >>> CatalogFacts({"spec": {"address": "10.0.0.5:50051"}}, ()).address
        '10.0.0.5:50051'
        >>> CatalogFacts({"spec": {"image": "mirror/idx:v4", "address": "x"}}, ()).address
        """
        spec = self.source.get("spec") or {}
        address = spec.get("address")
        return address if isinstance(address, str) and address and not spec.get("image") else None


def catalog_pods(site: Site, ns: str, name: str) -> tuple[Obj, ...]:
    """The pods labelled ``olm.catalogSource=<name>`` in ``ns``; a namespace whose pods the
    snapshot did not collect raises FactError saying how to collect them."""
    try:
        pods = F.listing(site, PODS, ns)
    except (ResourceMissing, FactError) as exc:
        raise FactError(
            f"pods of namespace {ns} not collected ({exc}): CatalogSource {ns}/{name}'s pod "
            "cannot be judged"
        ).with_remediation(
            f"collect the namespace with `oc adm inspect ns/{ns} --dest-dir=inspect-{ns}` and give "
            "that folder (or a must-gather that holds it) to --snapshot"
        ) from None
    found = tuple(p for p in pods if F.labels(p).get("olm.catalogSource") == name)
    if not found and pods.broken:  # its pod may be one that could not be read
        raise FactError(
            f"no readable pod of CatalogSource {ns}/{name}, and {len(pods.broken)} pod(s) of "
            f"{ns} could not be read (one may be it), e.g. {pods.broken[0][UNREADABLE]}"
        ).with_remediation(
            f"repair or regenerate the pods named (oc get pods -n {shell_word(ns)} -o yaml)"
        )
    return found


def gather_operatorhub(site: Site, subject: str) -> Any:
    if subject == "cluster":
        return F.source(site).get(OPERATORHUBS, "cluster")
    ns, name = subject.split("/", 1)
    source = F.named(F.listing(site, CATALOGSOURCES), name, ns)
    facts = CatalogFacts(source, ())
    if facts.address is not None:
        return facts
    return CatalogFacts(source, catalog_pods(site, ns, name))
