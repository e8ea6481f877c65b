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

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.grange
import dns.name
import dns.rdatatype
import dns.zone
import yaml

from collectors import settings, yamlio
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


#: The directives a zone may use: $INCLUDE is refused (it would read a file not given).
DIRECTIVES = ("$ORIGIN", "$TTL", "$GENERATE")
_GENERATE = re.compile(r"\$GENERATE[ \t]+(\S+)", re.I)
_WIDTH = re.compile(r"\$\{[+-]?\d+,(\d+)")


def _generated(line: str) -> tuple[int, int]:
    """The names a ``$GENERATE`` line makes and the bytes they take at most, or (0, 0) when it
    is not one (or its range does not parse: dnspython then names it).

    >>> _generated("$GENERATE 1-100/2 h$ A 10.0.0.$"), _generated("a IN A 10.0.0.1")
    ((50, 3050), (0, 0))
    """
    found = _GENERATE.match(line)
    if not found:
        return 0, 0
    try:
        start, stop, step = dns.grange.from_text(found.group(1))
    except (dns.exception.DNSException, ValueError):
        return 0, 0
    names = len(range(start, stop + 1, max(step, 1)))
    widths = sum(min(int(w), 127) for w in _WIDTH.findall(line))  # dnspython's own bound
    return names, names * (len(line) + widths + 10 * line.count("$"))


def check_generate(text: str, path: str) -> None:
    """Refuse a zone whose ``$GENERATE`` lines make more than settings.ZONE_MAX_NAMES names or,
    with the file, more than settings.ZONE_MAX_BYTES bytes: counted from their ranges before
    dnspython expands anything; InputError naming the file and the line.

    >>> check_generate("$GENERATE 1-4000000000 h$ A 10.0.0.1\\n", "db.x")
    Traceback (most recent call last):
    ...
    collectors.errors.InputError: db.x:1: $GENERATE makes 4000000000 names (4000000000 in the zone \
so far), more than the 100000 read from one zone (raise UPI_ZONE_MAX_NAMES to read it)
    """
    names, size = 0, len(text.encode("utf-8", "surrogateescape"))
    for number, line in enumerate(text.split("\n"), 1):  # dnspython's lines end at \n only
        more, more_bytes = _generated(line)
        names, size = names + more, size + more_bytes
        if names > settings.ZONE_MAX_NAMES:
            what = f"$GENERATE makes {more} names ({names} in the zone so far)"
            raise _over(path, number, what, f"{settings.ZONE_MAX_NAMES} read", "NAMES")
        if size > settings.ZONE_MAX_BYTES:
            what = "$GENERATE expands the zone"
            raise _over(path, number, what, f"{settings.ZONE_MAX_BYTES} bytes read", "BYTES")


def _over(path: str, line: int | None, what: str, cap: str, variable: str) -> InputError:
    """The error of a zone over a cap: ``what``, more than ``cap`` from one zone."""
    return InputError(
        path,
        f"{what}, more than the {cap} from one zone (raise UPI_ZONE_MAX_{variable} to read it)",
        line=line,
    )


class _RecordCount:
    """Counts the records dnspython stores while reading a zone and stops it past
    settings.ZONE_MAX_NAMES (whatever made them: plain lines or an expansion)."""

    def __init__(self) -> None:
        self.count = 0
        self.over = False

    def setup(self, txn: Any) -> None:
        txn.check_put_rdataset(self._put)

    def _put(self, _txn: Any, _name: Any, _rdataset: Any) -> None:
        self.count += 1
        if self.count > settings.ZONE_MAX_NAMES:
            self.over = True
            raise dns.exception.SyntaxError("too many records")

    def error(self, path: str, line: int | None) -> InputError:
        return _over(path, line, "too many records", f"{settings.ZONE_MAX_NAMES} read", "NAMES")


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
        check_generate(text, path)
        counted = _RecordCount()
        try:
            zone = dns.zone.from_text(
                text,
                origin=None if has_origin else guess,
                relativize=False,
                check_origin=False,
                filename=path,
                allow_directives=DIRECTIVES,  # never $INCLUDE: it would read another file
                transaction_setup=counted.setup,
            )
        except dns.exception.SyntaxError as exc:
            # dnspython's line is where its tokenizer stopped: the bad line or the one after
            found = re.search(r":(\d+): (.*)", str(exc))
            if counted.over:
                raise counted.error(path, int(found.group(1)) if found else None) from None
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


#: What a YAML comment may hold as it is: printable text on one line. Everything else (control
#: characters, newlines, U+0085, U+2028/U+2029 that YAML 1.1 reads as line breaks, a BOM) is
#: shown as an escape.
_COMMENT_UNSAFE = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: A string written plain (unquoted): YAML reads it back as this string in a block or a flow.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@+-]*(:[A-Za-z0-9._/@+-]+)*")


def _escape(char: str) -> str:
    code = ord(char)
    if char in _ESCAPES:
        return _ESCAPES[char]
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else (f"\\U{code:08x}")
    )


def comment_text(text: str) -> str:
    """``text`` safe in a YAML comment: one line, every control or line-separator character
    shown as an escape, so input can never end the comment.

    >>> comment_text("a\\nb: {x: 1}\\u2028\\x1b]0;t\\x07 \\u00e9")
    'a\\\\nb: {x: 1}\\\\u2028\\\\x1b]0;t\\\\x07 \u00e9'
    """
    return _COMMENT_UNSAFE.sub(lambda m: _escape(m.group()), text)


class _ScalarDumper(yaml.SafeDumper):
    """Writes a string plain when :data:`_PLAIN` and not :func:`yamlio.ambiguous`, else
    double-quoted with every non-ASCII or control character escaped."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    plain = _PLAIN.fullmatch(data) is not None and (not yamlio.ambiguous(data) or _ipv4(data))
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=None if plain else '"')


def _ipv4(text: str) -> bool:
    """Whether ``text`` is a dotted IPv4 address (a string to YAML 1.1 and 1.2 alike)."""
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv4Address)
    except ValueError:
        return False


_ScalarDumper.add_representer(str, _represent_str)
_DUMP = {"Dumper": _ScalarDumper, "width": 2**31 - 1, "allow_unicode": False}


def scalar(value: str, flow: bool = False) -> str:
    """One value as a YAML scalar by the YAML library, on one line, that reads back as
    ``value`` as a mapping's value (``flow``: inside ``{...}`` or ``[...]``).

    >>> scalar("m1"), scalar("registry:5000"), scalar("yes"), scalar("a\\nssh: {user: root}")
    ('m1', 'registry:5000', '"yes"', '"a\\\\nssh: {user: root}"')
    >>> scalar("x\\u2028y # z"), scalar("10.0.0.1", flow=True), scalar("a,b", flow=True)
    ('"x\\\\Ly # z"', '10.0.0.1', '"a,b"')
    """
    if flow:
        return yaml.dump([value], default_flow_style=True, **_DUMP).rstrip("\n")[1:-1]
    return yaml.dump(value, default_flow_style=False, **_DUMP).removesuffix("\n...\n").rstrip("\n")


def _note(text: str) -> str:
    return f"  # {comment_text(text)}" if text else ""


@dataclass
class Draft:
    """The drafted inventory: ``data``, what it holds, and its YAML lines by section, every
    value written by :func:`scalar` and every comment through :func:`comment_text`."""

    head: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def comment(self, text: str, indent: str = "") -> None:
        """A comment line of the head (``text`` made one safe line)."""
        self.head.append(f"{indent}# {comment_text(text)}")

    def section(self, key: str, note: str = "") -> None:
        """``key:`` at the top; null until an entry is put in it (as YAML reads it)."""
        self.data[key] = None
        self.head.append(f"{key}:{_note(note)}")

    def entry(self, section: str, key: str, value: str | list[str], note: str = "") -> None:
        """``key: value`` in ``section`` (or at the top when ``section`` is "")."""
        written = (
            "[" + ", ".join(scalar(v, flow=True) for v in value) + "]"
            if isinstance(value, list)
            else scalar(value)
        )
        if section and self.data[section] is None:
            self.data[section] = {}
        (self.data[section] if section else self.data)[key] = value
        self.head.append(f"{'  ' if section else ''}{key}: {written}{_note(note)}")

    def node(self, name: str, role: str, ip: str, note: str) -> None:
        self.data["nodes"].append({"name": name, "role": role, "ip": ip})
        pairs = (("name", name), ("role", role), ("ip", ip))
        fields = ", ".join(f"{k}: {scalar(v, flow=True)}" for k, v in pairs)
        self.nodes.append(f"- {{{fields}}}{_note(note)}")

    def text(self) -> str:
        """The draft's YAML; InputError if it would not read back as ``data`` (never expected:
        a guard, so no input can add to or change the inventory it writes)."""
        text = "\n".join([*self.head, "nodes:", *self.nodes, *self.notes]) + "\n"
        if yaml.load(text, Loader=yaml.SafeLoader) != self.data:
            raise InputError(
                "draft-inventory", "the draft does not read back as built: not written"
            )
        return text


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


def _cluster(
    zones: list[Zone], cluster: tuple[str, str] | None, ic: dict[str, Any], ic_path: str
) -> tuple[str, str, str]:
    """(name, base domain, where they come from); InputError when nothing tells them."""
    metadata = ic.get("metadata")
    if cluster:
        return cluster[0], cluster[1], "from given"
    if isinstance(metadata, dict) and metadata.get("name") and ic.get("baseDomain"):
        name, domain = str(metadata["name"]), str(ic["baseDomain"]).strip(".")
        return name, domain, f"from metadata.name and baseDomain of {ic_path}"
    a_records = [rec for z in zones for rec in z.a]
    api = next((o for o, _ in a_records if o.startswith("api.") and o.count(".") >= 2), "")
    if api:
        name, domain = api.split(".", 2)[1:3]
        return name, domain, f"guessed from the record {api}"
    raise InputError(
        ic_path or (zones[0].path if zones else "draft-inventory"),
        "cannot tell the cluster's name and base domain: give --install-config, or a zone "
        "with the api.<cluster>.<domain> record",
    )


def draft_inventory(
    *,
    zones: list[Zone],
    cluster: tuple[str, str] | None = None,
    install_config: dict[str, Any] | None = None,
    install_config_path: str = "",
    haproxy: HaproxyConfig | None = None,
    haproxy_path: str = "",
    ca_file: str = "",
    file_name: str = "",
) -> Draft:
    """The draft: every value from the files, every guess marked with a comment. Built as data
    (:class:`Draft`): a value from the files is always one YAML scalar, a comment one line."""
    draft = Draft()
    ic = install_config or {}
    name, domain, source = _cluster(zones, cluster, ic, install_config_path)
    cluster_domain = f"{name}.{domain}".lower()
    draft.comment(f"draft inventory for {cluster_domain}: check every line marked 'guessed', "
                  "then run, from this file's folder (every path in it is absolute):")  # fmt: skip
    draft.comment(f"  upi-conformance -m preflight --inventory {next_name(file_name)}")
    draft.section("cluster", source)
    draft.entry("cluster", "name", name)
    draft.entry("cluster", "base_domain", domain)
    by_name: dict[str, list[str]] = {}
    held_in: dict[str, str] = {}
    for z in zones:
        for owner, address in z.a:
            by_name.setdefault(owner, []).append(address)
            held_in.setdefault(owner, z.path)
        if z.named and not z.named.endswith(z.origin) and not z.named.endswith("in-addr.arpa"):
            draft.comment(
                f"note: the name of {z.path} does not end with {z.origin}, the domain its "
                "records lie under: check the zone's name in named.conf (BIND ignores records "
                "outside its zone)"
            )
    if not any(z.ptr for z in zones):
        draft.comment("note: no reverse zone given: the nodes' PTR records were not seen")

    def first(owner: str) -> str:
        return (by_name.get(owner) or [""])[0]

    servers = [first(ns) for z in zones for ns in z.ns if first(ns)]
    servers = list(dict.fromkeys(servers))
    if servers:
        draft.section("dns", "guessed from the zones' NS records: the servers the nodes ask")
        draft.entry("dns", "servers", servers)
    else:
        draft.comment("dns: {servers: [ADDRESS]}  # no NS record with an A record in the zones")
    draft.section("load_balancer")
    for key, record in (("api", "api"), ("api_int", "api-int"), ("ingress", "*.apps")):
        owner = f"{record}.{cluster_domain}"
        if first(owner):
            draft.entry("load_balancer", key, first(owner),
                        f"guessed from {owner} in {held_in[owner]}")  # fmt: skip
        else:
            draft.comment(f"{key}: ADDRESS  # no {owner} record found", indent="  ")
    if haproxy_path:
        draft.entry("load_balancer", "config", haproxy_path,
                    "a local copy; set ssh: to read it on the LB")  # fmt: skip
    _mirror(draft, ic, install_config_path, ca_file)
    if install_config_path:
        draft.entry("", "install_config", install_config_path)
    _nodes(draft, zones, by_name, haproxy, cluster_domain)
    return draft


def next_name(file_name: str) -> str:
    """The draft's file name as its header's command names it (a shell word; THIS_FILE when the
    draft goes to a terminal or a pipe).

    >>> next_name("/tmp/x/site-draft.yaml"), next_name(""), next_name("my site.yaml")
    ('site-draft.yaml', 'THIS_FILE', "'my site.yaml'")
    """
    import shlex

    return shlex.quote(Path(file_name).name) if file_name else "THIS_FILE"


def _mirror(draft: Draft, ic: dict[str, Any], ic_path: str, ca_file: str) -> None:
    """The mirror section, from the install-config's mirrors and trust bundle."""
    hosts = _mirror_hosts(ic)
    if not hosts:
        return
    others = f" (others: {', '.join(scalar(h) for h in hosts[1:])})" if hosts[1:] else ""
    draft.section("mirror")
    draft.entry("mirror", "registry", hosts[0],
                f"guessed from the first mirror in {ic_path}{others}")  # fmt: skip
    draft.comment("auth_file: pull-secret.json  # its credentials (never copied from pullSecret)",
                  indent="  ")  # fmt: skip
    if ca_file:
        draft.entry("mirror", "ca_file", ca_file, f"additionalTrustBundle of {ic_path}")
    elif ic.get("additionalTrustBundle"):
        draft.comment("ca_file: mirror-ca.pem  # additionalTrustBundle holds the CA: add "
                      "--write-ca FILE to save it there", indent="  ")  # fmt: skip


def _nodes(
    draft: Draft,
    zones: list[Zone],
    by_name: dict[str, list[str]],
    haproxy: HaproxyConfig | None,
    cluster_domain: str,
) -> None:
    """The nodes: A records directly under the cluster domain with a role by name or backend."""
    draft.data["nodes"] = []
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
            skipped.append(f"  {label} ({address}): no role in its name and in no backend")
            continue
        note = f"guessed from {' and '.join(why)}"
        if by_label and by_lb and by_label != by_lb:
            note += f" (the backend says {by_lb}: check)"
        if zones and any(z.ptr for z in zones) and owner not in ptr:
            note += "; no PTR for it in the reverse zones given"
        if len(addresses) > 1:
            note += f"; more A records: {', '.join(addresses[1:])}"
        draft.node(label, role, address, note)
    if not draft.nodes:
        draft.nodes.append("  []  # no A records under the cluster domain: add the nodes")
    if skipped:
        draft.notes += [
            "# A records under the cluster domain left out (add them if nodes):",
            *(f"# {comment_text(line)}" for line in skipped),
        ]


def trust_bundle(doc: dict[str, Any]) -> str:
    """The install-config's additionalTrustBundle (PEM text), or ""."""
    value = doc.get("additionalTrustBundle")
    return value if isinstance(value, str) else ""
