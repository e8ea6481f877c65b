"""Faults around the network checks: a dead DNS server, a malformed haproxy.cfg, missing keys.

The checks that need what is broken error (or skip) with a reason; the others still run.
"""

from __future__ import annotations

import select
import socket
import time

import pytest

from tests.suite import run_suite


def _silent_udp_port() -> tuple[socket.socket, int]:
    """A bound UDP socket that never answers: a DNS server that has gone quiet."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


@pytest.mark.lab
def test_dns_server_that_does_not_answer_errors_with_server_and_timeout(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("clean")
    sock, port = _silent_udp_port()
    try:
        inv = lab.write_inventory(
            lab.workdir / "dead-dns.yaml", dns={"servers": [f"127.0.0.1:{port}"]}
        )
        started = time.monotonic()
        run = run_suite("-m", "preflight", inventory=inv, env={"UPI_DNS_TIMEOUT": "0.3"})
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    rec = run.record("dns.forward", "m1.ocp45.example.localdomain")
    assert rec["outcome"] == "error"
    assert f"127.0.0.1:{port}" in rec["message"] and "within 0.3 s" in rec["message"]
    # the fix is said once, in run.unreachable; the error points there
    assert "not reachable from this machine" in rec["remediation"]
    assert rec["unreachable"]["source"] == f"DNS server 127.0.0.1:{port}"
    assert run.outcome("dns.api", "api.ocp45.example.localdomain") == "error"
    # lb.backends resolves server names through the site DNS, so it errors too ...
    assert run.outcome("lb.backends", "6443") == "error"
    # ... while the TCP checks do not need DNS and still pass.
    assert set(run.outcomes("lb.port").values()) == {"passed"}
    # a single server: nothing to compare
    assert run.outcome("dns.consistency", "-") == "skipped"
    assert elapsed < 120


@pytest.mark.lab
def test_malformed_haproxy_cfg_errors_naming_path_and_line(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("clean")
    bad = lab.workdir / "bad-haproxy.cfg"
    bad.write_text("global\n    maxconn 10\nfrontend api\n    bind *:notaport\n")
    inv = lab.write_inventory(lab.workdir / "bad-cfg.yaml", load_balancer={"config": str(bad)})
    run = run_suite("-m", "preflight", inventory=inv)
    rec = run.record("lb.backends", "6443")
    assert rec["outcome"] == "error"
    assert f"{bad}:4" in rec["message"] and "notaport" in rec["message"]
    assert rec["remediation"] == f"correct {bad}:4 as the message says, then run the check again"
    assert set(run.outcomes("dns.forward").values()) == {"passed"}


@pytest.mark.lab
def test_unreadable_haproxy_cfg_errors_naming_path(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("clean")
    missing = lab.workdir / "nowhere" / "haproxy.cfg"
    inv = lab.write_inventory(lab.workdir / "no-cfg.yaml", load_balancer={"config": str(missing)})
    run = run_suite("-m", "preflight", inventory=inv)
    rec = run.record("lb.backends", "80")
    assert rec["outcome"] == "error" and str(missing) in rec["message"]
    assert "reachable and readable from this machine" in rec["remediation"]


def test_missing_inventory_keys_skip_with_the_key_named(tmp_path) -> None:  # noqa: ANN001
    inv = tmp_path / "site.yaml"
    inv.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\n"
        "load_balancer: {api: 127.0.0.1}\n"
        "nodes:\n  - {name: m1, role: master, ip: 127.0.0.1}\n"
    )
    run = run_suite("-m", "preflight", inventory=inv, env={"UPI_TCP_TIMEOUT": "0.5"})
    assert run.record("dns.forward", "-")["message"] == "inventory has no dns.servers"
    assert run.record("lb.backends", "-")["message"] == "inventory has no load_balancer.config"
    assert (
        run.record("lb.port", "api_int:6443")["message"] == "inventory has no load_balancer.api_int"
    )
    # load_balancer.api is set and nothing listens on 6443 there: a failure, not a skip
    assert run.outcome("lb.port", "api:6443") == "failed"


def _dropping_listener(host: str, port: int) -> tuple[socket.socket, list[socket.socket]]:
    """A listener whose accept queue is full, so the kernel drops new SYNs: a port that drops."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen(0)
    fillers = []
    for _ in range(3):
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setblocking(False)
        client.connect_ex((host, port))
        fillers.append(client)
    # the accept queue (backlog 0) is full once a filler has completed its handshake: wait for that
    deadline = time.monotonic() + 10
    while not _connected(fillers):
        assert time.monotonic() < deadline, "no filler connection completed within 10 s"
        time.sleep(0.02)
    return server, fillers


def _connected(socks: list[socket.socket]) -> bool:
    """Whether any of these non-blocking sockets has finished connecting."""
    _, writable, _ = select.select([], socks, [], 0)
    return any(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for s in writable)


@pytest.mark.lab
def test_port_that_drops_fails_with_the_timeout_and_does_not_hang(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("clean")
    vip = lab.ip(200)
    server, fillers = _dropping_listener(vip, 443)
    try:
        inv = lab.write_inventory(lab.workdir / "drop.yaml", load_balancer={"ingress": vip})
        started = time.monotonic()
        run = run_suite(
            "-m", "preflight", "-k", "lb.port", inventory=inv, env={"UPI_TCP_TIMEOUT": "0.5"}
        )
        elapsed = time.monotonic() - started
    finally:
        for sock in [server, *fillers]:
            sock.close()
    rec = run.record("lb.port", "ingress:443")
    # no answer at all: an error about reaching it from here, never a failure of the site
    assert rec["outcome"] == "error" and "no answer within 0.5s" in rec["message"], rec
    # a silent server is one cause, whatever its port: grouped by its address
    target = rec["message"].split("cannot reach ")[1].split()[0]
    assert rec["unreachable"]["source"] == target.rsplit(":", 1)[0]
    assert (
        run.record("lb.port", "ingress:80")["outcome"] == "failed"
    )  # nothing bound there: refused
    assert "refused" in run.record("lb.port", "ingress:80")["message"]
    assert run.outcome("lb.port", "api:6443") == "passed"
    assert elapsed < 60
