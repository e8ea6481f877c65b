"""Each DNS question is asked once per run, serial or under xdist (issue 21).

A small DNS server in this process, on loopback, answers the nodes' A and PTR questions and
counts every question it receives; the suite runs dns.forward and dns.reverse against it. Under
``-n`` the controller asks the site once and hands the answers to its workers, which ask
nothing again. A count, not a time.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

import checks.dns  # noqa: F401 - registers the dns checks
from checks.base import REGISTRY
from collectors.inventory import DnsServer
from collectors.transport.deadsources import DeadSources
from collectors.transport.dns import DnsClient, reverse_name
from fixtures.prefetch import selected
from tests.suite import run_suite

HOST = "127.0.0.1"
DOMAIN = "once.example.test"
NODES = [(f"w{i}", "worker", f"127.251.{i // 200}.{i % 200 + 1}") for i in range(300)]
NODES[:3] = [("m1", "master", "127.251.9.21"), ("m2", "master", "127.251.9.22"),
             ("m3", "master", "127.251.9.23")]  # fmt: skip


class CountingDns:
    """A UDP DNS server on ``HOST`` answering A and PTR of :data:`NODES` (NXDOMAIN otherwise);
    ``asked`` counts each ``(name, type)`` received.

    ``with CountingDns.running() as server: ...`` (``server.port``)
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.port = self.sock.getsockname()[1]
        self.asked: Counter[tuple[str, str]] = Counter()
        self.records = {(f"{n}.{DOMAIN}", "A"): ip for n, _, ip in NODES}
        self.records |= {(reverse_name(ip), "PTR"): f"{n}.{DOMAIN}." for n, _, ip in NODES}

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[CountingDns]:
        server = cls()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.sock.close()
            thread.join(5)

    def serve(self) -> None:
        while True:
            try:
                wire, peer = self.sock.recvfrom(65535)
                self.sock.sendto(self.reply(wire), peer)
            except OSError:
                return

    def reply(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.asked[(name, rdtype)] += 1
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        data = self.records.get((name, rdtype))
        if data is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", rdtype, data))
        return response.to_wire()


def inventory(tmp_path: Path, port: int) -> Path:
    nodes = "\n".join(f"  - {{name: {n}, role: {r}, ip: {ip}}}" for n, r, ip in NODES)
    path = tmp_path / "site.yaml"
    path.write_text(
        "cluster: {name: once, base_domain: example.test}\n"
        f"dns:\n  servers: ['{HOST}:{port}']\n"
        f"nodes:\n{nodes}\n"
    )
    return path


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_every_node_question_is_asked_once_per_run(tmp_path: Path, workers: list[str]) -> None:
    with CountingDns.running() as server:
        run = run_suite(
            "-m",
            "preflight",
            "-k",
            "dns.forward or dns.reverse",
            "-p",
            "no:randomly",
            *workers,
            inventory=inventory(tmp_path, server.port),
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    outcomes = Counter((r["check"], r["outcome"]) for r in run.results)
    assert outcomes == {("dns.forward", "passed"): 300, ("dns.reverse", "passed"): 300}
    assert set(server.records) <= set(server.asked)
    assert {q: n for q, n in server.asked.items() if n != 1} == {}


def test_prefetch_asks_each_question_once_and_keeps_what_query_gets() -> None:
    questions = [(f"{n}.{DOMAIN}", "A") for n, _, _ in NODES]
    questions += [(reverse_name(ip), "PTR") for _, _, ip in NODES] + [(f"x.{DOMAIN}", "A")]
    with CountingDns.running() as server:
        target = DnsServer(HOST, server.port)
        batched = DnsClient(timeout=2, dead=DeadSources())
        batched.prefetch([target], questions * 2)  # a question listed twice is sent once
        batched.prefetch([target], questions)  # and not again once cached
        asked = dict(server.asked)
        one_by_one = DnsClient(timeout=2, dead=DeadSources())
        expected = [one_by_one.query(target, *q) for q in questions]
    assert asked == {(name.lower(), rdtype): 1 for name, rdtype in questions}
    assert [batched.query(target, *q) for q in questions] == expected
    assert expected[0].records == ("127.251.9.21",) and expected[-1].rcode == "NXDOMAIN"


@pytest.mark.parametrize(
    ("markexpr", "keyword", "expected"),
    [
        ("preflight", "", True),
        ("postinstall", "", False),
        ("preflight or postinstall", "dns.forward", True),
        ("preflight", "csr", False),
        ("preflight", "not dns", False),
        ("preflight", "m1", True),  # a subject's name
        ("", "test_dns_forward", True),
    ],
)
def test_the_controller_prefetches_only_for_selected_checks(
    markexpr: str, keyword: str, expected: bool
) -> None:
    config = SimpleNamespace(option=SimpleNamespace(markexpr=markexpr, keyword=keyword))
    spec = REGISTRY["dns.forward"]
    assert spec.prefetch is not None
    assert selected(config, spec, ["m1.once.example.test", "w1.once.example.test"]) is expected
