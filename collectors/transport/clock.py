"""Is this machine's clock synchronised? Asked the way a platform engineer would, in order:
``timedatectl show -p NTPSynchronized`` where systemd runs, ``chronyc -n tracking`` where a
chronyd answers, else the kernel's own flag (``adjtimex(2)`` read-only: STA_UNSYNC).

Without systemd and chronyd, a set STA_UNSYNC says only that nothing on this kernel disciplines
the clock; a container or a VM clocked by its host looks the same, so that case is *unknown*
(``synchronised`` None), never a verdict.

>>> parse_tracking("Reference ID    : 7F000001 ()\\nLeap status     : Normal\\n").synchronised
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from collectors import settings

STA_UNSYNC = 0x0040
TIME_ERROR = 5


@dataclass(frozen=True)
class ClockState:
    """What one source says: ``synchronised`` True/False, or None when nothing can tell."""

    source: str
    synchronised: bool | None
    detail: str = ""


def parse_tracking(text: str) -> ClockState:
    """``chronyc tracking`` output: synchronised unless ``Leap status : Not synchronised``."""
    leap = re.search(r"^Leap status\s*:\s*(.+)$", text, re.MULTILINE)
    system = re.search(r"^System time\s*:\s*(.+)$", text, re.MULTILINE)
    status = leap.group(1).strip() if leap else "unknown"
    detail = f"leap status {status}" + (
        f", system time {system.group(1).strip()}" if system else ""
    )
    return ClockState("chronyc tracking", status != "Not synchronised" and bool(leap), detail)


def _run(argv: list[str]) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=settings.SSH_COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


class _Timex(ctypes.Structure):
    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]


def kernel_state() -> ClockState:
    """``adjtimex`` with modes 0 (reads, changes nothing): STA_UNSYNC clear means some NTP
    daemon disciplines the kernel clock."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        timex = _Timex()
        state = libc.adjtimex(ctypes.byref(timex))
    except (OSError, AttributeError) as exc:
        return ClockState("adjtimex", None, f"cannot call adjtimex: {exc}")
    if state < 0:
        return ClockState("adjtimex", None, f"adjtimex failed (errno {ctypes.get_errno()})")
    unsynced = bool(timex.status & STA_UNSYNC) or state == TIME_ERROR
    detail = f"status 0x{timex.status:x}, maxerror {timex.maxerror / 1e6:g} s"
    if not unsynced:
        return ClockState("adjtimex", True, detail)
    return ClockState(
        "adjtimex",
        None,
        f"no systemd (timedatectl) and no chronyd answering chronyc here, and the kernel flags "
        f"its clock unsynchronised (STA_UNSYNC; {detail}): nothing disciplines this kernel's "
        "clock, which in a container or a VM clocked by its host says nothing about the time",
    )


def clock_state() -> ClockState:
    """This machine's synchronisation, from the first source that can tell."""
    if Path("/run/systemd/system").is_dir() and shutil.which("timedatectl"):
        done = _run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
        if done is not None and done.returncode == 0 and done.stdout.strip() in ("yes", "no"):
            return ClockState(
                "timedatectl",
                done.stdout.strip() == "yes",
                f"NTPSynchronized={done.stdout.strip()}",
            )
    if shutil.which("chronyc"):
        done = _run(["chronyc", "-n", "tracking"])
        if done is not None and done.returncode == 0 and "Leap status" in done.stdout:
            return parse_tracking(done.stdout)
    return kernel_state()
