"""Cluster objects into the bundle, in must-gather layout: from a snapshot (a must-gather folder,
a bundle .tar.gz) or from a live cluster source (``collectors.cluster``: every known resource).

Every object is parsed and redacted by kind (Secret values never leave); a file that does not
parse is recorded, and its text (through the text rules) goes to ``unparsed/``, outside the
layout, so an offline run on the bundle never reads it.

>>> list(_layout_parts("must-gather.local.1/quay-io-x/namespaces/a/core/pods/p.yaml"))
['namespaces', 'a', 'core', 'pods', 'p.yaml']
"""

from __future__ import annotations

import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors import yamlio
from collectors.errors import FactError, InputError

_ROOTS = ("cluster-scoped-resources", "namespaces")


def _layout_parts(rel: str) -> list[str]:
    """The path from the first must-gather root on ('' parts when there is none)."""
    parts = rel.replace("\\", "/").split("/")
    for i, part in enumerate(parts):
        if part in _ROOTS:
            return parts[i:]
    return []


def _snapshot_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(layout path, bytes) of every YAML file in a must-gather folder or a .tar.gz."""
    if path.is_dir():
        for f in sorted(path.rglob("*.yaml")):
            parts = _layout_parts(str(f.relative_to(path)))
            if parts and f.is_file():
                yield "/".join(parts), f.read_bytes()
        return
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            parts = _layout_parts(member.name)
            if parts and member.isfile() and member.name.endswith(".yaml"):
                fh = tar.extractfile(member)
                if fh is not None:
                    yield "/".join(parts), fh.read()


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


def from_snapshot(path: str | Path) -> Callable[[Any], Iterable[dict[str, Any]]]:
    """Copy a snapshot's objects (parsed, redacted) into the bundle."""
    path = Path(path)

    def collect(writer: Any) -> list[dict[str, Any]]:
        started, t0 = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic()
        count, errors = 0, []
        try:
            for rel, data in _snapshot_files(path):
                text = data.decode("utf-8", errors="replace")
                try:
                    obj = yamlio.load_fast(text, rel)
                except InputError as exc:  # bad YAML, an alias bomb, nesting too deep
                    errors.append(f"{exc} (its text, redacted, is in unparsed/{rel})")
                    writer.write_text(f"unparsed/{rel}", text)  # the text rules, out of layout
                    continue
                if isinstance(obj, dict):
                    writer.write_object(obj, rel)
                    count += 1
        except (OSError, tarfile.TarError) as exc:
            errors.append(f"cannot read snapshot {path}: {exc}")
        return [_row(f"snapshot {path}", started, t0, count, errors)]

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
    site: Any, snapshot: str | None = None, kubeconfig: str | None = None
) -> Callable[[Any], Iterable[dict[str, Any]]]:
    """The cluster part of a bundle: a snapshot, the run's cluster source, or a 'skipped' row."""
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

            return from_source(LiveSource(kubeconfig), f"kubeconfig {kubeconfig}")
        except Exception as exc:  # noqa: BLE001
            reason = f"cannot open kubeconfig {kubeconfig}: {exc}"

    def skipped(_writer: Any) -> list[dict[str, Any]]:
        row = _row(
            "cluster", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic(), 0, []
        )
        row.update(status="skipped", error=reason)
        return [row]

    return skipped
