"""Whether a failed request got an answer from the site, or none from this machine.

An answer is judged by the checks (a refused connection: nothing listens there; an HTTP status;
a TLS certificate that does not verify). No answer (no route, host unreachable, a timeout before
any byte, a name this machine cannot resolve) is an :class:`~collectors.errors.Unreachable`
error: a fact about where the suite runs, never a failure of the site.

>>> import errno
>>> no_answer(OSError(errno.ENETUNREACH, "Network is unreachable"))
'no route to the network (ENETUNREACH)'
>>> no_answer(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")) is None
True
>>> no_answer(ssl.SSLCertVerificationError(1, "certificate verify failed")) is None
True
>>> network_of("172.16.0.31")
'172.16.0.0/24'
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
from collections.abc import Iterator

from collectors.errors import Unreachable

#: errno -> why no answer came, for the errors that mean "not from here".
_NO_ANSWER = {
    errno.ENETUNREACH: "no route to the network (ENETUNREACH)",
    errno.ENETDOWN: "this machine's network is down (ENETDOWN)",
    errno.EHOSTUNREACH: "host unreachable (EHOSTUNREACH)",
    errno.EHOSTDOWN: "host is down (EHOSTDOWN)",
    errno.EADDRNOTAVAIL: "no local address to reach it from (EADDRNOTAVAIL)",
    errno.ETIMEDOUT: "no answer before the timeout (ETIMEDOUT)",
    errno.EPERM: "this machine's firewall does not let it send (EPERM)",
    errno.EACCES: "this machine's firewall does not let it send (EACCES)",
}
#: The same, as libraries print them when the errno is gone.
_TEXTS = {
    "network is unreachable": _NO_ANSWER[errno.ENETUNREACH],
    "no route to host": _NO_ANSWER[errno.EHOSTUNREACH],
    "name or service not known": "this machine cannot resolve the name",
    "temporary failure in name resolution": "this machine cannot resolve the name",
    "nodename nor servname": "this machine cannot resolve the name",
    "timed out": "no answer before the timeout",
}
#: Reasons that mean the network has no route: grouped by network, not by server.
NO_ROUTE = frozenset({_NO_ANSWER[errno.ENETUNREACH], _NO_ANSWER[errno.ENETDOWN]})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and what it wraps (urllib3 and requests nest them)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen or len(seen) > 20:
            continue
        seen.add(id(e))
        yield e
        for inner in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args):
            if isinstance(inner, BaseException):
                todo.append(inner)


def no_answer(exc: BaseException) -> str | None:
    """Why ``exc`` means no answer came from the site, or None when the site answered (a
    refusal, a reset, a TLS alert, an HTTP status)."""
    for e in _chain(exc):
        if isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED:
            return None
        if isinstance(e, socket.gaierror):
            return "this machine cannot resolve the name"
        if isinstance(e, TimeoutError | socket.timeout):
            return "no answer before the timeout"
        if isinstance(e, ssl.SSLError):
            return None  # a TLS alert or a certificate that does not verify: an answer
        code = getattr(e, "errno", None)
        if isinstance(e, OSError) and code in _NO_ANSWER:
            return _NO_ANSWER[code]
    text = str(exc).lower()
    if "refused" in text:
        return None
    return next((why for key, why in _TEXTS.items() if key in text), None)


def network_of(host: str) -> str:
    """The network a host without a route is grouped under: its /24 (IPv4) or /64 (IPv6), or
    the name itself."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def unreachable(
    host: str,
    port: int | None,
    reason: str,
    *,
    what: str = "",
    cls: type[Unreachable] = Unreachable,
) -> Unreachable:
    """The error (of class ``cls``) for ``host:port`` that gave no answer for ``reason``."""
    target = f"{host}:{port}" if port else host
    network = network_of(host) if reason.startswith(tuple(NO_ROUTE)) else ""
    return cls(target, reason, network=network, what=what)
