"""One NTP query with ntplib, a timeout, and errors that name the server.

A server that lets a query time out is dead for the rest of the process (``NTP server h:p`` in
:mod:`collectors.transport.deadsources`): later queries to it are refused at once.

>>> query("127.0.0.1", 9, timeout=0.5)
Traceback (most recent call last):
collectors.errors.Unreachable: NTP server: cannot reach 127.0.0.1:9 from this machine: no ...

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from collectors import settings
from collectors.errors import FactError
from collectors.transport.deadsources import DEAD
from collectors.transport.reach import no_answer, unreachable

#: ntplib's leap indicator 3: the server's own clock is not synchronised.
LEAP_ALARM = 3


class NoAnswer(FactError):
    """The server did not answer within the timeout, or refused (nothing listens)."""


@dataclass(frozen=True)
class NtpAnswer:
    """An NTP server's answer: its offset from this machine, stratum and leap indicator."""

    server: str
    offset: float
    stratum: int
    leap: int
    delay: float


def query(host: str, port: int = 123, *, timeout: float | None = None) -> NtpAnswer:
    """Ask ``host:port`` once (NTPv4). NoAnswer when it refuses (nothing listens); Unreachable
    when it stays silent or cannot be reached from here; FactError for a reply that is not
    NTP."""
    import ntplib

    timeout = timeout if timeout is not None else settings.DNS_TIMEOUT
    server = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    source = f"NTP server {server}"
    DEAD.check(source)  # a server that let a query time out earlier: at once
    try:
        reply = ntplib.NTPClient().request(host, version=4, port=port, timeout=timeout)
    except ntplib.NTPException as exc:
        if "No response" in str(exc):
            DEAD.mark(
                source,
                timeout,
                f"check that chronyd/ntpd runs on {host} and that no firewall drops udp/{port}",
            )
            raise unreachable(
                host, port, f"no answer within {timeout:g}s", what="NTP server: cannot reach"
            ) from None
        raise FactError(f"NTP server {server} answered something that is not NTP: {exc}") from None
    except ConnectionRefusedError:
        raise NoAnswer(f"NTP server {server} does not answer (connection refused)") from None
    except (socket.gaierror, OSError) as exc:
        if why := no_answer(exc):
            raise unreachable(host, port, why, what="NTP server: cannot reach") from None
        raise NoAnswer(
            f"NTP server {server} cannot be reached ({exc.strerror or type(exc).__name__})"
        ) from None
    except (struct.error, ValueError, OverflowError) as exc:
        raise FactError(f"NTP server {server} answered something that is not NTP: {exc}") from None
    DEAD.alive(source)
    return NtpAnswer(server, reply.offset, reply.stratum, reply.leap, reply.delay)
