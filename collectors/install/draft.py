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

import difflib
import ipaddress
import re
import textwrap
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
from collectors.install.nodetable import NODE_ROLES, TableNode
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
    #: (type, owner, target) -> the line of the file that holds it (PTR and NS records)
    lines: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: what was read other than BIND would (a pasted zone's lost indentation), file:line first
    notes: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, path: str, origin: str | None = None) -> Zone:
        """Parse with dnspython: ``$ORIGIN`` in the file wins, else ``origin``, else the domain
        its absolute owner names share, else the file name (``db.example.com``,
        ``100.168.192.in-addr.arpa.zone``). ``named`` is the zone the file name says, to note a
        file whose records lie outside it.

        InputError names the file and the line when BIND's syntax is broken.
        """
        text, notes = _indented(text, path)
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
        out = cls(path, zone.origin.to_text(omit_final_dot=True).lower(), notes=notes)
        out.named = _origin_from_name(path)
        out.lines = _record_lines(text, out.origin)
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


#: Classes a record line may give; one at column 0 is a pasted zone's lost indentation.
_CLASSES = ("IN", "CH", "HS")


def _indented(text: str, path: str) -> tuple[str, list[str]]:
    """``text`` with each line that starts at column 0 with a class (``IN NS ns1``) indented,
    as its author meant (the record of the name above: zones pasted into a web page lose their
    indentation), and a note naming each; BIND itself would read ``IN`` there as a name.

    >>> text, notes = _indented("@ IN SOA a b 1 1 1 1 1\\nIN NS ns1.\\n", "db.x")
    >>> text, notes[0][:41]
    ('@ IN SOA a b 1 1 1 1 1\\n IN NS ns1.\\n', 'db.x:2: IN at column 0 read as the record')
    """
    notes: list[str] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        words = line.split(";", 1)[0].split()
        if line[:1] not in ("", " ", "\t") and len(words) >= 3 and words[0].upper() in _CLASSES:
            lines[number - 1] = " " + line
            notes.append(f"{path}:{number}: {words[0]} at column 0 read as the record of the name "
                         "above (indent it: BIND reads a word at column 0 as a name)")  # fmt: skip
    return ("\n".join(lines), notes) if notes else (text, notes)


def _absolute(name: str, origin: str) -> str:
    """A zone file's name made absolute (lower case, no final dot).

    >>> _absolute("m1.c1", "example.com"), _absolute("@", "example.com"), _absolute("a.b.", "x")
    ('m1.c1.example.com', 'example.com', 'a.b')
    """
    name = name.lower()
    if name == "@":
        return origin
    return name.rstrip(".") if name.endswith(".") else f"{name}.{origin}".strip(".")


def _record_lines(text: str, origin: str) -> dict[tuple[str, str, str], int]:
    """(type, owner, target) -> line, for the PTR and NS records of a zone file (one record a
    line; a record split over lines by parentheses is not named by line).

    >>> _record_lines("$ORIGIN 0.16.172.in-addr.arpa.\\n@ IN SOA a b (1 1\\n1 1 1)\\n"
    ...     "11 IN PTR bs.c1.example.com.\\n  IN NS ns1\\n", "x")[("NS", "11.0.16.172.in-addr.arpa",
    ...     "ns1.0.16.172.in-addr.arpa")]
    5
    """
    found: dict[tuple[str, str, str], int] = {}
    owner, depth = origin, 0
    for number, line in enumerate(text.split("\n"), 1):
        data = line.split(";", 1)[0]
        words, inside = data.split(), depth > 0
        depth = max(0, depth + data.count("(") - data.count(")"))
        if not words or inside:  # a record's continuation inside parentheses
            continue
        if words[0].upper() == "$ORIGIN" and len(words) > 1:
            origin = _absolute(words[1], origin)
            continue
        if words[0].startswith("$"):
            continue
        if line[:1] not in (" ", "\t"):
            owner, words = _absolute(words[0], origin), words[1:]
        upper = [w.upper() for w in words]
        for rtype in ("PTR", "NS"):
            if rtype in upper[:3] and upper.index(rtype) + 1 < len(words):
                target = _absolute(words[upper.index(rtype) + 1], origin)
                found.setdefault((rtype, owner, target), number)
    return found


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
    #: what a careful reader would flag (a PTR to a name no zone holds, sources that disagree),
    #: each naming its file and line: on stderr and in the draft's last comment block
    warnings: list[str] = field(default_factory=list)
    #: key -> why no file given fills it (said when a check needs it)
    why_not: dict[str, str] = field(default_factory=dict)
    #: the keys checks need that the draft lacks, each with the checks that will skip
    unfilled: list[tuple[str, str, list[str]]] = field(default_factory=list)

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
        """One ``nodes`` item: ``{name, role, ip}`` and its comment."""
        self.data["nodes"].append({"name": name, "role": role, "ip": ip})
        pairs = (("name", name), ("role", role), ("ip", ip))
        fields = ", ".join(f"{k}: {scalar(v, flow=True)}" for k, v in pairs)
        self.nodes.append(f"- {{{fields}}}{_note(note)}")

    def has(self, key: str) -> bool:
        """Whether a dotted key is present and not empty, as the inventory's ``has`` says."""
        value: Any = self.data
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return False
            value = value[part]
        return value not in (None, "", [], {})

    def report(self) -> list[str]:
        """The closing report, one line each (no ``#``): the warnings, then what the draft
        could not fill and the checks that skip until it is added."""
        lines: list[str] = []
        if self.warnings:
            lines += ["warnings:", *(f"  {w}" for w in self.warnings)]
        if self.unfilled:
            lines.append("not filled (no file given says it; until it is added, these checks "
                         "skip):")  # fmt: skip
            for key, why, checks in self.unfilled:
                lines.append(f"  {key}: {why}")
                if checks:
                    lines += textwrap.wrap(
                        ", ".join(checks), 96, initial_indent="    skips: ",
                        subsequent_indent="      ", break_on_hyphens=False,
                    )  # fmt: skip
        return lines

    def text(self) -> str:
        """The draft's YAML; InputError if it would not read back as ``data`` (never expected:
        a guard, so no input can add to or change the inventory it writes)."""
        closing = [f"# {comment_text(line)}" for line in self.report()]
        text = "\n".join([*self.head, "nodes:", *self.nodes, *self.notes, *closing]) + "\n"
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
    table: list[TableNode] | None = None,
    table_dns: tuple[list[str], str] = ([], ""),
    checks: list[tuple[str, tuple[str, ...]]] | None = None,
) -> Draft:
    """The draft: every value from the files, every guess marked with a comment. Built as data
    (:class:`Draft`): a value from the files is always one YAML scalar, a comment one line.

    ``table``: the site's own list of machines (a node table's rows, then agent-config hosts):
    each node in it lands in the draft, with its role and address as the table says (what the
    zone's A record says instead is commented); ``dns`` rows name DNS servers. ``table_dns``:
    DNS servers the nodes are configured with (an agent-config's dns-resolver) and where.
    ``checks``: (check id, the inventory keys it requires) of every check, to say which skip
    for a key the draft could not fill (None: the keys are listed without their checks)."""
    draft = Draft()
    table = table or []
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
        draft.warnings += z.notes
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

    _dns(draft, zones, first, table, table_dns, domain)
    draft.section("load_balancer")
    for key, record in (("api", "api"), ("api_int", "api-int"), ("ingress", "*.apps")):
        owner = f"{record}.{cluster_domain}"
        if first(owner):
            draft.entry("load_balancer", key, first(owner),
                        f"guessed from {owner} in {held_in[owner]}")  # fmt: skip
        else:
            draft.comment(f"{key}: ADDRESS  # no {owner} record found", indent="  ")
            draft.why_not[f"load_balancer.{key}"] = f"no {owner} record in the zones given"
    if haproxy_path:
        draft.entry("load_balancer", "config", haproxy_path,
                    "a local copy; set ssh: to read it on the LB")  # fmt: skip
    _mirror(draft, ic, install_config_path, ca_file)
    if install_config_path:
        draft.entry("", "install_config", install_config_path)
    _nodes(draft, zones, by_name, haproxy, cluster_domain, table)
    _check_reverse(draft, zones, table)
    _unfilled(draft, checks)
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


def _short(name: str, cluster_domain: str, base_domain: str) -> tuple[str, str]:
    """A table's name as a node's short name, and a note when it is an FQDN outside the
    cluster's domain.

    >>> _short("m1.c1.example.com", "c1.example.com", "example.com"), _short("m1", "c", "d")
    (('m1', ''), ('m1', ''))
    >>> _short("ns1.example.com", "c1.example.com", "example.com")[1]
    'its name ns1.example.com is not under c1.example.com'
    """
    if name.endswith("." + cluster_domain):
        name = name[: -len(cluster_domain) - 1]
        if "." not in name:
            return name, ""
    elif "." not in name:
        return name, ""
    return name.split(".")[0], f"its name {name} is not under {cluster_domain}"


def _dns(
    draft: Draft,
    zones: list[Zone],
    first: Any,
    table: list[TableNode],
    table_dns: tuple[list[str], str],
    base_domain: str,
) -> None:
    """``dns.servers``: the addresses of the zones' NS names (their A record, else the node
    table's row of that name), else the nodes' configured resolvers (an agent-config), else the
    table's ``dns`` rows; what one source says that another does not is commented."""
    by_name = {row.name: row for row in table}
    servers: list[str] = []
    why: list[str] = []
    unresolved: list[str] = []
    for ns in dict.fromkeys(ns for z in zones for ns in z.ns):
        row = by_name.get(ns) or (
            by_name.get(ns.split(".")[0]) if ns.endswith("." + base_domain) else None
        )
        if first(ns):
            servers.append(first(ns))
            why.append(f"{ns} (its A record)")
        elif row is not None:
            servers.append(row.ip)
            why.append(f"{ns} ({row.where})")
        else:
            unresolved.append(ns)
    resolvers, resolvers_from = table_dns
    rows = [r for r in table if r.role == "dns"]
    if not servers and resolvers:
        servers, why = list(resolvers), [f"the dns-resolver of {resolvers_from}"]
    elif not servers and rows:
        servers, why = [r.ip for r in rows], [f"the dns rows of {rows[0].source}"]
    servers = list(dict.fromkeys(servers))
    if servers:
        note = (f"from the NS records' names: {', '.join(why)}" if why[0].endswith(")")
                else f"from {why[0]}")  # fmt: skip
        draft.section("dns", note + ": the servers the nodes ask")
        draft.entry("dns", "servers", servers)
        for ip in resolvers:
            if ip not in servers:
                draft.comment(f"{ip}: the nodes' dns-resolver in {resolvers_from}, not in "
                              "dns.servers", indent="  ")  # fmt: skip
        for r in rows:
            if r.ip not in servers:
                draft.comment(f"{r.name} ({r.ip}, {r.where}): a dns row no NS record names, "
                              "not in dns.servers", indent="  ")  # fmt: skip
    else:
        draft.comment("dns: {servers: [ADDRESS]}  # no NS record with an A record in the zones")
        names = f" ({', '.join(unresolved)})" if unresolved else ""
        draft.why_not["dns.servers"] = (
            f"no NS record's name{names} has an A record in the zones given or a row in the "
            "node table, and no dns-resolver or dns row was given"
        )


def _role_guess(
    label: str, address: str, owner: str, ports: dict[str, set[int]]
) -> tuple[str | None, str, str | None]:
    """(role, why, the backend's role) as the name and the haproxy backends say."""
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
    return by_label or by_lb, " and ".join(why), by_lb if by_label != by_lb else None


def _nodes(
    draft: Draft,
    zones: list[Zone],
    by_name: dict[str, list[str]],
    haproxy: HaproxyConfig | None,
    cluster_domain: str,
    table: list[TableNode],
) -> None:
    """The nodes: the table's machines first (its role and address win; what the zones say
    otherwise is commented), then the A records directly under the cluster domain with a role
    by name or backend."""
    draft.data["nodes"] = []
    ports = _backend_roles(haproxy) if haproxy is not None else {}
    ptr = {v: k for z in zones for k, v in z.ptr.items()}  # fqdn -> reverse name
    with_ptr = any(z.ptr for z in zones)
    suffix = "." + cluster_domain
    base_domain = cluster_domain.split(".", 1)[1]
    zone_nodes: dict[str, tuple[str, list[str]]] = {}  # label -> (owner, addresses)
    for owner, addresses in by_name.items():
        label = owner[: -len(suffix)] if owner.endswith(suffix) else ""
        if label and "." not in label and "*" not in label and not NOT_NODES.match(label):
            zone_nodes[label] = (owner, addresses)
    skipped: list[str] = []
    used: dict[str, str] = {}  # ip -> the node that has it

    def add(label: str, role: str, ip: str, note: str) -> None:
        if ip in used:
            skipped.append(f"  {label} ({ip}): {used[ip]} has that address")
            return
        if any(n["name"] == label for n in draft.data["nodes"]):
            skipped.append(f"  {label} ({ip}): a node of that name is already in")
            return
        used[ip] = label
        fqdn = f"{label}.{cluster_domain}"
        if with_ptr and fqdn not in ptr:
            note += "; no PTR for it in the reverse zones given"
        draft.node(label, role, ip, note)

    rows: dict[str, TableNode] = {}
    for row in table:
        if row.role not in NODE_ROLES and row.role:
            continue
        label, outside = _short(row.name, cluster_domain, base_domain)
        if label in rows:  # a second source (agent-config after the node table): compare
            kept = rows[label]
            if row.ip != kept.ip:
                _disagree(draft, label, f"{kept.where} says {kept.ip}", f"{row.where} {row.ip}")
            if row.role and row.role != kept.role:
                draft.warnings.append(f"{label}: {kept.where} says {kept.role}, {row.where} "
                                      f"{row.role}: the draft keeps {kept.role}")  # fmt: skip
            continue
        rows[label] = row
        owner, addresses = zone_nodes.pop(label, ("", []))
        role, why, _ = _role_guess(label, row.ip, owner or f"{label}{suffix}", ports)
        if row.role:
            note = f"from {row.where}"
            if role and role != row.role:
                note += f" ({why} says {role}: check)"
        elif role:
            note = f"{row.where}, role guessed from {why}"
        else:
            skipped.append(f"  {label} ({row.ip}, {row.where}): no role given, in its name or "
                           "a backend")  # fmt: skip
            continue
        if outside:
            note += f"; {outside}"
        if row.mac:
            note += f"; mac {row.mac}"
        if zones and not addresses:
            note += "; only here: no A record for it in the zones given"
        elif addresses and row.ip not in addresses:
            note += f"; the zone's A record says {', '.join(addresses)}: check"
            _disagree(draft, label, f"{row.where} says {row.ip}",
                      f"the A record of {owner} says {', '.join(addresses)}")  # fmt: skip
        add(label, row.role or str(role), row.ip, note)
    for label, (owner, addresses) in zone_nodes.items():
        address = addresses[0]
        role, why, other = _role_guess(label, address, owner, ports)
        if role is None:
            skipped.append(f"  {label} ({address}): no role in its name and in no backend")
            continue
        note = f"guessed from {why}"
        if other:
            note += f" (the backend says {other}: check)"
        if table:
            note += "; not in the node table"
        if len(addresses) > 1:
            note += f"; more A records: {', '.join(addresses[1:])}"
        add(label, role, address, note)
    if not draft.nodes:
        draft.nodes.append("  []  # no A records under the cluster domain: add the nodes")
    if skipped:
        draft.notes += [
            "# machines left out (add them if nodes):",
            *(f"# {comment_text(line)}" for line in skipped),
        ]


def _disagree(draft: Draft, label: str, kept: str, other: str) -> None:
    draft.warnings.append(f"{label}: {kept}, {other}: the draft keeps the first, check which "
                          "is right")  # fmt: skip


def _check_reverse(draft: Draft, zones: list[Zone], table: list[TableNode]) -> None:
    """Warn about each PTR (and each NS) whose name no forward zone given holds: a typo in the
    reverse zone names a host that does not exist; naming the record, its file and line."""
    forward = {owner for z in zones for owner, _ in z.a}
    if not forward:
        return
    known = forward | {ns for z in zones for ns in z.ns} | {r.name for r in table if "." in r.name}
    for z in zones:
        for (rtype, owner, target), line in sorted(z.lines.items(), key=lambda i: i[1]):
            if target in forward:
                continue
            if rtype == "PTR" and z.ptr.get(owner) != target:
                continue  # not the PTR dnspython kept (several at one address)
            inside = target.endswith("." + z.origin)
            if rtype == "NS" and (owner != z.origin or (
                    not inside and any(r.name == target for r in table))):  # fmt: skip
                continue  # out of the zone, and the node table gives its address
            guess = ""
            if rtype == "NS" and inside:  # missing, not misspelt
                what = ("no A record for it in its zone: BIND refuses to load a zone whose NS "
                        "inside it has no address record")  # fmt: skip
            else:
                what = "no forward zone given holds that name"
                near = difflib.get_close_matches(target, sorted(known - {target}), 1, 0.85)
                guess = f" (a typo for {near[0]}?)" if near else ""
            draft.warnings.append(f"{z.path}:{line}: {rtype} {owner} -> {target}{guess}: {what}")


#: Why a key is not filled when no more particular reason was noted.
WHY_NOT = {
    "load_balancer.config": "no --haproxy given",
    "install_config": "no --install-config given",
    "mirror.registry": "no mirror in the install-config's imageContentSources/imageDigestSources",
    "bastion.http_root": "the bastion's web root is in none of the files read",
    "bastion.http_url": "the bastion's URL is in none of the files read",
}


def _unfilled(draft: Draft, checks: list[tuple[str, tuple[str, ...]]] | None) -> None:
    """``draft.unfilled``: each key a check requires that the draft lacks, why, and the checks
    that will skip (in the checks' order); without ``checks``, the keys the common checks
    need."""
    if checks is None:
        keys = ["dns.servers", "load_balancer.api", "load_balancer.api_int",
                "load_balancer.ingress", "load_balancer.config", "bastion.http_url",
                "mirror.registry", "install_config"]  # fmt: skip
        skipping: dict[str, list[str]] = {k: [] for k in keys}
    else:
        skipping = {}
        for check_id, requires in checks:
            for key in requires:
                skipping.setdefault(key, []).append(check_id)
    for key, ids in skipping.items():
        if draft.has(key):
            continue
        why = draft.why_not.get(key) or WHY_NOT.get(key) or "in none of the files read"
        draft.unfilled.append((key, why, ids))


def trust_bundle(doc: dict[str, Any]) -> str:
    """The install-config's additionalTrustBundle (PEM text), or ""."""
    value = doc.get("additionalTrustBundle")
    return value if isinstance(value, str) else ""
