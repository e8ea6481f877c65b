"""Sources that did not answer: waited for once per process, then refused at once.

A DNS server, an LB address or an SSH host that lets a request time out is one root cause; the
other subjects that need it error (or fail) at once with a message naming it, instead of each
waiting out the timeout again. Each process learns it once (an xdist worker too): a run with
``-n 4`` waits at most four times per dead source, a serial run once.

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

import threading
from dataclasses import dataclass
from typing import Any

from collectors.errors import FactError, Unreachable


@dataclass
class DeadSource:
    """One source that timed out: what it is, how long was waited, and how to fix it."""

    source: str
    timeout: float
    remediation: str
    refused: int = 0  # later requests answered at once with the remembered error

    def error(self) -> FactError:
        error = Unreachable(
            self.source,
            f"no answer within {self.timeout:g} s; not asked again",
            what="no answer from",
        )
        return with_hint(error, self.remediation)


class DeadSources:
    """Thread-safe registry of sources that timed out, by name (e.g. ``DNS server 10.0.0.2:53``)."""

    def __init__(self) -> None:
        self._dead: dict[str, DeadSource] = {}
        self._alive: set[str] = set()
        self._lock = threading.Lock()
        #: How many timeouts were waited for (the cost of dead sources in this process).
        self.waits = 0

    def check(self, source: str) -> None:
        """Raise the remembered FactError when ``source`` timed out before; else return."""
        with self._lock:
            found = self._dead.get(source)
            if found is not None:
                found.refused += 1
        if found is not None:
            raise found.error()

    def is_dead(self, source: str) -> bool:
        with self._lock:
            return source in self._dead

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
                    source, f"no answer within {timeout:g} s", what="no answer from"
                )
                return with_hint(error, remediation)
            found = self._dead.setdefault(source, DeadSource(source, timeout, remediation))
        return found.error()

    def report(self) -> list[dict[str, Any]]:
        """What the run's ``run.dead_sources`` shows: each dead source, its wait and refusals."""
        with self._lock:
            return [
                {"source": d.source, "timeout_s": d.timeout, "refused": d.refused}
                for d in sorted(self._dead.values(), key=lambda d: d.source)
            ]

    def clear(self) -> None:
        with self._lock:
            self._dead.clear()
            self._alive.clear()
            self.waits = 0


def with_hint(error: Unreachable, hint: str) -> Unreachable:
    """The error, its remediation followed by what to look at on the source itself."""
    if hint:
        error.remediation += f"; on the site's network, {hint}"
    return error


#: The process's registry (the suite's run, or ``python -m collectors``).
DEAD = DeadSources()
