"""``df -P`` (POSIX format, 1024-byte blocks), parsed.

>>> rows = parse_df('''Filesystem     1024-blocks  Used Available Capacity Mounted on
... /dev/mapper/rhel-opt 104806400 73400320  31406080      71% /opt/registry data
... ''')
>>> rows[0].available_bytes, rows[0].mount
(32159825920, '/opt/registry data')

A mount point may hold spaces (the rest of the line is it); the file system name may not.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.errors import InputError

#: Rows read at most (one per path asked; a hostile df stops here).
MAX_ROWS = 1000
MAX_CHARS = 1024 * 1024


@dataclass(frozen=True)
class DfRow:
    filesystem: str
    blocks: int  # 1024-byte blocks
    used: int
    available: int
    capacity: str  # "71%", or "-" for a file system of 0 blocks
    mount: str

    @property
    def available_bytes(self) -> int:
        return self.available * 1024

    @property
    def size_bytes(self) -> int:
        return self.blocks * 1024


def parse_df(text: str, source: str = "df -P") -> list[DfRow]:
    """Rows of ``df -P``; InputError naming the line that is not one (the header must be the
    POSIX one: ``1024-blocks``)."""
    lines = text[:MAX_CHARS].splitlines()
    if not lines or not lines[0].startswith("Filesystem") or "1024-blocks" not in lines[0]:
        raise InputError(source, "no 'Filesystem 1024-blocks ...' header: not df -P output")
    rows: list[DfRow] = []
    for number, line in enumerate(lines[1 : MAX_ROWS + 1], start=2):
        if not line.strip():
            continue
        parts = line.split(None, 5)
        if len(parts) < 6 or not all(p.isdigit() for p in parts[1:4]):
            raise InputError(source, "not a df -P row", line=number)
        fs, blocks, used, avail, cap, mount = parts
        rows.append(DfRow(fs, int(blocks), int(used), int(avail), cap, mount))
    return rows
