"""LocalHost: a command that times out is stopped with everything it started, and what it
printed is kept."""

from __future__ import annotations

import time

import pytest

from collectors.errors import CommandTimeout, FactError
from collectors.transport.hosts import LocalHost
from collectors.triage import collect


def test_timeout_kills_grandchildren_holding_the_pipes() -> None:
    t0 = time.monotonic()
    with pytest.raises(CommandTimeout, match=r"^sh on local did not finish within 0.5s") as info:
        LocalHost().run_bytes(["sh", "-c", "echo early; sleep 30 & sleep 30"], timeout=0.5)
    assert time.monotonic() - t0 < 10
    assert info.value.stdout == b"early\n"
    with pytest.raises(FactError):  # the text form too
        LocalHost().run(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)
    assert time.monotonic() - t0 < 20


def test_collect_uses_the_same_runner() -> None:
    t0 = time.monotonic()
    rc, out, _err, timed_out = collect.run_bytes(
        LocalHost(), ["sh", "-c", "echo part; sleep 30 & sleep 30"], 0.5
    )
    assert (rc, out, timed_out) == (-9, b"part\n", True)
    assert time.monotonic() - t0 < 10
    assert collect.run_bytes(LocalHost(), ["sh", "-c", "echo ok >&2; exit 3"], 5) == (
        3,
        b"",
        "ok\n",
        False,
    )


def test_missing_program_is_a_fact_error() -> None:
    with pytest.raises(FactError, match=r"cannot run /nonexistent/prog on local"):
        LocalHost().run(["/nonexistent/prog"])
