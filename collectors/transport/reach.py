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

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import ssl
from collections.abc import Iterator

from collectors import settings
from collectors.errors import FactError, Unreachable
from collectors.transport.deadsources import DEAD

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
    """The error (of class ``cls``) for ``host:port`` that gave no answer for ``reason``, in its
    group: the network when there is no route, the host when it is silent (every port of a dead
    server is one cause), else ``host:port``.

    >>> unreachable("10.0.0.5", 6443, "no answer within 3s").cause["source"]
    '10.0.0.5'
    >>> unreachable("10.0.0.5", 6443, "host unreachable (EHOSTUNREACH)").cause["source"]
    '10.0.0.5:6443'
    """
    target = f"{host}:{port}" if port else host
    if reason.startswith(tuple(NO_ROUTE)):
        group = network_of(host)
    elif reason.startswith("no answer"):
        group = host
    else:
        group = ""
    return cls(target, reason, group=group, what=what)


#: Said of a server that let an earlier connect time out in this run.
SILENT_BEFORE = "no answer earlier in this run; not asked again"


def refuse_if_silent(
    host: str, port: int | None, *, what: str = "", cls: type[Unreachable] = Unreachable
) -> None:
    """Unreachable at once when ``host`` let a connect time out earlier in this process (any
    port, any transport: the TCP probe, HTTP, the registry, TLS share the memo)."""
    key = f"address {host}"
    if DEAD.is_dead(key):
        with contextlib.suppress(FactError):
            DEAD.check(key)  # counts the request not sent
        raise unreachable(host, port, SILENT_BEFORE, what=what, cls=cls)


def remember_silent(host: str, timeout: float) -> None:
    """``host`` let a connect time out: later requests to it are refused at once."""
    DEAD.mark(
        f"address {host}", timeout, f"check that {host} is up and no firewall drops its ports"
    )


def connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to ``address:port``: within the connect timeout (UPI_TCP_TIMEOUT, or
    ``timeout`` if shorter), then ``timeout`` for what follows (a TLS handshake). Unreachable
    when no answer came (remembered for the run when the connect timed out); a refusal is an
    answer (ConnectionRefusedError)."""
    refuse_if_silent(address, port)
    wait = min(settings.TCP_TIMEOUT, timeout)
    try:
        raw = socket.create_connection((address, port), timeout=wait)
    except TimeoutError:
        remember_silent(address, wait)
        raise unreachable(address, port, f"no answer within {wait:g}s") from None
    except OSError as exc:
        if why := no_answer(exc):
            raise unreachable(address, port, why) from None
        raise
    raw.settimeout(timeout)
    return raw
