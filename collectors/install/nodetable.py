"""The site's own list of machines for ``draft-inventory``: a node table (``--nodes CSV``) and an
agent-config.yaml's hosts (``--agent-config FILE``). Pure: text or a parsed document in, rows
out; every bad line is an InputError naming the file and the line (or the agent-config key).

A node table is CSV, ``name,role,ip[,mac]``, one machine a line; a first line naming the columns
is optional, blank lines and ``#`` comments are skipped. ``name`` is the short name or the FQDN;
``role`` is one of master, worker, infra, bootstrap, or ``dns`` for a DNS server the nodes ask
(not a node: it fills ``dns.servers`` when the zones' NS record names it or no NS has an
address).

>>> rows = parse_nodes_csv("name,role,ip,mac\\nm1.c1.example.com,master,10.0.0.21,"
...     "52:54:00:aa:bb:01\\n\\n# later\\nw1,Worker,10.0.0.31\\n", "nodes.csv")
>>> [(r.name, r.role, r.ip, r.mac, r.line) for r in rows]
[('m1.c1.example.com', 'master', '10.0.0.21', '52:54:00:aa:bb:01', 2), \
('w1', 'worker', '10.0.0.31', '', 5)]
>>> parse_nodes_csv("m1,master,10.0.0.300\\n", "nodes.csv")
Traceback (most recent call last):
...
collectors.errors.InputError: nodes.csv:1: ip '10.0.0.300' is not an IP address

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import csv
import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError

#: Roles of a node table's rows that are nodes (as the inventory's ``nodes[].role``).
NODE_ROLES = ("master", "worker", "infra", "bootstrap")
#: Rows that are not nodes: a DNS server the nodes ask.
HOST_ROLES = ("dns",)
ROLES = NODE_ROLES + HOST_ROLES
#: A host name: DNS labels (letters, digits, ``-``; what a node's name may be), dots between.
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
_MAC = re.compile(r"[0-9a-f]{2}([:-][0-9a-f]{2}){5}")
#: The most rows read from one table (a site has thousands of nodes at most).
MAX_ROWS = 100_000


@dataclass(frozen=True)
class TableNode:
    """One machine as the site's own list says: ``name`` as written (short or FQDN, lower
    case), ``role``, ``ip``, ``mac`` ("" when not given), and where: ``source`` (the file) and
    ``line`` (0 for an agent-config host: ``key`` names it)."""

    name: str
    role: str
    ip: str
    mac: str = ""
    source: str = ""
    line: int = 0
    key: str = ""

    @property
    def where(self) -> str:
        """``file:line`` or ``file hosts[i]``.

        >>> TableNode("m1", "master", "10.0.0.1", source="n.csv", line=3).where
        'n.csv:3'
        """
        return f"{self.source}:{self.line}" if self.line else f"{self.source} {self.key}".strip()


def _ip(value: str, path: str, line: int | None, what: str = "ip") -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InputError(path, f"{what} {value!r} is not an IP address", line=line) from None


def _name(value: str, path: str, line: int | None, what: str = "name") -> str:
    name = value.strip().rstrip(".").lower()
    if not name or len(name) > 253 or not _NAME.fullmatch(name):
        raise InputError(path, f"{what} {value!r} is not a host name", line=line)
    return name


def _role(value: str, path: str, line: int | None, roles: tuple[str, ...] = ROLES) -> str:
    role = value.strip().lower()
    if role not in roles:
        raise InputError(path, f"role {value!r} is not one of {', '.join(roles)}", line=line)
    return role


def _is_header(fields: list[str]) -> bool:
    """Whether a first line names the columns (``name,role,ip[,mac]``, any case, any order of
    spaces) rather than a machine."""
    return [f.strip().lower() for f in fields[:3]] == ["name", "role", "ip"]


def parse_nodes_csv(text: str, path: str) -> list[TableNode]:
    """The rows of a node table; InputError naming ``path`` and the line of the first bad one
    (too few or too many fields, a name that is not a host name, a role not in :data:`ROLES`,
    an IP or a MAC that does not parse, a name or an IP given twice)."""
    rows: list[TableNode] = []
    names: dict[str, int] = {}
    ips: dict[str, int] = {}
    lines = text.split("\n")  # as an editor numbers them: \r\n too; a lone \r is bad CSV
    if len(lines) > MAX_ROWS + 1:
        raise InputError(path, f"more than the {MAX_ROWS} lines read from a node table")
    for number, raw in enumerate(lines, 1):
        raw = raw.removesuffix("\r")
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            (fields,) = list(csv.reader([raw], strict=True))
        except (csv.Error, ValueError) as exc:
            raise InputError(path, f"not a CSV line ({exc})", line=number) from None
        if not rows and not names and _is_header(fields) and len(fields) in (3, 4):
            if len(fields) == 4 and fields[3].strip().lower() != "mac":
                raise InputError(path, "a header names name,role,ip[,mac]", line=number)
            continue
        if len(fields) not in (3, 4):
            raise InputError(
                path, f"{len(fields)} fields: a line is name,role,ip[,mac]", line=number
            )
        name = _name(fields[0], path, number)
        role = _role(fields[1], path, number)
        ip = _ip(fields[2].strip(), path, number)
        mac = fields[3].strip().lower() if len(fields) == 4 else ""
        if mac and not _MAC.fullmatch(mac):
            raise InputError(path, f"mac {fields[3]!r} is not a MAC address", line=number)
        if name in names:
            raise InputError(path, f"{name} is also on line {names[name]}", line=number)
        if ip in ips:
            raise InputError(path, f"{ip} is also on line {ips[ip]}", line=number)
        names[name], ips[ip] = number, number
        rows.append(TableNode(name, role, ip, mac.replace("-", ":"), path, number))
    return rows


def _mapping(value: Any, path: str, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(path, f"{key} must be a mapping")
    return value


def _list(value: Any, path: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(path, f"{key} must be a list")
    return value


def _addresses(network: dict[str, Any], path: str, key: str) -> list[tuple[str, str]]:
    """(interface name, IP) of an nmstate ``networkConfig``: every ``interfaces[].ipv4`` then
    ``ipv6`` ``address[].ip``, in order."""
    found: list[tuple[str, str]] = []
    for i, iface in enumerate(_list(network.get("interfaces"), path, f"{key}.interfaces")):
        where = f"{key}.interfaces[{i}]"
        iface = _mapping(iface, path, where)
        for family in ("ipv4", "ipv6"):
            fam = _mapping(iface.get(family), path, f"{where}.{family}")
            for j, entry in enumerate(_list(fam.get("address"), path, f"{where}.{family}.address")):
                entry = _mapping(entry, path, f"{where}.{family}.address[{j}]")
                if entry.get("ip") is not None:
                    ip = _ip(str(entry["ip"]), path, None, f"{where}.{family}.address[{j}].ip")
                    found.append((str(iface.get("name") or ""), ip))
    return found


def agent_config_hosts(doc: Any, path: str) -> tuple[list[TableNode], list[str], list[str]]:
    """The hosts of an agent-config.yaml (``apiVersion: v1beta1``, ``kind: AgentConfig``):
    ``hosts[].hostname``, ``role`` (master or worker; none: guessed from the name later),
    ``interfaces[].macAddress`` and the first address of ``networkConfig.interfaces[]``
    (nmstate). Returns (hosts, the DNS servers its networkConfig ``dns-resolver`` gives, notes
    on hosts left out). InputError naming the file and the key for a value of the wrong kind.

    >>> doc = {"hosts": [{"hostname": "m1.c1.example.com", "role": "master",
    ...     "interfaces": [{"name": "eno1", "macAddress": "52:54:00:AA:BB:01"}],
    ...     "networkConfig": {"interfaces": [{"name": "eno1", "ipv4": {"address": [
    ...         {"ip": "10.0.0.21", "prefix-length": 24}]}}],
    ...         "dns-resolver": {"config": {"server": ["10.0.0.2"]}}}}]}
    >>> hosts, dns, notes = agent_config_hosts(doc, "agent-config.yaml")
    >>> [(h.name, h.role, h.ip, h.mac, h.where) for h in hosts], dns, notes
    ([('m1.c1.example.com', 'master', '10.0.0.21', '52:54:00:aa:bb:01', \
'agent-config.yaml hosts[0]')], ['10.0.0.2'], [])
    """
    doc = _mapping(doc, path, "the document")
    hosts: list[TableNode] = []
    servers: list[str] = []
    notes: list[str] = []
    for i, host in enumerate(_list(doc.get("hosts"), path, "hosts")):
        key = f"hosts[{i}]"
        host = _mapping(host, path, key)
        network = _mapping(host.get("networkConfig"), path, f"{key}.networkConfig")
        resolver = _mapping(network.get("dns-resolver"), path, f"{key}.networkConfig.dns-resolver")
        config = _mapping(resolver.get("config"), path, f"{key}.networkConfig.dns-resolver.config")
        where = f"{key}.networkConfig.dns-resolver.config.server"
        for j, server in enumerate(_list(config.get("server"), path, where)):
            ip = _ip(str(server), path, None, f"{where}[{j}]")
            if ip not in servers:
                servers.append(ip)
        if not host.get("hostname"):
            notes.append(f"{path} {key}: no hostname (named by the DHCP server): left out")
            continue
        name = _name(str(host["hostname"]), path, None, f"{key}.hostname")
        role = ""
        if host.get("role"):
            role = _role(str(host["role"]), path, None, ("master", "worker"))
        macs = {}
        for j, iface in enumerate(_list(host.get("interfaces"), path, f"{key}.interfaces")):
            iface = _mapping(iface, path, f"{key}.interfaces[{j}]")
            mac = str(iface.get("macAddress") or "").lower()
            if mac and not _MAC.fullmatch(mac):
                raise InputError(path, f"{key}.interfaces[{j}].macAddress {mac!r} is not a MAC")
            macs[str(iface.get("name") or "")] = mac
        addresses = _addresses(network, path, f"{key}.networkConfig")
        if not addresses:
            notes.append(f"{path} {key} ({name}): no static address in networkConfig: left out")
            continue
        iface, ip = addresses[0]
        mac = macs.get(iface) or next(iter(macs.values()), "")
        hosts.append(TableNode(name, role, ip, mac, path, 0, key))
    return hosts, servers, notes
