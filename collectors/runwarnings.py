"""Run warnings: things about this run's inputs a reader must know though no check fails on
them (a known_hosts line the SSH client cannot honour, a kubeconfig that skips TLS
verification). Each process keeps its own, said once each; the report merges them (xdist
workers hand theirs to the controller) into the result JSON's ``run.warnings``.

>>> notes = RunWarnings()
>>> notes.add("known_hosts /k:3: @cert-authority line skipped")
>>> notes.add("known_hosts /k:3: @cert-authority line skipped")
>>> notes.report()
['known_hosts /k:3: @cert-authority line skipped']

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading


class RunWarnings:
    """A thread-safe list of warnings in the order first said, without repeats."""

    def __init__(self) -> None:
        self._seen: dict[str, None] = {}
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        """Say ``text`` (once, however often it is added)."""
        with self._lock:
            self._seen.setdefault(text, None)

    def report(self) -> list[str]:
        """Every warning said so far in this process."""
        with self._lock:
            return list(self._seen)


#: This process's run warnings.
RUN_WARNINGS = RunWarnings()
