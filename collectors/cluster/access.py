"""The run's cluster source, opened once per process: a snapshot, or the live API.

>>> ClusterAccess(None, None, wanted=True).description
'none (give --kubeconfig, KUBECONFIG or --snapshot)'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
from typing import Any

from collectors.cluster.base import CachedSource
from collectors.errors import FactError, NotApplicable


class ClusterAccess:
    """Opens the cluster source once per process; remembers why it could not."""

    def __init__(
        self,
        snapshot: str | None,
        kubeconfig: str | None,
        wanted: bool,
        seed: dict[str, Any] | None = None,
        *,
        allow_exec: bool = False,
    ) -> None:
        self.snapshot = snapshot
        #: Whether the kubeconfig's user may run its exec/auth-provider plugin here.
        self.allow_exec = allow_exec
        self.kubeconfig = kubeconfig
        self.wanted = wanted
        self.seed = seed
        self._source: CachedSource | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        if self.snapshot:
            return f"snapshot {self.snapshot}"
        if self.kubeconfig:
            return f"kubeconfig {self.kubeconfig}"
        return "none (give --kubeconfig, KUBECONFIG or --snapshot)"

    def source(self) -> CachedSource:
        """The cached source; NotApplicable without one, FactError when it cannot open."""
        if not self.wanted:
            raise NotApplicable("postinstall checks are not selected in this run")
        if not (self.snapshot or self.kubeconfig):
            raise NotApplicable(
                "no cluster to read: give --kubeconfig FILE (or set KUBECONFIG) or --snapshot PATH"
            )
        with self._lock:
            if self._source is None and self._error is None:
                try:
                    if self.snapshot:
                        from collectors.cluster.snapshot import SnapshotSource

                        self._source = CachedSource(SnapshotSource(self.snapshot), self.seed)
                    elif self.seed:  # a worker with the controller's reads: open the API on demand
                        from collectors.cluster.live import LiveSource

                        kubeconfig, allow = self.kubeconfig or "", self.allow_exec
                        self._source = CachedSource(
                            lambda: LiveSource(kubeconfig, allow_exec=allow),
                            self.seed,
                            name=f"API ({kubeconfig})",
                        )
                    else:
                        from collectors.cluster.live import LiveSource

                        live = LiveSource(self.kubeconfig or "", allow_exec=self.allow_exec)
                        self._source = CachedSource(live, self.seed)
                except FactError as exc:
                    self._error = exc.with_source(self.description)
            if self._error is not None:
                raise self._error
            assert self._source is not None
            return self._source

    def seed_reads(self) -> dict[str, Any]:
        """The reads cached so far, to hand to another process (empty when there is no source)."""
        if not self.wanted:
            return {}
        try:
            source = self.source()
        except (NotApplicable, FactError):
            return {}
        return source.export(source.keys())
