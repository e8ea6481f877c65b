"""checks/time.py: time.sync (localhost's clock state, each NTP server's answer)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checks.time import evaluate_time
from collectors.facts.time import TimeFacts
from collectors.transport.clock import ClockState, parse_tracking
from collectors.transport.ntp import NtpAnswer

SERVER = "172.16.0.102:123"


def server(offset: float, stratum: int = 3, leap: int = 0) -> TimeFacts:
    return TimeFacts(SERVER, 1.0, answer=NtpAnswer(SERVER, offset, stratum, leap, 0.001))


def test_synchronised_localhost_passes_and_names_the_source() -> None:
    v = evaluate_time(TimeFacts("localhost", 1.0, clock=ClockState("timedatectl", True, "yes")))
    assert v.ok and v.message == "synchronised (timedatectl: yes)"


def test_unsynchronised_localhost_fails_with_the_chrony_fix() -> None:
    state = parse_tracking("Leap status     : Not synchronised\n")
    v = evaluate_time(TimeFacts("localhost", 1.0, clock=state))
    assert not v.ok and "not synchronised (chronyc tracking: leap status Not synchronised)" in (
        v.message
    )
    assert "systemctl enable --now chronyd" in v.remediation


def test_server_within_the_offset_passes_and_one_beyond_fails() -> None:
    assert evaluate_time(server(-0.4)).ok
    v = evaluate_time(server(30.0008))
    assert not v.ok and v.message == (
        f"expected {SERVER} within 1 s of this machine (ntp.max_offset_s); "
        "found offset +30.001 s (stratum 3)"
    )


def test_server_without_time_of_its_own_fails() -> None:
    v = evaluate_time(server(0.0, stratum=16, leap=3))
    assert not v.ok and "stratum 16, leap indicator 3" in v.message


def test_server_that_does_not_answer_fails_with_the_firewall_fix() -> None:
    v = evaluate_time(TimeFacts(SERVER, 1.0, no_answer=f"NTP server {SERVER} does not answer"))
    assert not v.ok and "firewall-cmd --add-service=ntp" in v.remediation


@given(st.floats(min_value=-100, max_value=100, allow_nan=False), st.floats(0.01, 10))
def test_offset_verdict_is_the_limit(offset: float, limit: float) -> None:
    facts = TimeFacts(SERVER, limit, answer=NtpAnswer(SERVER, offset, 3, 0, 0.0))
    assert evaluate_time(facts).ok == (abs(offset) <= limit)


@given(st.text(max_size=300))
def test_tracking_parser_never_raises_and_needs_a_leap_line(text: str) -> None:
    state = parse_tracking(text)
    assert state.source == "chronyc tracking"
    if "Leap status" not in text:
        assert state.synchronised is False
