"""The seed site (``002_3305a96b10d962d7.txt``) as data, moved onto loopback.

172.16.0.N becomes 127.<20+slot>.0.N, so several labs can run side by side. Scenarios edit this
model before it is rendered into zone files and haproxy.cfg.

>>> m = seed_model(slot=0)
>>> m.ip(21), [n.name for n in m.nodes if n.role == "master"]
('127.20.0.21', ['m1', 'm2', 'm3'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CLUSTER = "ocp45"
BASE_DOMAIN = "example.localdomain"

#: name, role, last octet: the seed's node table (bootstrap, masters, workers, infra).
SEED_NODES = [
    ("bs", "bootstrap", 11),
    ("m1", "master", 21),
    ("m2", "master", 22),
    ("m3", "master", 23),
    ("w1", "worker", 31),
    ("w2", "worker", 32),
    ("w3", "worker", 33),
    ("i1", "infra", 41),
    ("i2", "infra", 42),
    ("i3", "infra", 43),
]
API_INT_OCTET, API_OCTET, INGRESS_OCTET = 110, 111, 111
SERIAL = 2000091802


@dataclass(frozen=True)
class LabNode:
    name: str
    role: str
    ip: str
    fqdn: str


@dataclass
class Record:
    owner: str  # absolute name without the final dot
    rtype: str
    value: str


@dataclass
class Proxy:
    """A haproxy frontend or backend: binds (frontends) or servers (backends)."""

    name: str
    binds: list[tuple[str, int]] = field(default_factory=list)
    default_backend: str = ""
    servers: list[tuple[str, str, int]] = field(default_factory=list)  # name, address, port
    balance: str = "roundrobin"
    mode: str = "tcp"
    #: servers written without ``check``
    unchecked: list[str] = field(default_factory=list)


@dataclass
class NetworkModel:
    slot: int
    cluster: str
    base_domain: str
    nodes: list[LabNode]
    forward: list[Record]
    reverse: list[Record]
    serial: int = SERIAL
    #: None: the secondary serves the primary's data; else its own (stale) copy.
    secondary_forward: list[Record] | None = None
    secondary_reverse: list[Record] | None = None
    secondary_serial: int | None = None
    frontends: list[Proxy] = field(default_factory=list)
    backends: list[Proxy] = field(default_factory=list)
    #: edits of the haproxy.cfg text the inventory names (a site's file edited after haproxy
    #: last loaded it: haproxy keeps running the unedited one)
    haproxy_edits: list[Callable[[str], str]] = field(default_factory=list)

    def ip(self, octet: int) -> str:
        return f"127.{20 + self.slot}.0.{octet}"

    @property
    def cluster_domain(self) -> str:
        return f"{self.cluster}.{self.base_domain}"

    @property
    def reverse_zone(self) -> str:
        """One /16 reverse zone holds every lab address (generated sites go past .0.254)."""
        return f"{20 + self.slot}.127.in-addr.arpa"

    @property
    def api_vip(self) -> str:
        return self.ip(API_OCTET)

    @property
    def api_int_vip(self) -> str:
        return self.ip(API_INT_OCTET)

    @property
    def ingress_vip(self) -> str:
        return self.ip(INGRESS_OCTET)

    def node(self, name: str) -> LabNode:
        return next(n for n in self.nodes if n.name == name)

    def backend(self, name: str) -> Proxy:
        return next(b for b in self.backends if b.name == name)

    def node_ports(self) -> list[tuple[str, int]]:
        """The ports each node would listen on: API and MCS on control plane, 80/443 elsewhere
        (and on the masters too when there are no workers or infra nodes: a compact cluster's
        routers run there)."""
        compact = not any(n.role in ("worker", "infra") for n in self.nodes)
        pairs = []
        for n in self.nodes:
            ports: tuple[int, ...] = (80, 443)
            if n.role in ("bootstrap", "master"):
                ports = (6443, 22623, 80, 443) if compact and n.role == "master" else (6443, 22623)
            pairs += [(n.ip, p) for p in ports]
        return pairs


def seed_model(slot: int, extra_workers: int = 0) -> NetworkModel:
    """The seed site after its fixes: every PTR present, ingress fronted by the infra nodes.

    ``extra_workers`` adds generated workers w4, w5, ... on 127.<20+slot>.1.x and up (benchmarks).
    """

    def ip(octet: int) -> str:
        return f"127.{20 + slot}.0.{octet}"

    domain = f"{CLUSTER}.{BASE_DOMAIN}"
    nodes = [LabNode(name, role, ip(octet), f"{name}.{domain}") for name, role, octet in SEED_NODES]
    for k in range(extra_workers):
        name = f"w{k + 4}"
        nodes.append(
            LabNode(
                name, "worker", f"127.{20 + slot}.{1 + k // 250}.{1 + k % 250}", f"{name}.{domain}"
            )
        )
    forward = [Record(n.fqdn, "A", n.ip) for n in nodes]
    forward += [
        Record(f"api-int.{domain}", "A", ip(API_INT_OCTET)),
        Record(f"api.{domain}", "A", ip(API_OCTET)),
        Record(f"*.apps.{domain}", "A", ip(INGRESS_OCTET)),
    ]
    reverse = [Record(n.ip, "PTR", n.fqdn) for n in nodes]
    control = [n for n in nodes if n.role in ("bootstrap", "master")]
    infra = [n for n in nodes if n.role == "infra"]
    model = NetworkModel(slot, CLUSTER, BASE_DOMAIN, nodes, forward, reverse)
    model.frontends = [
        Proxy("kubeapi", [(ip(API_OCTET), 6443), (ip(API_INT_OCTET), 6443)], "kube_api"),
        Proxy("machineconfig", [(ip(API_INT_OCTET), 22623)], "machine_config"),
        Proxy("infrahttp", [(ip(INGRESS_OCTET), 80)], "infra_http"),
        Proxy("infrahttps", [(ip(INGRESS_OCTET), 443)], "infra_https"),
    ]
    model.backends = [
        Proxy("kube_api", servers=[(n.name, n.fqdn, 6443) for n in control]),
        Proxy("machine_config", servers=[(n.name, n.fqdn, 22623) for n in control]),
        Proxy("infra_http", servers=[(n.name, n.fqdn, 80) for n in infra], balance="source"),
        Proxy("infra_https", servers=[(n.name, n.fqdn, 443) for n in infra], balance="source"),
    ]
    return model
