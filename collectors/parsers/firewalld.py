"""What ``firewall-cmd`` prints: ``--state``, ``--list-ports``, ``--list-services`` (runtime,
or with ``--permanent``) and ``--service=NAME --get-ports``.

Ports and services are one line, separated by spaces (firewalld issue #641 shows the same
items in ``--list-all``; ``tests/real/firewall-cmd``):

>>> parse_ports("32000/tcp 7504/tcp 2001-2003/tcp 74/tcp\\n")
((32000, 32000, 'tcp'), (7504, 7504, 'tcp'), (2001, 2003, 'tcp'), (74, 74, 'tcp'))
>>> parse_services("cockpit dhcpv6-client mdns nfs ssh\\n")
('cockpit', 'dhcpv6-client', 'mdns', 'nfs', 'ssh')
>>> parse_state("not running\\n", 252)
False

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

from collectors.errors import InputError
from collectors.visible import visible_line

#: Caps: characters of a list's output, items in it.
MAX_OUTPUT = 65536
MAX_ITEMS = 2048

_PORT = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?/(tcp|udp|sctp|dccp)$")
_SERVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")


def _items(text: str, tool: str) -> list[str]:
    if "\x00" in text:
        raise InputError(tool, "binary output (NUL byte)")
    if len(text) > MAX_OUTPUT:
        raise InputError(tool, f"more than {MAX_OUTPUT} characters of output")
    items = text.split()
    if len(items) > MAX_ITEMS:
        raise InputError(tool, f"more than {MAX_ITEMS} items")
    return items


def _bad(tool: str, item: str) -> InputError:
    return InputError(tool, f"not its output: {visible_line(item)[:120]!r}")


def parse_ports(text: str, tool: str = "firewall-cmd --list-ports") -> tuple:
    """(first, last, protocol) per item."""
    out = []
    for item in _items(text, tool):
        m = _PORT.match(item)
        if not m:
            raise _bad(tool, item)
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if not 0 < first <= last <= 65535:
            raise _bad(tool, item)
        out.append((first, last, m.group(3)))
    return tuple(out)


def parse_services(text: str, tool: str = "firewall-cmd --list-services") -> tuple[str, ...]:
    out = []
    for item in _items(text, tool):
        if not _SERVICE.match(item):
            raise _bad(tool, item)
        out.append(item)
    return tuple(out)


def parse_state(text: str, returncode: int, tool: str = "firewall-cmd --state") -> bool:
    """True when firewalld runs (``running``, exit 0); False for ``not running`` (exit 252)."""
    words = " ".join(_items(text, tool))
    if words == "running" and returncode == 0:
        return True
    if words == "not running":
        return False
    raise _bad(tool, words or f"(nothing, exit {returncode})")


def covers(ports: tuple, port: int, proto: str = "tcp") -> bool:
    """Whether a parsed port list opens ``port``.

    >>> covers(((2001, 2003, "tcp"),), 2002), covers(((2001, 2003, "udp"),), 2002)
    (True, False)
    """
    return any(lo <= port <= hi and p == proto for lo, hi, p in ports)
