"""The site inventory (contract §2): load, validate, and resolve paths.

Every validation error names the file, the key and the line:

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "site.yaml"
>>> _ = p.write_text("cluster: {name: c, base_domain: example.com}\\nnodes:\\n  - {name: m1, role: boss, ip: 10.0.0.1}\\n")
>>> try:
...     load_inventory(p)
... except InventoryError as e:
...     print(str(e).replace(str(p), "site.yaml"))
site.yaml:3: nodes[0].role: must be one of bootstrap, master, worker, infra (got 'boss')
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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

    >>> SshTarget.parse("root@lb1:2222", SshDefaults())
    SshTarget(user='root', host='lb1', port=2222, key=None, known_hosts=None, host_key_policy='strict')
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
    registry: str | None
    auth_file: Path | None
    ca_file: Path | None
    release_image: str | None


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
        fqdn = fqdn.rstrip(".").lower()
        return next((n for n in self.nodes if n.fqdn == fqdn), None)

    def node_by_name(self, name: str) -> Node | None:
        name = name.rstrip(".").lower()
        return next((n for n in self.nodes if name in (n.name.lower(), n.fqdn)), None)

    def node_by_ip(self, ip: str) -> Node | None:
        return next((n for n in self.nodes if n.ip == ip), None)

    def ingress_nodes(self) -> list[Node]:
        """Nodes that must serve ingress: infra nodes if there are any, else workers."""
        return self.nodes_with_role("infra") or self.nodes_with_role("worker")


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """Split ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address.

    >>> split_host_port("10.0.0.1:5353", 53), split_host_port("::1", 53), split_host_port("[::1]:54", 53)
    (('10.0.0.1', 5353), ('::1', 53), ('::1', 54))
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


# --------------------------------------------------------------------------- YAML with lines


def _compose(text: str, path: Path) -> tuple[Any, dict[str, int]]:
    """Parse YAML, returning plain data and a map from dotted key path to 1-based line."""
    lines: dict[str, int] = {}
    scalars = yaml.SafeLoader("")

    def build(node: Any, key: str) -> Any:
        lines[key] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for k_node, v_node in node.value:
                k = k_node.value if isinstance(k_node, yaml.ScalarNode) else str(k_node)
                child = f"{key}.{k}" if key else str(k)
                if str(k) in out:
                    raise InventoryError(
                        path,
                        [
                            (
                                k_node.start_mark.line + 1,
                                child,
                                f"appears twice (first at line {lines[child]})",
                            )
                        ],
                    )
                out[str(k)] = build(v_node, child)
                lines[child] = k_node.start_mark.line + 1  # the key's line, not the value's
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(v, f"{key}[{i}]") for i, v in enumerate(node.value)]
        return scalars.construct_object(node, deep=True)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = build(root, "") if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InventoryError(path, [(line, "", f"not valid YAML: {problem}")]) from None
    return data, lines


# --------------------------------------------------------------------------- validation


_SCHEMA: dict[str, set[str]] = {
    "": {
        "cluster",
        "dns",
        "load_balancer",
        "nodes",
        "ssh",
        "bastion",
        "ignition",
        "mirror",
        "install_config",
    },
    "cluster": {"name", "base_domain"},
    "dns": {"servers"},
    "load_balancer": {"api", "api_int", "ingress", "ports", "ssh", "config", "log"},
    "load_balancer.ports": set(DEFAULT_PORTS),
    "node": {"name", "role", "ip", "ssh", "journal_dir"},
    "ssh": {"user", "port", "key", "known_hosts", "host_key_policy", "journal_dir"},
    "bastion": {"ssh", "http_root", "http_url"},
    "ignition": {"dir", "min_valid_hours"},
    "mirror": {"registry", "auth_file", "ca_file", "release_image"},
}


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class _Validator:
    def __init__(self, path: Path, data: dict[str, Any], lines: dict[str, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines
        self.problems: list[tuple[int | None, str, str]] = []

    def problem(self, key: str, message: str) -> None:
        line = self.lines.get(key)
        probe = key
        while line is None and probe:
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
            line = self.lines.get(probe)
        self.problems.append((line, key, message))

    def mapping(self, value: Any, key: str, schema: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a mapping (got {type(value).__name__})")
            return {}
        for k in value:
            if k not in _SCHEMA[schema]:
                allowed = ", ".join(sorted(_SCHEMA[schema]))
                self.problem(f"{key}.{k}" if key else k, f"unknown key (allowed: {allowed})")
        return value

    def string(self, section: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        name = key.rsplit(".", 1)[-1]
        value = section.get(name)
        if value is None or value == "":
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, str):
            self.problem(key, f"must be a string (got {type(value).__name__} {value!r})")
            return None
        return value

    def ip(self, section: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = self.string(section, key, required=required)
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            self.problem(key, f"must be an IP address (got {value!r})")
            return None

    def port(self, value: Any, key: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
            self.problem(key, f"must be a port number 1-65535 (got {value!r})")
            return None
        return value

    def path_value(self, section: dict[str, Any], key: str) -> Path | None:
        value = self.string(section, key)
        if value is None:
            return None
        try:
            p = Path(value).expanduser()
        except RuntimeError:  # "~user" for a user this machine does not have
            self.problem(key, f"cannot expand {value!r}: no such user's home")
            return None
        return p if p.is_absolute() else (self.path.parent / p).resolve()

    def ssh_target(
        self, section: dict[str, Any], key: str, defaults: SshDefaults
    ) -> SshTarget | None:
        value = self.string(section, key)
        if value is None:
            return None
        try:
            return SshTarget.parse(value, defaults)
        except ValueError as exc:
            self.problem(key, f"must be [user@]host[:port] ({exc})")
            return None


def load_inventory(path: str | Path) -> Inventory:
    """Load and validate an inventory file; raise :class:`InventoryError` naming what is wrong."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(path, [(None, "", f"cannot read inventory: {exc}")]) from None
    data, lines = _compose(text, path)
    if not isinstance(data, dict):
        raise InventoryError(
            path, [(1, "", "must be a YAML mapping with at least a cluster section")]
        )
    return _validate(path, data, lines)


def _validate(path: Path, data: dict[str, Any], lines: dict[str, int]) -> Inventory:
    v = _Validator(path.resolve(), data, lines)
    v.mapping(data, "", "")

    cluster = v.mapping(data.get("cluster"), "cluster", "cluster")
    if "cluster" not in data:
        v.problem("cluster", "is required")
    name = v.string(cluster, "cluster.name", required="cluster" in data)
    base_domain = v.string(cluster, "cluster.base_domain", required="cluster" in data)
    if name and not _LABEL.match(name):
        v.problem("cluster.name", f"must be a lower-case DNS label (got {name!r})")
    if base_domain and not all(_LABEL.match(p) for p in base_domain.rstrip(".").split(".")):
        v.problem("cluster.base_domain", f"must be a DNS domain (got {base_domain!r})")
    cluster_domain = f"{name}.{(base_domain or '').rstrip('.')}".lower()

    ssh_raw = v.mapping(data.get("ssh"), "ssh", "ssh")
    policy = v.string(ssh_raw, "ssh.host_key_policy") or "strict"
    if policy not in HOST_KEY_POLICIES:
        v.problem(
            "ssh.host_key_policy", f"must be one of {', '.join(HOST_KEY_POLICIES)} (got {policy!r})"
        )
    ssh_port = v.port(ssh_raw["port"], "ssh.port") if "port" in ssh_raw else 22
    ssh = SshDefaults(
        user=v.string(ssh_raw, "ssh.user") or "core",
        port=ssh_port or 22,
        key=v.path_value(ssh_raw, "ssh.key"),
        known_hosts=v.path_value(ssh_raw, "ssh.known_hosts"),
        host_key_policy=policy,
        journal_dir=v.string(ssh_raw, "ssh.journal_dir"),
    )

    dns_raw = v.mapping(data.get("dns"), "dns", "dns")
    servers: list[DnsServer] = []
    raw_servers = dns_raw.get("servers") or []
    if not isinstance(raw_servers, list):
        v.problem("dns.servers", "must be a list of host or host:port")
        raw_servers = []
    for i, item in enumerate(raw_servers):
        key = f"dns.servers[{i}]"
        try:
            host, port = split_host_port(str(item), 53)
            if not _is_ip(host) and not all(
                _LABEL.match(p) for p in host.lower().rstrip(".").split(".")
            ):
                raise ValueError(f"{host!r} is neither an IP address nor a host name")
            servers.append(DnsServer(host, port))
        except ValueError as exc:
            v.problem(key, f"must be a host or IP address with an optional :port ({exc})")

    lb_raw = v.mapping(data.get("load_balancer"), "load_balancer", "load_balancer")
    ports_raw = v.mapping(lb_raw.get("ports"), "load_balancer.ports", "load_balancer.ports")
    ports = dict(DEFAULT_PORTS)
    for k, value in ports_raw.items():
        if k in DEFAULT_PORTS:
            checked = v.port(value, f"load_balancer.ports.{k}")
            if checked:
                ports[k] = checked
    lb = LoadBalancer(
        api=v.ip(lb_raw, "load_balancer.api"),
        api_int=v.ip(lb_raw, "load_balancer.api_int"),
        ingress=v.ip(lb_raw, "load_balancer.ingress"),
        ports=ports,
        ssh=v.ssh_target(lb_raw, "load_balancer.ssh", ssh),
        config=v.string(lb_raw, "load_balancer.config"),
        log=v.string(lb_raw, "load_balancer.log"),
    )
    if not lb.ssh:  # files on this machine: relative to the inventory, like every local path
        local = {
            k: str(v.path_value(lb_raw, f"load_balancer.{k}"))
            for k in ("config", "log")
            if getattr(lb, k)
        }
        lb = LoadBalancer(**{**lb.__dict__, **local})

    nodes: list[Node] = []
    raw_nodes = data.get("nodes") or []
    if not isinstance(raw_nodes, list):
        v.problem("nodes", "must be a list of {name, role, ip}")
        raw_nodes = []
    seen_names: dict[str, str] = {}
    seen_ips: dict[str, str] = {}
    for i, item in enumerate(raw_nodes):
        key = f"nodes[{i}]"
        if not isinstance(item, dict):
            v.problem(key, "must be a mapping with name, role and ip")
            continue
        v.mapping(item, key, "node")
        node_name = v.string(item, f"{key}.name", required=True)
        role = v.string(item, f"{key}.role", required=True)
        ip = v.ip(item, f"{key}.ip", required=True)
        if role and role not in ROLES:
            v.problem(f"{key}.role", f"must be one of {', '.join(ROLES)} (got {role!r})")
        if node_name and not _LABEL.match(node_name):
            v.problem(f"{key}.name", f"must be a lower-case DNS label (got {node_name!r})")
        if node_name in seen_names:
            v.problem(f"{key}.name", f"duplicates {seen_names[node_name]}")
        if ip and ip in seen_ips:
            v.problem(f"{key}.ip", f"{ip} duplicates {seen_ips[ip]}")
        if node_name and role and ip:
            seen_names[node_name] = f"{key}.name"
            seen_ips[ip] = f"{key}.ip"
            nodes.append(
                Node(
                    name=node_name,
                    role=role,
                    ip=ip,
                    fqdn=f"{node_name}.{cluster_domain}".lower(),
                    ssh=v.ssh_target(item, f"{key}.ssh", ssh),
                    journal_dir=v.string(item, f"{key}.journal_dir") or ssh.journal_dir,
                )
            )

    bastion_raw = v.mapping(data.get("bastion"), "bastion", "bastion")
    bastion = Bastion(
        ssh=v.ssh_target(bastion_raw, "bastion.ssh", ssh),
        http_root=v.string(bastion_raw, "bastion.http_root"),
        http_url=v.string(bastion_raw, "bastion.http_url"),
    )
    if bastion.http_url and not re.match(r"^https?://", bastion.http_url):
        v.problem(
            "bastion.http_url", f"must start with http:// or https:// (got {bastion.http_url!r})"
        )

    ign_raw = v.mapping(data.get("ignition"), "ignition", "ignition")
    hours = ign_raw.get("min_valid_hours", 2)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
        v.problem("ignition.min_valid_hours", f"must be a number of hours >= 0 (got {hours!r})")
        hours = 2
    ignition = Ignition(dir=v.path_value(ign_raw, "ignition.dir"), min_valid_hours=float(hours))

    mirror_raw = v.mapping(data.get("mirror"), "mirror", "mirror")
    mirror = Mirror(
        registry=v.string(mirror_raw, "mirror.registry"),
        auth_file=v.path_value(mirror_raw, "mirror.auth_file"),
        ca_file=v.path_value(mirror_raw, "mirror.ca_file"),
        release_image=v.string(mirror_raw, "mirror.release_image"),
    )
    install_config = v.path_value(data, "install_config")

    if v.problems:
        raise InventoryError(path, v.problems)
    return Inventory(
        path=path.resolve(),
        cluster_name=name or "",
        base_domain=(base_domain or "").rstrip(".").lower(),
        dns_servers=tuple(servers),
        load_balancer=lb,
        nodes=tuple(nodes),
        ssh=ssh,
        bastion=bastion,
        ignition=ignition,
        mirror=mirror,
        install_config=install_config,
        raw=data,
        lines=lines,
    )
