"""checks/ignition.py: ignition.expiry, ignition.pointer and ignition.served_matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.ignition import (
    accepted_sources,
    evaluate_expiry,
    evaluate_pointer,
    evaluate_served_copy,
    expected_source,
    regenerate_fix,
)
from collectors.facts.ignition import PointerFacts, ServedCopy
from collectors.install.bastion import HttpAnswer
from collectors.parsers.certs import CertInfo

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SOURCE = expected_source("ocp45.example.localdomain", 22623, "worker.ign")


def cert(hours: float, *, is_ca: bool = True, where: str = "storage.files[0]") -> CertInfo:
    return CertInfo(
        where,
        "CN=root-ca",
        "CN=root-ca",
        NOW - timedelta(days=1),
        NOW + timedelta(hours=hours),
        is_ca,
    )


# --------------------------------------------------------------------------- expiry


def test_expiry_passes_and_names_the_first_to_expire() -> None:
    v = evaluate_expiry("master.ign", [cert(48), cert(30, where="x")], NOW, 12, "fix")
    assert v.ok and v.message == (
        "2 certificate(s); the first to expire is x at 2024-05-02 18:00:00 UTC"
    )


def test_expiry_fails_with_the_regenerate_fix() -> None:
    fix = regenerate_fix("/root/ign", "/var/www/html")
    v = evaluate_expiry("bootstrap.ign", [cert(48), cert(-2)], NOW, 12, fix)
    assert not v.ok
    assert v.message.startswith(
        "expected every certificate in bootstrap.ign valid for at least 12 more hour(s); "
        "found 1 of 2 certificate(s) expired or expiring soon (1 expired); "
    )
    assert v.details == (
        "storage.files[0]: CN=root-ca notAfter 2024-05-01 10:00:00 UTC (expired 2.0 h ago)",
    )
    assert "rm -f /root/ign/.openshift_install_state.json" in v.remediation
    assert "copy the *.ign to /var/www/html (restorecon -Rv /var/www/html)" in v.remediation


@settings(deadline=None, max_examples=60)
@given(st.lists(st.floats(-100, 100, allow_nan=False), max_size=6), st.floats(0, 48))
def test_expiry_fails_iff_a_certificate_is_short(hours: list[float], min_hours: float) -> None:
    certs = [cert(h) for h in hours]
    v = evaluate_expiry("a.ign", certs, NOW, min_hours, "fix")
    assert v.ok == all(c.hours_left(NOW) >= min_hours for c in certs)
    if not v.ok:
        assert len(v.details) == sum(1 for c in certs if c.hours_left(NOW) < min_hours)


# --------------------------------------------------------------------------- pointer


def test_pointer_with_the_right_source_and_ca_passes() -> None:
    v = evaluate_pointer(
        PointerFacts("worker.ign", True, (SOURCE,), (cert(1000),)), SOURCE, NOW, "/ign"
    )
    assert v.ok and v.message == f"spec 3.1.0, merges {SOURCE}; CA CN=root-ca valid"


def test_spec_2_pointer_appends_and_its_fix_names_append() -> None:
    ok = PointerFacts("worker.ign", True, (SOURCE,), (cert(1000),), version="2.2.0")
    v = evaluate_pointer(ok, SOURCE, NOW, "/ign")
    assert v.ok and v.message == f"spec 2.2.0, appends {SOURCE}; CA CN=root-ca valid"
    wrong = PointerFacts("worker.ign", True, (), (cert(1000),), version="2.2.0")
    v = evaluate_pointer(wrong, SOURCE, NOW, "/ign")
    assert not v.ok and "found ignition.config.append sources: nothing" in v.message
    assert v.remediation.startswith(f'set ignition.config.append to [{{"source": "{SOURCE}"}}]')


PORT_22624 = SOURCE.replace(":22623/", ":22624/")
PORT_8443 = SOURCE.replace(":22623/", ":8443/")


@pytest.mark.parametrize(
    "configured, source, ok",
    [
        (22623, SOURCE, True),
        (22624, SOURCE, True),  # the installer's port is right whatever the LB port is
        (22624, PORT_22624, True),  # another port only where it is the configured one
        (22623, PORT_22624, False),
        (22624, PORT_8443, False),
    ],
)
def test_pointer_port_rule(configured: int, source: str, ok: bool) -> None:
    accepted = accepted_sources("ocp45.example.localdomain", configured, "worker.ign")
    v = evaluate_pointer(
        PointerFacts("worker.ign", True, (source,), (cert(1000),)), accepted, NOW, "/ign"
    )
    assert v.ok is ok, v.message
    if not ok:
        assert f"merge from {' or '.join(accepted)} only" in v.message


def test_pointer_with_keys_ignition_refuses_fails_with_the_move_fix() -> None:
    facts = PointerFacts("master.ign", True, (SOURCE,), (cert(1000),), unknown_keys=("passwd",))
    v = evaluate_pointer(facts, SOURCE, NOW, "/ign")
    assert not v.ok and "refuses in the ignition object: passwd" in v.message
    assert v.remediation.startswith("move passwd out of the ignition object to the top level")


def test_pointer_with_a_wrong_source_fails_with_the_merge_fix() -> None:
    wrong = "https://api.ocp45.example.localdomain:22623/config/worker"
    v = evaluate_pointer(
        PointerFacts("worker.ign", True, (wrong,), (cert(1000),)), SOURCE, NOW, "/ign"
    )
    assert not v.ok and f"found ignition.config.merge sources: {wrong}" in v.message
    assert v.remediation.startswith(
        f'set ignition.config.merge to [{{"source": "{SOURCE}"}}] in /ign/worker.ign'
    )


def test_pointer_with_a_non_ca_fails_with_the_regenerate_fix() -> None:
    v = evaluate_pointer(
        PointerFacts("worker.ign", True, (SOURCE,), (cert(1000, is_ca=False),)), SOURCE, NOW, "/ign"
    )
    assert not v.ok and "is not a CA certificate (basicConstraints CA:FALSE)" in v.message
    assert v.remediation.startswith("regenerate /ign/worker.ign")


def test_missing_pointer_fails() -> None:
    v = evaluate_pointer(PointerFacts("master.ign", False), SOURCE, NOW, "/ign")
    assert not v.ok and v.message == "expected /ign/master.ign; found no such file"


# --------------------------------------------------------------------------- served_matches

URL = "http://10.0.0.5:8080/worker.ign"


def test_same_copy_passes() -> None:
    copy = ServedCopy("worker.ign", "ab" * 32, HttpAnswer(URL, 200), "ab" * 32, "HTTP")
    v = evaluate_served_copy(copy, "/ign", "/var/www/html")
    assert v.ok and v.message == f"sha256 {'ab' * 8} served"


def test_stale_copy_fails_with_the_copy_command() -> None:
    copy = ServedCopy("worker.ign", "ab" * 32, HttpAnswer(URL, 200), "cd" * 32, "HTTP")
    v = evaluate_served_copy(copy, "/ign", "/var/www/html")
    assert not v.ok and "a stale worker.ign" in v.message
    assert v.remediation == (
        "cp /ign/worker.ign /var/www/html/ && chmod 644 /var/www/html/worker.ign "
        "&& restorecon -v /var/www/html/worker.ign"
    )


def test_unserved_copy_says_what_http_answered() -> None:
    copy = ServedCopy("worker.ign", "ab" * 32, HttpAnswer(URL, 403), None, "sha256sum on web")
    v = evaluate_served_copy(copy, "/ign", "/var/www/html")
    assert not v.ok
    assert v.message.endswith(
        "found HTTP 403, and no worker.ign in /var/www/html (sha256sum on web)"
    )
