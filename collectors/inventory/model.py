"""What a validated inventory is: the dataclasses the checks read (Inventory and its parts), the
error a bad inventory raises, and ``host[:port]`` splitting.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ROLES = ("bootstrap", "master", "worker", "infra")
HOST_KEY_POLICIES = ("strict", "accept-new")
DEFAULT_PORTS = {"api": 6443, "machine_config": 22623, "http": 80, "https": 443}


class InventoryError(Exception):
    """A bad inventory: one or more problems, each naming file, line and key."""

    def __init__(self, path: Path | str, problems: list[tuple[int | None, str, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = [
            f"{self.path}{':' + str(line) if line else ''}: {key + ': ' if key else ''}{msg}"
            for line, key, msg in problems
        ]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class SshTarget:
    """Where and how to reach a host over SSH.

    >>> SshTarget.parse("root@lb1:2222", SshDefaults())  # doctest: +NORMALIZE_WHITESPACE
    SshTarget(user='root', host='lb1', port=2222, key=None, known_hosts=None,
              host_key_policy='strict')
    """

    user: str
    host: str
    port: int = 22
    key: Path | None = None
    known_hosts: Path | None = None
    host_key_policy: str = "strict"

    @classmethod
    def parse(cls, text: str, defaults: SshDefaults) -> SshTarget:
        user, _, hostport = text.rpartition("@")
        host, port = split_host_port(hostport, defaults.port)
        return cls(
            user=user or defaults.user,
            host=host,
            port=port,
            key=defaults.key,
            known_hosts=defaults.known_hosts,
            host_key_policy=defaults.host_key_policy,
        )

    def __str__(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True)
class SshDefaults:
    user: str = "core"
    port: int = 22
    key: Path | None = None
    known_hosts: Path | None = None
    host_key_policy: str = "strict"
    journal_dir: str | None = None


@dataclass(frozen=True)
class DnsServer:
    """A DNS server to query directly; ``str()`` gives the ``host:port`` subject."""

    host: str
    port: int = 53

    def __str__(self) -> str:
        """``host:port``, with brackets around an IPv6 address: ``[::1]:53``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Node:
    name: str
    role: str
    ip: str
    fqdn: str
    ssh: SshTarget | None = None
    journal_dir: str | None = None


@dataclass(frozen=True)
class LoadBalancer:
    api: str | None
    api_int: str | None
    ingress: str | None
    ports: dict[str, int]
    ssh: SshTarget | None
    config: str | None
    log: str | None


@dataclass(frozen=True)
class Bastion:
    ssh: SshTarget | None
    http_root: str | None
    http_url: str | None


@dataclass(frozen=True)
class Ignition:
    dir: Path | None
    min_valid_hours: float = 2.0


@dataclass(frozen=True)
class Mirror:
    #: host[:port] in ``imageref.registry_key`` form (``host:443`` is read as ``host``)
    registry: str | None
    auth_file: Path | None
    ca_file: Path | None
    release_image: str | None
    #: Folders of ``oc adm catalog mirror`` manifests or oc-mirror results (mirror.operators).
    catalogs: tuple[Path, ...] = ()
    #: mirror.certificate: the served leaf must stay valid this many days (default 30)
    min_valid_days: float = 30.0
    #: mirror.resolve_via_site_dns: reach the registry at the address dns.servers give for its
    #: name (what the nodes see) instead of this machine's resolver (/etc/hosts)
    resolve_via_site_dns: bool = False
    #: mirror.capacity: the registry host over SSH, its storage folder, and the free space needed
    ssh: SshTarget | None = None
    data_dir: str = "/opt/registry/data"
    min_free_gb: float = 100.0
    #: mirror.sigstore (preflight): the release's sigstore signatures must be in the mirror
    require_sigstore: bool = False


@dataclass(frozen=True)
class Installer:
    """``installer``: the binaries the install will run (None: ``openshift-install`` and ``oc``
    on PATH where the bastion checks run)."""

    path: str | None = None
    oc_path: str | None = None


@dataclass(frozen=True)
class Upgrade:
    """The next release: ``to_image``, a digest reference (what ``oc adm upgrade --to-image``
    takes in a disconnected cluster)."""

    to_image: str | None = None
    #: upgrade.etcd_backup: the folder cluster-backup.sh writes to on each master
    etcd_backup_dir: str = "/home/core/assets/backup"
    #: upgrade.etcd_backup: the newest complete snapshot must be younger than this
    max_backup_age_hours: float = 24.0


@dataclass(frozen=True)
class Ntp:
    """``ntp``: the site's NTP servers (host or host:port, port 123) and the offset allowed."""

    servers: tuple[tuple[str, int], ...] = ()
    max_offset_s: float = 1.0


@dataclass(frozen=True)
class Inventory:
    """A validated inventory. ``has("dns.servers")`` tells whether a key was given."""

    path: Path
    cluster_name: str
    base_domain: str
    dns_servers: tuple[DnsServer, ...]
    load_balancer: LoadBalancer
    nodes: tuple[Node, ...]
    ssh: SshDefaults
    bastion: Bastion
    ignition: Ignition
    mirror: Mirror
    install_config: Path | None
    raw: dict[str, Any] = field(repr=False, compare=False)
    lines: dict[str, int] = field(repr=False, compare=False)
    upgrade: Upgrade = field(default_factory=Upgrade)
    #: cluster.platform: the install-config platform the site uses (default "none": UPI)
    platform: str = "none"
    ntp: Ntp = field(default_factory=Ntp)
    installer: Installer = field(default_factory=Installer)

    @property
    def cluster_domain(self) -> str:
        """``<cluster.name>.<base_domain>``, e.g. ``ocp45.example.localdomain``."""
        return f"{self.cluster_name}.{self.base_domain}"

    def has(self, key: str) -> bool:
        """Whether a dotted key is present and not empty, e.g. ``load_balancer.config``."""
        value: Any = self.raw
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return False
            value = value[part]
        return value not in (None, "", [], {})

    def missing(self, keys: tuple[str, ...] | list[str]) -> list[str]:
        """The keys, among ``keys``, that the inventory lacks."""
        return [k for k in keys if not self.has(k)]

    def nodes_with_role(self, *roles: str) -> list[Node]:
        return [n for n in self.nodes if n.role in roles]

    def node_by_fqdn(self, fqdn: str) -> Node | None:
        return self._nodes_by_fqdn.get(fqdn.rstrip(".").lower())

    @cached_property
    def _nodes_by_fqdn(self) -> dict[str, Node]:
        """FQDN -> the first node with it (a lookup per subject stays O(1) at 2,000 nodes)."""
        index: dict[str, Node] = {}
        for n in self.nodes:
            index.setdefault(n.fqdn, n)
        return index

    def node_by_name(self, name: str) -> Node | None:
        """The first node whose name (any case) or FQDN is ``name`` (a final dot ignored)."""
        return self._nodes_by_name.get(name.rstrip(".").lower())

    @cached_property
    def _nodes_by_name(self) -> dict[str, Node]:
        """Name (lower case) and FQDN -> the first node in the list with either (a lookup per
        cluster node stays O(1) at 4,000 nodes; the linear scan made it O(n) each)."""
        index: dict[str, Node] = {}
        for n in self.nodes:
            index.setdefault(n.name.lower(), n)
            index.setdefault(n.fqdn, n)
        return index

    def node_by_ip(self, ip: str) -> Node | None:
        """The first node with address ``ip`` (as written in the inventory)."""
        return self._nodes_by_ip.get(ip)

    @cached_property
    def _nodes_by_ip(self) -> dict[str, Node]:
        index: dict[str, Node] = {}
        for n in self.nodes:
            index.setdefault(n.ip, n)
        return index

    def ingress_nodes(self) -> list[Node]:
        """Nodes where routers can run, so the ones that must serve ingress: infra nodes if there
        are any, else workers, else (a compact cluster: schedulable masters, no workers) the
        masters."""
        return (
            self.nodes_with_role("infra")
            or self.nodes_with_role("worker")
            or self.nodes_with_role("master")
        )

    @property
    def ingress_role(self) -> str:
        """What :meth:`ingress_nodes` are, in words: ``infra nodes``, ``workers`` or ``masters
        (compact cluster)``."""
        if self.nodes_with_role("infra"):
            return "infra nodes"
        if self.nodes_with_role("worker"):
            return "workers"
        return "masters (compact cluster: no workers)"


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """Split ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address.

    >>> split_host_port("10.0.0.1:5353", 53), split_host_port("::1", 53)
    (('10.0.0.1', 5353), ('::1', 53))
    >>> split_host_port("[::1]:54", 53)
    ('::1', 54)
    """
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if not host:
        raise ValueError(f"no host in {text!r}")
    if port == "":
        return host, default_port
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad port in {text!r}")
    return host, int(port)
