"""checks/lb.py: lb.port, lb.backends (and which nodes belong behind a port),
lb.bootstrap_removed."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.lb import (
    evaluate_backends,
    evaluate_bootstrap,
    evaluate_config,
    evaluate_port,
    expected_nodes,
)
from collectors.facts.lb import BackendFacts, BootstrapFacts, ConfigCheck
from collectors.inventory import Inventory, Node
from collectors.parsers.haproxy import parse_haproxy
from collectors.transport.net import TcpProbe
from tests.checks import inventory

NODES = (
    "nodes:\n"
    "  - {name: bs, role: bootstrap, ip: 10.0.0.11}\n"
    "  - {name: m1, role: master, ip: 10.0.0.21}\n"
    "  - {name: w1, role: worker, ip: 10.0.0.31}\n"
)
INV = inventory(NODES)
CFG = parse_haproxy(
    "frontend api\n bind *:6443\n default_backend api\n"
    "backend api\n server m1 10.0.0.21:6443 check\n server bs 10.0.0.11:6443 check\n"
    "frontend https\n bind *:443\n default_backend ingress\n"
    "backend ingress\n server m1 10.0.0.21:443 check\n",
    "/etc/haproxy/haproxy.cfg",
)


def backend_facts(port: int) -> BackendFacts:
    backends = tuple(CFG.backends_for_port(port))
    addresses = {s.address: (s.address,) for b in backends for s in b.servers}
    return BackendFacts(port, CFG.path, tuple(CFG.frontends_for_port(port)), backends, addresses)


# --------------------------------------------------------------------------- lb.port


def test_port_open_passes() -> None:
    v = evaluate_port("api", TcpProbe("10.0.0.111", 6443, True))
    assert v.ok and v.message == "10.0.0.111:6443 accepts TCP connections"


def test_port_closed_names_bind_firewall_and_selinux() -> None:
    v = evaluate_port(
        "api_int", TcpProbe("10.0.0.110", 22623, False, "connection refused"), "/lb.cfg"
    )
    assert not v.ok
    assert v.message == (
        "expected a TCP connection to 10.0.0.110:22623 (load_balancer.api_int); "
        "found connection refused"
    )
    assert '"bind 10.0.0.110:22623" or "bind *:22623" in the frontend of /lb.cfg' in v.remediation
    assert "haproxy -c -f /lb.cfg" in v.remediation
    assert "--add-port=22623/tcp" in v.remediation
    assert "semanage port -a -t http_port_t -p tcp 22623" in v.remediation


# --------------------------------------------------------------------------- lb.backends


def test_backends_with_every_node_pass() -> None:
    v = evaluate_backends(INV, backend_facts(6443))
    assert v.ok and v.message == ("api hold every one of the masters and the bootstrap")


def test_backend_lacking_a_worker_names_the_server_line() -> None:
    v = evaluate_backends(INV, backend_facts(443))
    assert not v.ok
    assert v.message == (
        "expected the workers as servers behind port 443; "
        "found ingress (1 active server(s)) lacks worker w1 (10.0.0.31)"
    )
    assert v.remediation.startswith(
        'add "server w1 w1.ocp45.example.localdomain:443 check" to backend ingress (line 10)'
    )


def test_port_without_a_frontend_fails() -> None:
    v = evaluate_backends(INV, backend_facts(22623))
    assert not v.ok and v.message.endswith("found no bind on 22623 in /etc/haproxy/haproxy.cfg")
    assert v.remediation.startswith('add a frontend with "bind *:22623" and a default_backend')


roles = st.lists(st.sampled_from(["bootstrap", "master", "worker", "infra"]), max_size=8)


@settings(deadline=None, max_examples=40)
@given(roles, st.sampled_from([6443, 22623, 80, 443, 9000]), st.booleans())
def test_expected_nodes_by_port_and_role(
    node_roles: list[str], port: int, with_bootstrap: bool
) -> None:
    nodes = [Node(f"n{i}", r, f"10.0.1.{i + 1}", f"n{i}.x") for i, r in enumerate(node_roles)]
    what, chosen = expected_nodes(_with_nodes(nodes), port, with_bootstrap=with_bootstrap)
    has_bootstrap = any(n.role == "bootstrap" for n in nodes)
    if port in (6443, 22623):
        wanted = {"master", "bootstrap"} if with_bootstrap else {"master"}
        assert {n.name for n in chosen} == {n.name for n in nodes if n.role in wanted}
        assert what.startswith("masters")
        assert ("bootstrap" in what) == (with_bootstrap and has_bootstrap)
    elif port in (80, 443):
        infra = [n for n in nodes if n.role == "infra"]
        workers = [n for n in nodes if n.role == "worker"]
        expected = infra or workers or [n for n in nodes if n.role == "master"]
        assert chosen == expected
        assert what.split()[0] == ("infra" if infra else "workers" if workers else "masters")
    else:
        assert (what, chosen) == ("nothing known", [])


COMPACT = [
    Node(f"m{i}", "master", f"10.0.0.2{i}", f"m{i}.ocp45.example.localdomain") for i in (1, 2, 3)
]


def test_compact_cluster_ingress_wants_the_masters() -> None:
    cfg = parse_haproxy(
        "frontend https\n bind *:443\n default_backend ingress\n"
        "backend ingress\n server m1 10.0.0.21:443 check\n server m2 10.0.0.22:443 check\n",
        "/etc/haproxy/haproxy.cfg",
    )
    backends = tuple(cfg.backends_for_port(443))
    addresses = {s.address: (s.address,) for b in backends for s in b.servers}
    facts = BackendFacts(443, cfg.path, tuple(cfg.frontends_for_port(443)), backends, addresses)
    v = evaluate_backends(_with_nodes(COMPACT), facts)
    assert not v.ok and "lacks master m3 (10.0.0.23)" in v.message
    assert "the masters (compact cluster: no workers) as servers behind port 443" in v.message
    assert '"server m3 m3.ocp45.example.localdomain:443 check"' in v.remediation


def test_no_bootstrap_in_the_inventory_is_never_named() -> None:
    cfg = parse_haproxy(
        "frontend api\n bind *:6443\n default_backend api\n"
        "backend api\n server m1 10.0.0.21:6443 check\n",
        "/etc/haproxy/haproxy.cfg",
    )
    backends = tuple(cfg.backends_for_port(6443))
    facts = BackendFacts(
        6443, cfg.path, tuple(cfg.frontends_for_port(6443)), backends, {"10.0.0.21": ("10.0.0.21",)}
    )
    v = evaluate_backends(_with_nodes(COMPACT), facts)
    assert not v.ok and "bootstrap" not in v.message
    assert v.message.startswith("expected the masters as servers behind port 6443")


def _with_nodes(nodes: list[Node]) -> Inventory:
    """The test inventory with other nodes (a copy: inventories are not mutated)."""
    return dataclasses.replace(INV, nodes=nodes)


# --------------------------------------------------------------------------- lb.bootstrap_removed

BOOTSTRAP = Node("bs", "bootstrap", "10.0.0.11", "bs.ocp45.example.localdomain")


def bootstrap_facts(port: int) -> BootstrapFacts:
    backends = CFG.backends_for_port(port)
    servers = tuple((b, s) for b in backends for s in b.servers if s.active)
    return BootstrapFacts(port, CFG.path, BOOTSTRAP, servers, {})


def test_bootstrap_gone_passes() -> None:
    v = evaluate_bootstrap(bootstrap_facts(443))
    assert v.ok and v.message == "the bootstrap bs is not an active server behind 443"


def test_bootstrap_still_active_names_its_line() -> None:
    v = evaluate_bootstrap(bootstrap_facts(6443))
    assert not v.ok
    assert v.message == (
        "expected no bootstrap server behind port 6443 after install; "
        "found bootstrap bs (10.0.0.11) is still active in api"
    )
    assert v.remediation.startswith(
        'in /etc/haproxy/haproxy.cfg: comment out or delete "server bs 10.0.0.11:6443 check" '
        "(line 6, backend api)"
    )


# --------------------------------------------------------------------------- lb.config


def test_valid_config_passes_with_version_and_warnings() -> None:
    facts = ConfigCheck(
        "/etc/haproxy/haproxy.cfg",
        "root@lb1:22",
        0,
        "HAProxy version 2.6.12",
        ("[WARNING]  (1) : config : 'option forwardfor' ignored", "Configuration file is valid"),
    )
    v = evaluate_config(facts)
    assert v.ok and v.message == (
        "haproxy -c on root@lb1:22 (HAProxy version 2.6.12): configuration is valid, 1 warning(s)"
    )


def test_rejected_config_carries_the_alerts_and_the_matching_fix() -> None:
    alerts = tuple(
        f"[ALERT]    (7) : config : parsing [/etc/haproxy/haproxy.cfg:{n}] : 'listen' or "
        "'defaults' expected."
        for n in range(10, 15)
    )
    first = (
        "[ALERT]    (7) : config : parsing [/etc/haproxy/haproxy.cfg:9] : please use the 'bind' "
        "keyword for listening addresses.",
    )
    facts = ConfigCheck("/etc/haproxy/haproxy.cfg", "this machine", 1, "", first + alerts)
    v = evaluate_config(facts)
    assert not v.ok
    assert v.message.startswith(
        "expected haproxy -c -f /etc/haproxy/haproxy.cfg on this machine to accept the "
        "configuration; found exit 1: config : parsing [/etc/haproxy/haproxy.cfg:9] : please use "
        "the 'bind' keyword"
    )
    assert v.message.endswith("; … (3 more)") and len(v.details) == 6
    assert v.remediation.startswith('move the address off the section line: "listen NAME" then')
    assert "\\n" not in v.remediation and "\n" not in v.remediation


def test_missing_lf_fix_names_the_file() -> None:
    line = "[ALERT]    (7) : config : parsing [/x/h.cfg:40]: Missing LF on last line, file might"
    v = evaluate_config(ConfigCheck("/x/h.cfg", "this machine", 1, "", (line,)))
    assert not v.ok and v.remediation.startswith("end the file with a newline: echo >> /x/h.cfg")


# ------------------------------------------------------------------- lb.backends: mode, check


def _facts_of(text: str, port: int) -> BackendFacts:
    cfg = parse_haproxy(text, "/lb.cfg")
    backends = tuple(cfg.backends_for_port(port))
    addresses = {s.address: (s.address,) for b in backends for s in b.servers}
    return BackendFacts(port, cfg.path, tuple(cfg.frontends_for_port(port)), backends, addresses)


def test_mode_http_inherited_from_the_last_defaults_above_fails_naming_it() -> None:
    text = (
        "defaults\n mode tcp\n"
        "defaults\n mode http\n"  # line 3-4: the one the proxies below inherit
        "frontend api\n bind *:6443\n default_backend api\n"
        "backend api\n mode tcp\n server m1 10.0.0.21:6443 check\n server bs 10.0.0.11:6443 check\n"
    )
    v = evaluate_backends(INV, _facts_of(text, 6443))
    assert not v.ok
    assert "frontend api (line 5) is mode http, set in defaults (line 4)" in v.message
    assert "backend api" not in v.message.split("found", 1)[1]
    assert 'add "mode tcp" to frontend api (line 5)' in v.remediation


def test_mode_http_on_the_backend_line_names_the_line() -> None:
    text = (
        "defaults\n mode tcp\n"
        "frontend api\n bind *:6443\n default_backend api\n"
        "backend api\n mode http\n"
        " server m1 10.0.0.21:6443 check\n server bs 10.0.0.11:6443 check\n"
    )
    v = evaluate_backends(INV, _facts_of(text, 6443))
    assert (
        not v.ok and "backend api (line 6) is mode http, set in backend api (line 7)" in v.message
    )
    assert 'change line 7 of backend api to "mode tcp"' in v.remediation


def test_server_without_check_fails_naming_server_and_line() -> None:
    text = (
        "frontend api\n bind *:6443\n default_backend api\n"
        "backend api\n server m1 10.0.0.21:6443\n server bs 10.0.0.11:6443 check\n"
    )
    v = evaluate_backends(INV, _facts_of(text, 6443))
    assert not v.ok
    assert "server m1 of backend api (line 5) has no check" in v.message
    assert "bs" not in v.message.split("found", 1)[1]
    assert 'append " check" to line(s) 5 of /lb.cfg' in v.remediation


def test_default_server_check_counts_and_no_check_does_not() -> None:
    text = (
        "defaults\n default-server check\n"
        "frontend api\n bind *:6443\n default_backend api\n"
        "backend api\n server m1 10.0.0.21:6443\n server bs 10.0.0.11:6443 no-check\n"
    )
    v = evaluate_backends(INV, _facts_of(text, 6443))
    assert not v.ok and "server bs of backend api (line 8) has no check" in v.message
    assert "server m1" not in v.message


def test_missing_node_and_unchecked_server_are_both_said() -> None:
    text = (
        "frontend api\n bind *:6443\n default_backend api\nbackend api\n server m1 10.0.0.21:6443\n"
    )
    v = evaluate_backends(INV, _facts_of(text, 6443))
    assert not v.ok
    assert "lacks bootstrap bs (10.0.0.11)" in v.message and "has no check" in v.message
    assert v.remediation.startswith('add "server bs ')


def test_port_fix_names_semanage_only_for_ports_selinux_does_not_define() -> None:
    for port in (80, 443):
        v = evaluate_port("ingress", TcpProbe("10.0.0.112", port, False, "refused"))
        assert "semanage" not in v.remediation and "see lb.host" in v.remediation
    v = evaluate_port("api", TcpProbe("10.0.0.111", 6443, False, "refused"))
    assert (
        'if "semanage port -l" does not list 6443/tcp: '
        '"semanage port -a -t http_port_t -p tcp 6443"' in v.remediation
    )
