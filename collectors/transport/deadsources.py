"""Sources that did not answer: waited for once per process, then refused at once.

A DNS server, an LB address or an SSH host that lets a request time out is one root cause; the
other subjects that need it error (or fail) at once with a message naming it, instead of each
waiting out the timeout again. A serial run waits once per dead source. Under xdist the processes
share what they learn through a folder the controller makes (:meth:`DeadSources.share`): a
source one process waited for is refused at once by the others; only processes that were already
waiting for it at the same moment wait too.

>>> dead = DeadSources()
>>> dead.check("DNS server 10.0.0.2:53")
>>> error = dead.mark("DNS server 10.0.0.2:53", 2.0, "start named")
>>> try:
...     dead.check("DNS server 10.0.0.2:53")
... except Unreachable as exc:
...     print(exc)
no answer from DNS server 10.0.0.2:53 from this machine: no answer within 2 s; not asked again
>>> dead.waits
1

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.errors import FactError, Unreachable


@dataclass
class DeadSource:
    """One source that timed out: what it is, how long was waited, and how to fix it."""

    source: str
    timeout: float
    remediation: str
    refused: int = 0  # later requests answered at once with the remembered error
    waited: bool = True  # False: learned from another process (``share``), not waited for here
    #: Requests of this process that waited for it until their timeout: 1, more only when
    #: several were already waiting at the same moment; 0 when learned from another process.
    waits: int = 1

    def error(self) -> FactError:
        error = Unreachable(
            self.source,
            f"no answer within {self.timeout:g} s; not asked again",
            group=server_of(self.source),
            what="no answer from",
        )
        return with_hint(error, self.remediation)


#: A source that is one port of a server: ``SSH host <host>:<port>``.
_SSH_SOURCE = re.compile(r"SSH host (?P<host>.+):[0-9]+")


def server_of(source: str) -> str:
    """The server ``run.unreachable`` names for ``source`` (every port of a silent server is
    one cause, as for a TCP connect to it), ``""`` for a source that is its own cause. Under
    xdist a worker that learns the SSH host is dead from another then names the same cause.

    >>> server_of("SSH host 10.0.0.9:22"), server_of("DNS server 10.0.0.2:53")
    ('10.0.0.9', '')
    """
    found = _SSH_SOURCE.fullmatch(source)
    return found["host"] if found else ""


class DeadSources:
    """Thread-safe registry of sources that timed out, by name (e.g. ``DNS server 10.0.0.2:53``)."""

    def __init__(self) -> None:
        self._dead: dict[str, DeadSource] = {}
        self._alive: set[str] = set()
        self._lock = threading.Lock()
        self._shared: Path | None = None
        #: How many timeouts were waited for (the cost of dead sources in this process).
        self.waits = 0

    def share(self, folder: str | Path | None) -> None:
        """Share dead sources with the other processes of the run through ``folder`` (one small
        file per source): what this process learned so far is written there, and a source
        another process wrote is then dead here too. None stops sharing."""
        with self._lock:
            self._shared = Path(folder) if folder else None
            known = [d for d in self._dead.values() if d.waited]
        for found in known:
            self._publish(found)

    def _file(self, source: str) -> Path | None:
        if self._shared is None:
            return None
        return self._shared / (hashlib.sha256(source.encode()).hexdigest()[:32] + ".json")

    def _publish(self, found: DeadSource) -> None:
        path = self._file(found.source)
        if path is None:
            return
        data = {"source": found.source, "timeout": found.timeout, "remediation": found.remediation}
        try:
            temp = path.with_suffix(f".{os.getpid()}.tmp")
            temp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temp, path)
        except OSError:
            pass  # sharing is an optimisation: this process still knows

    def _learned(self, source: str) -> DeadSource | None:
        """The source as another process wrote it, adopted here (caller holds the lock)."""
        path = self._file(source)
        if path is None or source in self._alive:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        found = DeadSource(
            source, float(data["timeout"]), str(data["remediation"]), waited=False, waits=0
        )
        self._dead[source] = found
        return found

    def check(self, source: str) -> None:
        """Raise the remembered FactError when ``source`` timed out before (in this process,
        or in another that shares the folder); else return."""
        with self._lock:
            found = self._dead.get(source) or self._learned(source)
            if found is not None:
                found.refused += 1
        if found is not None:
            raise found.error()

    def is_dead(self, source: str) -> bool:
        with self._lock:
            return source in self._dead or self._learned(source) is not None

    def alive(self, source: str) -> None:
        """Record that ``source`` answered (a later timeout of one request is then not a dead
        source, only that request's trouble); see :meth:`answered`."""
        with self._lock:
            self._alive.add(source)

    def answered(self, source: str) -> bool:
        with self._lock:
            return source in self._alive

    def mark(self, source: str, timeout: float, remediation: str) -> FactError:
        """Record one wait that ran out; the source is then dead unless it answered before.
        Returns the error to raise."""
        with self._lock:
            self.waits += 1
            if source in self._alive:
                error = Unreachable(
                    source,
                    f"no answer within {timeout:g} s",
                    group=server_of(source),
                    what="no answer from",
                )
                return with_hint(error, remediation)
            found = self._dead.get(source)
            fresh = found is None or not found.waited
            if fresh:
                found = self._dead[source] = DeadSource(
                    source, timeout, remediation, refused=found.refused if found else 0
                )
            else:
                found.waits += 1  # it was waited for at the same moment by another request
        if fresh:
            self._publish(found)
        return found.error()

    def report(self) -> list[dict[str, Any]]:
        """What the run's ``run.dead_sources`` shows: each dead source, how many requests
        waited for it and how many were then refused at once.

        >>> dead = DeadSources()
        >>> _ = dead.mark("address 10.0.0.5", 3.0, ""), dead.mark("address 10.0.0.5", 3.0, "")
        >>> [(d["source"], d["waits"]) for d in dead.report()]
        [('address 10.0.0.5', 2)]
        """
        with self._lock:
            return [
                {
                    "source": d.source,
                    "timeout_s": d.timeout,
                    "refused": d.refused,
                    "waited": d.waited,
                    "waits": d.waits,
                }
                for d in sorted(self._dead.values(), key=lambda d: d.source)
            ]

    def clear(self) -> None:
        with self._lock:
            self._dead.clear()
            self._alive.clear()
            self._shared = None
            self.waits = 0


def with_hint(error: Unreachable, hint: str) -> Unreachable:
    """The error, its remediation followed by what to look at on the source itself."""
    if hint:
        error.remediation += f"; on the site's network, {hint}"
    return error


#: The process's registry (the suite's run, or ``python -m collectors``).
DEAD = DeadSources()
