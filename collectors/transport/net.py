"""TCP reachability, with a timeout on every connect.

An address whose first connect times out (no answer at all, not even a refusal) is dead for the
rest of the process: later probes to it, on any port, fail at once saying so
(:mod:`collectors.transport.deadsources`).

>>> probe_tcp("127.0.0.1", 1, timeout=0.5).ok
False

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from collectors import settings
from collectors.transport.deadsources import DEAD, DeadSources
from collectors.transport.reach import no_answer, unreachable


@dataclass(frozen=True)
class TcpProbe:
    """The result of one connect: ``ok``, or ``error`` saying why not (refused, timed out);
    ``no_answer`` says why the site gave no answer at all from here (no route, timeout), which
    is no verdict on the site (:func:`require_answer`)."""

    host: str
    port: int
    ok: bool
    error: str = ""
    seconds: float = 0.0
    no_answer: str = ""


def require_answer(probe: TcpProbe) -> TcpProbe:
    """The probe, when the site answered (connected or refused); else Unreachable.

    >>> require_answer(TcpProbe("10.0.0.5", 6443, False, "refused")).ok
    False
    """
    if probe.no_answer:
        raise unreachable(probe.host, probe.port, probe.no_answer)
    return probe


def probe_tcp(
    host: str, port: int, timeout: float | None = None, dead: DeadSources | None = None
) -> TcpProbe:
    """Try one TCP connection to host:port and close it at once."""
    timeout = timeout if timeout is not None else settings.TCP_TIMEOUT
    dead = dead if dead is not None else DEAD
    source = f"address {host}"
    if dead.is_dead(source):
        try:
            dead.check(source)
        except Exception as exc:  # noqa: BLE001 - the remembered FactError, as a probe result
            why = f"{exc} (port {port} not tried)"
            return TcpProbe(
                host,
                port,
                False,
                why,
                0.0,
                no_answer="no answer earlier in this run; not asked again",
            )
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError:
        hint = f"check that {host} is up and that no firewall drops port {port}"
        dead.mark(source, timeout, hint)
        why = f"no answer within {timeout:g}s (dropped?)"
        return TcpProbe(host, port, False, why, time.monotonic() - start, no_answer=why)
    except ConnectionRefusedError:
        dead.alive(source)
        return TcpProbe(
            host, port, False, "connection refused (nothing listening)", time.monotonic() - start
        )
    except OSError as exc:
        reason = errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
        return TcpProbe(
            host,
            port,
            False,
            f"{reason}: {exc.strerror or exc}",
            time.monotonic() - start,
            no_answer=no_answer(exc) or "",
        )
    dead.alive(source)
    return TcpProbe(host, port, True, "", time.monotonic() - start)


def probe_tcp_all(
    endpoints: Sequence[tuple[str, int]],
    timeout: float | None = None,
    dead: DeadSources | None = None,
) -> dict[tuple[str, int], TcpProbe]:
    """:func:`probe_tcp` of every ``(host, port)``, the distinct hosts at the same time: the
    first endpoint of each host at once (one wait however many hosts are silent), then the
    others (at once refused on a host whose first let its connect time out: one wait per host).

    >>> probes = probe_tcp_all([("127.0.0.1", 1), ("127.0.0.1", 1)], timeout=0.5)
    >>> [(host, port, probe.ok) for (host, port), probe in probes.items()]
    [('127.0.0.1', 1, False)]
    """
    from concurrent.futures import ThreadPoolExecutor

    todo = list(dict.fromkeys(endpoints))
    hosts: dict[str, tuple[str, int]] = {}
    for host, port in todo:
        hosts.setdefault(host, (host, port))
    first = list(hosts.values())
    out: dict[tuple[str, int], TcpProbe] = {}
    workers = max(1, min(len(first), settings.MAX_CONCURRENCY))
    with ThreadPoolExecutor(workers, thread_name_prefix="probe-tcp") as pool:
        for batch in (first, [e for e in todo if e not in first]):
            results = pool.map(lambda e: probe_tcp(e[0], e[1], timeout, dead), batch)
            out.update(zip(batch, results, strict=True))
    return {e: out[e] for e in todo}
