"""TCP reachability, with a timeout on every connect.

>>> probe_tcp("127.0.0.1", 1, timeout=0.5).ok
False
"""

from __future__ import annotations

import errno
import socket
import time
from dataclasses import dataclass

from collectors import settings


@dataclass(frozen=True)
class TcpProbe:
    """The result of one connect: ``ok``, or ``error`` saying why not (refused, timed out)."""

    host: str
    port: int
    ok: bool
    error: str = ""
    seconds: float = 0.0


def probe_tcp(host: str, port: int, timeout: float | None = None) -> TcpProbe:
    """Try one TCP connection to host:port and close it at once."""
    timeout = timeout if timeout is not None else settings.TCP_TIMEOUT
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError:
        return TcpProbe(
            host, port, False, f"no answer within {timeout:g}s (dropped?)", time.monotonic() - start
        )
    except ConnectionRefusedError:
        return TcpProbe(
            host, port, False, "connection refused (nothing listening)", time.monotonic() - start
        )
    except OSError as exc:
        reason = errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
        return TcpProbe(
            host, port, False, f"{reason}: {exc.strerror or exc}", time.monotonic() - start
        )
    return TcpProbe(host, port, True, "", time.monotonic() - start)
