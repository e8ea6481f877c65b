"""What the lb.* checks gather: a TCP connection to each VIP port, and haproxy's frontends,
backends and servers behind a port, with the server names resolved through the site's DNS.

haproxy.cfg is read from the LB host (``load_balancer.ssh``) or a local path, parsed once
(``Site.lb_config``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from collectors.errors import InputError, NotApplicable, Unreachable
from collectors.inventory import Node
from collectors.parsers.haproxy import HaproxyConfig, Section, Server
from collectors.site import Site
from collectors.transport.net import TcpProbe, probe_tcp, probe_tcp_all, require_answer

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


def port_probes(site: Site) -> dict[str, TcpProbe]:
    """The probe of every lb.port subject, asked once per process with the distinct addresses
    at the same time (:func:`probe_tcp_all`): the first subject pays for all, so a silent
    ``api`` and a silent ``api_int`` cost one connect timeout, not two in turn. Under xdist
    each worker asks for itself when its first lb.port subject runs (not the controller, as a
    ``prefetch``: it would hold up every worker for that timeout, 2026-12-06), and refuses at
    once an address another process wrote down as silent (``DEAD``, shared)."""

    def produce() -> dict[str, TcpProbe]:
        endpoints = {}
        for subject in port_subjects(site):
            vip_key, port = subject.rsplit(":", 1)
            address = getattr(site.inv.load_balancer, vip_key)
            if address:
                endpoints[subject] = (address, int(port))
        probes = probe_tcp_all(list(endpoints.values()))
        return {subject: probes[endpoint] for subject, endpoint in endpoints.items()}

    return site.memo("lb-port-probes", produce)


def gather_port(site: Site, subject: str) -> tuple[str, TcpProbe]:
    vip_key, port = subject.rsplit(":", 1)
    address = getattr(site.inv.load_balancer, vip_key)
    if not address:
        raise NotApplicable(f"inventory has no load_balancer.{vip_key}")
    probe = port_probes(site).get(subject) or probe_tcp(address, int(port))
    return vip_key, require_answer(probe)


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


# --------------------------------------------------------------------------- lb.config

#: Where haproxy is looked for after PATH (a non-login SSH session may lack /usr/sbin).
HAPROXY_LOCATIONS = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")


def haproxy_check_script(locations: tuple[str, ...]) -> str:
    """A ``sh -c`` script that finds haproxy (PATH, then ``locations``) and validates ``$1``
    with it; exit 127 and NO_HAPROXY on stderr when it is not installed. The config path arrives
    as one quoted argument, never inside the script.

    >>> 'exec "$h" -c -f "$1"' in haproxy_check_script(HAPROXY_LOCATIONS)
    True
    """
    where = " ".join(shlex.quote(p) for p in locations)
    return (
        f'for h in "$(command -v haproxy)" {where}; do '
        '[ -n "$h" ] && [ -x "$h" ] && { "$h" -v | head -n 1; exec "$h" -c -f "$1"; }; done; '
        "echo NO_HAPROXY >&2; exit 127"
    )


#: What of haproxy's output is kept: this many lines, each cut at this many characters.
CONFIG_CHECK_MAX_LINES = 200
CONFIG_CHECK_MAX_LINE = 300


def config_subjects(site: Site) -> list[str]:
    config = site.inv.load_balancer.config
    return [str(config)] if config else []


@dataclass(frozen=True)
class ConfigCheck:
    """``haproxy -c -f <path>`` as run on ``host`` (``local`` or the LB's SSH target)."""

    path: str
    host: str
    returncode: int
    version: str
    lines: tuple[str, ...]  # stdout and stderr, at most CONFIG_CHECK_MAX_LINES lines, each cut

    @property
    def alerts(self) -> list[str]:
        """haproxy's ``[ALERT]`` lines without their ``(pid)`` prefix.

        >>> ConfigCheck("h.cfg", "local", 1, "", (
        ...     "[ALERT]    (11) : config : parsing [h.cfg:3] : unknown keyword 'severr'",
        ...     "[NOTICE]   (11) : haproxy version is 2.6.12")).alerts
        ["config : parsing [h.cfg:3] : unknown keyword 'severr'"]
        """
        out = []
        for line in self.lines:
            if line.startswith("[ALERT]"):
                out.append(line.split(" : ", 1)[1] if " : " in line else line)
        return out


def _cut(line: str) -> str:
    return line if len(line) <= CONFIG_CHECK_MAX_LINE else line[: CONFIG_CHECK_MAX_LINE - 1] + "…"


def gather_config_check(site: Site, subject: str) -> ConfigCheck:
    """Run ``haproxy -c -f`` where haproxy is: on the LB host over SSH when load_balancer.ssh is
    set, else here; NotApplicable naming the binary when haproxy is not installed there."""
    lb = site.inv.load_balancer
    host = site.host(lb.ssh)
    script = haproxy_check_script(HAPROXY_LOCATIONS)
    rc, out, err = host.run(["sh", "-c", script, "sh", subject])
    where = str(lb.ssh) if lb.ssh else "this machine"
    if rc == 127 and "NO_HAPROXY" in err:
        raise NotApplicable(
            f"haproxy is not installed on {where} (no haproxy in PATH or "
            f"{', '.join(HAPROXY_LOCATIONS)}): cannot run haproxy -c -f there"
        )
    text = (out + err).splitlines()
    version = ""
    if text and text[0].startswith("HAProxy version"):
        version = " ".join(text[0].split()[:3])  # "HAProxy version 2.6.12-1+deb12u4"
    lines = tuple(_cut(line) for line in text[1 if version else 0 :][:CONFIG_CHECK_MAX_LINES])
    unresolved = sorted({m.group(1) for m in map(_UNRESOLVED.search, lines) if m})
    if rc != 0 and unresolved and lb.ssh is None:
        # haproxy -c resolves every server name; here, with this machine's resolver
        error = Unreachable(
            ", ".join(unresolved[:3]) + (" ..." if len(unresolved) > 3 else ""),
            "this machine cannot resolve them, and haproxy -c resolves every server name; "
            "the verdict depends on where it runs",
            what="haproxy -c here could not resolve",
        )
        error.remediation = (
            "run haproxy -c where haproxy runs: set load_balancer.ssh (the LB host), or run the "
            "suite on a machine whose resolver holds the site's names"
        )
        raise error
    return ConfigCheck(subject, where, rc, version, lines)


#: haproxy -c's complaint about a server name it could not resolve.
_UNRESOLVED = re.compile(r"could not resolve address '([^']+)'")


# --------------------------------------------------------------------------- lb.host

#: Where the RHEL tools are looked for after PATH (a non-login SSH session may lack /usr/sbin).
SBIN = "/usr/sbin:/sbin:/usr/bin:/bin"
#: A ``sh -c`` script running ``$@`` as found on PATH then SBIN; exit 127 and NOT_FOUND on stderr
#: when there is no such command. Every argument arrives quoted, never inside the script.
TOOL_SCRIPT = (
    f'PATH="$PATH:{SBIN}"; command -v "$1" >/dev/null 2>&1 || '
    '{ echo NOT_FOUND >&2; exit 127; }; exec "$@"'
)
#: How long one tool may take (they answer at once; semanage reads the policy: a few seconds).
TOOL_TIMEOUT = 60.0
#: haproxy's journal: at most this many of its last lines are read; bind failures kept.
JOURNAL_LINES = 2000
SHOWN_JOURNAL_LINES = 5
JOURNAL_LINE_CHARS = 400
#: Services named in the zone whose ports are asked (firewall-cmd --service=NAME --get-ports).
MAX_SERVICES = 32
#: What a bind failure of haproxy says (2.x: "cannot bind socket (Permission denied) for
#: [0.0.0.0:80]"; 2.4: "... [0.0.0.0:80]"; tests/real/haproxy-journal).
BIND_FAILURE = re.compile(r"cannot bind|[Bb]ind\w*\b.*Permission denied|Permission denied.*\bbind")


def lbhost_subjects(site: Site) -> list[str]:
    ssh = site.inv.load_balancer.ssh
    return [ssh.host] if ssh else []


@dataclass(frozen=True)
class Tool:
    """One command as run on the LB host: its exit code and (capped) output, or missing."""

    argv: tuple[str, ...]
    returncode: int
    out: str
    err: str

    @property
    def missing(self) -> bool:
        return self.returncode == 127 and "NOT_FOUND" in self.err

    @property
    def command(self) -> str:
        return " ".join(self.argv)


@dataclass(frozen=True)
class LbHostFacts:
    """What the LB host says about haproxy, SELinux and firewalld, for the frontend ports."""

    host: str  # the ssh target as the inventory names it
    config_path: str
    #: (port, "frontend NAME", bind line) per bound TCP port of haproxy.cfg
    ports: tuple[tuple[int, str, int], ...]
    running: str  # "active", "inactive", "failed", ... (systemctl) or "process"/"no process"
    running_how: str  # the command that said so
    selinux: str | None  # Enforcing/Permissive/Disabled; None when not known
    connect_any: bool | None
    port_types: dict[int, tuple[str, ...]]  # per frontend port, its SELinux types
    firewalld: bool | None  # running; None when not known
    runtime_ports: tuple[int, ...]  # the frontend ports open in the runtime configuration
    permanent_ports: tuple[int, ...]
    how_open: dict[int, str]  # port: "22623/tcp" or "service machine-config"
    bind_failures: tuple[str, ...]  # journal lines since haproxy started, capped
    journal_scope: str  # which part of the journal was read
    missing: tuple[str, ...]  # tools the host lacks
    unreadable: tuple[str, ...]  # "tool: why" for outputs that were not the tool's


def _tool(host, *argv: str) -> Tool:  # noqa: ANN001 - a Host
    rc, out, err = host.run(["sh", "-c", TOOL_SCRIPT, "sh", *argv], timeout=TOOL_TIMEOUT)
    return Tool(tuple(argv), rc, out, err)


def _frontend_ports(cfg: HaproxyConfig) -> tuple[tuple[int, str, int], ...]:
    seen: dict[int, tuple[int, str, int]] = {}
    for s in cfg.sections:
        if s.kind in ("frontend", "listen"):
            for b in s.binds:
                seen.setdefault(b.port, (b.port, f"{s.kind} {s.name}", b.line))
    return tuple(sorted(seen.values()))


def _running(host) -> tuple[str, str, list[str]]:  # noqa: ANN001
    """haproxy's state by systemctl, else by pgrep; and the tools that were missing."""
    missing: list[str] = []
    t = _tool(host, "systemctl", "is-active", "haproxy")
    state = t.out.strip().splitlines()[0][:40] if t.out.strip() else ""
    if not t.missing and state in (
        "active",
        "inactive",
        "failed",
        "activating",
        "deactivating",
        "reloading",
        "unknown",
    ):
        return state, t.command, missing
    if t.missing:
        missing.append("systemctl")
    p = _tool(host, "pgrep", "-x", "haproxy")
    if p.missing:
        missing.append("pgrep")
        return "", "", missing
    return ("process" if p.returncode == 0 else "no process"), p.command, missing


def _journal(host) -> tuple[tuple[str, ...], str, list[str]]:  # noqa: ANN001
    """Bind failure lines of haproxy's journal since it started (its current invocation when
    systemd names it, else this boot)."""
    inv = _tool(host, "systemctl", "show", "-p", "InvocationID", "--value", "haproxy")
    invocation = inv.out.strip() if inv.returncode == 0 else ""
    if not re.fullmatch(r"[0-9a-f]{32}", invocation):
        invocation = ""
    base = ("journalctl", "--no-pager", "-o", "short-iso", "-n", str(JOURNAL_LINES))
    if invocation:
        argv = (*base, f"_SYSTEMD_INVOCATION_ID={invocation}")
        scope = f"haproxy's journal since it started (invocation {invocation[:12]}…)"
    else:
        argv = (*base, "-u", "haproxy", "-b")
        scope = "haproxy's journal of this boot"
    t = _tool(host, *argv)
    if t.missing:
        return (), "", ["journalctl"]
    from collectors.visible import visible_line

    hits = [
        visible_line(line)[:JOURNAL_LINE_CHARS]
        for line in t.out.splitlines()
        if BIND_FAILURE.search(line)
    ]
    return tuple(hits[-SHOWN_JOURNAL_LINES:]), scope, []


def _service_ports(host, services: set[str], unreadable: list[str]) -> dict[str, tuple]:  # noqa: ANN001
    from collectors.parsers.firewalld import parse_ports

    out: dict[str, tuple] = {}
    for name in sorted(services)[:MAX_SERVICES]:
        t = _tool(host, "firewall-cmd", "--permanent", f"--service={name}", "--get-ports")
        if t.returncode != 0:
            continue  # an unknown service opens nothing
        try:
            out[name] = parse_ports(t.out, t.command)
        except InputError as exc:
            unreadable.append(str(exc))
    return out


def _firewall(host, ports: list[int], missing: list[str], unreadable: list[str]):  # noqa: ANN001, ANN202
    """(firewalld running, runtime open ports, permanent open ports, how each is open)."""
    from collectors.parsers.firewalld import covers, parse_ports, parse_services, parse_state

    state = _tool(host, "firewall-cmd", "--state")
    if state.missing:
        missing.append("firewall-cmd")
        return None, (), (), {}
    try:
        running = parse_state(state.out + state.err, state.returncode, state.command)
    except InputError as exc:
        unreadable.append(str(exc))
        return None, (), (), {}
    if not running:
        return False, (), (), {}
    lists = {}
    for key, extra in (("runtime", ()), ("permanent", ("--permanent",))):
        p = _tool(host, "firewall-cmd", *extra, "--list-ports")
        s = _tool(host, "firewall-cmd", *extra, "--list-services")
        try:
            lists[key] = (parse_ports(p.out, p.command), parse_services(s.out, s.command))
        except InputError as exc:
            unreadable.append(str(exc))
            return None, (), (), {}
    services = set(lists["runtime"][1]) | set(lists["permanent"][1])
    by_service = _service_ports(host, services, unreadable)
    how: dict[int, str] = {}
    open_in: dict[str, list[int]] = {"runtime": [], "permanent": []}
    for key, (port_list, service_list) in lists.items():
        for port in ports:
            via = f"{port}/tcp" if covers(port_list, port) else ""
            via = via or next(
                (f"service {n}" for n in service_list if covers(by_service.get(n, ()), port)), ""
            )
            if via:
                open_in[key].append(port)
                how.setdefault(port, via)
    return True, tuple(open_in["runtime"]), tuple(open_in["permanent"]), how


def gather_lbhost(site: Site, subject: str) -> LbHostFacts:
    """Ask the LB host (load_balancer.ssh) about haproxy, SELinux, firewalld and the journal."""
    from collectors.parsers.selinuxtools import (
        parse_getenforce,
        parse_getsebool,
        parse_semanage_ports,
        types_of,
    )

    lb = site.inv.load_balancer
    if lb.ssh is None:
        raise NotApplicable("inventory has no load_balancer.ssh (the LB host)")
    cfg = site.lb_config()
    ports = _frontend_ports(cfg)
    numbers = [p for p, _, _ in ports]
    host = site.host(lb.ssh)
    running, running_how, missing = _running(host)
    unreadable: list[str] = []

    selinux = connect_any = None
    port_types: dict[int, tuple[str, ...]] = {}
    t = _tool(host, "getenforce")
    if t.missing:
        missing.append("getenforce")
    else:
        try:
            selinux = parse_getenforce(t.out, t.command)
        except InputError as exc:
            unreadable.append(str(exc))
    if selinux == "Enforcing":
        t = _tool(host, "getsebool", "haproxy_connect_any")
        if t.missing:
            missing.append("getsebool")
        else:
            try:
                connect_any = parse_getsebool(t.out, t.command).get("haproxy_connect_any")
            except InputError as exc:
                unreadable.append(str(exc))
        if not connect_any:
            t = _tool(host, "semanage", "port", "-l")
            if t.missing:
                missing.append("semanage")
            else:
                try:
                    labels = parse_semanage_ports(t.out, t.command)
                    port_types = {p: types_of(labels, p) for p in numbers}
                except InputError as exc:
                    unreadable.append(str(exc))
    firewalld, runtime, permanent, how = _firewall(host, numbers, missing, unreadable)
    failures, scope, jmissing = _journal(host)
    return LbHostFacts(
        str(lb.ssh),
        cfg.path,
        ports,
        running,
        running_how,
        selinux,
        connect_any,
        port_types,
        firewalld,
        runtime,
        permanent,
        how,
        failures,
        scope,
        tuple(dict.fromkeys(missing + jmissing)),
        tuple(unreadable),
    )
