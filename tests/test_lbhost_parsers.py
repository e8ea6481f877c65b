"""Parsers of the LB host's tools (semanage port -l, getsebool, getenforce, firewall-cmd) on
their real outputs (tests/real/<tool>), generated ones, and hostile ones; and lb.host's gather
over a host whose tools are missing or print hostile output: each named, nothing else lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.lb import evaluate_host, unjudged
from collectors.errors import InputError
from collectors.facts import lb as lb_facts
from collectors.parsers.firewalld import covers, parse_ports, parse_services, parse_state
from collectors.parsers.selinuxtools import (
    parse_getenforce,
    parse_getsebool,
    parse_semanage_ports,
    types_of,
)
from collectors.site import Site
from tests.checks import inventory

REAL = Path(__file__).parent / "real"


def test_real_semanage_lists() -> None:
    labels = parse_semanage_ports((REAL / "semanage" / "port-l-rhel9-rh134-http.txt").read_text())
    assert types_of(labels, 80) == ("http_port_t",) and types_of(labels, 10010)
    assert types_of(labels, 6443) == types_of(labels, 22623) == ()
    assert types_of(labels, 3130, "udp") == ("http_cache_port_t",)
    ftp = parse_semanage_ports((REAL / "semanage" / "port-l-rhel9-rh134-ftp.txt").read_text())
    assert [(x.type, x.proto) for x in ftp][1:3] == [("ftp_port_t", "tcp"), ("ftp_port_t", "udp")]


def test_real_booleans_mode_and_firewall_lists() -> None:
    text = (REAL / "getsebool" / "httpd_can_network_connect-off.txt").read_text()
    assert parse_getsebool(text) == {"httpd_can_network_connect": False}
    assert parse_getenforce((REAL / "getenforce" / "enforcing.txt").read_text()) == "Enforcing"
    ports = parse_ports((REAL / "firewall-cmd" / "list-ports-issue641.txt").read_text())
    assert covers(ports, 2002) and not covers(ports, 2004)
    services = parse_services((REAL / "firewall-cmd" / "list-services-issue641.txt").read_text())
    assert services == ("cockpit", "dhcpv6-client", "mdns", "nfs", "ssh")
    assert parse_state((REAL / "firewall-cmd" / "state-not-running.txt").read_text(), 252) is False


def test_bind_failure_lines_and_not_a_connect_denial() -> None:
    folder = REAL / "haproxy-journal"
    for name in ("docker-library-haproxy-162.txt", "whatsapp-proxy-110.txt"):
        hits = [
            ln
            for ln in (folder / name).read_text().splitlines()
            if lb_facts.BIND_FAILURE.search(ln)
        ]
        assert len(hits) == 2, name
    denied = (folder / "unix-se-363878-connect-denied.txt").read_text()
    assert not lb_facts.BIND_FAILURE.search(denied)


ranges = st.lists(
    st.tuples(st.integers(0, 65535), st.integers(0, 200)).map(
        lambda t: (t[0], min(65535, t[0] + t[1]))
    ),
    min_size=1,
    max_size=20,
)


@given(ranges, st.integers(0, 65535))
def test_semanage_round_trip(rs: list[tuple[int, int]], port: int) -> None:
    items = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in rs)
    labels = parse_semanage_ports(
        f"SELinux Port Type  Proto  Port Number\n\nx_port_t  tcp  {items}\n"
    )
    assert bool(types_of(labels, port)) == any(a <= port <= b for a, b in rs)


@given(st.lists(st.tuples(st.integers(1, 65535), st.sampled_from(["tcp", "udp"])), max_size=30))
def test_firewall_ports_round_trip(items: list[tuple[int, str]]) -> None:
    parsed = parse_ports(" ".join(f"{p}/{proto}" for p, proto in items) + "\n")
    assert [(a, c) for a, _, c in parsed] == items


@given(st.text(max_size=300))
def test_any_text_parses_or_is_named(text: str) -> None:
    for parse in (
        parse_semanage_ports,
        parse_getsebool,
        parse_getenforce,
        parse_ports,
        parse_services,
    ):
        try:
            parse(text)
        except InputError as exc:
            assert str(exc)


HOSTILE = {
    "binary": "Enforcing\x00\x01\x02",
    "escape": "\x1b]0;pwned\x07\x1b[31mEnforcing\n",
    "huge": "x_port_t tcp 1\n" * 6000,
    "long line": "Enforcing" + "A" * 10000 + "\n",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_outputs_are_bounded_and_named(kind: str) -> None:
    for parse, tool in (
        (parse_getenforce, "getenforce"),
        (parse_semanage_ports, "semanage port -l"),
        (parse_services, "firewall-cmd --list-services"),
    ):
        if kind == "huge" and parse is parse_semanage_ports:
            with pytest.raises(InputError, match="more than 5000 lines"):
                parse(HOSTILE[kind])
            continue
        try:
            parse(HOSTILE[kind])
        except InputError as exc:
            assert tool in str(exc) and "\x1b" not in str(exc) and "\x00" not in str(exc)


CFG = (
    "frontend api\n bind *:6443\n default_backend api\n"
    "backend api\n server m1 10.0.0.21:6443 check\n"
)


class _Host:
    """An LB host whose tools answer from a table; others are missing (exit 127)."""

    def __init__(self, answers: dict[str, tuple[int, str]]) -> None:
        self.answers = answers

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        key = " ".join(argv[4:])
        if key in self.answers:
            rc, out = self.answers[key]
            return rc, out, ""
        if argv[4] in {k.split()[0] for k in self.answers}:
            return 2, "", "unexpected"
        return 127, "", "NOT_FOUND\n"

    def read_text(self, path: str) -> str:
        return CFG


def _gather(answers: dict[str, tuple[int, str]]):  # noqa: ANN202
    site = Site(inventory("load_balancer: {ssh: 'root@lb1', config: /etc/haproxy/haproxy.cfg}\n"))
    site.host = lambda target: _Host(answers)  # type: ignore[method-assign]
    return lb_facts.gather_lbhost(site, "lb1")


def test_missing_tools_are_named_and_skipped_not_failed() -> None:
    f = _gather({"systemctl is-active haproxy": (0, "active\n")})
    assert evaluate_host(f).ok
    assert unjudged(f) == "getenforce, firewall-cmd, journalctl not installed on root@lb1:22"


def test_hostile_semanage_output_is_named_and_the_rest_still_judged() -> None:
    f = _gather(
        {
            "systemctl is-active haproxy": (3, "failed\n"),
            "getenforce": (0, "Enforcing\n"),
            "getsebool haproxy_connect_any": (0, "haproxy_connect_any --> off\n"),
            "semanage port -l": (0, "\x1b[2J" + "garbage\n" * 10),
            "firewall-cmd --state": (0, "running\n"),
            "firewall-cmd --list-ports": (0, "6443/tcp\n"),
            "firewall-cmd --list-services": (0, "ssh\n"),
            "firewall-cmd --permanent --list-ports": (0, "\n"),
            "firewall-cmd --permanent --list-services": (0, "ssh\n"),
        }
    )
    assert f.port_types == {} and len(f.unreadable) == 1
    assert f.unreadable[0].startswith("semanage port -l") and "\x1b" not in f.unreadable[0]
    v = evaluate_host(f)
    assert not v.ok
    assert "systemctl is-active haproxy says failed" in v.message
    assert "6443 is open only in the runtime configuration (6443/tcp)" in v.message
