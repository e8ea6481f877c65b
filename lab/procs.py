"""Start lab servers in their own process groups, wait until ready, and stop them by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Proc:
    name: str
    pid: int
    argv: list[str]
    stop_signal: int = signal.SIGTERM
    started: int | None = None  # kernel start time, to tell our process from a reused PID


class ProcessTable:
    """The processes one lab started; persisted to ``pids.json`` so ``lab down`` can stop them."""

    def __init__(self, workdir: Path, keep_fds: tuple[int, ...] = ()) -> None:
        self.workdir = workdir
        self.keep_fds = keep_fds  # inherited by every server (the lab's slot lock)
        self.logdir = workdir / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.file = workdir / "pids.json"
        self.procs: list[Proc] = []
        self._popen: dict[int, subprocess.Popen[bytes]] = {}

    def spawn(
        self,
        name: str,
        argv: list[str],
        *,
        ready: Callable[[], bool] | None = None,
        timeout: float = 15.0,
        stop_signal: int = signal.SIGTERM,
    ) -> Proc:
        """Start ``argv``; wait until ``ready()`` is true or the process dies (then raise)."""
        out = open(self.logdir / f"{name}.out", "wb")  # noqa: SIM115 - owned by the child
        err = open(self.logdir / f"{name}.err", "wb")  # noqa: SIM115
        popen = subprocess.Popen(
            argv,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.workdir,
            pass_fds=self.keep_fds,
        )
        out.close()
        err.close()
        proc = Proc(name, popen.pid, argv, stop_signal, _start_time(popen.pid))
        self.procs.append(proc)
        self._popen[popen.pid] = popen
        self._save()
        deadline = time.monotonic() + timeout
        while ready is not None and not ready():
            if popen.poll() is not None:
                raise RuntimeError(f"lab {name} exited with {popen.returncode}: {self.tail(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"lab {name} not ready within {timeout:g}s: {self.tail(name)}")
            time.sleep(0.05)
        return proc

    def tail(self, name: str) -> str:
        text = ""
        for suffix in ("err", "out"):
            path = self.logdir / f"{name}.{suffix}"
            if path.exists():
                text += path.read_text(errors="replace")[-1500:]
        return text.strip()

    def _save(self) -> None:
        data = [
            {
                "name": p.name,
                "pid": p.pid,
                "argv": p.argv,
                "signal": int(p.stop_signal),
                "started": p.started,
            }
            for p in self.procs
        ]
        self.file.write_text(json.dumps(data, indent=1))

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            stop_pid(proc.pid, proc.started, proc.stop_signal, self._popen.get(proc.pid))
        self.procs.clear()
        self._save()


def tcp_ready(host: str, port: int) -> bool:
    """A readiness probe for ``spawn``: something accepts TCP on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def _same_process(pid: int, started: int | None) -> bool:
    """Guard against PID reuse: the PID still names the process we started (servers such as
    sshd and nginx rewrite their command line, so the start time is compared, not the name)."""
    now = _start_time(pid)
    return now is not None and (started is None or now == started)


def stop_pid(
    pid: int,
    started: int | None,
    sig: int = signal.SIGTERM,
    popen: subprocess.Popen[bytes] | None = None,
) -> None:
    """Stop the process group led by ``pid`` (never by name): signal, wait, then SIGKILL."""
    if popen is None and not _same_process(pid, started):
        return
    for signum, wait in ((sig, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if popen is not None:
                if popen.poll() is not None:
                    return
            elif not _same_process(pid, started):
                return
            else:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            time.sleep(0.05)


def stop_recorded(workdir: Path) -> int:
    """Stop every process recorded in ``workdir/pids.json``; returns how many were recorded."""
    file = workdir / "pids.json"
    if not file.exists():
        return 0
    data = json.loads(file.read_text())
    for entry in reversed(data):
        stop_pid(entry["pid"], entry.get("started"), entry.get("signal", signal.SIGTERM))
    file.write_text("[]")
    return len(data)
