"""A snapshot's files, read only inside its root and within bounds: the one reader behind the
checks (:class:`collectors.cluster.snapshot.SnapshotSource`) and the bundle
(:func:`collectors.triage.cluster_dump.from_snapshot`), so the two cannot disagree.

A snapshot is a folder or a tar archive of any compression ``tarfile`` reads (``.tar``,
``.tar.gz``/``.tgz``, ``.tar.xz``, ``.tar.bz2``). An entry is skipped and recorded in
``tree.skipped`` (never fatal to the rest) when it is absolute, holds ``..``, is a link that
points outside the root, a symlink loop, a hard link in a folder, or not a regular file (a
device, fifo or socket: never opened). Every read is capped: one file or member at
``settings.SNAPSHOT_MAX_MEMBER_BYTES``, the whole snapshot at
``settings.SNAPSHOT_MAX_TOTAL_BYTES``, all of it within ``settings.SNAPSHOT_TIMEOUT`` seconds.
Archive members are streamed in chunks, so a gzip or xz bomb costs time up to the deadline and
never memory beyond the caps.

>>> safe_member_name("./must-gather/namespaces/a/core/pods.yaml")
'must-gather/namespaces/a/core/pods.yaml'
>>> safe_member_name("namespaces/../../x.yaml") is None, safe_member_name("/etc/shadow") is None
(True, True)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import posixpath
import stat
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors import settings
from collectors.errors import FactError, InputError

if TYPE_CHECKING:
    import tarfile

#: What a snapshot keeps of an archive member: "object" (whole, up to the member cap), "log"
#: (its last ``log_bytes``), or None (streamed past).
Wanted = Callable[[str], str | None]
CHUNK = 1 << 20
#: Skipped entries recorded one by one; beyond this they are only counted.
MAX_RECORDED = 1000
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def safe_member_name(name: str) -> str | None:
    """The member's path relative to the archive root, or None if it is absolute or climbs out.

    >>> safe_member_name("a//b/./c.yaml"), safe_member_name("C:/x"), safe_member_name("..")
    ('a/b/c.yaml', None, None)
    """
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any("\x00" in p for p in parts):
        return None
    return "/".join(parts)


@dataclass(frozen=True)
class Skipped:
    """One entry left out, and why (shown in the report and in the bundle's manifest.json)."""

    path: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


class Budget:
    """The total bytes and the deadline of one snapshot; shared by every read of it."""

    def __init__(self, total: int | None = None, seconds: float | None = None) -> None:
        self.total = settings.SNAPSHOT_MAX_TOTAL_BYTES if total is None else total
        self.seconds = settings.SNAPSHOT_TIMEOUT if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self.used = 0

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def fits(self, size: int) -> bool:
        return self.used + size <= self.total

    def over_total(self) -> str:
        return (
            f"over the snapshot's total read budget of {self.total} bytes "
            "(raise UPI_SNAPSHOT_MAX_TOTAL_BYTES to read more)"
        )

    def over_time(self) -> str:
        return (
            f"the snapshot's {self.seconds:g} s reading deadline passed "
            "(raise UPI_SNAPSHOT_TIMEOUT to read more)"
        )


def _over_cap(size: int) -> str:
    cap = settings.SNAPSHOT_MAX_MEMBER_BYTES
    return (
        f"{size} bytes, larger than the {cap} read from a snapshot file "
        "(raise UPI_SNAPSHOT_MAX_MEMBER_BYTES to read it)"
    )


class Tree:
    """Relative file paths of a snapshot and their bytes, contained and bounded."""

    label: str
    kind: str  # "folder" | "archive"

    def __init__(self, budget: Budget | None) -> None:
        self.budget = budget or Budget()
        self.skipped: list[Skipped] = []
        self.skipped_count = 0
        self.damaged = ""

    def skip(self, path: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_RECORDED:
            self.skipped.append(Skipped(path, reason))

    def where(self, rel: str) -> str:
        """How a message names a file of the snapshot."""
        return f"{self.label}/{rel}" if self.kind == "folder" else f"{self.label}:{rel}"

    def paths(self) -> list[str]:
        raise NotImplementedError

    def read(self, rel: str) -> bytes:
        """The whole file; InputError over the member cap, FactError over budget or deadline."""
        raise NotImplementedError

    def read_tail(self, rel: str, cap: int) -> tuple[bytes, bool]:
        """At most the last ``cap`` bytes of a file, and whether anything was cut."""
        raise NotImplementedError


def _opened_path(fd: int) -> str:
    """Where the open file ``fd`` is, as the kernel resolved it when it was opened (a link swapped
    in after the walk shows); one readlink, where realpath would stat every folder on the way.

    >>> fd = os.open("/", os.O_RDONLY)
    >>> _opened_path(fd)
    '/'
    >>> os.close(fd)
    """
    link = f"/proc/self/fd/{fd}"
    try:
        return os.readlink(link)
    except OSError:  # no /proc: what realpath makes of the link (outside: refused)
        return os.path.realpath(link)


class DirTree(Tree):
    """A folder: walked without following links out of it; files opened only when read."""

    kind = "folder"

    def __init__(self, root: Path, budget: Budget | None = None) -> None:
        super().__init__(budget)
        self.label = str(root)
        self.real_root = os.path.realpath(root)
        self._files: dict[str, tuple[str, int]] = {}  # rel -> (real path, size at walk)
        self._walk()

    def _inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root.rstrip("/") + "/")

    def _walk(self) -> None:
        seen: set[tuple[int, int]] = set()
        top = os.stat(self.real_root)
        seen.add((top.st_dev, top.st_ino))
        stack = [("", self.real_root)]
        while stack:
            if self.budget.expired():
                self.damaged = f"{self.label}: listing stopped: {self.budget.over_time()}"
                return
            rel_dir, real_dir = stack.pop()
            try:
                entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
            except OSError as exc:
                self.skip(rel_dir or ".", f"folder not readable ({exc.strerror or exc})")
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    self.skip(rel, f"cannot stat ({exc.strerror or exc})")
                    continue
                real = entry.path
                if stat.S_ISLNK(st.st_mode):
                    try:
                        real = os.path.realpath(entry.path, strict=True)
                    except (OSError, RuntimeError):
                        self.skip(rel, "symbolic link that loops or points at nothing")
                        continue
                    if not self._inside(real):
                        self.skip(rel, "symbolic link pointing outside the snapshot")
                        continue
                    try:
                        st = os.stat(real, follow_symlinks=False)
                    except OSError as exc:
                        self.skip(rel, f"cannot stat ({exc.strerror or exc})")
                        continue
                if stat.S_ISDIR(st.st_mode):
                    if (st.st_dev, st.st_ino) in seen:
                        self.skip(rel, "folder already read (a link loop)")
                        continue
                    seen.add((st.st_dev, st.st_ino))
                    stack.append((rel, real))
                elif not stat.S_ISREG(st.st_mode):
                    self.skip(rel, "not a regular file (a device, fifo or socket): never opened")
                elif st.st_nlink > 1:
                    self.skip(rel, "hard link (it may be a file outside the snapshot)")
                else:
                    self._files[rel] = (real, st.st_size)

    def paths(self) -> list[str]:
        return list(self._files)

    def size(self, rel: str) -> int:
        return self._files[rel][1]

    def _open(self, rel: str) -> int:
        real, _size = self._files[rel]
        try:
            fd = os.open(real, _OPEN_FLAGS)
        except OSError as exc:
            raise FactError(f"cannot read {self.where(rel)}: {exc.strerror or exc}") from None
        st = os.fstat(fd)
        problem = ""
        if not stat.S_ISREG(st.st_mode):
            problem = "no longer a regular file"
        elif st.st_nlink > 1:
            problem = "now a hard link"
        elif not self._inside(_opened_path(fd)):
            problem = "now resolves outside the snapshot"
        if problem:
            os.close(fd)
            self.skip(rel, problem)
            raise FactError(f"{self.where(rel)}: {problem}: not read")
        return fd

    def _chunks(self, rel: str, fd: int) -> Any:
        while True:
            if self.budget.expired():
                raise FactError(f"{self.where(rel)}: {self.budget.over_time()}")
            chunk = os.read(fd, CHUNK)
            if not chunk:
                return
            yield chunk

    def read(self, rel: str) -> bytes:
        cap = settings.SNAPSHOT_MAX_MEMBER_BYTES
        if self._files[rel][1] > cap:
            raise InputError(self.where(rel), _over_cap(self._files[rel][1]))
        if not self.budget.fits(self._files[rel][1]):
            raise FactError(f"{self.where(rel)}: {self.budget.over_total()}")
        fd = self._open(rel)
        data = bytearray()
        try:
            for chunk in self._chunks(rel, fd):
                data += chunk
                if len(data) > cap:  # it grew after the walk: never trust the size alone
                    raise InputError(self.where(rel), _over_cap(len(data)))
                if not self.budget.fits(len(data)):
                    raise FactError(f"{self.where(rel)}: {self.budget.over_total()}")
        finally:
            os.close(fd)
        self.budget.used += len(data)
        return bytes(data)

    def read_tail(self, rel: str, cap: int) -> tuple[bytes, bool]:
        fd = self._open(rel)
        try:
            size = os.fstat(fd).st_size
            if size > cap:
                os.lseek(fd, size - cap, os.SEEK_SET)
            tail: deque[bytes] = deque()
            kept = 0
            for chunk in self._chunks(rel, fd):
                tail.append(chunk)
                kept += len(chunk)
                while kept - len(tail[0]) >= cap:
                    kept -= len(tail.popleft())
        finally:
            os.close(fd)
        data = b"".join(tail)
        cut = size > cap or len(data) > cap
        data = data[-cap:] if cap else b""
        if not self.budget.fits(len(data)):
            raise FactError(f"{self.where(rel)}: {self.budget.over_total()}")
        self.budget.used += len(data)
        return data, cut


class TarTree(Tree):
    """A tar archive read once, front to back (multi-member gzip and multi-stream xz too):
    wanted members kept in memory within the caps."""

    kind = "archive"

    def __init__(
        self,
        path: Path,
        wanted: Wanted,
        budget: Budget | None = None,
        log_bytes: int | None = None,
    ) -> None:
        import lzma  # here: a folder snapshot never pays for tarfile and its compressors
        import tarfile
        import zlib

        archive_errors = (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError)
        super().__init__(budget)
        self.label = str(path)
        self.log_bytes = settings.COLLECT_MAX_BYTES if log_bytes is None else log_bytes
        self.files: dict[str, bytes] = {}
        self.truncated: set[str] = set()
        self.refused: dict[str, str] = {}  # listed, never read: rel -> why (an error when asked)
        self.markers: set[str] = set()  # names that tell the layout, never read
        links: dict[str, str] = {}
        self._links = links  # the links seen so far, resolved once every member is read
        count = 0
        try:
            with tarfile.open(path, "r:*") as tar:
                while (member := tar.next()) is not None:
                    count += 1
                    if count % 1000 == 0:
                        tar.members.clear()  # a stream of a million members stays small
                    if self.budget.expired():
                        self.damaged = (
                            f"{path}: stopped after {count} member(s): {self.budget.over_time()}"
                        )
                        break
                    self._member(tar, member, wanted, links)
        except archive_errors as exc:
            if count == 0 and not self.files:
                raise FactError(f"{path}: not a readable tar archive ({exc})") from None
            self.damaged = (
                f"{path}: archive is truncated or corrupt after {count} member(s) ({exc})"
            )
        self._resolve(links)

    def _member(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, wanted: Wanted, links: dict[str, str]
    ) -> None:
        rel = safe_member_name(member.name)
        if rel is None:
            self.skip(member.name, "member path is absolute or climbs out with '..'")
            return
        if member.isdir():
            return
        self._forget(rel)  # a later member of the same name replaces it, as extraction would
        if member.issym() or member.islnk():
            if member.issym():
                target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), member.linkname))
                bad = member.linkname.startswith("/") or target.startswith("..")
            else:
                found = safe_member_name(member.linkname)
                target, bad = found or "", found is None
            if bad:
                self.skip(rel, "link pointing outside the snapshot")
            elif wanted(rel):
                links[rel] = target
            return
        if not member.isreg():
            self.skip(rel, "not a regular file (a device, fifo or socket): never opened")
            return
        want = wanted(rel)
        if want == "marker":
            self.markers.add(rel)
            want = None
        handle = tar.extractfile(member)
        if handle is None:
            return
        if want == "object" and member.size > settings.SNAPSHOT_MAX_MEMBER_BYTES:
            self.refused[rel] = _over_cap(member.size)
            self.skip(rel, _over_cap(member.size))
            want = None
        elif want and not self.budget.fits(min(member.size, self._cap(want))):
            self.refused[rel] = self.budget.over_total()
            self.skip(rel, self.budget.over_total())
            want = None
        kept: deque[bytes] = deque()
        size = cut = 0
        cap = self._cap(want) if want else 0
        while chunk := handle.read(CHUNK):
            if self.budget.expired():
                import tarfile

                raise tarfile.ReadError(f"{rel}: {self.budget.over_time()}")
            if not want:
                continue  # streamed past: time, never memory
            kept.append(chunk)
            size += len(chunk)
            while size > cap and kept:
                if want == "object":
                    self.refused[rel] = _over_cap(size)
                    self.skip(rel, _over_cap(size))
                    want, kept, size = None, deque(), 0
                    break
                extra = size - cap
                head = kept[0]
                if len(head) <= extra:
                    kept.popleft()
                    size -= len(head)
                else:
                    kept[0] = head[extra:]
                    size -= extra
                cut = 1
        if want:
            data = b"".join(kept)
            self.budget.used += len(data)
            self.files[rel] = data
            if cut:
                self.truncated.add(rel)

    def _forget(self, rel: str) -> None:
        """Drop what an earlier member named ``rel`` left: its bytes (back to the budget), or its
        skip record (a later member replaces it, so it is not in what the archive extracts to)."""
        if any(s.path == rel for s in self.skipped):
            kept = [s for s in self.skipped if s.path != rel]
            self.skipped_count -= len(self.skipped) - len(kept)
            self.skipped = kept
        old = self.files.pop(rel, None)
        if old is not None:
            self.budget.used -= len(old)
        self.refused.pop(rel, None)
        self.truncated.discard(rel)
        self._links.pop(rel, None)

    def _cap(self, want: str) -> int:
        return settings.SNAPSHOT_MAX_MEMBER_BYTES if want == "object" else self.log_bytes

    def _resolve(self, links: dict[str, str]) -> None:
        for rel, target in links.items():
            seen = {rel}
            while target in links and target not in seen:
                seen.add(target)
                target = links[target]
            if target in seen:
                self.skip(rel, "symbolic link loop")
            elif target in self.files:
                self.files[rel] = self.files[target]
            else:
                self.skip(rel, "link to a member that is not in the archive (or was not read)")

    def paths(self) -> list[str]:
        return [*self.files, *self.refused]

    def size(self, rel: str) -> int:
        return len(self.files.get(rel, b""))

    def read(self, rel: str) -> bytes:
        if rel in self.refused:
            raise InputError(self.where(rel), self.refused[rel])
        return self.files[rel]

    def read_tail(self, rel: str, cap: int) -> tuple[bytes, bool]:
        data = self.read(rel)
        return data[-cap:] if cap else b"", rel in self.truncated or len(data) > cap


def open_tree(path: str | Path, wanted: Wanted, budget: Budget | None = None) -> Tree:
    """The folder or archive at ``path``; FactError when it is neither."""
    path = Path(path).expanduser()
    try:
        st = os.stat(path)
    except OSError:
        raise FactError(
            f"snapshot {path} does not exist (give a must-gather folder or a .tar.gz/.tar.xz)"
        ) from None
    if stat.S_ISDIR(st.st_mode):
        return DirTree(path, budget)
    if stat.S_ISREG(st.st_mode):
        return TarTree(path, wanted, budget)
    raise FactError(f"snapshot {path} is not a folder or a regular file: not read")
