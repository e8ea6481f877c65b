"""DNS preflight: forward and reverse records of every node, the API names, the apps wildcard,
agreement between servers, the mirror's name, and no wildcard directly under the cluster domain.
Every server in ``dns.servers`` is asked directly.

The evaluate functions are pure; the test functions feed them what ``gather_*`` in
``collectors.facts.dns`` collected.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.dns import (
    MirrorNameFacts,
    ServerView,
    api_int_name,
    api_name,
    apps_wildcard_name,
    cluster_wildcard_name,
    gather_apps,
    gather_cluster_wildcard,
    gather_consistency,
    gather_forward,
    gather_mirror_name,
    gather_name,
    gather_reverse,
    mirror_registry,
    node_fqdns,
    node_questions,
    secondary_servers,
)
from collectors.inventory import Node
from collectors.site import Site
from collectors.transport.dns import Answer, reverse_name

RELOAD = (
    'then run "named-checkconf -z /etc/named.conf" and "rndc reload" (or "systemctl reload named")'
)

# --------------------------------------------------------------------------- evaluation


def evaluate_forward(node: Node, answers: dict[str, Answer]) -> Verdict:
    """Every server must answer the node's FQDN with exactly its ip."""
    wrong = [
        f"{server}: {a.describe()}" for server, a in answers.items() if a.records != (node.ip,)
    ]
    if not wrong:
        return passed(f"A {node.ip} on {len(answers)} server(s)")
    rtype = "AAAA" if ":" in node.ip else "A"
    return failed(
        expected=f"{node.fqdn} {rtype} {node.ip} on every server",
        found="; ".join(wrong),
        remediation=(
            f'put "{node.fqdn}. IN {rtype} {node.ip}" in the forward zone on every server, '
            f"bump the SOA serial, {RELOAD}"
        ),
    )


def _ptr_line(ip: str, fqdn: str, zone: str | None) -> str:
    owner = reverse_name(ip)
    if zone and owner.endswith("." + zone):
        owner = owner[: -len(zone) - 1]
    else:
        owner += "."
    return f"{owner} IN PTR {fqdn}."


def evaluate_reverse(node: Node, answers: dict[str, Answer]) -> Verdict:
    """Every server must map the node's ip back to exactly its FQDN."""
    wrong = [
        f"{server}: {a.describe()}" for server, a in answers.items() if a.records != (node.fqdn,)
    ]
    if not wrong:
        return passed(f"PTR {node.fqdn}")
    zone = next((a.zone for a in answers.values() if a.zone and "arpa" in a.zone), None)
    return failed(
        expected=f"PTR {reverse_name(node.ip)} -> {node.fqdn} on every server",
        found="; ".join(wrong),
        remediation=(
            f'add "{_ptr_line(node.ip, node.fqdn, zone)}" to the reverse zone '
            f"{zone or 'for ' + node.ip} on every server (without it the node registers as "
            f'"localhost"), bump the SOA serial, {RELOAD}'
        ),
    )


def evaluate_address(name: str, expected_ip: str, answers: dict[str, Answer], key: str) -> Verdict:
    """Every server must resolve ``name`` to exactly ``expected_ip`` (from inventory ``key``)."""
    wrong = [
        f"{server}: {a.describe()}" for server, a in answers.items() if a.records != (expected_ip,)
    ]
    if not wrong:
        return passed(f"A {expected_ip}")
    return failed(
        expected=f"{name} A {expected_ip} ({key}) on every server",
        found="; ".join(wrong),
        remediation=f'put "{name}. IN A {expected_ip}" in the forward zone, '
        f"bump the SOA serial, {RELOAD}",
    )


def evaluate_apps_wildcard(
    wildcard: str, probe: str, ingress: str | None, answers: dict[str, Answer]
) -> Verdict:
    """A random name under the wildcard (``probe``) must resolve to load_balancer.ingress on
    every server; the fix names the wildcard record itself."""
    verdict = evaluate_address(probe, ingress or "", answers, "load_balancer.ingress")
    if not verdict.ok:
        verdict = Verdict(
            ok=False,
            message=verdict.message,
            remediation=f'put "{wildcard}. IN A {ingress}" in the forward zone, '
            f"bump the SOA serial, {RELOAD}",
        )
    return verdict


def _or_absent(value: object) -> str:
    return "absent" if value is None else str(value)


def evaluate_consistency(first: ServerView, other: ServerView) -> Verdict:
    """``other`` must give the same answers and zone serials as ``first``."""
    diffs: list[str] = []
    for zone in sorted(set(first.serials) | set(other.serials)):
        a, b = first.serials.get(zone), other.serials.get(zone)
        if a != b:
            diffs.append(f"zone {zone} serial {_or_absent(b)} (first server: {_or_absent(a)})")
    for question in first.answers:
        a, b = first.answers[question], other.answers.get(question)
        if a != b:
            shown = ", ".join(b) if isinstance(b, tuple) else b
            want = ", ".join(a) if isinstance(a, tuple) else a
            diffs.append(f"{question[0]} {question[1]}: {shown} (first server: {want})")
    if not diffs:
        return passed(f"same answers and serials as {first.server}")
    shown = "; ".join(diffs[:3]) + ("; …" if len(diffs) > 3 else "")
    return failed(
        expected=f"the same answers and SOA serials as {first.server}",
        found=f"{len(diffs)} difference(s): {shown}",
        details=tuple(diffs[:20])
        + ((f"... and {len(diffs) - 20} more",) if len(diffs) > 20 else ()),
        remediation=(
            f"update the zones on {other.server} from the primary (for a secondary: "
            '"rndc retransfer <zone>"; for a hand-kept copy: copy the zone files and bump the '
            "serial), "
            f"{RELOAD}"
        ),
    )


# --------------------------------------------------------------------------- checks

_FIX_REQUIRES = ("dns.servers", "nodes")


@check(
    "dns.forward",
    title="Node A records",
    markers=["preflight"],
    subject="node FQDN",
    fails_when="the A record is missing or differs from the node's ip, on any server",
    remediation="add or correct the node's A record in the forward zone and reload named",
    subjects=node_fqdns,
    gather=gather_forward,
    requires=_FIX_REQUIRES,
    prefetch=node_questions,
)
def test_dns_forward(facts: tuple[Node, dict[str, Answer]]) -> None:
    expect(evaluate_forward(*facts))


@check(
    "dns.reverse",
    title="Node PTR records",
    markers=["preflight"],
    subject="node FQDN",
    fails_when="the node ip has no PTR, or the PTR is not the FQDN",
    remediation="add the node's PTR record to the reverse zone and reload named",
    subjects=node_fqdns,
    gather=gather_reverse,
    requires=_FIX_REQUIRES,
    prefetch=node_questions,
)
def test_dns_reverse(facts: tuple[Node, dict[str, Answer]]) -> None:
    expect(evaluate_reverse(*facts))


@check(
    "dns.api",
    title="API name",
    markers=["preflight"],
    subject="api.<cluster>.<domain>",
    fails_when="it does not resolve to load_balancer.api",
    remediation="point api.<cluster>.<domain> at the API load balancer VIP",
    subjects=api_name,
    gather=gather_name,
    requires=("dns.servers", "load_balancer.api"),
)
def test_dns_api(site: Site, subject: str, facts: dict[str, Answer]) -> None:
    expect(evaluate_address(subject, site.inv.load_balancer.api or "", facts, "load_balancer.api"))


@check(
    "dns.api_int",
    title="Internal API name",
    markers=["preflight"],
    subject="api-int.<cluster>.<domain>",
    fails_when="it does not resolve to load_balancer.api_int",
    remediation="point api-int.<cluster>.<domain> at the internal API load balancer VIP",
    subjects=api_int_name,
    gather=gather_name,
    requires=("dns.servers", "load_balancer.api_int"),
)
def test_dns_api_int(site: Site, subject: str, facts: dict[str, Answer]) -> None:
    lb = site.inv.load_balancer
    expect(evaluate_address(subject, lb.api_int or "", facts, "load_balancer.api_int"))


@check(
    "dns.apps_wildcard",
    title="Apps wildcard",
    markers=["preflight"],
    subject="*.apps.<cluster>.<domain>",
    fails_when="a random name under it does not resolve to load_balancer.ingress",
    remediation="add the *.apps wildcard A record pointing at the ingress load balancer VIP",
    subjects=apps_wildcard_name,
    gather=gather_apps,
    requires=("dns.servers", "load_balancer.ingress"),
)
def test_dns_apps_wildcard(site: Site, subject: str, facts: tuple[str, dict[str, Answer]]) -> None:
    probe, answers = facts
    expect(evaluate_apps_wildcard(subject, probe, site.inv.load_balancer.ingress, answers))


@check(
    "dns.consistency",
    title="DNS servers agree",
    markers=["preflight"],
    subject="each server after the first, host:port",
    fails_when="its answers or SOA serial differ from the first server's",
    remediation="bring the server's zones in line with the primary (zone transfer or copy) "
    "and reload",
    subjects=secondary_servers,
    gather=gather_consistency,
    requires=("dns.servers",),
)
def test_dns_consistency(facts: tuple[ServerView, ServerView]) -> None:
    expect(evaluate_consistency(*facts))


# --------------------------------------------------------------------------- dns.mirror


def evaluate_mirror_name(f: MirrorNameFacts) -> Verdict:
    """Every server resolves the mirror's name to the address this machine reaches it at (or,
    when this machine cannot resolve it, to one address they all agree on)."""
    want = set(f.reached_at)
    if not want:
        first = next(iter(f.answers.values()), None)
        want = set(first.records) if first else set()
    wrong = [
        f"{server}: {a.describe()}"
        for server, a in f.answers.items()
        if not a.records or not want or not set(a.records) <= want
    ]
    if not wrong and f.reached_at:
        return passed(f"A {', '.join(f.reached_at)} on {len(f.answers)} server(s)")
    if not wrong and want:  # every server agrees; only this machine's resolver has no address
        return passed(
            f"A {', '.join(sorted(want))} on {len(f.answers)} server(s), as the nodes ask; "
            f"{f.how} on this machine has no address for {f.host} (the mirror checks here "
            "reach it only with mirror.resolve_via_site_dns: true)"
        )
    target = ", ".join(f.reached_at) or "<the registry's address>"
    if not f.reached_at:
        wrong.insert(0, f"{f.how}: no address for {f.host}")
    return failed(
        expected=f"{f.host} A {', '.join(f.reached_at) or '(one address)'} (the address "
        f"{f.how} gives, which the mirror checks reach) on every server",
        found="; ".join(wrong),
        remediation=f'put "{f.host}. IN A {target}" in the zone on every DNS server the nodes use '
        f"(an /etc/hosts line on the bastion does not reach the nodes), bump the SOA serial, "
        f"{RELOAD}",
    )


# --------------------------------------------------------------------------- dns.cluster_wildcard


def evaluate_cluster_wildcard(wildcard: str, probe: str, answers: dict[str, Answer]) -> Verdict:
    """A random name directly under the cluster domain must get no address from any server (a
    ``*.<cluster>.<domain>`` wildcard answers for names that must not exist; ``*.apps`` stays).
    NXDOMAIN, an empty answer, REFUSED or SERVFAIL all say no wildcard answered."""
    wrong = [f"{server}: {a.describe()}" for server, a in answers.items() if a.records]
    if not wrong:
        # no random probe name here: passing messages stay the same run after run (and under -n)
        codes: dict[str, int] = {}
        for a in answers.values():
            codes[a.rcode] = codes.get(a.rcode, 0) + 1
        said = ", ".join(f"{code} on {n} server(s)" for code, n in sorted(codes.items()))
        return passed(f"no wildcard: a random name under {wildcard[2:]}: {said}")
    apps = "*.apps." + wildcard[2:]
    return failed(
        expected=f"no address for {probe} (no wildcard {wildcard}) on any server",
        found="; ".join(wrong),
        remediation=f'remove the "{wildcard}." record from the forward zone (keep "{apps}."), '
        f"bump the SOA serial, {RELOAD}",
    )


@check(
    "dns.mirror",
    title="Mirror name in the site DNS",
    markers=["preflight"],
    subject="registry host",
    fails_when="the mirror's host name does not resolve through every dns.servers entry to "
    "the address it is reached at",
    remediation="add the registry's A record to the zone on every DNS server and reload "
    "(inventory mirror.resolve_via_site_dns: true makes the suite reach the mirror at the "
    "address the site DNS gives, as the nodes do)",
    subjects=mirror_registry,
    gather=gather_mirror_name,
    requires=("dns.servers", "mirror.registry"),
)
def test_dns_mirror(facts: MirrorNameFacts) -> None:
    expect(evaluate_mirror_name(facts))


@check(
    "dns.cluster_wildcard",
    title="No wildcard under the cluster domain",
    markers=["preflight"],
    subject="*.<cluster>.<domain>",
    fails_when="a random name directly under the cluster domain resolves (a wildcard there)",
    remediation="remove the *.<cluster>.<domain> record (keep *.apps) and reload",
    subjects=cluster_wildcard_name,
    gather=gather_cluster_wildcard,
    requires=("dns.servers",),
)
def test_dns_cluster_wildcard(subject: str, facts: tuple[str, dict[str, Answer]]) -> None:
    probe, answers = facts
    expect(evaluate_cluster_wildcard(subject, probe, answers))
