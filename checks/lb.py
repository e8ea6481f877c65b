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
    LbHostFacts,
    backend_ports,
    config_subjects,
    control_ports,
    gather_backends,
    gather_bootstrap,
    gather_config_check,
    gather_lbhost,
    gather_port,
    lbhost_subjects,
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


def selinux_port_hint(port: int, labels: dict[int, tuple[str, ...]] | None = None) -> str:
    """How to let haproxy bind ``port`` under SELinux: nothing for a port the stock policy
    labels for it (80, 443, ...); ``-a`` for a port without a label, ``-m`` for one labelled
    another type. ``labels`` (port: types, from lb.host's ``semanage port -l``) when known; else
    the command is conditional on ``semanage port -l``.

    >>> selinux_port_hint(443)
    ''
    >>> print(selinux_port_hint(6443))
    if "semanage port -l" does not list 6443/tcp: "semanage port -a -t http_port_t -p tcp 6443"
    >>> print(selinux_port_hint(22623, {22623: ("unreserved_port_t",)}))
    "semanage port -m -t http_port_t -p tcp 22623" (it is unreserved_port_t now)
    """
    from collectors.parsers.selinuxtools import HAPROXY_PORT_TYPES, stock_haproxy_port

    if labels is None:
        if stock_haproxy_port(port):
            return ""
        return (
            f'if "semanage port -l" does not list {port}/tcp: '
            f'"semanage port -a -t http_port_t -p tcp {port}"'
        )
    types = labels.get(port, ())
    if any(t in HAPROXY_PORT_TYPES for t in types):
        return ""
    if types:
        return f'"semanage port -m -t http_port_t -p tcp {port}" (it is {", ".join(types)} now)'
    return f'"semanage port -a -t http_port_t -p tcp {port}"'


def evaluate_port(
    vip_key: str, probe: TcpProbe, config_path: str = "/etc/haproxy/haproxy.cfg"
) -> Verdict:
    """The VIP must accept a TCP connection on the port."""
    if probe.ok:
        return passed(f"{probe.host}:{probe.port} accepts TCP connections")
    selinux = selinux_port_hint(probe.port)
    selinux = (
        f'let haproxy bind it under SELinux ({selinux}, or "setsebool -P haproxy_connect_any 1")'
        if selinux
        else "check that SELinux lets haproxy bind it (see lb.host)"
    )
    return failed(
        expected=f"a TCP connection to {probe.host}:{probe.port} (load_balancer.{vip_key})",
        found=probe.error,
        remediation=(
            f'bind the port in haproxy.cfg ("bind {probe.host}:{probe.port}" or '
            f'"bind *:{probe.port}" in the frontend of {config_path}), '
            f"{validate_hint(config_path)}; open it in the firewall "
            f'("firewall-cmd --permanent --add-port={probe.port}/tcp && firewall-cmd --reload") '
            f"and {selinux}"
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
    problems: list[tuple[str, str, str]] = []  # (expected, found, fix)
    if missing:
        target = facts.backends[0]
        lines = [f'"server {n.name} {n.fqdn}:{facts.port} check"' for n in missing]
        found = f"{backend_names} ({len(servers)} active server(s)) lacks " + ", ".join(
            f"{n.role} {n.name} ({n.ip})" for n in missing
        )
        if unresolved:
            found += (
                f"; server addresses that do not resolve in the site DNS: {', '.join(unresolved)}"
            )
        problems.append(
            (
                f"the {what} as servers behind port {facts.port}",
                found,
                f"add {', '.join(lines)} to backend {target.name} (line {target.line}) in "
                f"{facts.config_path}",
            )
        )
    problems += _mode_problems(facts) + _check_problems(facts)
    if not problems:
        return passed(f"{backend_names} hold every one of the {what}")
    return failed(
        expected="; ".join(dict.fromkeys(p[0] for p in problems)),
        found="; ".join(p[1] for p in problems),
        remediation="; ".join(p[2] for p in problems) + ", " + validate_hint(facts.config_path),
    )


def _where(section: Section) -> str:
    """Where a proxy's mode was set, for a message.

    >>> _where(Section("backend", "web", 7, mode="http", mode_line=3, mode_section="defaults"))
    'defaults (line 3)'
    """
    if section.mode_line is None:
        return section.mode_section or "haproxy's default"
    return f"{section.mode_section} (line {section.mode_line})"


def _mode_problems(facts: BackendFacts) -> list[tuple[str, str, str]]:
    """Every proxy on the port must be ``mode tcp``: TLS passes through to the nodes (the API,
    the MCS and the routers terminate it themselves)."""
    proxies = list({id(p): p for p in (*facts.frontends, *facts.backends)}.values())
    wrong = [p for p in proxies if p.mode != "tcp"]
    if not wrong:
        return []
    found = ", ".join(
        f"{p.kind} {p.name} (line {p.line}) is mode {p.mode}, set in {_where(p)}" for p in wrong
    )
    fixes = []
    for p in wrong:
        if p.mode_line is not None and p.mode_section == f"{p.kind} {p.name}":
            fixes.append(f'change line {p.mode_line} of {p.kind} {p.name} to "mode tcp"')
        else:
            fixes.append(f'add "mode tcp" to {p.kind} {p.name} (line {p.line})')
    return [
        (
            f"mode tcp for every proxy on port {facts.port} (TLS passes through to the nodes)",
            found,
            "; ".join(fixes) + f" in {facts.config_path}",
        )
    ]


def _check_problems(facts: BackendFacts) -> list[tuple[str, str, str]]:
    """Every active server must be health-checked, else a dead node keeps getting traffic."""
    unchecked = [(b, s) for b, s in active_servers(facts.backends) if not s.check]
    if not unchecked:
        return []
    found = ", ".join(
        f"server {s.name} of {b.kind} {b.name} (line {s.line}) has no check" for b, s in unchecked
    )
    return [
        (
            f'"check" on every server behind port {facts.port} (a dead node must leave the '
            "rotation)",
            found,
            'append " check" to line(s) '
            + ", ".join(str(s.line) for _, s in unchecked)
            + f" of {facts.config_path}",
        )
    ]


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
        "for 80/443; a proxy on those ports (frontend, backend, or the defaults it inherits) "
        "is not mode tcp; a server has no check"
    ),
    remediation="add the missing server line, set mode tcp, add check to every server, and "
    "validate with haproxy -c -f",
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


# --------------------------------------------------------------------------- lb.host

#: systemctl is-active states in which haproxy serves
SERVING = ("active", "reloading", "process")


def host_problems(f: LbHostFacts) -> list[tuple[str, str, str]]:
    """(expected, found, fix) for each thing wrong on the LB host."""
    from collectors.parsers.selinuxtools import HAPROXY_PORT_TYPES

    out: list[tuple[str, str, str]] = []
    if f.running and f.running not in SERVING:
        out.append(
            (
                "haproxy running",
                f"{f.running_how} says {f.running}",
                'start it ("systemctl enable --now haproxy"; "journalctl -u haproxy -b" says '
                "why it stopped)",
            )
        )
    if f.selinux == "Enforcing" and not f.connect_any and f.port_types:
        denied = [
            (port, where, line)
            for port, where, line in f.ports
            if not set(f.port_types.get(port, ())) & set(HAPROXY_PORT_TYPES)
        ]
        if denied:
            out.append(
                (
                    "every frontend port labelled for haproxy under SELinux (http_port_t or "
                    "http_cache_port_t) or haproxy_connect_any on",
                    "SELinux is Enforcing, haproxy_connect_any is off, and "
                    + ", ".join(
                        f"port {port} ({where}, line {line}) is "
                        + (", ".join(f.port_types.get(port, ())) or "not labelled")
                        for port, where, line in denied
                    ),
                    "; ".join(selinux_port_hint(port, f.port_types) for port, _, _ in denied)
                    + ' (or "setsebool -P haproxy_connect_any 1")',
                )
            )
    if f.firewalld:
        lost = [p for p, _, _ in f.ports if p in f.runtime_ports and p not in f.permanent_ports]
        closed = [
            p for p, _, _ in f.ports if p not in f.runtime_ports and p not in f.permanent_ports
        ]
        if lost:
            out.append(
                (
                    "every frontend port open in firewalld's permanent configuration",
                    ", ".join(
                        f"{p} is open only in the runtime configuration ({f.how_open.get(p)}): "
                        "lost at the next reboot or reload"
                        for p in lost
                    ),
                    "make it permanent: "
                    + "; ".join(f'"firewall-cmd --permanent {_open_arg(f, p)}"' for p in lost)
                    + ' (or "firewall-cmd --runtime-to-permanent")',
                )
            )
        if closed:
            ports = " ".join(f"--add-port={p}/tcp" for p in closed)
            out.append(
                (
                    "every frontend port open in firewalld",
                    f"{', '.join(map(str, closed))} open in neither the runtime nor the "
                    "permanent configuration",
                    f'"firewall-cmd --permanent {ports} && firewall-cmd --reload"',
                )
            )
    if f.bind_failures:
        out.append(
            (
                "no bind failure in haproxy's journal since it started",
                f"{len(f.bind_failures)} line(s) in {f.journal_scope}, the last: "
                f"{f.bind_failures[-1]}",
                "let haproxy bind the port the line names (SELinux port label, nothing else "
                "listening there), then reload haproxy",
            )
        )
    return out


def _open_arg(f: LbHostFacts, port: int) -> str:
    """The firewall-cmd argument that opens ``port`` the way the runtime does.

    >>> f = LbHostFacts("lb", "/h.cfg", (), "", "", None, None, {}, True, (1,), (),
    ...     {1: "service a b"}, (), "", (), ())
    >>> _open_arg(f, 1), _open_arg(f, 2)
    ("--add-service='a b'", '--add-port=2/tcp')
    """
    how = f.how_open.get(port, "")
    if how.startswith("service "):
        return f"--add-service={shell_word(how.removeprefix('service '))}"
    return f"--add-port={port}/tcp"


def unjudged(f: LbHostFacts) -> str:
    """Why part of the host could not be judged ("" when all of it was).

    >>> f = LbHostFacts("root@lb", "/h.cfg", (), "active", "", None, None, {}, None, (), (), {},
    ...     (), "", ("getenforce", "firewall-cmd"), ())
    >>> unjudged(f)
    'getenforce, firewall-cmd not installed on root@lb'
    """
    parts = []
    if f.missing:
        parts.append(f"{', '.join(f.missing)} not installed on {f.host}")
    parts += list(f.unreadable)
    return "; ".join(parts)


def evaluate_host(f: LbHostFacts) -> Verdict:
    """haproxy runs and can keep binding every frontend port: SELinux, firewalld, its journal."""
    problems = host_problems(f)
    if problems:
        return failed(
            expected="; ".join(p[0] for p in problems),
            found="; ".join(p[1] for p in problems),
            remediation="; ".join(p[2] for p in problems),
            details=f.bind_failures,
        )
    ports = ", ".join(str(p) for p, _, _ in f.ports)
    said = [
        f"haproxy {f.running}" if f.running else "",
        f"SELinux {f.selinux}" if f.selinux else "",
    ]
    if f.firewalld is not None:
        said.append("firewalld " + ("opens them permanently" if f.firewalld else "not running"))
    said.append(f"no bind failure in {f.journal_scope}" if f.journal_scope else "")
    return passed(f"{f.host}: ports {ports}: " + ", ".join(s for s in said if s))


@check(
    "lb.host",
    title="The LB host lets haproxy serve every frontend port",
    markers=["preflight"],
    subject="the LB host as load_balancer.ssh names it (host part)",
    fails_when=(
        "haproxy is not running (systemctl is-active haproxy, else no haproxy process); SELinux "
        "enforcing and a frontend port neither labelled for haproxy nor allowed by "
        "haproxy_connect_any; a frontend port open in firewalld's runtime but not its permanent "
        "configuration (lost at reboot), or in neither; haproxy logged a bind failure since it "
        "started. A missing tool is a skip naming it"
    ),
    remediation="semanage port -a -t http_port_t -p tcp PORT; firewall-cmd --permanent "
    "--add-port=PORT/tcp; systemctl enable --now haproxy",
    subjects=lbhost_subjects,
    gather=gather_lbhost,
    requires=("load_balancer.ssh", "load_balancer.config"),
)
def test_lb_host(facts: LbHostFacts) -> None:
    import pytest

    verdict = evaluate_host(facts)
    why = unjudged(facts)
    if verdict.ok and why:
        pytest.skip(f"cannot judge all of {facts.host}: {why}")
    expect(verdict)
