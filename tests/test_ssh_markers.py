"""known_hosts marker lines (sshd(8)): paramiko's HostKeys fails on them with a traceback, so the
SSH transport handles them first. ``@revoked`` keys are never trusted (an error naming the host
and the file line), ``@cert-authority`` lines are skipped with a run warning, other lines load.

The real file is OpenSSH's own regress test data (tests/real/known_hosts/SOURCES.md); the
connections go to the lab's real sshd on loopback.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import paramiko
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.errors import FactError
from collectors.inventory import SshTarget, load_inventory
from collectors.parsers.knownhosts import host_matches, parse_known_hosts
from collectors.runwarnings import RUN_WARNINGS
from collectors.transport.ssh import SshPool, fingerprint, load_known_hosts
from lab import Lab
from tests.selection import BASTION
from tests.suite import run_suite

REAL = Path(__file__).resolve().parent / "real" / "known_hosts" / "openssh-regress.known_hosts"
#: Lines of REAL (1-based) as OpenSSH's regress tests describe them.
REVOKED_LINE, CA_LINE, BAD_LINES = 33, 34, (37, 38, 39, 40, 42)


# --------------------------------------------------------------------------- no server


def test_real_file_loads_without_paramiko_failing_on_markers() -> None:
    with pytest.raises(paramiko.hostkeys.InvalidHostKey):  # what the transport did before
        paramiko.HostKeys().load(str(REAL))
    found = load_known_hosts(REAL, "sisyphus.example.com")
    (revoked_key,) = parse_known_hosts(REAL.read_text()).marked("@revoked")
    assert revoked_key.line == REVOKED_LINE
    assert found.revoked == {revoked_key.key_bytes(): REVOKED_LINE}
    kinds = set((found.keys.lookup("sisyphus.example.com") or {}).keys())  # plain and |1| lines
    assert kinds == {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa"}
    hashed = found.keys.lookup("prometheus.example.com")  # the |1| lines load too
    assert hashed is not None and "ssh-ed25519" in hashed
    said = "\n".join(found.warnings)
    assert f"{REAL}:{CA_LINE}: @cert-authority line skipped" in said
    assert "does not verify host certificates" in said
    for line in BAD_LINES:
        assert f"{REAL}:{line}: line skipped" in said
    assert f"{REAL}:41" not in said  # a key type paramiko does not know: silent, as paramiko
    lines = [int(w.split(":")[1]) for w in found.warnings]
    assert lines == sorted(lines)
    assert "Traceback" not in said and "AAAA" not in said


def test_revoked_applies_only_to_the_hosts_its_patterns_match() -> None:
    assert load_known_hosts(REAL, "prometheus.example.com").revoked == {}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_without_raising(text: str) -> None:
    parsed = parse_known_hosts(text)
    assert all(e.marker in ("", "@revoked", "@cert-authority") for e in parsed.entries)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[a-z0-9.\-]{1,30}", fullmatch=True), st.integers(1, 65535))
def test_a_name_matches_itself_and_star(host: str, port: int) -> None:
    name = host if port == 22 else f"[{host}]:{port}"
    assert host_matches(name, name) and host_matches("*", name)
    assert not host_matches(f"*,!{name}", name)


# --------------------------------------------------------------------------- the lab's sshd


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab-ssh-markers"), "bastion-clean", max_seconds=600) as lab:
        yield lab


@pytest.fixture
def target(lab: Lab) -> SshTarget:
    target = load_inventory(lab.inventory_path).bastion.ssh
    assert target is not None
    return target


def host_key(lab: Lab) -> tuple[str, str]:
    """The lab sshd's (key type, base64 blob)."""
    kind, blob = (lab.workdir / "sshd" / "ssh_host_ed25519_key.pub").read_text().split()[:2]
    return kind, blob


def run_true(target: SshTarget, known: Path, policy: str = "strict") -> tuple[int, str, str]:
    pool = SshPool(config_path=Path("/nonexistent/ssh_config"))
    try:
        return pool.host(replace(target, known_hosts=known, host_key_policy=policy)).run(["true"])
    finally:
        pool.close()


@pytest.mark.lab
def test_markers_beside_the_hosts_line_connect_and_warn(
    target: SshTarget, lab: Lab, tmp_path: Path
) -> None:
    kind, blob = host_key(lab)
    known = tmp_path / "known_hosts"
    known.write_text(REAL.read_text() + f"[{target.host}]:{target.port} {kind} {blob}\n")
    assert run_true(target, known)[0] == 0
    said = RUN_WARNINGS.report()
    assert any(w.startswith(f"known_hosts {known}:{CA_LINE}: @cert-authority") for w in said)


@pytest.mark.lab
@pytest.mark.parametrize("policy", ["strict", "accept-new"])
@pytest.mark.parametrize("listed", [True, False], ids=["also-listed", "revoked-only"])
def test_a_revoked_key_is_an_error_naming_host_and_line(
    target: SshTarget, lab: Lab, tmp_path: Path, policy: str, listed: bool
) -> None:
    kind, blob = host_key(lab)
    name = f"[{target.host}]:{target.port}"
    known = tmp_path / "known_hosts"
    plain = f"{name} {kind} {blob}\n" if listed else ""
    known.write_text(f"# hosts\n{plain}@revoked {name} {kind} {blob} old key\n")
    line = 3 if listed else 2
    with pytest.raises(FactError) as err:
        run_true(target, known, policy)
    text = str(err.value)
    assert text.startswith(f"{target}: host key REVOKED: {name} offers {kind} ")
    assert f"which {known}:{line} marks @revoked" in text
    key = paramiko.PKey.from_type_string(kind, __import__("base64").b64decode(blob))
    assert fingerprint(key) in text and blob not in text
    assert known.read_text().count("\n") == line  # accept-new recorded nothing


@pytest.mark.lab
def test_suite_under_xdist_reports_the_warning_and_no_traceback(lab: Lab, tmp_path: Path) -> None:
    kind, blob = host_key(lab)
    target = load_inventory(lab.inventory_path).bastion.ssh
    assert target is not None
    known = tmp_path / "known_hosts"
    known.write_text(
        f"@cert-authority *.example.com {kind} {blob}\n"
        f"[{target.host}]:{target.port} {kind} {blob}\n"
    )
    inventory = lab.write_inventory(tmp_path / "site.yaml", ssh={"known_hosts": str(known)})
    run = run_suite(*BASTION, "-n", "2", inventory=inventory)
    assert run.results and all(r["outcome"] != "error" for r in run.results), run.stdout[-3000:]
    assert run.report["run"]["warnings"] == [
        f"known_hosts {known}:1: @cert-authority line skipped: the SSH client (paramiko) does "
        "not verify host certificates, so hosts matching *.example.com are trusted only by a "
        f"plain line with their own key (ssh-keyscan HOST >> {known})"
    ]
    assert "InvalidHostKey" not in run.stdout + run.stderr
    assert "run warnings (1)" in run.stdout


def test_ssh_keygen_agrees_the_real_file_has_these_markers() -> None:
    """OpenSSH itself reads the revoked key for sisyphus.example.com (ssh-keygen -F)."""
    done = subprocess.run(
        ["ssh-keygen", "-F", "sisyphus.example.com", "-f", str(REAL)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert f"found: line {REVOKED_LINE} REVOKED" in done.stdout, done.stdout
