"""What a part of the lab may use from the lab, and what the lab needs from a part.

A part is a module (``lab.network``, ``lab.bastion``, ...) listed in ``lab.core.PARTS``. The lab
imports the parts; a part never imports ``lab.core``: it is handed a :class:`LabContext` (the
:class:`lab.core.Lab` being started, or being edited by a scenario) and uses only what that
protocol names.

>>> import lab.network
>>> isinstance(lab.network, Part)
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from lab.bastion import BastionModel
    from lab.cluster_model import ClusterModel
    from lab.hostside import HostsideModel
    from lab.lbhost import LbHostModel
    from lab.model import NetworkModel
    from lab.ntp import NtpModel
    from lab.procs import ProcessTable
    from lab.registry import RegistryModel


class LabContext(Protocol):
    """The lab as its parts and their scenarios see it."""

    #: the lab's working folder (each part writes under a folder of its own in it)
    workdir: Path
    #: the slot of loopback addresses the lab holds (127.<20+slot>.0.N, ports from ``port``)
    slot: int
    #: servers that can stop themselves do so after this many seconds
    max_seconds: float
    #: the seed site's network, moved onto the slot's addresses; scenarios edit it
    network: NetworkModel
    #: the servers started, stopped by PID with the lab (``procs.spawn``, ``procs.logdir``)
    procs: ProcessTable
    #: the inventory fragments of the parts started so far, merged
    inventory: dict[str, Any]

    # what scenarios set before the parts start, created on first use by the part that owns it
    bastion_model: BastionModel | None
    registry_model: RegistryModel | None
    ntp_model: NtpModel | None
    hostside_model: HostsideModel | None
    lbhost_model: LbHostModel | None
    cluster_edits: list[Callable[[LabContext, ClusterModel], None]]

    # what parts leave for tests after they start
    cluster_model: ClusterModel | None
    kubeconfig: Path | None
    snapshot: Path | None
    api_requests: Path | None
    journals: dict[str, Any] | None

    def port(self, index: int) -> int:
        """A TCP/UDP port reserved for the lab's slot (index 0-19)."""
        ...

    def ip(self, octet: int) -> str:
        """The slot's address ending in ``octet``."""
        ...


@runtime_checkable
class Part(Protocol):
    """The shape of a part module. A part may also name the parts it NEEDS started before it."""

    #: Debian packages its servers need (``lab.packages`` installs those missing)
    PACKAGES: list[str]

    def start(self, lab: LabContext) -> dict[str, Any]:
        """Start the part's servers; return the inventory keys they provide."""
        ...
