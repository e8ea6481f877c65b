"""What csr.pending gathers: the CertificateSigningRequests that have no status yet.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.cluster import facts as F
from collectors.cluster.resources import CSRS
from collectors.site import Site


@dataclass(frozen=True)
class CsrFacts:
    pending: tuple[tuple[str, str], ...]  # (name, requestor)
    total: int


def cluster_subject(site: Site) -> list[str]:
    """One subject, the cluster: the check looks at all CSRs together."""
    return ["cluster"]


def gather_csrs(site: Site, subject: str) -> CsrFacts:
    csrs = F.listing(site, CSRS)
    pending = tuple(
        (F.name_of(c), str((c.get("spec") or {}).get("username", "?")))
        for c in csrs
        if not (c.get("status") or {}).get("conditions")
    )
    return CsrFacts(pending, len(csrs))
