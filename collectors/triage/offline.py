"""Offline triage of a snapshot: its hosts' journals (must-gather ``host_service_logs``, an
Insights archive's node logs, a log bundle's bootstrap and control-plane journals) through the
classifier, for the HTML report of a ``--snapshot`` run and for a bundle made from a snapshot.

The wiring (which catalog source, which line format, where in a bundle) is :func:`log_source`
alone, so both paths classify a journal the same way. Each journal is read through the
snapshot's bounded reader: only its last ``settings.COLLECT_MAX_BYTES`` are kept (the rest is
marked truncated), as host collection does.

>>> from collectors.cluster.snapshot import LogFile
>>> src = log_source(LogFile("mg/host_service_logs/masters/kubelet_service.log", "masters",
...                          "kubelet.service"))
>>> src.path, src.catalog_source, src.fmt
('hosts/masters/journal/kubelet.service.log', 'kubelet.service', 'journal-text')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from collectors import settings
from collectors.cluster.snapshot import LogFile, SnapshotSource
from collectors.errors import FactError
from collectors.triage.classify import Classifier
from collectors.triage.collect import Source


def log_source(log: LogFile) -> Source:
    """The bundle source a snapshot journal becomes: its path, host, catalog source, format."""
    host = log.host.replace("/", "_") or "unknown"
    return Source(
        path=f"hosts/{host}/journal/{log.unit.replace('/', '_')}.log",
        host=host,
        kind="journal",
        origin=f"snapshot {log.path}",
        fmt=log.fmt,
        catalog_source=log.unit,
    )


def snapshot_logs(snapshot: SnapshotSource) -> Iterator[tuple[Source, bytes]]:
    """(bundle source, bytes) of every journal in the snapshot; a journal that cannot be read
    is a source with status failed and no bytes."""
    for log in snapshot.logs:
        source = log_source(log)
        try:
            data, cut = snapshot.read_log(log, settings.COLLECT_MAX_BYTES)
        except FactError as exc:
            source.status, source.error = "failed", str(exc)
            yield source, b""
            continue
        source.bytes, source.truncated = len(data), cut
        source.status = "ok" if data else "empty"
        if cut:
            source.notes.append(f"only the last {len(data)} bytes kept")
        yield source, data


def snapshot_findings(snapshot: SnapshotSource, classifier: Classifier | None = None) -> Any:
    """findings.json for the snapshot's journals (what the HTML report of a run shows)."""
    classifier = classifier or Classifier()
    for source, data in snapshot_logs(snapshot):
        if data:
            classifier.feed_lines(
                data.splitlines(keepends=True),
                host=source.host,
                source=source.catalog_source,
                fmt=source.fmt,
            )
    return classifier.findings()
