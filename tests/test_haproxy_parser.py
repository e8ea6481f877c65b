"""haproxy.cfg parsing: the seed's real file, the syntax corners, and hypothesis fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.lb import evaluate_backends
from collectors.errors import InputError
from collectors.facts.lb import BackendFacts
from collectors.inventory import load_inventory
from collectors.parsers.haproxy import check_references, parse_haproxy

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "data" / "seed-haproxy.cfg"


def test_seed_config_parses_with_its_four_frontends_and_backends() -> None:
    cfg = parse_haproxy(SEED.read_text(), str(SEED))
    kinds = [(s.kind, s.name) for s in cfg.sections if s.kind in ("frontend", "backend")]
    assert kinds == [
        ("frontend", "kubeapi"),
        ("frontend", "machineconfig"),
        ("frontend", "workerhttp"),
        ("frontend", "workerhttps"),
        ("backend", "kube_api"),
        ("backend", "machine_config"),
        ("backend", "worker_http"),
        ("backend", "worker_https"),
    ]
    assert [b.name for b in cfg.backends_for_port(22623)] == ["machine_config"]
    api = cfg.proxy("backend", "kube_api")
    assert api is not None
    assert [(s.name, s.address, s.port) for s in api.servers][:2] == [
        ("bs", "bs.ocp45.example.localdomain", 6443),
        ("m1", "m1.ocp45.example.localdomain", 6443),
    ]
    # the commented-out "frontend main" and "backend app" are not sections
    assert cfg.proxy("backend", "app") is None and not cfg.frontends_for_port(5000)
    assert check_references(cfg) == []


def test_bind_forms() -> None:
    cfg = parse_haproxy(
        "frontend f\n bind :80\n bind *:443\n bind 10.0.0.1:6443,10.0.0.2:6443 ssl crt x.pem\n"
        " bind ipv4@10.0.0.3:8080-8081\n bind [::1]:9090\n bind unix@/run/x.sock\n"
        " default_backend b\n"
        "backend b\n server s1 10.0.0.9 check\n",
        "t.cfg",
    )
    binds = [(b.address, b.port) for b in cfg.sections[0].binds]
    assert binds == [
        (None, 80),
        (None, 443),
        ("10.0.0.1", 6443),
        ("10.0.0.2", 6443),
        ("10.0.0.3", 8080),
        ("10.0.0.3", 8081),
        ("::1", 9090),
    ]
    assert cfg.sections[1].servers[0].port is None


def test_listen_use_backend_disabled_and_commented_servers() -> None:
    cfg = parse_haproxy(
        "listen stats\n bind *:9000\n server local 127.0.0.1:9001\n"
        "frontend https\n bind *:443\n use_backend infra if { req_ssl_sni -m end .apps }\n"
        " default_backend workers\n"
        "backend infra\n server i1 i1.example:443 check # added\n"
        " server i2 i2.example:443 disabled\n"
        " #server i3 i3.example:443 check\n"
        "backend workers\n server w1 w1.example:443 backup\n",
        "t.cfg",
    )
    assert [s.name for s in cfg.backends_for_port(9000)] == ["stats"]
    assert [s.name for s in cfg.backends_for_port(443)] == ["infra", "workers"]
    infra = cfg.proxy("backend", "infra")
    assert infra is not None
    assert [(s.name, s.active) for s in infra.servers] == [("i1", True), ("i2", False)]
    assert [s.name for s in infra.commented_servers] == ["i3"]
    assert cfg.proxy("backend", "workers").servers[0].backup  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("bind *:80\n", 1, "outside any section"),
        ("frontend\n", 1, "without a name"),
        ("frontend f\n bind *:http\n", 2, "bad port"),
        ("frontend f\n bind 10.0.0.1\n", 2, "no port"),
        ("backend b\n server s1\n", 2, "name and an address"),
        ("backend b\n server s1 h:99999\n", 2, "bad port"),
        ("backend b\n bind *:80\n", 2, "bind in backend"),
        ("frontend f\n server s h:1\n", 2, "server in frontend"),
        ("frontend f\n default_backend\n", 2, "needs a backend name"),
        ("frontend f\n acl x 'unterminated\n", 2, "cannot split"),
        ("global\n\x00\n", 2, "NUL"),
    ],
)
def test_malformed_lines_name_source_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_haproxy(text, "/etc/haproxy/haproxy.cfg")
    assert str(info.value).startswith(f"/etc/haproxy/haproxy.cfg:{line}: ")
    assert words in str(info.value)


def test_undefined_backend_is_reported() -> None:
    cfg = parse_haproxy("frontend f\n bind *:80\n default_backend nowhere\n", "t.cfg")
    assert check_references(cfg) == ["t.cfg:1: frontend f uses undefined backend 'nowhere'"]


def test_evaluate_backends_on_the_seed_config(tmp_path: Path) -> None:
    """The seed's first haproxy.cfg fronts workers, but the site has infra nodes: 80 fails."""
    inv_path = tmp_path / "site.yaml"
    nodes = "".join(
        f"  - {{name: {n}, role: {r}, ip: 172.16.0.{o}}}\n"
        for n, r, o in [
            ("bs", "bootstrap", 11),
            ("m1", "master", 21),
            ("m2", "master", 22),
            ("m3", "master", 23),
            ("w1", "worker", 31),
            ("i1", "infra", 41),
        ]
    )
    inv_path.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\nnodes:\n" + nodes
    )
    inv = load_inventory(inv_path)
    cfg = parse_haproxy(SEED.read_text(), "haproxy.cfg")
    names = {n.fqdn: n.ip for n in inv.nodes}

    def facts(port: int) -> BackendFacts:
        backends = tuple(cfg.backends_for_port(port))
        addresses = {
            s.address: ((names[s.address],) if s.address in names else ())
            for b in backends
            for s in b.servers
        }
        return BackendFacts(
            port, "haproxy.cfg", tuple(cfg.frontends_for_port(port)), backends, addresses
        )

    assert evaluate_backends(inv, facts(6443)).ok
    verdict = evaluate_backends(inv, facts(80))
    assert not verdict.ok and "infra i1 (172.16.0.41)" in verdict.message
    assert "w2.ocp45.example.localdomain" in verdict.message  # unresolved names are named


lines = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.builds(
        lambda k, a: f"{k} {a}",
        st.sampled_from(
            [
                "frontend",
                "backend",
                "listen",
                "bind",
                "server",
                "default_backend",
                "use_backend",
                "global",
                "mode",
            ]
        ),
        st.text(alphabet="abc*:.0123456789[]@,-# '\"", max_size=25),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(lines, max_size=25))
def test_any_text_parses_or_fails_with_a_line(config_lines: list[str]) -> None:
    text = "\n".join(config_lines)
    try:
        cfg = parse_haproxy(text, "fuzz.cfg")
    except InputError as exc:
        assert (
            exc.source == "fuzz.cfg"
            and exc.line is not None
            and 1 <= exc.line <= len(text.split("\n"))
        )
    else:
        for port in (80, 443, 6443):
            cfg.backends_for_port(port)
        check_references(cfg)


@settings(deadline=None, max_examples=60)
@given(
    st.sampled_from(["listen", "frontend"]),
    st.from_regex(r"[a-z][a-z0-9_\-]{0,15}", fullmatch=True),
    st.sampled_from(["", "*", "0.0.0.0", "10.0.0.5"]),
    st.integers(1, 65535),
)
def test_address_on_the_section_line_is_a_bind(kind: str, name: str, host: str, port: int) -> None:
    """1.x ``listen NAME ADDR:PORT`` reads the same as ``listen NAME`` + ``bind ADDR:PORT``."""
    inline = parse_haproxy(f"{kind} {name} {host}:{port}\n  mode tcp\n", "a.cfg").sections[0]
    split = parse_haproxy(f"{kind} {name}\n  bind {host}:{port}\n  mode tcp\n", "b.cfg").sections[0]
    assert [(b.address, b.port) for b in inline.binds] == [(b.address, b.port) for b in split.binds]
    assert inline.inline_bind and not split.inline_bind and inline.binds[0].line == 1
