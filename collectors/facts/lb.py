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

from collectors.errors import NotApplicable, Unreachable
from collectors.inventory import Node
from collectors.parsers.haproxy import HaproxyConfig, Section, Server
from collectors.site import Site
from collectors.transport.net import TcpProbe, probe_tcp, require_answer

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
    return vip_key, require_answer(probe_tcp(address, int(port)))


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
