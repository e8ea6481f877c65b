"""The Lab: a slot of loopback addresses, a working folder, parts that start servers, a scenario.

The dependencies run one way: this module imports the parts (``PARTS``, the one list of them)
and registers their scenarios in that order; a part sees the lab only as a
:class:`lab.part.LabContext` and never imports this module.

>>> from lab.scenarios import SCENARIOS
>>> "clean" in SCENARIOS and "missing-ptr" in SCENARIOS and "field-day" in SCENARIOS
True
>>> list(PARTS)
['network', 'bastion', 'registry', 'cluster', 'journals', 'time', 'hostside', 'lbhost']
"""

from __future__ import annotations

import copy
import fcntl
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from lab import (
    bastion,
    cluster,
    hostside,
    journals,
    lbhost,
    network,
    ntp,
    packages,
    registry,
    scenarios,
)
from lab.bastion import BastionModel
from lab.cluster_model import ClusterModel
from lab.hostside import HostsideModel
from lab.lbhost import LbHostModel
from lab.model import NetworkModel, seed_model
from lab.ntp import NtpModel
from lab.part import LabContext, Part
from lab.procs import ProcessTable
from lab.registry import RegistryModel
from lab.scenarios import SCENARIOS, compose

#: The parts of the lab, the one list of them: name -> module with PACKAGES and
#: start(lab) -> inventory fragment (see lab.part.Part). Their scenarios are registered in this
#: order.
PARTS: dict[str, Part] = {
    "network": network,
    "bastion": bastion,
    "registry": registry,
    "cluster": cluster,
    "journals": journals,
    "time": ntp,
    "hostside": hostside,
    "lbhost": lbhost,
}
for _part in PARTS.values():
    scenarios.register(_part)
# Whole sites for the demo: several parts, each broken the way the seeds saw it.
compose(
    "site-clean",
    "network, bastion, mirror and an NTP server as they should be",
    "clean",
    "bastion-clean",
    "mirror-clean",
    "time-clean",
)
compose(
    "field-day",
    "the seed's first state, a mislabeled RHCOS image, ignition about to expire, a mirror "
    "missing haproxy-router and etcd",
    "seed-initial",
    "rhcos-mislabeled",
    "ignition-nearly-expired",
    "mirror-missing-components",
)
compose(
    "day-one",
    "after install: one subject of every postinstall check broken, install logs to triage",
    "installed-broken",
    "install-logs",
)
compose(
    "site-broken",
    "every part broken at once (DNS, LB, bastion over SSH, mirror, NTP, cluster): the site a "
    "bundle must replay verdict for verdict",
    "seed-initial",
    "rhcos-mislabeled",
    "ignition-nearly-expired",
    "mirror-missing-components",
    "installed-broken",
    "install-logs",
    "time-server-off",
)
compose(
    "update-ready",
    "the installed cluster ready for its update, and the bastion's sshd standing in for a master "
    "that holds etcd backups (tests point nodes[].ssh of a master at it)",
    "installed",
    "bastion-clean",
)
SLOTS = 40
SLOT_DIR = Path(tempfile.gettempdir()) / "upi-lab-slots"


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _with_needs(parts: tuple[str, ...]) -> tuple[str, ...]:
    """Parts in start order, each after the parts it NEEDS (e.g. journals after bastion)."""
    ordered: list[str] = []

    def add(name: str) -> None:
        if name not in ordered:
            for need in getattr(PARTS[name], "NEEDS", ()):
                add(need)
            ordered.append(name)

    for name in parts:
        add(name)
    return tuple(ordered)


def _slot_is_free(slot: int) -> bool:
    """Nothing is bound on the slot's DNS ports or its API VIP (named uses SO_REUSEPORT, so a
    second named on a port would silently share the queries)."""
    probes = [(socket.SOCK_DGRAM, "127.0.0.1", 20000 + slot * 20 + i) for i in range(2)]
    probes += [(socket.SOCK_STREAM, "127.0.0.1", 20000 + slot * 20 + i) for i in range(20)]
    probes += [(socket.SOCK_STREAM, f"127.{20 + slot}.0.111", 6443)]
    # sshd closes the inherited slot lock, so a bastion sshd that outlived its lab (its owner
    # killed) holds the slot's address without holding the slot: probe it, and the API servers'
    probes += [(socket.SOCK_STREAM, f"127.{20 + slot}.0.101", 20000 + slot * 20 + 2)]
    probes += [
        (socket.SOCK_STREAM, f"127.{20 + slot}.0.120", 20000 + slot * 20 + i) for i in (8, 9)
    ]
    for kind, host, port in probes:
        with socket.socket(socket.AF_INET, kind) as sock:
            if kind == socket.SOCK_STREAM:  # a listener makes the slot busy, a TIME_WAIT does not
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


class Lab:
    """Real servers for one scenario. Use as a context manager; ``stop()`` stops them by PID."""

    def __init__(
        self,
        workdir: str | Path | None = None,
        scenario: str = "clean",
        parts: tuple[str, ...] | None = None,
        max_seconds: float = 3600,
        extra_workers: int = 0,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
        self.scenario = SCENARIOS[scenario]
        self.parts = _with_needs(("network", *(parts or ()), *self.scenario.parts))
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="upi-lab-")).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.max_seconds = max_seconds
        self.slot, self._slot_lock = self._take_slot()
        self.network: NetworkModel = seed_model(self.slot, extra_workers)
        self.procs = ProcessTable(self.workdir, keep_fds=(self._slot_lock.fileno(),))
        self.inventory: dict[str, Any] = {}
        self.inventory_path = self.workdir / "site.yaml"
        # the parts' own state (lab.part.LabContext): set by scenarios, or by the parts' start
        self.bastion_model: BastionModel | None = None
        self.registry_model: RegistryModel | None = None
        self.cluster_edits: list[Callable[[LabContext, ClusterModel], None]] = []
        self.cluster_model: ClusterModel | None = None
        self.kubeconfig: Path | None = None
        self.snapshot: Path | None = None
        self.api_requests: Path | None = None
        self.journals: dict[str, Any] | None = None
        self.ntp_model: NtpModel | None = None
        self.hostside_model: HostsideModel | None = None
        self.lbhost_model: LbHostModel | None = None

    @staticmethod
    def _take_slot() -> tuple[int, Any]:
        """Lock a free slot. The lock's fd is inherited by the lab's servers (see ProcessTable),
        so a slot stays taken while any of its servers runs, even after ``lab up`` exits; a slot
        whose addresses are still bound by strays is passed over."""
        SLOT_DIR.mkdir(exist_ok=True)
        for slot in range(SLOTS):
            fh = open(SLOT_DIR / f"slot-{slot}.lock", "w")  # noqa: SIM115 - held for the lab's life
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                continue
            if _slot_is_free(slot):
                return slot, fh
            fh.close()
        raise RuntimeError(f"all {SLOTS} lab slots are busy")

    def port(self, index: int) -> int:
        """A TCP/UDP port reserved for this lab's slot (index 0-19)."""
        return 20000 + self.slot * 20 + index

    def ip(self, octet: int) -> str:
        return self.network.ip(octet)

    def start(self) -> Lab:
        needed = [p for part in self.parts for p in PARTS[part].PACKAGES]
        packages.ensure(needed)
        self.scenario.apply(self)
        try:
            for part in self.parts:
                _merge(self.inventory, PARTS[part].start(self))
        except BaseException:
            self.stop()
            raise
        self.write_inventory()
        return self

    def write_inventory(self, path: Path | None = None, **overrides: Any) -> Path:
        """Write the inventory (with optional top-level overrides) and return its path."""
        data = copy.deepcopy(self.inventory)
        _merge(data, overrides)
        target = path or self.inventory_path
        target.write_text(yaml.safe_dump(data, sort_keys=False))
        return target

    def stop(self, *, keep_slot: bool = False) -> None:
        """Stop every server and give up the slot; with ``keep_slot`` the slot stays locked
        until ``release_slot()``, so no other lab takes its addresses meanwhile (a test that
        must find the stopped lab's servers dead, under -n)."""
        self.procs.stop_all()
        if not keep_slot:
            self.release_slot()

    def release_slot(self) -> None:
        if self._slot_lock is not None:
            self._slot_lock.close()
            self._slot_lock = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return (
            f"Lab(scenario={self.scenario.name!r}, slot={self.slot}, "
            f"workdir={str(self.workdir)!r}, pid={os.getpid()})"
        )


def start_alone(lab: Lab) -> Lab:
    """Start only the registry part (no DNS, no load balancer): what the mirror checks need, in
    half the time. The inventory gets the cluster keys it requires plus the mirror keys."""
    try:
        packages.ensure(registry.PACKAGES)
        lab.scenario.apply(lab)
        net = lab.network
        lab.inventory = {
            "cluster": {"name": net.cluster, "base_domain": net.base_domain},
            **registry.start(lab),
        }
        lab.write_inventory()
    except BaseException:
        lab.stop()
        raise
    return lab
