"""Named scenarios: each breaks one thing in the lab, the way sites break in the field.

A scenario is a function that edits the lab's models before the servers start. Register one
with ``@scenario("name", "what it breaks", parts=(...))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lab.model import Record

if TYPE_CHECKING:
    from lab.core import Lab


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    parts: tuple[str, ...]
    apply: Callable[[Lab], None]


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, description: str, parts: tuple[str, ...] = ("network",)) -> Callable:
    def register(fn: Callable[[Lab], None]) -> Callable[[Lab], None]:
        SCENARIOS[name] = Scenario(name, description, parts, fn)
        return fn

    return register


def compose(name: str, description: str, *names: str) -> Scenario:
    """Register a scenario that applies several registered ones, each breaking its own part."""
    parts = tuple(dict.fromkeys(p for n in names for p in SCENARIOS[n].parts))

    def apply(lab: Lab) -> None:
        for n in names:
            SCENARIOS[n].apply(lab)

    SCENARIOS[name] = Scenario(name, description, parts, apply)
    return SCENARIOS[name]


@scenario("clean", "the seed site as it should be: every check passes")
def _clean(lab: Lab) -> None:
    pass


@scenario("missing-ptr", "i1 has no PTR record (the node would register as localhost)")
def _missing_ptr(lab: Lab) -> None:
    net = lab.network
    net.reverse = [r for r in net.reverse if r.value != net.node("i1").fqdn]


@scenario("wrong-a", "m2's A record carries m3's address (a typo in the zone)")
def _wrong_a(lab: Lab) -> None:
    net = lab.network
    for r in net.forward:
        if r.owner == net.node("m2").fqdn:
            r.value = net.node("m3").ip


@scenario("no-apps-wildcard", "the *.apps wildcard record is missing")
def _no_wildcard(lab: Lab) -> None:
    net = lab.network
    net.forward = [r for r in net.forward if not r.owner.startswith("*.apps.")]


@scenario("api-int-on-api-vip", "api-int resolves to the external API VIP")
def _api_int_wrong(lab: Lab) -> None:
    net = lab.network
    for r in net.forward:
        if r.owner.startswith("api-int."):
            r.value = net.api_vip


@scenario("stale-secondary", "ns2 kept an old copy: older serial, no infra nodes")
def _stale_secondary(lab: Lab) -> None:
    net = lab.network
    infra = {n.fqdn for n in net.nodes if n.role == "infra"}
    net.secondary_forward = [
        Record(r.owner, r.rtype, r.value) for r in net.forward if r.owner not in infra
    ]
    net.secondary_reverse = [
        Record(r.owner, r.rtype, r.value) for r in net.reverse if r.value not in infra
    ]
    net.secondary_serial = net.serial - 1


@scenario("frontend-unbound", "no frontend binds the machine config port 22623")
def _frontend_unbound(lab: Lab) -> None:
    net = lab.network
    net.frontends = [f for f in net.frontends if f.name != "machineconfig"]


@scenario("backend-missing-master", "m2 is missing from the kube_api backend")
def _backend_missing_master(lab: Lab) -> None:
    backend = lab.network.backend("kube_api")
    backend.servers = [s for s in backend.servers if s[0] != "m2"]


@scenario("ingress-missing-infra", "i3 is missing from the ingress (80/443) backends")
def _ingress_missing_infra(lab: Lab) -> None:
    for name in ("infra_http", "infra_https"):
        backend = lab.network.backend(name)
        backend.servers = [s for s in backend.servers if s[0] != "i3"]


@scenario("seed-initial", "the seed's first state: infra nodes without PTRs, ingress on workers")
def _seed_initial(lab: Lab) -> None:
    net = lab.network
    infra = [n for n in net.nodes if n.role == "infra"]
    workers = [n for n in net.nodes if n.role == "worker"]
    net.reverse = [r for r in net.reverse if r.value not in {n.fqdn for n in infra}]
    for name, port in (("infra_http", 80), ("infra_https", 443)):
        net.backend(name).servers = [(n.name, n.fqdn, port) for n in workers]
