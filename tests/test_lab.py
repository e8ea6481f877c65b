"""The lab itself: `python -m lab up` leaves servers running, `down` stops every one by PID."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.suite import ROOT

pytestmark = pytest.mark.lab  # starts the lab's servers


def lab_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_up_then_down_stops_every_server_even_those_that_rename_themselves(tmp_path: Path) -> None:
    workdir = tmp_path / "lab"
    up = lab_cli("up", "--dir", str(workdir), "--parts", "bastion", "--max-seconds", "120")
    try:
        assert up.returncode == 0, up.stderr
        procs = json.loads((workdir / "pids.json").read_text())
        names = {p["name"] for p in procs}
        assert {"ns1", "ns2", "haproxy", "node-ports"} <= names and len(names) >= 6
        assert all(alive(p["pid"]) for p in procs)
    finally:
        # named, haproxy, nginx and sshd have no time limit: a failed assertion must not leak them
        # sshd and nginx rewrite their command line ("sshd: ... [listener]"): stopped all the same
        down = lab_cli("down", "--dir", str(workdir))
    assert down.returncode == 0
    deadline = time.monotonic() + 10
    while any(alive(p["pid"]) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p["name"] for p in procs if alive(p["pid"])]


def test_down_leaves_a_reused_pid_alone(tmp_path: Path) -> None:
    """A pids.json entry whose PID now belongs to another process is not signalled."""
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        (tmp_path / "pids.json").write_text(
            json.dumps(
                [{"name": "ns1", "pid": other.pid, "argv": ["named"], "signal": 15, "started": 1}]
            )
        )
        assert lab_cli("down", "--dir", str(tmp_path)).returncode == 0
        assert other.poll() is None and alive(other.pid)
    finally:
        os.killpg(other.pid, 9)
        other.wait()


def test_a_slot_whose_sshd_address_is_held_is_passed_over() -> None:
    """A stray listener on a slot's bastion sshd address (sshd drops the inherited slot lock,
    so one that outlived its lab holds the address, not the slot) makes the slot busy."""
    import socket

    from lab.core import SLOTS, _slot_is_free

    slot = next(s for s in range(SLOTS) if _slot_is_free(s))
    with socket.socket() as stray:
        stray.bind((f"127.{20 + slot}.0.101", 20000 + slot * 20 + 2))
        stray.listen(1)
        assert not _slot_is_free(slot)
