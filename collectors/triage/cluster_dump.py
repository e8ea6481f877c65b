"""Cluster objects into the bundle, in must-gather layout: from a snapshot (a must-gather,
inspect output, an Insights archive, a log bundle, a bundle; folder or archive) or from a live
cluster source (``collectors.cluster``: every known resource).

A snapshot is read through the same contained, bounded reader the checks use
(:class:`collectors.cluster.snapshot.SnapshotSource`), so both see the same objects. Every
object is parsed and redacted by kind (Secret values never leave); a file that does not parse,
or that the reader refused, loses only itself and is recorded; entries skipped for safety
(outside the root, devices, fifos, over a cap) are listed in the manifest row's ``skipped``.
A file that does not parse has its text (through the text rules) written to ``unparsed/``,
outside the layout, so an offline run on the bundle never reads it. The snapshot's journals
are stored under ``hosts/`` and classified into findings.json.

>>> _item_path({"metadata": {"name": "p", "namespace": "a"}}, "core", "pods")
'namespaces/a/core/pods/p.yaml'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors.errors import FactError


def _item_path(obj: dict[str, Any], group: str, plural: str) -> str:
    """Where one item of a list across namespaces goes in must-gather layout."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", "unnamed")).replace("/", "_")
    ns = str(meta.get("namespace") or "").replace("/", "_")
    if ns:
        return f"namespaces/{ns}/{group}/{plural}/{name}.yaml"
    return f"cluster-scoped-resources/{group}/{plural}/{name}.yaml"


def _row(origin: str, started: str, t0: float, count: int, errors: list[str]) -> dict[str, Any]:
    status = (
        "ok"
        if count and not errors
        else ("partial" if count else ("failed" if errors else "empty"))
    )
    return {
        "path": "cluster-scoped-resources/, namespaces/",
        "host": "cluster",
        "kind": "cluster",
        "origin": origin,
        "status": status,
        "error": "; ".join(errors[:20]),
        "started": started,
        "seconds": round(time.monotonic() - t0, 3),
        "bytes": count,
        "truncated": False,
        "notes": [f"{count} objects"],
    }


def _keep_unparsed(writer: Any, snapshot: Any, entry: Any) -> str:
    """Write the text of a file that would not parse to ``unparsed/`` (text-redacted by the
    writer); what to add to its error. A file the reader refuses (a cap) is left out."""
    try:
        text = snapshot.tree.read(entry.path).decode("utf-8", errors="replace")
    except FactError:
        return ""
    rel = f"unparsed/{entry.layout or entry.path}"
    writer.write_text(rel, text)
    return f" (its text, redacted, is in {rel})"


def from_snapshot(path: str | Path) -> Callable[[Any], Iterable[dict[str, Any]]]:
    """Copy a snapshot's objects (parsed, redacted) and journals (classified) into the bundle."""
    path = Path(path)

    def collect(writer: Any) -> list[dict[str, Any]]:
        from collectors.cluster.snapshot import SnapshotSource
        from collectors.triage.offline import snapshot_logs

        started, t0 = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic()
        count, errors = 0, []
        try:
            snapshot = SnapshotSource(path)
        except FactError as exc:
            return [_row(f"snapshot {path}", started, t0, 0, [str(exc)])]
        for entry in snapshot.entries():
            try:
                data = snapshot.parsed(entry)
            except FactError as exc:  # unparseable, over a cap, refused: only this file
                errors.append(str(exc) + _keep_unparsed(writer, snapshot, entry))
                continue
            if not isinstance(data, dict):
                errors.append(f"{snapshot.tree.where(entry.path)}: not an object or a list")
                continue
            items = data.get("items")
            if entry.layout:
                writes = [(data, entry.layout)]
            elif isinstance(items, list):  # a list across namespaces: one file per object
                writes = [
                    (obj, _item_path(obj, entry.group, entry.plural))
                    for obj in items
                    if isinstance(obj, dict)
                ]
            else:
                writes = [(data, _item_path(data, entry.group, entry.plural))]
            for obj, rel in writes:
                try:
                    writer.write_object(obj, rel)
                    count += 1
                except Exception as exc:  # noqa: BLE001 - one object never costs the rest
                    errors.append(f"{snapshot.tree.where(entry.path)}: {type(exc).__name__}: {exc}")
        row = _row(f"snapshot {path}", started, t0, count, errors)
        described = snapshot.describe()
        row["layouts"] = described["layouts"]
        if snapshot.tree.damaged:
            row["error"] = "; ".join(filter(None, [snapshot.tree.damaged, row["error"]]))
            row["status"] = "partial" if count else "failed"
        if described["skipped_count"]:
            row["skipped"] = described["skipped"]
            row["notes"].append(
                f"{described['skipped_count']} entries skipped (outside the snapshot, not a "
                "regular file, or over a cap): see skipped"
            )
            if row["status"] == "ok":
                row["status"] = "partial"
        rows = [row]
        for source, data in snapshot_logs(snapshot):
            t1 = time.monotonic()
            source.started = started
            if data:
                try:
                    writer.put(source, data, late=True)
                except Exception as exc:  # noqa: BLE001 - one journal never costs the rest
                    source.status, source.error = "failed", f"{type(exc).__name__}: {exc}"
            source.seconds = round(time.monotonic() - t1, 3)
            rows.append(source.record())
        return rows

    return collect


def from_source(source: Any, origin: str) -> Callable[[Any], Iterable[dict[str, Any]]]:
    """Write every object of every known resource a cluster source lists (one row each)."""

    def collect(writer: Any) -> list[dict[str, Any]]:
        from collectors.cluster.base import UNREADABLE, ResourceMissing
        from collectors.cluster.resources import KNOWN

        rows = []
        for folder, res in KNOWN.items():
            started, t0 = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic()
            count, errors = 0, []
            try:
                for obj in source.list(res):
                    if UNREADABLE in obj:  # a file the source could not read: recorded only
                        errors.append(str(obj[UNREADABLE]))
                        continue
                    meta = obj.get("metadata") or {}
                    name = str(meta.get("name", "unnamed")).replace("/", "_")
                    ns = meta.get("namespace")
                    obj = {"apiVersion": res.group_version, "kind": res.kind, **obj}
                    rel = (
                        f"namespaces/{ns}/{folder}/{name}.yaml"
                        if ns
                        else f"cluster-scoped-resources/{folder}/{name}.yaml"
                    )
                    writer.write_object(obj, rel)
                    count += 1
            except ResourceMissing as exc:
                row = _row(f"{origin}: {folder}", started, t0, 0, [])
                row.update(path=folder, status="empty", notes=[str(exc)])
                rows.append(row)
                continue
            except Exception as exc:  # noqa: BLE001 - what was listed before is kept
                errors.append(
                    f"{type(exc).__name__}: {exc}" if not isinstance(exc, FactError) else str(exc)
                )
            row = _row(f"{origin}: {folder}", started, t0, count, errors)
            row["path"] = folder
            rows.append(row)
        return rows

    return collect


def cluster_collector(
    site: Any,
    snapshot: str | None = None,
    kubeconfig: str | None = None,
    *,
    allow_exec: bool = False,
) -> Callable[[Any], Iterable[dict[str, Any]]]:
    """The cluster part of a bundle: a snapshot, the run's cluster source, or a 'skipped' row
    (``allow_exec``: the kubeconfig's credential plugin may run)."""
    if snapshot:
        return from_snapshot(snapshot)
    access = site.cluster if site is not None else None
    reason = "no --snapshot and no cluster (--kubeconfig) given"
    kubeconfig = kubeconfig or None
    if access is not None and hasattr(access, "source"):
        try:
            return from_source(
                access.source(), f"cluster {getattr(access, 'description', '')}".strip()
            )
        except Exception as exc:  # noqa: BLE001 - NotApplicable or FactError: recorded
            reason = str(exc)
            kubeconfig = kubeconfig or getattr(access, "kubeconfig", None)
    if kubeconfig and not reason.startswith("cannot open"):
        try:
            from collectors.cluster.live import LiveSource

            live = LiveSource(kubeconfig, allow_exec=allow_exec)
            return from_source(live, f"kubeconfig {kubeconfig}")
        except Exception as exc:  # noqa: BLE001
            reason = f"cannot open kubeconfig {kubeconfig}: {exc}"

    def skipped(_writer: Any) -> list[dict[str, Any]]:
        row = _row(
            "cluster", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic(), 0, []
        )
        row.update(status="skipped", error=reason)
        return [row]

    return skipped
