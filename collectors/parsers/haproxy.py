"""haproxy.cfg parsed for real: sections, bind lines, backends, servers, comments.

>>> cfg = parse_haproxy('''
... frontend kubeapi
...     bind *:6443
...     default_backend kube_api
... backend kube_api
...     server m1 m1.ocp45.example.localdomain:6443 check
...     # server bs bs.ocp45.example.localdomain:6443 check
... ''', "haproxy.cfg")
>>> [s.name for s in cfg.backends_for_port(6443)]
['kube_api']
>>> [(s.name, s.address, s.port) for s in cfg.sections[1].servers]
[('m1', 'm1.ocp45.example.localdomain', 6443)]
>>> [s.name for s in cfg.sections[1].commented_servers]
['bs']

haproxy 1.x also took the address on the section line, ``listen NAME ADDR:PORT`` (2.x refuses
it: "please use the 'bind' keyword"); it reads as a bind of that section:

>>> old = parse_haproxy("listen stats 0.0.0.0:9000\\n    mode http\\n", "old.cfg")
>>> [(b.address, b.port, b.line) for b in old.sections[0].binds], old.sections[0].inline_bind
([(None, 9000, 1)], True)

A proxy without its own ``mode`` takes the mode of the last ``defaults`` section above it (or
the one its ``from NAME`` names); haproxy's own default is tcp. ``check`` on a server comes
from its line, or from a ``default-server check`` before it (its proxy's or its defaults'):

>>> cfg = parse_haproxy('''
... defaults
...     mode http
...     default-server check
... backend web
...     server w1 w1:80
...     server w2 w2:80 no-check
... defaults tcpdefs
...     mode tcp
... frontend api
...     bind *:6443
... ''', "h.cfg")
>>> web, api = cfg.sections[1], cfg.sections[3]
>>> (web.mode, web.mode_line, web.mode_section), (api.mode, api.mode_line, api.mode_section)
(('http', 3, 'defaults'), ('tcp', 9, 'defaults tcpdefs'))
>>> [(s.name, s.check) for s in web.servers]
[('w1', True), ('w2', False)]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from collectors.errors import InputError

#: Section keywords; proxies are the ones that bind or hold servers.
PROXY_SECTIONS = ("frontend", "backend", "listen")
OTHER_SECTIONS = (
    "global",
    "defaults",
    "resolvers",
    "peers",
    "userlist",
    "program",
    "cache",
    "mailers",
    "http-errors",
    "ring",
    "crt-store",
    "traces",
    "log-forward",
    "fcgi-app",
)
_SERVER_RE = re.compile(r"^\s*#\s*server\s+(\S+)\s+(\S+)")


@dataclass(frozen=True)
class Bind:
    """One address:port a frontend listens on; ``address`` None means every address."""

    address: str | None
    port: int
    line: int


@dataclass(frozen=True)
class Server:
    """A backend server line. ``active`` is False for ``disabled`` servers."""

    name: str
    address: str
    port: int | None
    line: int
    active: bool = True
    backup: bool = False
    #: health-checked: ``check`` on the line, or a ``default-server check`` above it
    check: bool = True


@dataclass
class Section:
    kind: str
    name: str
    line: int
    binds: list[Bind] = field(default_factory=list)
    servers: list[Server] = field(default_factory=list)
    commented_servers: list[Server] = field(default_factory=list)
    default_backend: str | None = None
    use_backends: list[tuple[str, int]] = field(default_factory=list)
    #: the 1.x form: the bind address on the section line (``listen NAME ADDR:PORT``)
    inline_bind: bool = False
    #: the proxy mode in effect: its own ``mode`` line, else its defaults' (haproxy: tcp)
    mode: str = "tcp"
    #: the line that set it (None: haproxy's default) and the section it is in
    #: (``frontend api``, ``defaults``, ``defaults NAME``)
    mode_line: int | None = None
    mode_section: str = ""
    #: ``default-server check`` in effect (its own, else its defaults')
    default_check: bool = False

    @property
    def backend_names(self) -> list[str]:
        """Backends this proxy can send to: every use_backend, then default_backend."""
        names = [name for name, _ in self.use_backends]
        if self.default_backend:
            names.append(self.default_backend)
        return list(dict.fromkeys(names))


@dataclass
class HaproxyConfig:
    path: str
    sections: list[Section]

    def proxy(self, kind: str, name: str) -> Section | None:
        kinds = (kind, "listen")
        return next((s for s in self.sections if s.kind in kinds and s.name == name), None)

    def frontends_for_port(self, port: int) -> list[Section]:
        """Frontends and listen sections with a bind on ``port``."""
        return [
            s
            for s in self.sections
            if s.kind in ("frontend", "listen") and any(b.port == port for b in s.binds)
        ]

    def backends_for_port(self, port: int) -> list[Section]:
        """Every section whose servers receive traffic bound on ``port``."""
        found: list[Section] = []
        for front in self.frontends_for_port(port):
            if front.kind == "listen" and front.servers:
                found.append(front)
            for name in front.backend_names:
                backend = self.proxy("backend", name)
                if backend is not None:
                    found.append(backend)
        return list({id(s): s for s in found}.values())


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment that is not inside quotes or escaped."""
    out: list[str] = []
    quote = ""
    escaped = False
    for ch in line:
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            out.append(ch)
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out).strip()


def _split_address(text: str, source: str, line: int) -> tuple[str, int | None]:
    """Split haproxy's ``[proto@]addr[:port]``; ``[v6]:port``; the last colon of v6 is the port."""
    addr = text.split("@", 1)[1] if "@" in text and not text.startswith("[") else text
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif ":" in addr:
        host, _, port_text = addr.rpartition(":")
    else:
        host, port_text = addr, ""
    if port_text == "":
        return host, None
    if port_text.startswith(("+", "-")):  # relative port offsets
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(source, f"bad port {port_text!r} in address {text!r}", line=line)
    return host, int(port_text)


def _parse_binds(args: list[str], source: str, line: int) -> list[Bind]:
    if not args:
        raise InputError(source, "bind needs an address", line=line)
    binds: list[Bind] = []
    for item in args[0].split(","):
        if item.startswith(("unix@", "abns@", "fd@", "sockpair@", "/")):
            continue
        host, colon, port_text = item.rpartition(":")
        host = host.split("@", 1)[-1].strip("[]")
        if not colon or not port_text:
            raise InputError(source, f"bind {item!r} has no port", line=line)
        low, _, high = port_text.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise InputError(source, f"bind {item!r} has a bad port", line=line)
        first, last = int(low), int(high or low)
        if not 0 < first <= last < 65536 or last - first > 1024:
            raise InputError(source, f"bind {item!r} has a bad port range", line=line)
        address = None if host in ("", "*", "0.0.0.0", "::") else host
        binds.extend(Bind(address, p, line) for p in range(first, last + 1))
    return binds


def parse_haproxy(text: str, source: str = "haproxy.cfg") -> HaproxyConfig:
    """Parse haproxy.cfg text; raise InputError naming ``source`` and the line on bad input."""
    sections: list[Section] = []
    current: Section | None = None
    last_defaults: Section | None = None
    named_defaults: dict[str, Section] = {}
    for number, raw in enumerate(text.split("\n"), start=1):  # haproxy splits on LF only
        raw = raw.removesuffix("\r")
        if "\x00" in raw:
            raise InputError(source, "binary data (NUL byte) in configuration", line=number)
        commented = _SERVER_RE.match(raw)
        if commented and current is not None and current.kind in PROXY_SECTIONS:
            try:
                host, port = _split_address(commented.group(2), source, number)
                current.commented_servers.append(
                    Server(commented.group(1), host, port, number, active=False)
                )
            except InputError:
                pass  # a comment is free text; a malformed one is not an error
        line = _strip_comment(raw)
        if not line:
            continue
        try:
            words = shlex.split(line, posix=True)
        except ValueError as exc:
            raise InputError(source, f"cannot split line: {exc}", line=number) from None
        keyword, args = words[0], words[1:]
        if keyword in PROXY_SECTIONS or keyword in OTHER_SECTIONS:
            if keyword in PROXY_SECTIONS and not args:
                raise InputError(source, f"{keyword} section without a name", line=number)
            args, parent_name = _from_clause(args)
            current = Section(keyword, args[0] if args else "", number)
            if keyword in ("listen", "frontend") and len(args) > 1:
                current.binds.extend(_parse_binds(args[1:], source, number))
                current.inline_bind = True
            # a defaults section resets to haproxy's documented defaults unless it says "from"
            implicit = None if keyword == "defaults" else last_defaults
            parent = named_defaults.get(parent_name) if parent_name else implicit
            if parent_name and parent is None:
                raise InputError(source, f"no defaults section named {parent_name!r}", line=number)
            if keyword in PROXY_SECTIONS or keyword == "defaults":
                _inherit(current, parent)
            if keyword == "defaults":
                last_defaults = current
                if current.name:
                    named_defaults[current.name] = current
            sections.append(current)
            continue
        if current is None:
            raise InputError(source, f"keyword {keyword!r} outside any section", line=number)
        if current.kind not in (*PROXY_SECTIONS, "defaults"):
            continue
        if keyword == "mode" and args:
            current.mode, current.mode_line = args[0], number
            current.mode_section = f"{current.kind} {current.name}".strip()
        elif keyword == "default-server":
            if "check" in args:
                current.default_check = True
            elif "no-check" in args:
                current.default_check = False
        if current.kind == "defaults":
            continue
        if keyword == "bind":
            if current.kind == "backend":
                raise InputError(source, f"bind in backend {current.name!r}", line=number)
            current.binds.extend(_parse_binds(args, source, number))
        elif keyword == "server":
            if current.kind == "frontend":
                raise InputError(source, f"server in frontend {current.name!r}", line=number)
            if len(args) < 2:
                raise InputError(source, "server needs a name and an address", line=number)
            host, port = _split_address(args[1], source, number)
            params = args[2:]
            current.servers.append(
                Server(
                    args[0],
                    host,
                    port,
                    number,
                    active="disabled" not in params,
                    backup="backup" in params,
                    check="no-check" not in params and ("check" in params or current.default_check),
                )
            )
        elif keyword == "default_backend":
            if not args:
                raise InputError(source, "default_backend needs a backend name", line=number)
            current.default_backend = args[0]
        elif keyword == "use_backend":
            if not args:
                raise InputError(source, "use_backend needs a backend name", line=number)
            current.use_backends.append((args[0], number))
    return HaproxyConfig(source, sections)


def _from_clause(args: list[str]) -> tuple[list[str], str]:
    """A section line's arguments without its ``from NAME`` (haproxy 2.4+), and NAME."""
    if len(args) >= 2 and args[-2] == "from":
        return args[:-2], args[-1]
    return args, ""


def _inherit(section: Section, parent: Section | None) -> None:
    """What a proxy (or a defaults section) takes from the defaults section it follows."""
    if parent is None:
        section.mode_section = "haproxy's default"
        return
    section.mode, section.mode_line = parent.mode, parent.mode_line
    section.mode_section = parent.mode_section
    section.default_check = parent.default_check


def check_references(cfg: HaproxyConfig) -> list[str]:
    """Problems a reader should know about: backends that are named but never defined."""
    problems = []
    for section in cfg.sections:
        for name in section.backend_names:
            if "%" not in name and cfg.proxy("backend", name) is None:
                problems.append(
                    f"{cfg.path}:{section.line}: {section.kind} {section.name} "
                    f"uses undefined backend {name!r}"
                )
    return problems
