"""Validation: the :class:`Validator` helpers (each problem recorded with its key and line) and one
function per inventory section, checked in the order of :data:`SECTIONS`.

A section function takes the validator, the whole document and what the earlier sections built,
records the problems it finds, and returns what it adds to the :class:`Inventory`, by field name.
Adding a section is one such function, one line in :data:`SECTIONS` and its field in the
Inventory (``model.py``).

>>> v = Validator(Path("/site.yaml"), {}, {"cluster": 1, "cluster.name": 2})
>>> cluster(v, {"cluster": {"name": "C", "base_domain": "example.com."}}, {})
{'cluster_name': 'C', 'base_domain': 'example.com', 'platform': 'none'}
>>> v.problems
[(2, 'cluster.name', "must be a lower-case DNS label (got 'C')")]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.images.imageref import registry_key
from collectors.inventory.model import (
    DEFAULT_PORTS,
    HOST_KEY_POLICIES,
    ROLES,
    Bastion,
    DnsServer,
    Ignition,
    Installer,
    LoadBalancer,
    Mirror,
    Node,
    Ntp,
    SshDefaults,
    SshTarget,
    Upgrade,
    split_host_port,
)


@dataclass(frozen=True)
class Key:
    """One inventory key, documented next to the validator that reads it (docs/inventory.md is
    generated from these and the checks' ``requires``: ``python -m reports.inventory_doc >
    docs/inventory.md``).

    ``key`` is dotted (``nodes[].ip`` for a field of each list item); ``default`` is what the
    suite uses when it is absent ("" when none: a check that needs it is skipped, naming it);
    ``example`` a YAML value; ``reads`` the attribute path the suite's code reads it by
    (``site.inv.<reads>``), searched for in the checks' code for the "read in" column."""

    key: str
    meaning: str
    example: str
    default: str = ""
    required: bool = False
    reads: str = ""


def names_under(keys: tuple[Key, ...], prefix: str) -> set[str]:
    """The names a mapping at ``prefix`` may hold, by its documented keys.

    >>> sorted(names_under(CLUSTER_KEYS, "cluster"))
    ['base_domain', 'name', 'platform']
    """
    start = prefix + "."
    return {k.key[len(start) :].split(".")[0] for k in keys if k.key.startswith(start)}


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
#: C0 and C1 control characters and DEL: in a name or path they only hide what a value is.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Validator:
    """Reads values out of the document, recording a problem (line, key, message) for each bad
    one; the line is the key's, else the nearest enclosing key's."""

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

    def mapping(self, value: Any, key: str, allowed: Collection[str]) -> dict[str, Any]:
        """``value`` as a mapping whose keys are all in ``allowed`` ({} when it is not one)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a mapping (got {type(value).__name__})")
            return {}
        for k in value:
            if k not in allowed:
                listed = ", ".join(sorted(allowed))
                self.problem(f"{key}.{k}" if key else k, f"unknown key (allowed: {listed})")
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
        if _CONTROL.search(value):
            self.problem(
                key, f"holds a control character ({value!r}): no real name or path has one"
            )
            return None
        return value

    def path_string(self, section: dict[str, Any], key: str) -> str | None:
        """A path as written (here or on a host); one starting with ``-`` is refused: it would
        reach find, stat or tail as an option."""
        value = self.string(section, key)
        if value is not None and value.startswith("-"):
            self.problem(
                key, f"must not start with '-' (got {value!r}); write ./{value} if you mean it"
            )
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
        value = self.path_string(section, key)
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


#: (validator, the whole document, what earlier sections built) -> Inventory fields it adds.
Section = Callable[[Validator, dict[str, Any], dict[str, Any]], dict[str, Any]]


CLUSTER_KEYS = (
    Key("cluster.name", "the cluster's name (metadata.name of install-config.yaml)", "ocp45",
        required=True, reads="cluster_name|cluster_domain"),
    Key("cluster.base_domain", "its base domain: a node's FQDN is <name>.<cluster.name>."
        "<base_domain>", "example.localdomain", required=True, reads="base_domain"),
    Key("cluster.platform", "the install-config's platform", "none", default="none",
        reads="platform"),
)  # fmt: skip


def cluster(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``cluster``: required, with a DNS label ``name`` and a DNS domain ``base_domain``; an
    optional ``platform`` (the install-config's, default ``none``: UPI on any infrastructure)."""
    raw = v.mapping(data.get("cluster"), "cluster", names_under(CLUSTER_KEYS, "cluster"))
    if "cluster" not in data:
        v.problem("cluster", "is required")
    name = v.string(raw, "cluster.name", required="cluster" in data)
    base_domain = v.string(raw, "cluster.base_domain", required="cluster" in data)
    if name and not _LABEL.match(name):
        v.problem("cluster.name", f"must be a lower-case DNS label (got {name!r})")
    if base_domain and not all(_LABEL.match(p) for p in base_domain.rstrip(".").split(".")):
        v.problem("cluster.base_domain", f"must be a DNS domain (got {base_domain!r})")
    platform = v.string(raw, "cluster.platform") or "none"
    if not _LABEL.match(platform.lower()):
        v.problem("cluster.platform", f"must be a platform name such as none (got {platform!r})")
    return {
        "cluster_name": name or "",
        "base_domain": (base_domain or "").rstrip(".").lower(),
        "platform": platform.lower(),
    }


SSH_KEYS = (
    Key("ssh.user", "the user every SSH target logs in as unless it names one", "core",
        default="core", reads="ssh.user"),
    Key("ssh.port", "the port of every SSH target unless it names one", "22", default="22",
        reads="ssh.port"),
    Key("ssh.key", "the private key (relative to the inventory)", "~/.ssh/id_rsa",
        default="the SSH agent and ~/.ssh's keys", reads="ssh.key"),
    Key("ssh.known_hosts", "the known_hosts file host keys are checked against",
        "~/.ssh/known_hosts", default="~/.ssh/known_hosts", reads="known_hosts"),
    Key("ssh.host_key_policy", f"what an unknown host key does: {', '.join(HOST_KEY_POLICIES)}",
        "strict", default="strict", reads="host_key_policy"),
    Key("ssh.journal_dir", "where the nodes' journals are read (a triage bundle)",
        "/var/log/journal", default="the journal's own", reads="journal_dir"),
)  # fmt: skip


def ssh(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``ssh``: the defaults every SSH target (load balancer, nodes, bastion) starts from."""
    ssh_raw = v.mapping(data.get("ssh"), "ssh", names_under(SSH_KEYS, "ssh"))
    policy = v.string(ssh_raw, "ssh.host_key_policy") or "strict"
    if policy not in HOST_KEY_POLICIES:
        v.problem(
            "ssh.host_key_policy", f"must be one of {', '.join(HOST_KEY_POLICIES)} (got {policy!r})"
        )
    ssh_port = v.port(ssh_raw["port"], "ssh.port") if "port" in ssh_raw else 22
    defaults = SshDefaults(
        user=v.string(ssh_raw, "ssh.user") or "core",
        port=ssh_port or 22,
        key=v.path_value(ssh_raw, "ssh.key"),
        known_hosts=v.path_value(ssh_raw, "ssh.known_hosts"),
        host_key_policy=policy,
        journal_dir=v.path_string(ssh_raw, "ssh.journal_dir"),
    )
    return {"ssh": defaults}


DNS_KEYS = (
    Key("dns.servers", "the DNS servers the nodes ask: host or IP, optional :port",
        '["172.16.0.102", "172.16.0.103:53"]', reads="dns_servers"),
)  # fmt: skip


def dns(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``dns.servers``: host names or IP addresses, each with an optional port."""
    dns_raw = v.mapping(data.get("dns"), "dns", names_under(DNS_KEYS, "dns"))
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
    return {"dns_servers": tuple(servers)}


LB_KEYS = (
    Key("load_balancer.api", "what api.<cluster>.<domain> must resolve to", "172.16.0.111",
        reads="load_balancer.api"),
    Key("load_balancer.api_int", "what api-int.<cluster>.<domain> must resolve to",
        "172.16.0.110", reads="load_balancer.api_int"),
    Key("load_balancer.ingress", "what *.apps.<cluster>.<domain> must resolve to",
        "172.16.0.111", reads="load_balancer.ingress"),
    Key("load_balancer.ports.api", "the API port", "6443", default="6443", reads="ports"),
    Key("load_balancer.ports.machine_config", "the machine config server's port", "22623",
        default="22623", reads="ports"),
    Key("load_balancer.ports.http", "ingress HTTP", "80", default="80", reads="ports"),
    Key("load_balancer.ports.https", "ingress HTTPS", "443", default="443", reads="ports"),
    Key("load_balancer.ssh", "[user@]host[:port] of the LB: config and log are read there",
        "root@lb1.example.localdomain:22", reads="load_balancer.ssh|lb.ssh"),
    Key("load_balancer.config", "haproxy.cfg: on the LB host with ssh, else a local path "
        "(relative to the inventory)", "/etc/haproxy/haproxy.cfg", reads="load_balancer.config"),
    Key("load_balancer.log", "HAProxy's log on the LB host", "/var/log/haproxy.log",
        default="journalctl -u haproxy there", reads="load_balancer.log"),
)  # fmt: skip


def load_balancer(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``load_balancer``: its addresses, ports, and where its config and log are (local files are
    relative to the inventory)."""
    lb_raw = v.mapping(
        data.get("load_balancer"),
        "load_balancer",
        names_under(LB_KEYS, "load_balancer"),
    )
    allowed_ports = names_under(LB_KEYS, "load_balancer.ports")
    ports_raw = v.mapping(lb_raw.get("ports"), "load_balancer.ports", allowed_ports)
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
        ssh=v.ssh_target(lb_raw, "load_balancer.ssh", built["ssh"]),
        config=v.path_string(lb_raw, "load_balancer.config"),
        log=v.path_string(lb_raw, "load_balancer.log"),
    )
    if not lb.ssh:  # files on this machine: relative to the inventory, like every local path
        local = {
            k: str(v.path_value(lb_raw, f"load_balancer.{k}"))
            for k in ("config", "log")
            if getattr(lb, k)
        }
        lb = LoadBalancer(**{**lb.__dict__, **local})
    return {"load_balancer": lb}


NODE_KEYS = (
    Key("nodes", "the cluster's machines, one mapping each",
        "[{name: m1, role: master, ip: 172.16.0.21}]", reads="nodes"),
    Key("nodes[].name", "its short name: its FQDN is <name>.<cluster.name>.<base_domain>", "m1",
        required=True, reads="fqdn"),
    Key("nodes[].role", f"one of {', '.join(ROLES)}", "master", required=True, reads="role"),
    Key("nodes[].ip", "its address (what its A and PTR records must say)", "172.16.0.21",
        required=True, reads=".ip"),
    Key("nodes[].ssh", "[user@]host[:port]: where its files and commands are read",
        "core@172.16.0.21:22", reads="node.ssh"),
    Key("nodes[].journal_dir", "its journal folder, for a triage bundle", "/var/log/journal",
        default="ssh.journal_dir", reads="journal_dir"),
)  # fmt: skip


def nodes(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``nodes``: a list of {name, role, ip}, names and addresses unique; FQDNs under the
    cluster's domain."""
    defaults: SshDefaults = built["ssh"]
    cluster_domain = f"{built['cluster_name']}.{built['base_domain']}".lower()
    found: list[Node] = []
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
        v.mapping(item, key, names_under(NODE_KEYS, "nodes[]"))
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
            found.append(
                Node(
                    name=node_name,
                    role=role,
                    ip=ip,
                    fqdn=f"{node_name}.{cluster_domain}".lower(),
                    ssh=v.ssh_target(item, f"{key}.ssh", defaults),
                    journal_dir=v.path_string(item, f"{key}.journal_dir") or defaults.journal_dir,
                )
            )
    return {"nodes": tuple(found)}


BASTION_KEYS = (
    Key("bastion.ssh", "[user@]host[:port] of the bastion", "root@bastion.example.localdomain",
        default="this machine", reads="bastion.ssh"),
    Key("bastion.http_root", "the web root the nodes fetch ignition files from (on the bastion)",
        "/var/www/html/ocp", reads="bastion.http_root"),
    Key("bastion.http_url", "the URL that web root is served at", "http://172.16.0.100:8080/ocp/",
        reads="bastion.http_url"),
)  # fmt: skip


def bastion(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``bastion``: how to reach it, the web root it serves and the URL it serves it at."""
    bastion_raw = v.mapping(data.get("bastion"), "bastion", names_under(BASTION_KEYS, "bastion"))
    result = Bastion(
        ssh=v.ssh_target(bastion_raw, "bastion.ssh", built["ssh"]),
        http_root=v.path_string(bastion_raw, "bastion.http_root"),
        http_url=v.string(bastion_raw, "bastion.http_url"),
    )
    if result.http_url and not re.match(r"^https?://", result.http_url):
        v.problem(
            "bastion.http_url", f"must start with http:// or https:// (got {result.http_url!r})"
        )
    return {"bastion": result}


IGNITION_KEYS = (
    Key("ignition.dir", "openshift-install's folder holding the *.ign files (relative to the "
        "inventory)", "install/", reads="ignition.dir"),
    Key("ignition.min_valid_hours", "hours the ignition certificates must stay valid", "2",
        default="2", reads="min_valid_hours"),
)  # fmt: skip


def ignition(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``ignition``: the install directory and how long its certificates must stay valid."""
    ign_raw = v.mapping(data.get("ignition"), "ignition", names_under(IGNITION_KEYS, "ignition"))
    hours = ign_raw.get("min_valid_hours", 2)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
        v.problem("ignition.min_valid_hours", f"must be a number of hours >= 0 (got {hours!r})")
        hours = 2
    return {
        "ignition": Ignition(
            dir=v.path_value(ign_raw, "ignition.dir"), min_valid_hours=float(hours)
        )
    }


MIRROR_KEYS_DOC = (
    Key("mirror.registry", "the mirror registry, host[:port]", "registry.example.local:5000",
        reads="mirror.registry"),
    Key("mirror.auth_file", "a pull secret (JSON) with its credentials", "pull-secret.json",
        reads="auth_file"),
    Key("mirror.ca_file", "the CA that signed its certificate (PEM)", "mirror-ca.pem",
        default="the system's trust store", reads="ca_file"),
    Key("mirror.release_image", "the mirrored release, by digest",
        "registry.example.local:5000/ocp4/openshift4@sha256:...", reads="release_image"),
    Key("mirror.catalogs", "what oc adm catalog mirror or oc-mirror wrote, one folder each",
        "[redhat-operators-manifests]", reads="catalogs"),
    Key("mirror.min_valid_days", "days its certificate must stay valid", "30", default="30",
        reads="min_valid_days"),
    Key("mirror.resolve_via_site_dns", "reach it at the address dns.servers give (what the "
        "nodes see), not this machine's resolver", "true", default="false",
        reads="resolve_via_site_dns"),
    Key("mirror.ssh", "[user@]host[:port] of the registry host", "root@registry.example.local",
        reads="mirror.ssh"),
    Key("mirror.data_dir", "where the registry stores blobs (on mirror.ssh)",
        "/opt/registry/data", default="/opt/registry/data", reads="data_dir"),
    Key("mirror.min_free_gb", "GiB that must be free there", "100", default="100",
        reads="min_free_gb"),
    Key("mirror.require_sigstore", "true: the release's sigstore signatures "
        "(<repo>:sha256-<hex>.sig or an OCI referrer) must be in the mirror before install "
        "(OpenShift 4.20+ verifies the payload when a ClusterImagePolicy covers it)", "true",
        default="false", reads="require_sigstore"),
)  # fmt: skip


def mirror(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``mirror``: the mirror registry, its credentials and CA, and the release image."""
    mirror_raw = v.mapping(data.get("mirror"), "mirror", MIRROR_KEYS)
    registry = v.string(mirror_raw, "mirror.registry")
    result = Mirror(
        # one spelling of the registry (host:443 is host): imageref.registry_key
        registry=registry_key(registry) if registry else registry,
        auth_file=v.path_value(mirror_raw, "mirror.auth_file"),
        ca_file=v.path_value(mirror_raw, "mirror.ca_file"),
        release_image=v.string(mirror_raw, "mirror.release_image"),
        catalogs=_catalogs(v, mirror_raw),
        **_mirror_certificate_keys(v, mirror_raw),
        **_mirror_capacity_keys(v, mirror_raw, built),
        require_sigstore=_require_sigstore(v, mirror_raw),
    )
    return {"mirror": result}


def _require_sigstore(v: Validator, raw: dict[str, Any]) -> bool:
    """``mirror.require_sigstore``: a boolean (default false)."""
    value = raw.get("require_sigstore", False)
    if not isinstance(value, bool):
        v.problem("mirror.require_sigstore", f"must be true or false (got {value!r})")
        return False
    return value


def _catalogs(v: Validator, mirror_raw: dict[str, Any]) -> tuple[Path, ...]:
    """``mirror.catalogs``: a list of folders (relative to the inventory)."""
    raw = mirror_raw.get("catalogs")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        v.problem(
            "mirror.catalogs",
            "must be a list of folders (oc adm catalog mirror manifests or oc-mirror results)",
        )
        return ()
    found: list[Path] = []
    for i, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            v.problem(f"mirror.catalogs[{i}]", f"must be a folder path (got {item!r})")
            continue
        path = Path(item).expanduser()
        found.append(path if path.is_absolute() else (v.path.parent / path).resolve())
    return tuple(found)


UPGRADE_KEYS = (
    Key("upgrade.to_image", "the release to update to, by digest (--to-image wins)",
        "registry.example.local:5000/ocp4/openshift4@sha256:...", reads="to_image"),
    Key("upgrade.etcd_backup_dir", "where cluster-backup.sh writes on each master "
        "(upgrade.etcd_backup)", "/home/core/assets/backup",
        default="/home/core/assets/backup", reads="etcd_backup_dir"),
    Key("upgrade.max_backup_age_hours", "the newest etcd snapshot pair must be younger",
        "24", default="24", reads="max_backup_age_hours"),
)  # fmt: skip


def upgrade(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``upgrade.to_image``: the next release, a digest reference (upgrade.target says so when
    it is not one; the rest of the run goes on). ``upgrade.etcd_backup_dir`` (an absolute path on
    the masters, default ``/home/core/assets/backup``, where the docs run cluster-backup.sh) and
    ``upgrade.max_backup_age_hours`` (a number > 0, default 24): upgrade.etcd_backup."""
    raw = v.mapping(data.get("upgrade"), "upgrade", names_under(UPGRADE_KEYS, "upgrade"))
    folder = v.string(raw, "upgrade.etcd_backup_dir") or Upgrade.etcd_backup_dir
    if not folder.startswith("/") or "\0" in folder:
        v.problem("upgrade.etcd_backup_dir", f"must be an absolute path (got {folder!r})")
        folder = Upgrade.etcd_backup_dir
    hours = raw.get("max_backup_age_hours", Upgrade.max_backup_age_hours)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours < 1e6:
        v.problem("upgrade.max_backup_age_hours", f"must be a number of hours > 0 (got {hours!r})")
        hours = Upgrade.max_backup_age_hours
    return {
        "upgrade": Upgrade(
            to_image=v.string(raw, "upgrade.to_image"),
            etcd_backup_dir=folder,
            max_backup_age_hours=float(hours),
        )
    }


#: The keys of ``mirror``.
MIRROR_KEYS = names_under(MIRROR_KEYS_DOC, "mirror")


def _mirror_capacity_keys(
    v: Validator, raw: dict[str, Any], built: dict[str, Any]
) -> dict[str, Any]:
    """``mirror.ssh`` (the registry host), ``mirror.data_dir`` (an absolute path on it, default
    /opt/registry/data) and ``mirror.min_free_gb`` (GiB > 0, default 100)."""
    data_dir = v.path_string(raw, "mirror.data_dir") or "/opt/registry/data"
    if not data_dir.startswith("/"):
        v.problem("mirror.data_dir", f"must be an absolute path on mirror.ssh (got {data_dir!r})")
        data_dir = "/opt/registry/data"
    free = raw.get("min_free_gb", 100)
    if isinstance(free, bool) or not isinstance(free, int | float) or free <= 0:
        v.problem("mirror.min_free_gb", f"must be a number of GiB > 0 (got {free!r})")
        free = 100
    return {
        "ssh": v.ssh_target(raw, "mirror.ssh", built["ssh"]),
        "data_dir": data_dir,
        "min_free_gb": float(free),
    }


INSTALLER_KEYS = (
    Key("installer.path", "the openshift-install binary (where the bastion checks run)",
        "/usr/local/bin/openshift-install", default="openshift-install on PATH",
        reads="installer.path"),
    Key("installer.oc_path", "the oc binary", "/usr/local/bin/oc", default="oc on PATH",
        reads="oc_path"),
)  # fmt: skip


def installer(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``installer``: the openshift-install and oc binaries the install uses (paths where the
    bastion checks run: over bastion.ssh when set, else here; default: PATH there)."""
    raw = v.mapping(data.get("installer"), "installer", names_under(INSTALLER_KEYS, "installer"))
    return {
        "installer": Installer(
            path=v.path_string(raw, "installer.path"),
            oc_path=v.path_string(raw, "installer.oc_path"),
        )
    }


def _mirror_certificate_keys(v: Validator, raw: dict[str, Any]) -> dict[str, Any]:
    """``mirror.min_valid_days`` (a number >= 0, default 30) and ``mirror.resolve_via_site_dns``
    (a boolean, default false)."""
    days = raw.get("min_valid_days", 30)
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
        v.problem("mirror.min_valid_days", f"must be a number of days >= 0 (got {days!r})")
        days = 30
    via = raw.get("resolve_via_site_dns", False)
    if not isinstance(via, bool):
        v.problem("mirror.resolve_via_site_dns", f"must be true or false (got {via!r})")
        via = False
    dns_raw = v.data.get("dns")
    if via and not (isinstance(dns_raw, dict) and dns_raw.get("servers")):
        v.problem("mirror.resolve_via_site_dns", "needs dns.servers to resolve through")
    return {"min_valid_days": float(days), "resolve_via_site_dns": via}


NTP_KEYS = (
    Key("ntp.servers", "NTP servers: host or host:port", '["172.16.0.102", "172.16.0.103:123"]',
        reads="ntp.servers"),
    Key("ntp.max_offset_s", "the most a server may differ from this machine, seconds", "1",
        default="1", reads="max_offset_s"),
)  # fmt: skip


def ntp(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``ntp``: ``servers`` (host or host:port, port 123) and ``max_offset_s`` (default 1)."""
    raw = v.mapping(data.get("ntp"), "ntp", names_under(NTP_KEYS, "ntp"))
    servers: list[tuple[str, int]] = []
    raw_servers = raw.get("servers") or []
    if not isinstance(raw_servers, list):
        v.problem("ntp.servers", "must be a list of host or host:port")
        raw_servers = []
    for i, item in enumerate(raw_servers):
        try:
            host, port = split_host_port(str(item), 123)
            if not _is_ip(host) and not all(
                _LABEL.match(p) for p in host.lower().rstrip(".").split(".")
            ):
                raise ValueError(f"{host!r} is neither an IP address nor a host name")
            servers.append((host, port))
        except ValueError as exc:
            v.problem(f"ntp.servers[{i}]", f"must be a host or IP with an optional :port ({exc})")
    offset = raw.get("max_offset_s", 1)
    if isinstance(offset, bool) or not isinstance(offset, int | float) or offset <= 0:
        v.problem("ntp.max_offset_s", f"must be a number of seconds > 0 (got {offset!r})")
        offset = 1
    return {"ntp": Ntp(tuple(servers), float(offset))}


INSTALL_CONFIG_KEYS = (
    Key("install_config", "the install-config.yaml the install uses (relative to the "
        "inventory)", "install-config.yaml", reads="install_config"),
)  # fmt: skip


def install_config(v: Validator, data: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """``install_config``: the path of the install-config.yaml."""
    return {"install_config": v.path_value(data, "install_config")}


#: The top-level keys, in the order they are checked (and their problems reported); a section may
#: use what an earlier one built (``nodes`` needs ``cluster`` and ``ssh``).
SECTIONS: tuple[tuple[str, Section], ...] = (
    ("cluster", cluster),
    ("ssh", ssh),
    ("dns", dns),
    ("load_balancer", load_balancer),
    ("nodes", nodes),
    ("bastion", bastion),
    ("ignition", ignition),
    ("mirror", mirror),
    ("install_config", install_config),
    ("upgrade", upgrade),
    ("ntp", ntp),
    ("installer", installer),
)

#: Every documented key, by section (the order of :data:`SECTIONS`).
KEYS: dict[str, tuple[Key, ...]] = {
    "cluster": CLUSTER_KEYS,
    "ssh": SSH_KEYS,
    "dns": DNS_KEYS,
    "load_balancer": LB_KEYS,
    "nodes": NODE_KEYS,
    "bastion": BASTION_KEYS,
    "ignition": IGNITION_KEYS,
    "mirror": MIRROR_KEYS_DOC,
    "install_config": INSTALL_CONFIG_KEYS,
    "upgrade": UPGRADE_KEYS,
    "ntp": NTP_KEYS,
    "installer": INSTALLER_KEYS,
}
