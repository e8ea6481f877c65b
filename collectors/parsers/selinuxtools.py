"""What RHEL's SELinux tools print: ``semanage port -l``, ``getsebool NAME``, ``getenforce``.

``semanage port -l`` (RH134, RHEL 9; ``tests/real/semanage``):

>>> labels = parse_semanage_ports('''SELinux Port Type              Proto    Port Number
...
... http_cache_port_t              tcp      8080, 8118, 8123, 10001-10010
... http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000
... ''')
>>> types_of(labels, 10005), types_of(labels, 443), types_of(labels, 6443)
(('http_cache_port_t',), ('http_port_t',), ())

>>> parse_getsebool("haproxy_connect_any --> off\\n")
{'haproxy_connect_any': False}
>>> parse_getenforce("Enforcing\\n")
'Enforcing'

Output that is not the tool's (binary, another program's text, a line past the caps) raises
InputError naming the tool and the line; nothing is guessed.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from collectors.errors import InputError
from collectors.visible import visible_line

#: Port types haproxy_t may bind and connect to in RHEL's policy without
#: ``haproxy_connect_any``: http_port_t and http_cache_port_t (``sesearch -A -s haproxy_t -p
#: name_bind``, unix.stackexchange.com/questions/363878; the seed's LB fails on 6443/22623).
HAPROXY_PORT_TYPES = ("http_port_t", "http_cache_port_t")

#: The stock targeted policy's TCP ports of those types (RH134, RHEL 9; ``tests/real/semanage``):
#: a port here needs no ``semanage port -a`` anywhere.
STOCK_HAPROXY_TCP_PORTS = (
    (80, 81),
    (443, 443),
    (488, 488),
    (8008, 8009),
    (8443, 8443),
    (9000, 9000),
    (8080, 8080),
    (8118, 8118),
    (8123, 8123),
    (10001, 10010),
)

#: Caps on what is read: lines (a real list has about 500), characters a line, ranges a line.
MAX_LINES = 5000
MAX_LINE = 4096
MAX_RANGES = 512

_LINE = re.compile(r"^([a-z0-9_]+_t)\s+(tcp|udp|sctp|dccp)\s+(\S.*)$")
_BOOL = re.compile(r"^([A-Za-z0-9_]+) --> (on|off)$")
MODES = ("Enforcing", "Permissive", "Disabled")


@dataclass(frozen=True)
class PortLabel:
    """One line of ``semanage port -l``: a type, a protocol and its port ranges."""

    type: str
    proto: str
    ranges: tuple[tuple[int, int], ...]


def _lines(text: str, tool: str) -> list[str]:
    if "\x00" in text:
        raise InputError(tool, "binary output (NUL byte)")
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise InputError(tool, f"more than {MAX_LINES} lines of output")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            raise InputError(tool, f"a line longer than {MAX_LINE} characters", line=number)
    return lines


def _bad(tool: str, line: str, number: int) -> InputError:
    return InputError(tool, f"not its output: {visible_line(line)[:120]!r}", line=number)


def parse_semanage_ports(text: str, tool: str = "semanage port -l") -> list[PortLabel]:
    """Every port definition (default and local, as ``-l`` lists them)."""
    out: list[PortLabel] = []
    for number, line in enumerate(_lines(text, tool), start=1):
        if not line.strip() or line.startswith("SELinux Port Type"):
            continue
        m = _LINE.match(line)
        if not m:
            raise _bad(tool, line, number)
        ranges = []
        items = [i.strip() for i in m.group(3).split(",")]
        if len(items) > MAX_RANGES:
            raise InputError(tool, f"more than {MAX_RANGES} ranges on a line", line=number)
        for item in items:
            low, _, high = item.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise _bad(tool, line, number)
            first, last = int(low), int(high or low)
            if not 0 <= first <= last <= 65535:
                raise _bad(tool, line, number)
            ranges.append((first, last))
        out.append(PortLabel(m.group(1), m.group(2), tuple(ranges)))
    return out


def types_of(labels: list[PortLabel], port: int, proto: str = "tcp") -> tuple[str, ...]:
    """The types that label ``port`` (a local definition and a default may both be listed)."""
    return tuple(
        dict.fromkeys(
            lab.type
            for lab in labels
            if lab.proto == proto and any(lo <= port <= hi for lo, hi in lab.ranges)
        )
    )


def stock_haproxy_port(port: int) -> bool:
    """Whether the stock policy already labels TCP ``port`` for haproxy.

    >>> stock_haproxy_port(443), stock_haproxy_port(6443)
    (True, False)
    """
    return any(lo <= port <= hi for lo, hi in STOCK_HAPROXY_TCP_PORTS)


def parse_getsebool(text: str, tool: str = "getsebool") -> dict[str, bool]:
    """``NAME --> on|off`` lines."""
    out: dict[str, bool] = {}
    for number, line in enumerate(_lines(text, tool), start=1):
        if not line.strip():
            continue
        m = _BOOL.match(line.strip())
        if not m:
            raise _bad(tool, line, number)
        out[m.group(1)] = m.group(2) == "on"
    return out


def parse_getenforce(text: str, tool: str = "getenforce") -> str:
    """``Enforcing``, ``Permissive`` or ``Disabled``."""
    lines = [line.strip() for line in _lines(text, tool) if line.strip()]
    if len(lines) != 1 or lines[0] not in MODES:
        raise _bad(tool, lines[0] if lines else "(nothing)", 1)
    return lines[0]
