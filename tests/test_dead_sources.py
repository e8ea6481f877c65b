"""A dead source is one root cause: a site where nothing answers (silent DNS servers, LB
addresses and an SSH host that drop every connection) costs one timeout per dead source, not one
per subject; the other subjects error at once naming it, and each remediation prints once."""

from __future__ import annotations

import contextlib
import fcntl
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.errors import FactError
from collectors.inventory import DnsServer
from collectors.transport.deadsources import DeadSources
from collectors.transport.dns import DnsClient
from collectors.transport.net import probe_tcp, probe_tcp_all
from tests.suite import run_suite

TIMEOUT = 1.0
DNS = ["127.250.0.2", "127.250.0.3"]
LB = {"api": "127.250.0.10", "api_int": "127.250.0.11"}
BASTION = "127.250.0.20"
PORTS = {"api": 16443, "machine_config": 22623, "http": 18080, "https": 18443}
NODES = [("bs", "bootstrap", 11), ("m1", "master", 21), ("m2", "master", 22), ("m3", "master", 23),
         ("w1", "worker", 31), ("w2", "worker", 32)]  # fmt: skip


@contextlib.contextmanager
def silent_site() -> Iterator[None]:
    """UDP sockets that never reply, and TCP listeners whose full accept queue drops every SYN
    (listen(0) with one connection parked), on loopback; all closed at the end. Its addresses
    are fixed: a lock keeps two xdist workers from making it at the same time."""
    socks: list[socket.socket] = []
    lock = open(Path(tempfile.gettempdir()) / "upi-tests-silent-site.lock", "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        for host in DNS:
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((host, 5353))
            socks.append(udp)
        for host, port in [*((a, p) for a in LB.values() for p in PORTS.values()), (BASTION, 2222)]:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(0)
            filler = socket.create_connection((host, port), timeout=2)
            socks += [listener, filler]
        yield
    finally:
        for s in socks:
            s.close()
        lock.close()  # releases the lock


def inventory(tmp_path: Path) -> Path:
    cfg = tmp_path / "haproxy.cfg"
    servers = "\n".join(
        f"    server {n} {n}.dead.example.invalid:6443 check" for n, r, _ in NODES if r != "worker"
    )
    cfg.write_text(
        "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 1m\n"
        "    timeout server 1m\n"
        f"frontend api\n    bind *:{PORTS['api']}\n    default_backend api\n"
        f"backend api\n    balance source\n{servers}\n"
    )
    nodes = "\n".join(f"  - {{name: {n}, role: {r}, ip: 127.250.1.{i}}}" for n, r, i in NODES)
    path = tmp_path / "site.yaml"
    path.write_text(
        "cluster: {name: dead, base_domain: example.invalid}\n"
        f"dns:\n  servers: [{', '.join(f'{h}:5353' for h in DNS)}]\n"
        f"load_balancer:\n  api: {LB['api']}\n  api_int: {LB['api_int']}\n"
        f"  ingress: {LB['api']}\n  config: haproxy.cfg\n"
        f"  ports: {{api: {PORTS['api']}, machine_config: {PORTS['machine_config']}, "
        f"http: {PORTS['http']}, https: {PORTS['https']}}}\n"
        f"nodes:\n{nodes}\n"
        f"bastion:\n  ssh: root@{BASTION}:2222\n  http_root: /usr/share/nginx/html\n"
        f"  http_url: http://{BASTION}:18081/\n"
    )
    return path


#: Every source of the silent site that can time out.
DEAD = (
    {f"DNS server {h}:5353" for h in DNS}
    | {f"address {a}" for a in LB.values()}
    | {f"SSH host {BASTION}:2222", f"address {BASTION}"}  # SSH's connect shares the address memo
)
ENV = {
    "UPI_DNS_TIMEOUT": str(TIMEOUT),
    "UPI_TCP_TIMEOUT": str(TIMEOUT),
    "UPI_SSH_CONNECT_TIMEOUT": str(TIMEOUT),
    "UPI_HTTP_TIMEOUT": str(TIMEOUT),
}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_site_where_nothing_answers_waits_once_per_dead_source(
    tmp_path: Path, workers: list[str]
) -> None:
    with silent_site():
        run = run_suite("-m", "preflight", *workers, inventory=inventory(tmp_path), env=ENV)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    dead = {d["source"]: d for d in run.report["run"]["dead_sources"]}
    # the second DNS server is never asked: the checks stop at the first that does not answer
    assert DEAD - {f"DNS server {DNS[1]}:5353"} <= set(dead) <= DEAD, dead
    # waits: every request of the run that waited for a dead source until its timeout (a
    # count, not a time). Serial: exactly one per dead source; xdist: at most one per process
    # (controller + 2 workers) that asked before another had written it down
    if not workers:
        assert {s: d["waits"] for s, d in dead.items()} == dict.fromkeys(dead, 1), dead
    else:
        assert all(1 <= d["waits"] <= 3 for d in dead.values()), dead
    assert sum(d["refused"] for d in dead.values()) >= 2 * len(NODES)  # did not wait again

    forward = [r for r in run.results if r["check"] == "dns.forward"]
    assert len(forward) == len(NODES) and {r["outcome"] for r in forward} == {"error"}
    assert all("no answer within 1 s; not asked again" in r["message"] for r in forward)
    assert len({r["remediation"] for r in forward}) == 1  # one root cause, one fix
    ports = {r["subject"]: r for r in run.results if r["check"] == "lb.port"}
    # no answer from the LB addresses: errors about reaching them, never failures of the site
    assert {r["outcome"] for r in ports.values()} == {"error"}
    assert all("unreachable" in r for r in ports.values())
    causes = {c["source"] for c in run.report["run"]["unreachable"]}
    assert {LB["api"], LB["api_int"]} <= causes, causes
    if not workers:  # under xdist that subject may be the first its worker sends there
        assert "not asked again" in ports[f"api_int:{PORTS['machine_config']}"]["message"]
    # a site-wide error names the source that failed, not "-"
    served = [r for r in run.results if r["check"] == "http.served"]
    assert [r["subject"] for r in served] == [f"ssh root@{BASTION}:2222"], served
    assert served[0]["outcome"] == "error"

    summary = run.stdout.split("failures by check", 1)[1]
    block = summary.split("\ndns.forward:", 1)[1].split("\ndns.", 1)[0]
    assert block.count("fix (") == 1, block  # one fix, said once for every subject
    assert "sources that did not answer" in run.stdout


def test_the_next_query_to_a_dead_server_errors_at_once() -> None:
    dead = DeadSources()
    with silent_site():
        client = DnsClient(timeout=0.5, dead=dead)
        server = DnsServer(DNS[0], 5353)
        with pytest.raises(FactError, match="not asked again") as first:
            client.query(server, "m1.dead.example.invalid", "A")
        for name in ("m2", "m3", "w1"):
            with pytest.raises(FactError, match=f"no answer from DNS server {DNS[0]}:5353"):
                client.query(server, f"{name}.dead.example.invalid", "A")
        assert dead.waits == 1 and dead.report()[0]["refused"] == 3  # refused, not waited for
        assert first.value.source == f"DNS server {DNS[0]}:5353"
        probe = probe_tcp(LB["api"], PORTS["api"], timeout=0.5, dead=dead)
        later = probe_tcp(LB["api"], PORTS["https"], timeout=0.5, dead=dead)
        assert not probe.ok and not later.ok and later.seconds == 0.0
        assert f"port {PORTS['https']} not tried" in later.error and dead.waits == 2


def test_a_server_that_answered_before_is_not_dead_after_one_lost_reply() -> None:
    dead = DeadSources()
    dead.alive("address 127.250.0.10")
    with silent_site():
        probe = probe_tcp(LB["api"], PORTS["api"], timeout=0.3, dead=dead)
        again = probe_tcp(LB["api"], PORTS["http"], timeout=0.3, dead=dead)
    assert not probe.ok and not again.ok and "not tried" not in again.error  # it answered once
    assert dead.report() == [] and dead.waits == 2  # so it was asked (and waited for) again


def test_probing_many_endpoints_waits_once_per_silent_host() -> None:
    """lb.port's probes (probe_tcp_all): each silent address waited for once, the first of its
    endpoints; its other endpoints not tried."""
    dead = DeadSources()
    endpoints = [(LB["api"], PORTS["api"]), (LB["api_int"], PORTS["api"])]
    endpoints += [(LB["api_int"], PORTS["machine_config"]), (LB["api"], PORTS["https"])]
    with silent_site():
        probes = probe_tcp_all(endpoints, timeout=0.5, dead=dead)
    assert list(probes) == endpoints and not any(p.ok for p in probes.values())
    assert [p.seconds == 0.0 and "not tried" in p.error for p in probes.values()] == [
        False,
        False,
        True,
        True,
    ]
    assert dead.waits == 2 and [(d["source"], d["waits"], d["refused"]) for d in dead.report()] == [
        (f"address {LB['api']}", 1, 1),
        (f"address {LB['api_int']}", 1, 1),
    ]


MIRROR = "127.250.0.30"
NTP = "127.250.0.40"


@contextlib.contextmanager
def silent_mirror_and_ntp() -> Iterator[None]:
    """A registry address whose accept queue drops every SYN and an NTP server that never
    replies, on loopback; closed at the end."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener = socket.socket()
    socks = [udp, listener]
    try:
        udp.bind((NTP, 5123))
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((MIRROR, 18444))
        listener.listen(0)
        socks.append(socket.create_connection((MIRROR, 18444), timeout=2))
        yield
    finally:
        for s in socks:
            s.close()


def test_every_kind_of_silent_source_is_listed_once_in_run_dead_sources(tmp_path: Path) -> None:
    """DNS (UDP), the LB addresses (TCP probes), the mirror (registry HTTP and TLS), the NTP
    server (UDP) and the bastion (SSH): each that let a request time out is in
    ``run.dead_sources``, waited for once in a serial run (a count, not a time)."""
    path = inventory(tmp_path)
    path.write_text(
        path.read_text()
        + f"mirror:\n  registry: {MIRROR}:18444\n"
        + f"  release_image: {MIRROR}:18444/ocp4/openshift4:4.5.6-x86_64\n"
        + f"ntp:\n  servers: ['{NTP}:5123']\n"
    )
    with silent_site(), silent_mirror_and_ntp():
        run = run_suite("-m", "preflight", inventory=path, env=ENV)
    dead = {d["source"]: d for d in run.report["run"]["dead_sources"]}
    expected = {
        f"DNS server {DNS[0]}:5353",
        f"address {LB['api']}",
        f"address {LB['api_int']}",
        f"address {MIRROR}",  # the registry's and the TLS probe's connects share it
        f"NTP server {NTP}:5123",
        f"SSH host {BASTION}:2222",
    }
    assert expected <= set(dead), sorted(dead)
    assert {s: dead[s]["waits"] for s in expected} == dict.fromkeys(expected, 1), dead
    mirror = [r for r in run.results if r["check"].startswith("mirror.")]
    assert mirror and {r["outcome"] for r in mirror} <= {"error", "skipped"}, mirror
    ntp = [r for r in run.results if r["check"] == "time.sync"]
    assert any(r["outcome"] == "error" for r in ntp), ntp


def test_a_silent_ssh_host_is_one_cause_with_its_address() -> None:
    """An SSH host learned dead (from this process or another xdist worker) is grouped in
    run.unreachable under its address, as a silent TCP connect to it is: one cause per silent
    server whether the run is serial or not (the bench showed the bastion twice under -n 2)."""
    from collectors.transport.deadsources import DeadSources

    dead = DeadSources()
    dead.mark("SSH host 127.20.0.101:20002", 3, "check sshd")
    with pytest.raises(FactError) as raised:
        dead.check("SSH host 127.20.0.101:20002")
    assert raised.value.cause["source"] == "127.20.0.101"
    dead.mark("DNS server 127.20.0.2:53", 2, "check named")
    with pytest.raises(FactError) as raised:
        dead.check("DNS server 127.20.0.2:53")
    assert raised.value.cause["source"] == "DNS server 127.20.0.2:53"
