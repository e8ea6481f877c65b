"""Load balancer after install: the bootstrap node is out of the API and MCS backends."""

from __future__ import annotations

from dataclasses import dataclass

from checks.base import NotApplicable, Verdict, check, expect, failed, passed
from checks.lb import validate_hint
from collectors.inventory import Node
from collectors.parsers.haproxy import Section, Server
from collectors.site import Site


def control_ports(site: Site) -> list[str]:
    ports = site.inv.load_balancer.ports
    return [str(ports["api"]), str(ports["machine_config"])]


@dataclass(frozen=True)
class BootstrapFacts:
    port: int
    config_path: str
    bootstrap: Node
    servers: tuple[tuple[Section, Server], ...]  # active servers behind the port
    addresses: dict[str, tuple[str, ...]]


def gather_bootstrap(site: Site, subject: str) -> BootstrapFacts:
    boots = site.inv.nodes_with_role("bootstrap")
    if not boots:
        raise NotApplicable("the inventory lists no bootstrap node")
    cfg = site.lb_config()
    port = int(subject)
    backends = cfg.backends_for_port(port)
    servers = tuple((b, s) for b in backends for s in b.servers if s.active)
    addresses = site.resolve_servers(
        backends, active_only=True
    )  # a name without address: compared by name
    return BootstrapFacts(port, cfg.path, boots[0], servers, addresses)


def evaluate_bootstrap(facts: BootstrapFacts) -> Verdict:
    """No active server of the port's backends is the bootstrap (by name, FQDN or address)."""
    bs = facts.bootstrap
    names = {bs.name.lower(), bs.fqdn.lower(), bs.ip}
    hits = [
        (b, s)
        for b, s in facts.servers
        if s.name.lower() in names
        or s.address.lower() in names
        or bs.ip in facts.addresses.get(s.address, ())
    ]
    if not hits:
        return passed(f"the bootstrap {bs.name} is not an active server behind {facts.port}")
    lines = "; ".join(
        f'comment out or delete "server {s.name} {s.address}{":" + str(s.port) if s.port else ""} check" '
        f"(line {s.line}, backend {b.name})"
        for b, s in hits
    )
    return failed(
        expected=f"no bootstrap server behind port {facts.port} after install",
        found=f"bootstrap {bs.name} ({bs.ip}) is still active in "
        + ", ".join(sorted({b.name for b, _ in hits})),
        remediation=f"in {facts.config_path}: {lines}; " + validate_hint(facts.config_path),
    )


@check(
    "lb.bootstrap_removed",
    title="Bootstrap removed from the load balancer",
    markers=["postinstall"],
    subject="the bind port (6443, 22623)",
    fails_when="the bootstrap node is still an active server",
    remediation="delete the bootstrap's server line from the backend and reload haproxy",
    subjects=control_ports,
    gather=gather_bootstrap,
    requires=("load_balancer.config", "nodes"),
)
def test_lb_bootstrap_removed(facts: BootstrapFacts) -> None:
    expect(evaluate_bootstrap(facts))
