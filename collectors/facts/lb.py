"""What the lb.* checks gather: a TCP connection to each VIP port, and haproxy's frontends,
backends and servers behind a port, with the server names resolved through the site's DNS.

haproxy.cfg is read from the LB host (``load_balancer.ssh``) or a local path, parsed once
(``Site.lb_config``).
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.errors import NotApplicable
from collectors.inventory import Node
from collectors.parsers.haproxy import HaproxyConfig, Section, Server
from collectors.site import Site
from collectors.transport.net import TcpProbe, probe_tcp

#: lb.port subjects: (VIP key, port key), as ``api:6443`` once the port is known.
PORT_SUBJECTS = (
    ("api", "api"),
    ("api_int", "api"),
    ("api_int", "machine_config"),
    ("ingress", "http"),
    ("ingress", "https"),
)

# --------------------------------------------------------------------------- lb.port


def port_subjects(site: Site) -> list[str]:
    ports = site.inv.load_balancer.ports
    return [f"{vip}:{ports[port]}" for vip, port in PORT_SUBJECTS]


def gather_port(site: Site, subject: str) -> tuple[str, TcpProbe]:
    vip_key, port = subject.rsplit(":", 1)
    address = getattr(site.inv.load_balancer, vip_key)
    if not address:
        raise NotApplicable(f"inventory has no load_balancer.{vip_key}")
    return vip_key, probe_tcp(address, int(port))


# --------------------------------------------------------------------------- lb.backends


def backend_ports(site: Site) -> list[str]:
    ports = site.inv.load_balancer.ports
    return [str(ports[k]) for k in ("api", "machine_config", "http", "https")]


@dataclass(frozen=True)
class BackendFacts:
    """The proxies bound on a port, their backends, and each server's resolved addresses."""

    port: int
    config_path: str
    frontends: tuple[Section, ...]
    backends: tuple[Section, ...]
    addresses: dict[str, tuple[str, ...]]


def gather_backends(site: Site, subject: str) -> BackendFacts:
    cfg: HaproxyConfig = site.lb_config()
    port = int(subject)
    backends = cfg.backends_for_port(port)
    addresses = site.resolve_servers(backends)
    return BackendFacts(
        port, cfg.path, tuple(cfg.frontends_for_port(port)), tuple(backends), addresses
    )


# --------------------------------------------------------------------------- lb.bootstrap_removed


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
