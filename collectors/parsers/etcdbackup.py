"""An etcd backup folder as ``cluster-backup.sh`` writes it, from a bounded ``find`` listing
(pure, no I/O).

``/usr/local/bin/cluster-backup.sh DIR`` writes a pair per run: ``snapshot_<stamp>.db`` (the etcd
snapshot) and ``static_kuberesources_<stamp>.tar.gz`` (the static pod resources), stamp
``%Y-%m-%d_%H%M%S``. The listing is NUL-separated records of five fields, what
:data:`FIND_FORMAT` prints: type, mtime (epoch seconds), size, name, link target.

>>> out = b"f\\x001700000000.5\\x00104857600\\x00snapshot_2023-11-14_221320.db\\x00\\x00"
>>> out += b"f\\x001700000001.0\\x0070000\\x00"
>>> out += b"static_kuberesources_2023-11-14_221320.tar.gz\\x00\\x00"
>>> listing = parse_listing(out)
>>> [(p.stamp, p.size) for p in pairs(listing.files)]
[('2023-11-14_221320', 104857600)]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ``find -printf`` format of one record: type, mtime, size, name, link target, NUL-separated.
FIND_FORMAT = "%y\\0%T@\\0%s\\0%f\\0%l\\0"
FIELDS = 5
SNAPSHOT = re.compile(r"^snapshot_(\d{4}-\d{2}-\d{2}_\d{6})\.db$")
RESOURCES = re.compile(r"^static_kuberesources_(\d{4}-\d{2}-\d{2}_\d{6})\.tar\.gz$")
_NAME = 200  # names longer than this are cut where they are named


@dataclass(frozen=True)
class BackupFile:
    """One entry: ``kind`` f (file), l (link), d (folder) ...; mtime in epoch seconds."""

    name: str
    kind: str
    mtime: float
    size: int
    target: str = ""


@dataclass(frozen=True)
class Listing:
    files: tuple[BackupFile, ...]
    #: entries that are links (never followed) or not regular files, by name
    skipped: tuple[BackupFile, ...] = ()
    #: records that did not parse
    malformed: int = 0


@dataclass(frozen=True)
class BackupPair:
    """A snapshot and its static resources, stamped alike; ``mtime`` the older of the two."""

    stamp: str
    snapshot: BackupFile
    resources: BackupFile

    @property
    def mtime(self) -> float:
        return min(self.snapshot.mtime, self.resources.mtime)

    @property
    def size(self) -> int:
        return self.snapshot.size


def parse_listing(data: bytes) -> Listing:
    """Records of :data:`FIND_FORMAT`; regular files kept, links and others skipped."""
    fields = data.split(b"\0")
    files: list[BackupFile] = []
    skipped: list[BackupFile] = []
    malformed = 0
    for i in range(0, len(fields) - FIELDS + 1, FIELDS):
        kind, mtime, size, name, target = (
            f.decode("utf-8", errors="replace") for f in fields[i : i + FIELDS]
        )
        try:
            entry = BackupFile(name[:_NAME], kind[:1], float(mtime), int(size), target[:_NAME])
        except ValueError:
            malformed += 1
            continue
        (files if entry.kind == "f" else skipped).append(entry)
    return Listing(tuple(files), tuple(skipped), malformed)


def pairs(files: tuple[BackupFile, ...]) -> list[BackupPair]:
    """Complete pairs, newest first."""
    snaps = {m.group(1): f for f in files if (m := SNAPSHOT.match(f.name))}
    res = {m.group(1): f for f in files if (m := RESOURCES.match(f.name))}
    found = [BackupPair(s, snaps[s], res[s]) for s in snaps.keys() & res.keys()]
    return sorted(found, key=lambda p: (-p.mtime, p.stamp))


def incomplete(files: tuple[BackupFile, ...]) -> list[str]:
    """Names of snapshots without their resources (and resources without their snapshot).

    >>> incomplete((BackupFile("snapshot_2023-11-14_221320.db", "f", 0.0, 1),))
    ['snapshot_2023-11-14_221320.db']
    """
    snaps = {m.group(1): f.name for f in files if (m := SNAPSHOT.match(f.name))}
    res = {m.group(1): f.name for f in files if (m := RESOURCES.match(f.name))}
    lone = [n for s, n in snaps.items() if s not in res] + [
        n for s, n in res.items() if s not in snaps
    ]
    return sorted(lone)
