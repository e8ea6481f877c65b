"""The SSH transport against the lab's real sshd: commands, reuse, and every fault's message."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from collectors import settings
from collectors.errors import CommandTimeout, FactError
from collectors.inventory import SshTarget, load_inventory
from collectors.transport.ssh import SshPool
from lab import Lab
from tests.selection import BASTION
from tests.suite import run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab-ssh"), "bastion-clean", max_seconds=600) as lab:
        yield lab


@pytest.fixture
def target(lab: Lab) -> SshTarget:
    target = load_inventory(lab.inventory_path).bastion.ssh
    assert target is not None
    return target


@pytest.fixture
def pool() -> Iterator[SshPool]:
    pool = SshPool(config_path=Path("/nonexistent/ssh_config"))
    yield pool
    pool.close()


def host_fingerprint(lab: Lab) -> str:
    done = subprocess.run(
        ["ssh-keygen", "-lf", str(lab.workdir / "sshd" / "ssh_host_ed25519_key.pub")],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()[1]


def test_commands_are_quoted_and_connection_reused(
    pool: SshPool, target: SshTarget, lab: Lab
) -> None:
    host = pool.host(target)
    rc, out, err = host.run(["printf", "%s|", "a b", "$HOME", "x;echo injected", "'q'"])
    assert (rc, out, err) == (0, "a b|$HOME|x;echo injected|'q'|", "")
    first = pool.client(pool.endpoint(target)).get_transport()
    assert host.run(["false"])[0] == 1
    assert pool.client(pool.endpoint(target)).get_transport() is first
    root = load_inventory(lab.inventory_path).bastion.http_root
    assert host.read_text(f"{root}/pxeboot.ipxe").startswith("#!ipxe")
    with pytest.raises(FactError, match=rf"cannot read {root}/nope on {target}: .*No such file"):
        host.read_text(f"{root}/nope")


def test_threads_share_one_connection(pool: SshPool, target: SshTarget) -> None:
    host = pool.host(target)
    results: list[tuple[int, str, str]] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(host.run(["echo", str(i)])))
        for i in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(r[1]) for r in results) == list(range(12))
    assert len(pool._slots) == 1


def test_command_timeout_names_host(pool: SshPool, target: SshTarget) -> None:
    host = pool.host(target)
    with pytest.raises(FactError, match=rf"^{target}: sleep did not finish within 0.3s"):
        host.run(["sleep", "5"], timeout=0.3)
    assert host.run(["true"])[0] == 0  # the connection survives
    with pytest.raises(CommandTimeout) as info:  # what it printed before the timeout is kept
        host.run_bytes(["sh", "-c", "echo early; sleep 5"], timeout=1.0)
    assert info.value.stdout == b"early\n"
    assert host.run(["sh", "-c", "echo partial; kill -KILL $$"]) == (
        -1,
        "partial\n",
        "",
    )  # killed: no status


def test_auth_failure(pool: SshPool, target: SshTarget, tmp_path: Path) -> None:
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    with pytest.raises(FactError) as err:
        pool.host(replace(target, key=other)).run(["true"])
    assert str(err.value).startswith(
        f"{target}: authentication failed for user root with key {other}"
    )
    assert "PRIVATE" not in str(err.value)
    with pytest.raises(
        FactError, match=rf"^{target}: the SSH key {tmp_path}/absent does not exist"
    ):
        pool.host(replace(target, key=tmp_path / "absent")).run(["true"])


def test_unknown_host_key_strict_names_fingerprint(
    pool: SshPool, target: SshTarget, lab: Lab, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(FactError) as err:
        pool.host(replace(target, known_hosts=empty)).run(["true"])
    text = str(err.value)
    assert text.startswith(f"{target}: unknown host key ssh-ed25519 {host_fingerprint(lab)}")
    assert "strict" in text and "ssh-keyscan" in text
    assert empty.read_text() == ""


def test_accept_new_records_the_key(pool: SshPool, target: SshTarget, tmp_path: Path) -> None:
    known = tmp_path / "sub" / "known_hosts"
    rc, _, _ = pool.host(replace(target, known_hosts=known, host_key_policy="accept-new")).run(
        ["true"]
    )
    assert rc == 0
    assert known.read_text().startswith(f"[{target.host}]:{target.port} ssh-ed25519 ")
    fresh = SshPool(config_path=Path("/nonexistent"))
    try:
        assert fresh.host(replace(target, known_hosts=known)).run(["true"])[0] == 0
    finally:
        fresh.close()


def test_changed_host_key(pool: SshPool, target: SshTarget, lab: Lab, tmp_path: Path) -> None:
    impostor = tmp_path / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(impostor)], check=True)
    kind, blob = impostor.with_suffix(".pub").read_text().split()[:2]
    known = tmp_path / "known_hosts"
    known.write_text(f"[{target.host}]:{target.port} {kind} {blob}\n")
    for policy in ("strict", "accept-new"):
        with pytest.raises(FactError) as err:
            SshPool(config_path=Path("/x")).host(
                replace(target, known_hosts=known, host_key_policy=policy)
            ).run(["true"])
        text = str(err.value)
        assert text.startswith(f"{target}: host key CHANGED for [{target.host}]:{target.port}")
        assert host_fingerprint(lab) in text and "ssh-keygen -R" in text


def test_connection_refused(pool: SshPool, target: SshTarget, lab: Lab) -> None:
    closed = replace(target, port=lab.port(3))
    with pytest.raises(FactError, match=rf"^{closed}: connection refused"):
        pool.host(closed).run(["true"])
    with pytest.raises(FactError, match="connection refused"):  # remembered, not retried
        pool.host(closed).run(["true"])


def test_silent_server_times_out(
    pool: SshPool, target: SshTarget, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SSH_CONNECT_TIMEOUT", 0.5)
    with socket.socket() as silent:
        silent.bind((target.host, lab.port(4)))
        silent.listen(1)
        mute = replace(target, port=lab.port(4))
        with pytest.raises(FactError, match=rf"^{mute}: no SSH protocol banner .*within 0.5s"):
            pool.host(mute).run(["true"])


def test_ssh_config_is_honoured(target: SshTarget, lab: Lab, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        f"Host bastion-alias\n  HostName {target.host}\n  IdentityFile {target.key}\n"
        f"  UserKnownHostsFile {target.known_hosts}\n"
    )
    pool = SshPool(config_path=config)
    try:
        alias = SshTarget(user="root", host="bastion-alias", port=target.port)
        assert pool.host(alias).run(["echo", "via config"]) == (0, "via config\n", "")
    finally:
        pool.close()


def test_lab_sessions_do_not_read_this_machines_dotfiles(target: SshTarget, lab: Lab) -> None:
    """bash under sshd sources ~/.bashrc; the lab's home keeps root's out of every stderr."""
    pool = SshPool()
    try:
        status, out, err = pool.host(target).run(["sh", "-c", 'echo "$HOME"'])
    finally:
        pool.close()
    assert (status, out, err) == (0, f"{lab.workdir / 'sshd' / 'home'}\n", "")


def test_suite_reports_ssh_errors_with_the_host(lab: Lab, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    inventory = lab.write_inventory(tmp_path / "site.yaml", ssh={"known_hosts": str(empty)})
    run = run_suite(*BASTION, "-rA", inventory=inventory)
    target = load_inventory(inventory).bastion.ssh
    for check in ("http.served", "selinux.http_content"):
        record = run.record(check, f"ssh {target}")  # a site-wide error names its source
        assert record["outcome"] == "error"
        assert record["message"].startswith(f"{target}: unknown host key ssh-ed25519 SHA256:")
    key_text = (lab.workdir / "sshd" / "id_ed25519").read_text()
    body = key_text.splitlines()[1]
    for text in (run.stdout, run.stderr, str(run.report)):
        assert "PRIVATE KEY" not in text and body not in text


def test_transport_errors_become_fact_errors(
    pool: SshPool, target: SshTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that breaks while opening a channel (both tries) or running the command is a
    FactError naming user@host:port, never a raw paramiko/socket exception."""
    import paramiko

    host = pool.host(target)
    assert host.run(["true"])[0] == 0

    def drop(*_a: object, **_k: object) -> None:
        raise EOFError()

    monkeypatch.setattr(paramiko.Transport, "open_session", drop)
    with pytest.raises(FactError, match=rf"^{target}: connection lost running true: EOFError"):
        host.run(["true"])
    monkeypatch.undo()

    def reset(*_a: object, **_k: object) -> None:
        raise paramiko.SSHException("Channel closed.")

    monkeypatch.setattr(paramiko.Channel, "exec_command", reset)
    with pytest.raises(
        FactError, match=rf"^{target}: connection lost running echo: SSHException: Channel closed"
    ):
        host.run(["echo", "x"])
    monkeypatch.undo()
    pool.client(
        pool.endpoint(target)
    ).get_transport().close()  # a closed transport: reconnects once
    assert host.run(["echo", "back"])[1] == "back\n"


def test_output_is_capped_and_deadline_checked_while_reading(
    pool: SshPool, target: SshTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SSH_MAX_OUTPUT_BYTES", 1000)
    host = pool.host(target)
    rc, out, _err = host.run_bytes(["sh", "-c", "head -c 200000 /dev/zero; printf END"])
    assert rc == 0 and len(out) == 1000 and out.endswith(b"END")
    # a command that never stops printing still ends at the deadline, with the capped tail
    with pytest.raises(CommandTimeout) as info:
        host.run_bytes(["yes"], timeout=1.0)
    assert len(info.value.stdout) <= 1000
