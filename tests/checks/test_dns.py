"""checks/dns.py: forward, reverse, API names, apps wildcard, server agreement, the mirror's name
and no wildcard under the cluster domain."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.dns import (
    evaluate_address,
    evaluate_apps_wildcard,
    evaluate_cluster_wildcard,
    evaluate_consistency,
    evaluate_forward,
    evaluate_mirror_name,
    evaluate_reverse,
)
from collectors.facts.dns import MirrorNameFacts, ServerView
from collectors.inventory import Node
from collectors.transport.dns import Answer, reverse_name

NODE = Node("m1", "master", "10.0.0.21", "m1.ocp45.example.localdomain")
ZONE = "0.0.10.in-addr.arpa"

servers = st.lists(
    st.from_regex(r"10\.0\.0\.[1-9]:53", fullmatch=True), min_size=1, max_size=4, unique=True
)
wrong_records = st.sampled_from([(), ("10.0.0.99",), ("10.0.0.21", "10.0.0.22")])


def answer(server: str, name: str, rdtype: str, records: tuple[str, ...], **kw: object) -> Answer:
    rcode = "NOERROR" if records else "NXDOMAIN"
    return Answer(server, name, rdtype, rcode, records, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- forward


def test_forward_passes_when_every_server_answers_the_ip() -> None:
    answers = {s: answer(s, NODE.fqdn, "A", (NODE.ip,)) for s in ("a:53", "b:53")}
    v = evaluate_forward(NODE, answers)
    assert v.ok and v.message == "A 10.0.0.21 on 2 server(s)"


def test_forward_names_the_server_and_the_record_to_add() -> None:
    answers = {
        "a:53": answer("a:53", NODE.fqdn, "A", (NODE.ip,)),
        "b:53": answer("b:53", NODE.fqdn, "A", ()),
    }
    v = evaluate_forward(NODE, answers)
    assert not v.ok
    assert v.message == (
        "expected m1.ocp45.example.localdomain A 10.0.0.21 on every server; found b:53: NXDOMAIN"
    )
    assert 'put "m1.ocp45.example.localdomain. IN A 10.0.0.21" in the forward zone' in (
        v.remediation
    )
    assert "bump the SOA serial" in v.remediation and "rndc reload" in v.remediation


def test_forward_ipv6_node_asks_for_aaaa() -> None:
    node = Node("m2", "master", "fd00::22", "m2.ocp45.example.localdomain")
    v = evaluate_forward(node, {"a:53": answer("a:53", node.fqdn, "AAAA", ())})
    assert not v.ok and "AAAA fd00::22" in v.message and "IN AAAA fd00::22" in v.remediation


@settings(deadline=None, max_examples=60)
@given(servers, st.data())
def test_forward_fails_iff_some_server_differs(names: list[str], data: st.DataObject) -> None:
    good = {s: data.draw(st.booleans()) for s in names}
    answers = {
        s: answer(s, NODE.fqdn, "A", (NODE.ip,) if ok else data.draw(wrong_records))
        for s, ok in good.items()
    }
    v = evaluate_forward(NODE, answers)
    assert v.ok == all(good.values())
    for s, ok in good.items():
        assert (f"{s}: " in v.message) == (not ok)
    if not v.ok:
        assert v.message.startswith(f"expected {NODE.fqdn} A {NODE.ip} on every server; found ")


# --------------------------------------------------------------------------- reverse


def test_reverse_passes_on_the_fqdn() -> None:
    owner = reverse_name(NODE.ip)
    v = evaluate_reverse(NODE, {"a:53": answer("a:53", owner, "PTR", (NODE.fqdn,))})
    assert v.ok and v.message == f"PTR {NODE.fqdn}"


def test_reverse_gives_the_ptr_line_relative_to_the_zone() -> None:
    owner = reverse_name(NODE.ip)
    v = evaluate_reverse(NODE, {"a:53": answer("a:53", owner, "PTR", (), zone=ZONE, serial=7)})
    assert not v.ok
    assert v.message == (
        f"expected PTR {owner} -> {NODE.fqdn} on every server; found a:53: NXDOMAIN"
    )
    assert f'add "21 IN PTR {NODE.fqdn}." to the reverse zone {ZONE}' in v.remediation
    assert 'registers as "localhost"' in v.remediation


def test_reverse_without_a_zone_gives_the_absolute_owner() -> None:
    owner = reverse_name(NODE.ip)
    v = evaluate_reverse(NODE, {"a:53": answer("a:53", owner, "PTR", ("localhost",))})
    assert not v.ok and "found a:53: PTR localhost" in v.message
    assert f'add "{owner}. IN PTR {NODE.fqdn}." to the reverse zone for 10.0.0.21' in (
        v.remediation
    )


@settings(deadline=None, max_examples=60)
@given(servers, st.data())
def test_reverse_fails_iff_some_server_differs(names: list[str], data: st.DataObject) -> None:
    owner = reverse_name(NODE.ip)
    good = {s: data.draw(st.booleans()) for s in names}
    bad = st.sampled_from([(), ("localhost",), (NODE.fqdn, "other.example")])
    answers = {
        s: answer(s, owner, "PTR", (NODE.fqdn,) if ok else data.draw(bad)) for s, ok in good.items()
    }
    v = evaluate_reverse(NODE, answers)
    assert v.ok == all(good.values())
    for s, ok in good.items():
        assert (f"{s}: " in v.message) == (not ok)


# --------------------------------------------------------------------------- api names, wildcard


def test_address_passes_and_fails_naming_the_inventory_key() -> None:
    name = "api.ocp45.example.localdomain"
    ok = evaluate_address(
        name,
        "10.0.0.111",
        {"a:53": answer("a:53", name, "A", ("10.0.0.111",))},
        "load_balancer.api",
    )
    assert ok.ok and ok.message == "A 10.0.0.111"
    v = evaluate_address(
        name, "10.0.0.111", {"a:53": answer("a:53", name, "A", ("10.0.0.5",))}, "load_balancer.api"
    )
    assert not v.ok
    assert v.message == (
        f"expected {name} A 10.0.0.111 (load_balancer.api) on every server; found a:53: A 10.0.0.5"
    )
    assert f'put "{name}. IN A 10.0.0.111" in the forward zone' in v.remediation


def test_apps_wildcard_fix_names_the_wildcard_not_the_probe() -> None:
    wildcard = "*.apps.ocp45.example.localdomain"
    probe = "conformance-1234abcd.apps.ocp45.example.localdomain"
    ok = evaluate_apps_wildcard(
        wildcard, probe, "10.0.0.112", {"a:53": answer("a:53", probe, "A", ("10.0.0.112",))}
    )
    assert ok.ok
    v = evaluate_apps_wildcard(
        wildcard, probe, "10.0.0.112", {"a:53": answer("a:53", probe, "A", ())}
    )
    assert not v.ok
    assert v.message.startswith(f"expected {probe} A 10.0.0.112 (load_balancer.ingress)")
    assert v.remediation.startswith(f'put "{wildcard}. IN A 10.0.0.112" in the forward zone')


# --------------------------------------------------------------------------- consistency

QUESTIONS = [("m1.ocp45.example.localdomain", "A"), ("21.0.0.10.in-addr.arpa", "PTR")]


def view(server: str, answers: dict, serials: dict) -> ServerView:  # type: ignore[type-arg]
    return ServerView(server, answers, serials)


def test_consistency_passes_on_the_same_view() -> None:
    answers = {QUESTIONS[0]: ("10.0.0.21",), QUESTIONS[1]: ("m1.ocp45.example.localdomain",)}
    v = evaluate_consistency(view("a:53", answers, {"z": 1}), view("b:53", dict(answers), {"z": 1}))
    assert v.ok and v.message == "same answers and serials as a:53"


def test_consistency_names_serial_and_answer_differences() -> None:
    first = view("a:53", {QUESTIONS[0]: ("10.0.0.21",)}, {"example.localdomain": 5})
    other = view("b:53", {QUESTIONS[0]: "NXDOMAIN"}, {"example.localdomain": 4})
    v = evaluate_consistency(first, other)
    assert not v.ok
    assert v.message.startswith("expected the same answers and SOA serials as a:53; found 2 ")
    assert "zone example.localdomain serial 4 (first server: 5)" in v.details
    assert "m1.ocp45.example.localdomain A: NXDOMAIN (first server: 10.0.0.21)" in v.details
    assert "update the zones on b:53 from the primary" in v.remediation
    assert '"rndc retransfer <zone>"' in v.remediation


@settings(deadline=None, max_examples=60)
@given(
    st.dictionaries(
        st.sampled_from(QUESTIONS),
        st.one_of(st.just("NXDOMAIN"), st.tuples(st.sampled_from(["10.0.0.1", "10.0.0.2"]))),
        min_size=1,
    ),
    st.dictionaries(st.sampled_from(["a.example", "b.example"]), st.integers(1, 3)),
    st.data(),
)
def test_consistency_counts_every_difference(
    answers: dict,
    serials: dict,
    data: st.DataObject,  # type: ignore[type-arg]
) -> None:
    changed = data.draw(st.sets(st.sampled_from(sorted(answers))))
    other_answers = {q: ("10.0.0.9",) if q in changed else a for q, a in answers.items()}
    bumped = data.draw(st.sets(st.sampled_from(["a.example", "b.example"])))
    other_serials = {z: s + 1 if z in bumped else s for z, s in serials.items()}
    serial_diffs = sum(1 for z in serials if z in bumped)
    v = evaluate_consistency(
        view("a:53", answers, serials), view("b:53", other_answers, other_serials)
    )
    diffs = len(changed) + serial_diffs
    assert v.ok == (diffs == 0)
    if diffs:
        assert f"found {diffs} difference(s)" in v.message and len(v.details) == diffs


# --------------------------------------------------------------------------- dns.mirror

MIRROR = "registry.example.localdomain"


def mirror_facts(reached: tuple[str, ...], *per_server: tuple[str, ...]) -> MirrorNameFacts:
    answers = {
        f"10.0.0.{i + 2}:53": answer(f"10.0.0.{i + 2}:53", MIRROR, "A", records)
        for i, records in enumerate(per_server)
    }
    return MirrorNameFacts(MIRROR, reached, "this machine's resolver", answers)


def test_mirror_name_on_every_server_at_the_reached_address_passes() -> None:
    v = evaluate_mirror_name(mirror_facts(("10.0.0.105",), ("10.0.0.105",), ("10.0.0.105",)))
    assert v.ok and v.message == "A 10.0.0.105 on 2 server(s)"


def test_mirror_name_only_in_etc_hosts_fails_naming_each_server() -> None:
    v = evaluate_mirror_name(mirror_facts(("10.0.0.105",), (), ()))
    assert not v.ok
    assert "found 10.0.0.2:53: NXDOMAIN; 10.0.0.3:53: NXDOMAIN" in v.message
    assert f'put "{MIRROR}. IN A 10.0.0.105" in the zone on every DNS server' in v.remediation


def test_mirror_name_at_another_address_on_one_server_fails() -> None:
    v = evaluate_mirror_name(mirror_facts(("10.0.0.105",), ("10.0.0.105",), ("10.0.0.99",)))
    assert not v.ok and "10.0.0.3:53: A 10.0.0.99" in v.message and "10.0.0.2" not in v.message


def test_mirror_name_nobody_resolves_fails_saying_so() -> None:
    v = evaluate_mirror_name(mirror_facts((), (), ()))
    assert not v.ok and "this machine's resolver: no address for" in v.message


@given(st.lists(st.sampled_from(["10.0.0.105", "10.0.0.99"]), min_size=1, max_size=3))
def test_mirror_name_passes_exactly_when_every_server_gives_the_reached_address(
    addrs: list[str],
) -> None:
    v = evaluate_mirror_name(mirror_facts(("10.0.0.105",), *[(a,) for a in addrs]))
    assert v.ok == all(a == "10.0.0.105" for a in addrs)


# --------------------------------------------------------------------------- dns.cluster_wildcard

CLUSTER_WILDCARD = "*.ocp45.example.localdomain"
PROBE = "conformance-1234abcd.ocp45.example.localdomain"


def test_random_name_under_the_cluster_domain_nxdomain_everywhere_passes() -> None:
    answers = {"10.0.0.2:53": answer("10.0.0.2:53", PROBE, "A", ())}
    assert evaluate_cluster_wildcard(CLUSTER_WILDCARD, PROBE, answers).ok


def test_cluster_wildcard_answering_fails_and_keeps_apps() -> None:
    answers = {
        "10.0.0.2:53": answer("10.0.0.2:53", PROBE, "A", ()),
        "10.0.0.3:53": answer("10.0.0.3:53", PROBE, "A", ("10.0.0.111",)),
    }
    v = evaluate_cluster_wildcard(CLUSTER_WILDCARD, PROBE, answers)
    assert not v.ok and v.message.endswith("found 10.0.0.3:53: A 10.0.0.111")
    assert 'remove the "*.ocp45.example.localdomain." record' in v.remediation
    assert 'keep "*.apps.ocp45.example.localdomain."' in v.remediation


def test_nodata_refused_or_servfail_for_the_random_name_is_no_wildcard() -> None:
    """No address came back: no wildcard answered, whatever the code (contract section 1b)."""
    for code in ("NOERROR", "REFUSED", "SERVFAIL"):
        answers = {"10.0.0.2:53": Answer("10.0.0.2:53", PROBE, "A", code, ())}
        v = evaluate_cluster_wildcard(CLUSTER_WILDCARD, PROBE, answers)
        assert v.ok and f"{code} on 1 server(s)" in v.message, v.message
