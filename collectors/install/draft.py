"""A draft inventory from the files a site already has: install-config.yaml, haproxy.cfg and BIND
zone files (``python -m collectors draft-inventory ...``).

What comes from where: cluster name and base domain from the install-config (else from the
zone's ``api.<cluster>`` record); the mirror host from its imageContentSources /
imageDigestSources mirrors; nodes from the zones' A records directly under the cluster domain,
their roles from their names (``master0``, ``cp-1``, ``m1``, ``worker*``, ``compute*``, ``w1``,
``infra*``, ``i1``, ``bootstrap``, ``bs``) and from the haproxy backends they sit in (the 22623
backend holds the masters and the bootstrap, 80/443 the ingress nodes); load balancer addresses
from the ``api``, ``api-int`` and ``*.apps`` records. Every guess carries a ``# guessed from``
comment; nothing secret (pullSecret, the trust bundle's text) is copied.

>>> zone = Zone.parse("$ORIGIN example.com.\\n@ 3600 IN SOA ns1 root 1 1 1 1 1\\n"
...     "api.c1 IN A 10.0.0.5\\nm1.c1 IN A 10.0.0.21\\nw1.c1 IN A 10.0.0.31\\n", "db.example")
>>> draft = draft_inventory(zones=[zone], cluster=("c1", "example.com"))
>>> print(draft.nodes[0])
- {name: m1, role: master, ip: 10.0.0.21}  # guessed from the name m1

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.name
import dns.rdatatype
import dns.zone

from collectors.errors import InputError
from collectors.parsers.haproxy import HaproxyConfig

#: Roles by name: a token of the name (split at ``-``, ``_`` and ``.``) that matches.
ROLE_PATTERNS = (
    ("bootstrap", re.compile(r"^(bootstrap|bs|boot)\d*$")),
    ("master", re.compile(r"^(master|masters|cp|ctrl|controller|control|controlplane|m|mst)\d*$")),
    ("infra", re.compile(r"^(infra|inf|i)\d*$")),
    ("worker", re.compile(r"^(worker|workers|compute|w|wrk|node|app)\d*$")),
)
#: Names under the cluster domain that are never nodes.
NOT_NODES = re.compile(r"^(api|api-int|etcd-?\d*|ns\d*|dns\d*|lb\d*|haproxy\d*|registry|bastion)$")


def role_from_name(name: str) -> str | None:
    """The role a node name says, else None.

    >>> [role_from_name(n) for n in ("master0", "master-0", "cp0", "m1", "okd4-control-plane-1",
    ...     "worker-2", "w3", "compute-1", "infra1", "i2", "bootstrap", "bs", "storage1")]
    ['master', 'master', 'master', 'master', 'master', 'worker', 'worker', 'worker', 'infra', \
'infra', 'bootstrap', 'bootstrap', None]
    """
    tokens = [t for t in re.split(r"[-_.]", name.lower()) if t and not t.isdigit()]
    if "control" in tokens and "plane" in tokens:
        return "master"
    for role, pattern in ROLE_PATTERNS:
        if any(pattern.match(t) for t in tokens):
            return role
    return None


@dataclass
class Zone:
    """One parsed zone file: its origin and its A and PTR records (absolute names, no dot)."""

    path: str
    origin: str
    a: list[tuple[str, str]] = field(default_factory=list)
    ptr: dict[str, str] = field(default_factory=dict)
    ns: list[str] = field(default_factory=list)
    named: str = ""

    @classmethod
    def parse(cls, text: str, path: str, origin: str | None = None) -> Zone:
        """Parse with dnspython: ``$ORIGIN`` in the file wins, else ``origin``, else the domain
        its absolute owner names share, else the file name (``db.example.com``,
        ``100.168.192.in-addr.arpa.zone``). ``named`` is the zone the file name says, to note a
        file whose records lie outside it.

        InputError names the file and the line when BIND's syntax is broken.
        """
        guess = origin or _origin_from_owners(text) or _origin_from_name(path)
        has_origin = re.search(r"^\$ORIGIN\s", text, re.M) is not None
        if not has_origin and not guess:
            raise InputError(path, "no $ORIGIN and the zone cannot be told from the file name; "
                             "give it as --zone FILE=ORIGIN")  # fmt: skip
        try:
            zone = dns.zone.from_text(
                text,
                origin=None if has_origin else guess,
                relativize=False,
                check_origin=False,
                filename=path,
            )
        except dns.exception.SyntaxError as exc:
            # dnspython's line is where its tokenizer stopped: the bad line or the one after
            found = re.search(r":(\d+): (.*)", str(exc))
            where = f"near line {found.group(1)}: {found.group(2)}" if found else str(exc)
            raise InputError(path, f"not a zone file: {where}") from None
        except dns.exception.DNSException as exc:
            raise InputError(path, f"not a zone file: {exc}") from None
        out = cls(path, zone.origin.to_text(omit_final_dot=True).lower())
        out.named = _origin_from_name(path)
        for name, rdataset in zone.iterate_rdatasets():
            owner = name.to_text(omit_final_dot=True).lower()
            if rdataset.rdtype == dns.rdatatype.A:
                out.a += [(owner, rd.address) for rd in rdataset]
            elif rdataset.rdtype == dns.rdatatype.NS and owner == out.origin:
                out.ns += [rd.target.to_text(omit_final_dot=True).lower() for rd in rdataset]
            elif rdataset.rdtype == dns.rdatatype.PTR:
                for rd in rdataset:  # several PTRs at one address: the first one wins
                    out.ptr.setdefault(owner, rd.target.to_text(omit_final_dot=True).lower())
        return out


def _origin_from_name(path: str) -> str:
    """The zone a file name says: ``db.example.com`` -> example.com; a reverse zone's
    ``...100.168.192.IN-ADDR.ARPA.zone`` -> 100.168.192.in-addr.arpa.

    >>> _origin_from_name("/x/named.example.localdomain.zone"), _origin_from_name("db.fwd")
    ('example.localdomain', '')
    >>> _origin_from_name("akaronte-okd4.5-100.168.192.IN-ADDR.ARPA.zone")
    '100.168.192.in-addr.arpa'
    """
    name = Path(path).name.lower()
    reverse = re.search(r"((?:\d+\.)+in-addr\.arpa)", name)
    if reverse:
        return reverse.group(1)
    for prefix in ("db.", "named.", "zone."):
        name = name.removeprefix(prefix)
    for suffix in (".zone", ".db", ".hosts", ".fwd", ".rev"):
        name = name.removesuffix(suffix)
    return name if name.count(".") >= 1 else ""


def _origin_from_owners(text: str) -> str:
    """The longest domain every absolute owner name in the file ends with (``_`` names, as
    SRV owners, aside), or "" when there are none.

    >>> _origin_from_owners("a.lab.okd.local. IN A 1.2.3.4\\nns.okd.local. IN A 1.2.3.5\\n")
    'okd.local'
    """
    owners = [
        line.split()[0].rstrip(".").lower()
        for line in text.splitlines()
        if line[:1] not in ("", " ", "\t", "$", ";", "@") and line.split()[0].endswith(".")
    ]
    owners = [o for o in owners if not o.startswith(("_", "*"))]
    if not owners:
        return ""
    split = [o.split(".") for o in owners]
    common: list[str] = []
    for labels in zip(*(reversed(p[1:]) for p in split), strict=False):
        if len(set(labels)) != 1:
            break
        common.insert(0, labels[0])
    return ".".join(common) if len(common) >= 2 else ""


@dataclass
class Draft:
    """The drafted inventory as YAML lines, by section."""

    head: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([*self.head, "nodes:", *self.nodes, *self.notes]) + "\n"


def _q(value: str) -> str:
    """A YAML scalar: plain when safe, else a JSON (double-quoted) string."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*", value) and not value.endswith(":"):
        return value
    return json.dumps(value)


def _mirror_hosts(doc: dict[str, Any]) -> list[str]:
    hosts: list[str] = []
    for key in ("imageDigestSources", "imageContentSources"):
        for entry in doc.get(key) or []:
            for mirror in (entry or {}).get("mirrors") or [] if isinstance(entry, dict) else []:
                host = str(mirror).split("/", 1)[0]
                if host and host not in hosts:
                    hosts.append(host)
    return hosts


def _backend_roles(cfg: HaproxyConfig) -> dict[str, set[int]]:
    """Server address or name -> the LB ports whose backends hold it."""
    found: dict[str, set[int]] = {}
    for port in (22623, 6443, 80, 443):
        for backend in cfg.backends_for_port(port):
            for server in backend.servers:
                for key in {server.address.lower(), server.name.lower(),
                            server.address.lower().split(".")[0]}:  # fmt: skip
                    found.setdefault(key, set()).add(port)
    return found


def draft_inventory(
    *,
    zones: list[Zone],
    cluster: tuple[str, str] | None = None,
    install_config: dict[str, Any] | None = None,
    install_config_path: str = "",
    haproxy: HaproxyConfig | None = None,
    haproxy_path: str = "",
    ca_file: str = "",
) -> Draft:
    """The draft: every value from the files, every guess marked with a comment."""
    draft = Draft()
    ic = install_config or {}
    a_records = [rec for z in zones for rec in z.a]
    name, domain, source = "", "", ""
    if cluster:
        (name, domain), source = cluster, "given"
    elif ic.get("metadata", {}).get("name") and ic.get("baseDomain"):
        name, domain = str(ic["metadata"]["name"]), str(ic["baseDomain"]).strip(".")
        source = f"metadata.name and baseDomain of {install_config_path}"
    else:
        api = next((o for o, _ in a_records if o.startswith("api.") and o.count(".") >= 2), "")
        if api:
            name, domain = api.split(".", 2)[1:3]
            source = f"# guessed from the record {api}"
    if not name:
        raise InputError(
            install_config_path or (zones[0].path if zones else "draft-inventory"),
            "cannot tell the cluster's name and base domain: give --install-config, or a zone "
            "with the api.<cluster>.<domain> record",
        )
    cluster_domain = f"{name}.{domain}".lower()
    comment = source if source.startswith("#") else f"# from {source}"
    draft.head += [
        f"# draft inventory for {cluster_domain}: check every line marked 'guessed', then run",
        "#   pytest -m preflight --inventory THIS_FILE",
        f"cluster:  {comment}",
        f"  name: {_q(name)}",
        f"  base_domain: {_q(domain)}",
    ]
    by_name: dict[str, list[str]] = {}
    held_in: dict[str, str] = {}
    for z in zones:
        for owner, address in z.a:
            by_name.setdefault(owner, []).append(address)
            held_in.setdefault(owner, z.path)
        if z.named and not z.named.endswith(z.origin) and not z.named.endswith("in-addr.arpa"):
            draft.head.append(
                f"# note: the name of {z.path} does not end with {z.origin}, the domain its "
                "records lie under: check the zone's name in named.conf (BIND ignores records "
                "outside its zone)"
            )
    if not any(z.ptr for z in zones):
        draft.head.append("# note: no reverse zone given: the nodes' PTR records were not seen")

    def first(owner: str) -> str:
        return (by_name.get(owner) or [""])[0]

    servers = [first(ns) for z in zones for ns in z.ns if first(ns)]
    servers = list(dict.fromkeys(servers))
    if servers:
        draft.head += [
            "dns:  # guessed from the zones' NS records: the servers the nodes ask",
            f"  servers: [{', '.join(servers)}]",
        ]
    else:
        draft.head.append(
            "# dns: {servers: [ADDRESS]}  # no NS record with an A record in the zones"
        )
    api, api_int = first(f"api.{cluster_domain}"), first(f"api-int.{cluster_domain}")
    ingress = first(f"*.apps.{cluster_domain}")
    draft.head.append("load_balancer:")
    for key, value, record in (
        ("api", api, "api"), ("api_int", api_int, "api-int"), ("ingress", ingress, "*.apps")
    ):  # fmt: skip
        if value:
            draft.head.append(
                f"  {key}: {value}  # guessed from {record}.{cluster_domain} in "
                f"{held_in[f'{record}.{cluster_domain}']}"
            )
        else:
            draft.head.append(f"  # {key}: ADDRESS  # no {record}.{cluster_domain} record found")
    if haproxy_path:
        draft.head.append(
            f"  config: {_q(haproxy_path)}  # a local copy; set ssh: to read it on the LB"
        )

    hosts = _mirror_hosts(ic)
    if hosts:
        draft.head += [
            "mirror:",
            f"  registry: {_q(hosts[0])}  # guessed from the first mirror in {install_config_path}"
            + (f" (others: {', '.join(hosts[1:])})" if hosts[1:] else ""),
            "  # auth_file: pull-secret.json  # its credentials (never copied from pullSecret)",
        ]
        if ca_file:
            draft.head.append(
                f"  ca_file: {_q(ca_file)}  # additionalTrustBundle of {install_config_path}"
            )
        elif ic.get("additionalTrustBundle"):
            draft.head.append(
                "  # ca_file: mirror-ca.pem  # additionalTrustBundle holds the CA: add --write-ca "
                "FILE to save it there"
            )
    if install_config_path:
        draft.head.append(f"install_config: {_q(install_config_path)}")

    ports = _backend_roles(haproxy) if haproxy is not None else {}
    ptr = {v: k for z in zones for k, v in z.ptr.items()}  # fqdn -> reverse name
    suffix = "." + cluster_domain
    skipped: list[str] = []
    for owner, addresses in by_name.items():
        if not owner.endswith(suffix):
            continue
        label = owner[: -len(suffix)]
        if "." in label or "*" in label or NOT_NODES.match(label):
            continue
        address = addresses[0]
        in_ports = ports.get(address, set()) | ports.get(label, set()) | ports.get(owner, set())
        by_label = role_from_name(label)
        by_lb = None
        if 22623 in in_ports:
            by_lb = "bootstrap" if by_label == "bootstrap" else "master"
        elif in_ports & {80, 443}:
            by_lb = "infra" if by_label == "infra" else "worker"
        why = []
        if by_label:
            why.append(f"the name {label}")
        if by_lb:
            which = "22623" if 22623 in in_ports else "80/443"
            why.append(f"the haproxy {which} backend")
        role = by_label or by_lb
        if role is None:
            skipped.append(f"#   {label} ({address}): no role in its name and in no backend")
            continue
        note = f"guessed from {' and '.join(why)}"
        if by_label and by_lb and by_label != by_lb:
            note += f" (the backend says {by_lb}: check)"
        if zones and any(z.ptr for z in zones) and owner not in ptr:
            note += "; no PTR for it in the reverse zones given"
        draft.nodes.append(f"- {{name: {_q(label)}, role: {role}, ip: {address}}}  # {note}")
        if len(addresses) > 1:
            draft.nodes[-1] += f"; more A records: {', '.join(addresses[1:])}"
    if not draft.nodes:
        draft.nodes.append("  []  # no A records under the cluster domain: add the nodes")
    if skipped:
        draft.notes += [
            "# A records under the cluster domain left out (add them if nodes):",
            *skipped,
        ]
    return draft


def trust_bundle(doc: dict[str, Any]) -> str:
    """The install-config's additionalTrustBundle (PEM text), or ""."""
    value = doc.get("additionalTrustBundle")
    return value if isinstance(value, str) else ""
