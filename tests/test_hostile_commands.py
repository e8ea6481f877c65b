"""No option injection: every command the suite runs over SSH gets inventory paths that cannot be
read as options (against the lab's real sshd), and the inventory refuses values no real site has.
A silent SSH port leaves a host error in manifest.json that says why."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from collectors.errors import FactError
from collectors.install.bastion import (
    find_start,
    list_web_root,
    path_chain,
    selinux_contexts,
    sha256_on_host,
)
from collectors.inventory import InventoryError, load_inventory
from collectors.transport.ssh import SshHost, SshPool
from collectors.triage.collect import _journal, collect_source, read_bytes
from lab import Lab
from tests.suite import ROOT

pytestmark = pytest.mark.lab  # starts the lab's servers

#: Values that reach find as part of its expression when the guard is missing: -fprint, -fls
#: and -fprintf create a file named "-mindepth" in the login's home; "!" and "(" change the
#: expression. Never put -delete here: on a regression it would run as root in the lab user's
#: home (the loader test below refuses it instead).
HOSTILE = ["-fprint", "-fls", "!", "(", "-fprintf"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab-inject"), "bastion-clean", max_seconds=600) as lab:
        yield lab


@pytest.fixture(scope="module")
def host(lab: Lab) -> Iterator[SshHost]:
    target = load_inventory(lab.inventory_path).bastion.ssh
    assert target is not None
    pool = SshPool(config_path=Path("/nonexistent/ssh_config"))
    yield pool.host(target)
    pool.close()


@pytest.fixture
def cwd_unchanged(host: SshHost) -> Iterator[None]:
    """The remote command's working folder (the login's home) holds the same names after the
    test as before: find's -fprint FILE or -fls FILE would have created one there."""
    rc, home, _ = host.run(["pwd"])
    assert rc == 0
    home = home.strip()
    before = set(host.run(["ls", "-A1", "--", home])[1].splitlines())
    yield
    after = set(host.run(["ls", "-A1", "--", home])[1].splitlines())
    created = sorted(after - before)
    for name in created:  # a regression's file is removed again, then reported
        host.run(["rm", "-f", "--", f"{home}/{name}"])
    assert not created, f"created in {home}: {created}"


@pytest.mark.parametrize("root", HOSTILE)
def test_find_never_takes_the_web_root_as_an_option(
    host: SshHost, root: str, cwd_unchanged: None
) -> None:
    with pytest.raises(FactError, match="cannot list"):
        list_web_root(host, root)
    assert find_start(root) == "./" + root


@pytest.mark.parametrize("root", HOSTILE)
def test_stat_and_sha256sum_take_paths_after_double_dash(
    host: SshHost, root: str, cwd_unchanged: None
) -> None:
    with pytest.raises(FactError, match=f"cannot statx? '{re.escape(root)}/master.ign'"):
        selinux_contexts(host, root, ["master.ign"])
    with pytest.raises(FactError, match="cannot stat"):
        path_chain(host, root, "master.ign")
    assert sha256_on_host(host, root) is None


@pytest.mark.parametrize("path", ["-fprint", "--version", "-n1"])
def test_cat_and_tail_take_paths_after_double_dash(
    host: SshHost, path: str, cwd_unchanged: None
) -> None:
    with pytest.raises(FactError, match=f"cannot read {path}"):
        host.read_text(path)
    with pytest.raises(FactError, match="No such file"):
        read_bytes(host, path, 10, tail=True)


def test_journalctl_takes_the_journal_dir_as_its_value(host: SshHost, cwd_unchanged: None) -> None:
    """``-D VALUE`` consumes the next argument whatever it is: ``-fprint`` is a folder name."""
    source = _journal("m1", "kubelet.service", "--output=export")

    class Sink:
        def put(self, *_args: object) -> None:
            raise AssertionError("nothing is read from a folder that does not exist")

    collect_source(host, source, Sink(), deadline=10**12)
    assert source.status in ("empty", "failed"), (source.status, source.error)


def test_the_real_web_root_still_lists(host: SshHost, lab: Lab) -> None:
    """The guard changes nothing for a real, absolute web root (else the tests above prove
    nothing)."""
    root = load_inventory(lab.inventory_path).bastion.http_root
    assert root and root.startswith("/")
    assert "master.ign" in list_web_root(host, root)


def _inventory(tmp_path: Path, **sections: object) -> Path:
    doc = {"cluster": {"name": "ocp45", "base_domain": "example.localdomain"}, **sections}
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"bastion": {"http_root": "-fprint"}}, "bastion.http_root"),
        ({"bastion": {"http_root": "-delete"}}, "bastion.http_root"),
        ({"ssh": {"journal_dir": "-D"}}, "ssh.journal_dir"),
        ({"load_balancer": {"config": "-c"}}, "load_balancer.config"),
        ({"ignition": {"dir": "--help"}}, "ignition.dir"),
        ({"mirror": {"registry": "r:5000", "auth_file": "-x"}}, "mirror.auth_file"),
    ],
)
def test_inventory_refuses_paths_that_read_as_options(
    tmp_path: Path, sections: dict, key: str
) -> None:
    path = _inventory(tmp_path, **sections)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    text = str(info.value)
    assert f"{path}:" in text and key in text and "must not start with '-'" in text, text
    line = int(text.split(f"{path}:", 1)[1].split(":", 1)[0])
    assert key.rsplit(".", 1)[-1] in path.read_text().splitlines()[line - 1]


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        (
            {
                "nodes": [
                    {
                        "name": "m1",
                        "role": "master",
                        "ip": "10.0.0.1",
                        "journal_dir": "/var/log/journal\n-fprint",
                    }
                ]
            },
            "nodes[0].journal_dir",
        ),
        ({"bastion": {"http_root": "/srv/\x1b[2Jhtml"}}, "bastion.http_root"),
        ({"bastion": {"http_url": "http://bastion/\r\nX-Injected: 1"}}, "bastion.http_url"),
    ],
)
def test_inventory_refuses_control_characters(tmp_path: Path, sections: dict, key: str) -> None:
    path = _inventory(tmp_path, **sections)
    with pytest.raises(InventoryError, match=rf"{path}:\d+: {re_key(key)}: holds a control"):
        load_inventory(path)


def re_key(key: str) -> str:
    return key.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")


def test_a_relative_path_written_with_dot_slash_is_accepted(tmp_path: Path) -> None:
    path = _inventory(tmp_path, bastion={"http_root": "./-odd-but-real"})
    assert load_inventory(path).bastion.http_root == "./-odd-but-real"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port on loopback that accepts and never says a word (no SSH banner)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_manifest_says_why_when_the_ssh_banner_never_comes(
    tmp_path: Path, silent_port: int
) -> None:
    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    inv = _inventory(
        tmp_path,
        ssh={
            "user": "core",
            "port": silent_port,
            "key": str(key),
            "known_hosts": str(tmp_path / "kh"),
            "host_key_policy": "accept-new",
        },
        nodes=[{"name": "bs", "role": "bootstrap", "ip": "127.0.0.1"}],
    )
    out = tmp_path / "b.tar.gz"
    done = subprocess.run(
        [sys.executable, "-m", "collectors", "--inventory", str(inv), "--bundle", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"UPI_SSH_CONNECT_TIMEOUT": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.exists(), done.stderr
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    host = manifest["hosts"]["bs"]
    assert host["status"] == "failed" and "banner" in host["error"], host
    rows = [s for s in manifest["sources"] if s.get("host") == "bs"]
    assert rows and all(s["error"] for s in rows), rows
