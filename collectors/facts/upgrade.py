"""What upgrade.readiness gathers: every MachineConfigPool and MachineHealthCheck."""

from __future__ import annotations

from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.cluster.resources import MCPS, MHCS
from collectors.errors import NotApplicable
from collectors.site import Site


def upgrade_subjects(site: Site) -> list[str]:
    subjects = [f"machineconfigpool/{F.name_of(p)}" for p in F.listing(site, MCPS, optional=True)]
    subjects += [f"machinehealthcheck/{F.ns_name(m)}" for m in F.listing(site, MHCS, optional=True)]
    if not subjects:
        raise NotApplicable("no MachineConfigPool and no MachineHealthCheck in the cluster")
    return subjects


def gather_upgrade(site: Site, subject: str) -> tuple[str, Obj]:
    kind, rest = subject.split("/", 1)
    if kind == "machineconfigpool":
        return kind, F.named(F.listing(site, MCPS), rest)
    ns, name = rest.split("/", 1)
    return kind, F.named(F.listing(site, MHCS), name, ns)
