"""What upgrade.readiness gathers: every MachineConfigPool and MachineHealthCheck, and for a
MachineHealthCheck how many machines it selects.

"Selects no machine" is decided from the Machines of the MHC's namespace when the cluster source
has them (matchLabels and matchExpressions against each Machine's labels). When Machines were not
collected, a selector on the spot-instance label (``machine.openshift.io/interruptible-instance``,
the operator-owned ``machine-api-termination-handler``) selects nothing only when no Node carries
that label either; any other selector is taken to select machines.
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.cluster import facts as F
from collectors.cluster.base import Obj, ResourceMissing
from collectors.cluster.resources import MACHINES, MCPS, MHCS, NODES
from collectors.errors import FactError, NotApplicable
from collectors.site import Site

#: The label of spot / preemptible machines (and their nodes) that the termination handler's MHC
#: selects.
INTERRUPTIBLE = "machine.openshift.io/interruptible-instance"


@dataclass(frozen=True)
class Selection:
    """How many machines an MHC selects (None: unknown), and what that was decided from.

    >>> Selection(0, "0 of 3 Machines match").selects_nothing
    True
    >>> Selection(None, "Machines not collected").selects_nothing
    False
    """

    machines: int | None
    basis: str

    @property
    def selects_nothing(self) -> bool:
        return self.machines == 0


def upgrade_subjects(site: Site) -> list[str]:
    subjects = [f"machineconfigpool/{F.name_of(p)}" for p in F.listing(site, MCPS, optional=True)]
    subjects += [f"machinehealthcheck/{F.ns_name(m)}" for m in F.listing(site, MHCS, optional=True)]
    if not subjects:
        raise NotApplicable("no MachineConfigPool and no MachineHealthCheck in the cluster")
    return subjects


def _labelled(objs: list[Obj], key: str) -> int:
    return sum(1 for o in objs if key in F.labels(o))


def selection(site: Site, mhc: Obj) -> Selection:
    """What ``mhc`` selects: from the Machines if collected, else the rule in the module doc."""
    selector = (mhc.get("spec") or {}).get("selector") or {}
    ns = mhc["metadata"].get("namespace", "openshift-machine-api")
    try:
        machines = F.listing(site, MACHINES, ns)
    except (ResourceMissing, FactError):
        machines = None
    if machines is not None:
        hits = sum(1 for m in machines if F.selector_matches(selector, F.labels(m)))
        return Selection(hits, f"{hits} of {len(machines)} Machine(s) in {ns} match its selector")
    keys = set(selector.get("matchLabels") or {}) | {
        e.get("key") for e in selector.get("matchExpressions") or []
    }
    if INTERRUPTIBLE not in keys:
        return Selection(None, "Machines not collected")
    try:
        nodes = F.listing(site, NODES)
    except (ResourceMissing, FactError):
        return Selection(None, "Machines and Nodes not collected")
    spot = _labelled(nodes, INTERRUPTIBLE)
    if spot:
        return Selection(None, f"Machines not collected; {spot} Node(s) labelled {INTERRUPTIBLE}")
    return Selection(
        0, f"Machines not collected; it selects {INTERRUPTIBLE} and no Node carries that label"
    )


def gather_upgrade(site: Site, subject: str) -> tuple[str, Obj] | tuple[str, Obj, Selection]:
    kind, rest = subject.split("/", 1)
    if kind == "machineconfigpool":
        return kind, F.named(F.listing(site, MCPS), rest)
    ns, name = rest.split("/", 1)
    mhc = F.named(F.listing(site, MHCS), name, ns)
    return kind, mhc, selection(site, mhc)
