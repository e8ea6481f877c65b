"""What nodes.ready, nodes.names and nodes.joined gather: the cluster's Node objects, by name,
and for each inventory node the Node that stands for it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from collectors.cluster import facts as F
from collectors.cluster.base import UNREADABLE, Obj
from collectors.cluster.resources import CSRS, NODES
from collectors.errors import FactError
from collectors.site import Site


def node_names(site: Site) -> list[str]:
    return F.listing(site, NODES).subject_names()  # unreadable nodes too: they error alone


def gather_node(site: Site, subject: str) -> Obj:
    return F.named(F.listing(site, NODES), subject)


#: Inventory roles that become Nodes (the bootstrap never does).
JOINING_ROLES = ("master", "worker", "infra")


@dataclass(frozen=True)
class JoinFacts:
    """For one inventory node: the Node that stands for it (by name, FQDN or InternalIP),
    else None, and the pending CSRs that name it (``system:node:<name>``, or any node CSR when
    some name localhost)."""

    name: str
    fqdn: str
    ip: str
    role: str
    node: str | None
    pending_csrs: tuple[str, ...] = ()
    localhost_at_ip: bool = False


def joining_names(site: Site) -> list[str]:
    """The inventory's masters, workers and infra nodes (the subjects of nodes.joined)."""
    return [n.name for n in site.inv.nodes if n.role in JOINING_ROLES]


def gather_joined(site: Site, subject: str) -> JoinFacts:
    known = next(n for n in site.inv.nodes if n.name == subject)
    nodes = F.listing(site, NODES)
    wanted = {known.name.lower(), known.fqdn.lower()}
    match = next((F.name_of(n) for n in nodes if F.name_of(n).lower() in wanted), None)
    at_ip = [n for n in nodes if F.internal_ip(n) == known.ip]
    if match is None and at_ip:
        match = F.name_of(at_ip[0])
    if match is None and nodes.broken:  # it may be a Node that could not be read
        raise (
            nodes.error_for(known.fqdn)
            or nodes.error_for(known.name)
            or FactError(
                f"no readable Node stands for {known.name}, and {len(nodes.broken)} Node(s) could "
                f"not be read (one may be it), e.g. {nodes.broken[0][UNREADABLE]}"
            ).with_remediation("repair or regenerate the Nodes named (oc get nodes -o yaml)")
        )
    localhost = any(F.name_of(n).split(".")[0] == "localhost" for n in at_ip)
    csrs = F.listing(site, CSRS, optional=True)
    names = {*wanted, "localhost", "localhost.localdomain"}
    pending = tuple(
        F.name_of(c)
        for c in csrs
        if not (c.get("status") or {}).get("conditions") and csr_node(c) in names
    )
    return JoinFacts(
        known.name, known.fqdn, known.ip, known.role, match, pending, localhost and bool(at_ip)
    )


#: A CSR's request larger than this is not decoded (a real one is about 1 KB).
MAX_CSR_BYTES = 64 * 1024


def csr_node(csr: Obj) -> str:
    """The node a CertificateSigningRequest is for: the ``system:node:<name>`` of its request's
    subject (a kubelet's client CSR is sent by the node-bootstrapper account), else of its
    username; "" when neither names a node.

    >>> csr_node({"spec": {"username": "system:node:w1.example"}})
    'w1.example'
    >>> csr_node({"spec": {"username": "system:serviceaccount:x:node-bootstrapper",
    ...                    "request": "bm90IGEgQ1NS"}})
    ''
    """
    spec = csr.get("spec") or {}
    request = spec.get("request")
    if isinstance(request, str) and len(request) < MAX_CSR_BYTES:
        try:
            from cryptography import x509
            from cryptography.x509.oid import NameOID

            pem = base64.b64decode(request, validate=False)
            parsed = x509.load_pem_x509_csr(pem)
            common = parsed.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            if common and str(common[0].value).startswith("system:node:"):
                return str(common[0].value).removeprefix("system:node:").lower()
        except (ValueError, TypeError):
            pass
    user = str(spec.get("username", ""))
    return user.removeprefix("system:node:").lower() if user.startswith("system:node:") else ""
