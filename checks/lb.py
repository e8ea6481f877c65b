"""Load balancer: the VIP ports answer, haproxy's backends hold the right nodes, and after
install the bootstrap node is out of the API and MCS backends.

haproxy.cfg is read from the LB host (``load_balancer.ssh``) or a local path, parsed once, and
its server names are resolved through the site's DNS so they compare with node IPs
(``collectors.facts.lb``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.lb import (
    BackendFacts,
    BootstrapFacts,
    ConfigCheck,
    backend_ports,
    config_subjects,
    control_ports,
    gather_backends,
    gather_bootstrap,
    gather_config_check,
    gather_port,
    port_subjects,
)
from collectors.inventory import Inventory, Node
from collectors.parsers.haproxy import Section, Server
from collectors.site import Site
from collectors.transport.net import TcpProbe
from collectors.visible import shell_word


def validate_hint(cfg_path: str) -> str:
    """The validate-and-reload step of every lb remediation (the path quoted to paste).

    >>> print(validate_hint("/srv/my lb/haproxy.cfg")[:49])
    then run "haproxy -c -f '/srv/my lb/haproxy.cfg'"
    """
    return (
        f'then run "haproxy -c -f {shell_word(cfg_path)}" and reload haproxy '
        '("systemctl reload haproxy")'
    )


# --------------------------------------------------------------------------- lb.port


def evaluate_port(
    vip_key: str, probe: TcpProbe, config_path: str = "/etc/haproxy/haproxy.cfg"
) -> Verdict:
    """The VIP must accept a TCP connection on the port."""
    if probe.ok:
        return passed(f"{probe.host}:{probe.port} accepts TCP connections")
    return failed(
        expected=f"a TCP connection to {probe.host}:{probe.port} (load_balancer.{vip_key})",
        found=probe.error,
        remediation=(
            f'bind the port in haproxy.cfg ("bind {probe.host}:{probe.port}" or '
            f'"bind *:{probe.port}" in the frontend of {config_path}), '
            f"{validate_hint(config_path)}; open it in the firewall "
            f'("firewall-cmd --permanent --add-port={probe.port}/tcp && firewall-cmd --reload") '
            "and let haproxy bind it under SELinux "
            f'("semanage port -a -t http_port_t -p tcp {probe.port}" '
            f'or "setsebool -P haproxy_connect_any 1")'
        ),
    )


# --------------------------------------------------------------------------- lb.backends


def expected_nodes(inv: Inventory, port: int, *, with_bootstrap: bool) -> tuple[str, list[Node]]:
    """Which nodes must be behind ``port``: (what they are, the nodes).

    The API and MCS ports want the masters, and the bootstrap when ``with_bootstrap`` and the
    inventory has one; 80/443 want the nodes where routers can run (infra, else workers, else
    the masters of a compact cluster).
    """
    ports = inv.load_balancer.ports
    if port in (ports["api"], ports["machine_config"]):
        with_bootstrap = with_bootstrap and bool(inv.nodes_with_role("bootstrap"))
        roles = ("master", "bootstrap") if with_bootstrap else ("master",)
        return " and ".join(
            r + "s" if r == "master" else "the " + r for r in roles
        ), inv.nodes_with_role(*roles)
    if port in (ports["http"], ports["https"]):
        return inv.ingress_role, inv.ingress_nodes()
    return "nothing known", []


def active_servers(backends: tuple[Section, ...]) -> list[tuple[Section, Server]]:
    return [(b, s) for b in backends for s in b.servers if s.active]


def evaluate_backends(
    inv: Inventory, facts: BackendFacts, *, with_bootstrap: bool = True
) -> Verdict:
    """Every node that must serve ``facts.port`` is an active server of its backends."""
    what, nodes = expected_nodes(inv, facts.port, with_bootstrap=with_bootstrap)
    if not facts.frontends:
        return failed(
            expected=f"a frontend or listen section binding port {facts.port}",
            found=f"no bind on {facts.port} in {facts.config_path}",
            remediation=f'add a frontend with "bind *:{facts.port}" and a default_backend, '
            + validate_hint(facts.config_path),
        )
    if not facts.backends:
        names = ", ".join(f.name for f in facts.frontends)
        return failed(
            expected=f"a backend with servers behind port {facts.port}",
            found=f"frontend {names} sends to no defined backend",
            remediation=f"define the backend named by default_backend in {names}, "
            + validate_hint(facts.config_path),
        )
    servers = active_servers(facts.backends)
    served_ips = {ip for _, s in servers for ip in facts.addresses.get(s.address, ())}
    missing = [n for n in nodes if n.ip not in served_ips]
    unresolved = sorted({s.address for _, s in servers if not facts.addresses.get(s.address)})
    backend_names = ", ".join(b.name for b in facts.backends)
    if not missing:
        return passed(f"{backend_names} hold every one of the {what}")
    target = facts.backends[0]
    lines = [f'"server {n.name} {n.fqdn}:{facts.port} check"' for n in missing]
    found = f"{backend_names} ({len(servers)} active server(s)) lacks " + ", ".join(
        f"{n.role} {n.name} ({n.ip})" for n in missing
    )
    if unresolved:
        found += f"; server addresses that do not resolve in the site DNS: {', '.join(unresolved)}"
    return failed(
        expected=f"the {what} as servers behind port {facts.port}",
        found=found,
        remediation=f"add {', '.join(lines)} to backend {target.name} (line {target.line}) in "
        f"{facts.config_path}, " + validate_hint(facts.config_path),
    )


# --------------------------------------------------------------------------- lb.bootstrap_removed


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
        "comment out or delete "
        f'"server {s.name} {s.address}{":" + str(s.port) if s.port else ""} check" '
        f"(line {s.line}, backend {b.name})"
        for b, s in hits
    )
    return failed(
        expected=f"no bootstrap server behind port {facts.port} after install",
        found=f"bootstrap {bs.name} ({bs.ip}) is still active in "
        + ", ".join(sorted({b.name for b, _ in hits})),
        remediation=f"in {facts.config_path}: {lines}; " + validate_hint(facts.config_path),
    )


# --------------------------------------------------------------------------- lb.config

#: (what an ALERT line says, the fix for it), the first that matches wins.
CONFIG_FIXES = (
    (
        "please use the 'bind' keyword",
        'move the address off the section line: "listen NAME" then "bind ADDR:PORT" on its '
        'own line (haproxy 2.x refuses the 1.x "listen NAME ADDR:PORT" form)',
    ),
    ("Missing LF on last line", "end the file with a newline: echo >> {quoted}"),
    (
        "could not resolve address",
        "make the server names resolve on {host} (the site DNS in /etc/resolv.conf there), or "
        'write IP addresses, or add "default-server init-addr last,libc,none" to the backends',
    ),
    ("unknown keyword", "correct the misspelt keyword on the line haproxy names"),
)
SHOWN_ALERTS = 3


def evaluate_config(facts: ConfigCheck) -> Verdict:
    """haproxy must accept the configuration (exit 0 of ``haproxy -c -f``)."""
    version = f" ({facts.version})" if facts.version else ""
    if facts.returncode == 0:
        warnings = sum(1 for line in facts.lines if line.startswith("[WARNING]"))
        noted = f", {warnings} warning(s)" if warnings else ""
        return passed(f"haproxy -c on {facts.host}{version}: configuration is valid{noted}")
    alerts = facts.alerts or [line for line in facts.lines if line.strip()][-1:]
    shown = "; ".join(alerts[:SHOWN_ALERTS])
    if len(alerts) > SHOWN_ALERTS:
        shown += f"; … ({len(alerts) - SHOWN_ALERTS} more)"
    fix = next(
        (
            f.format(quoted=shell_word(facts.path), host=facts.host)
            for needle, f in CONFIG_FIXES
            if any(needle in a for a in alerts)
        ),
        f"correct the lines haproxy names in {facts.path}",
    )
    return failed(
        expected=f"haproxy -c -f {facts.path} on {facts.host} to accept the configuration",
        found=f"exit {facts.returncode}{version}: {shown or 'no output'}",
        details=tuple(alerts),
        remediation=f"{fix}; " + validate_hint(facts.path),
    )


# --------------------------------------------------------------------------- checks


@check(
    "lb.port",
    title="Load balancer ports answer",
    markers=["preflight", "postinstall"],
    subject="api:6443, api_int:6443, api_int:22623, ingress:80, ingress:443 (ports as configured)",
    fails_when="no TCP connection within the timeout",
    remediation="bind the port in haproxy.cfg, open the firewall, allow the port under SELinux",
    subjects=port_subjects,
    gather=gather_port,
    requires=("load_balancer",),
)
def test_lb_port(site: Site, facts: tuple[str, TcpProbe]) -> None:
    expect(evaluate_port(*facts, site.inv.load_balancer.config or "/etc/haproxy/haproxy.cfg"))


@check(
    "lb.backends",
    title="Load balancer backends hold the right nodes",
    markers=["preflight"],
    subject="the bind port, e.g. 22623",
    fails_when=(
        "the backend lacks a master (preflight: or the bootstrap) for 6443/22623, or lacks an "
        "ingress node (infra nodes if any, else workers, else the masters of a compact cluster) "
        "for 80/443"
    ),
    remediation="add the missing server line to the backend and validate with haproxy -c -f",
    subjects=backend_ports,
    gather=gather_backends,
    requires=("load_balancer.config", "nodes"),
)
def test_lb_backends(site: Site, facts: BackendFacts) -> None:
    expect(evaluate_backends(site.inv, facts))


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


@check(
    "lb.config",
    title="haproxy accepts its configuration",
    markers=["preflight"],
    subject="the haproxy.cfg path",
    fails_when="haproxy -c -f (on the LB host over ssh, else locally) rejects it; skipped naming "
    "the reason where haproxy is not installed",
    remediation="correct the lines haproxy's ALERT messages name, then haproxy -c -f again",
    subjects=config_subjects,
    gather=gather_config_check,
    requires=("load_balancer.config",),
)
def test_lb_config(facts: ConfigCheck) -> None:
    expect(evaluate_config(facts))
