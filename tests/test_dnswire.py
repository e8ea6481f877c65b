"""The plain DNS wire reader gives what dnspython gives, or nothing (dnspython then reads it).

Real replies from BIND 9.18 (tests/real/dns/) and replies that dnspython writes from generated
records, some of them cut or with a byte changed.
"""

from __future__ import annotations

from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.inventory import DnsServer
from collectors.parsers.dnswire import parse_reply, query_wire
from collectors.transport.dns import Answer, DnsClient

REAL = Path(__file__).parent / "real" / "dns" / "bind-9.18-replies.txt"
SERVER = DnsServer("127.0.0.1", 53)
TYPES = {1: "A", 12: "PTR"}


def with_dnspython(wire: bytes, name: str, code: int) -> Answer | None:
    """What DnsClient._ask makes of the reply (None: dnspython refuses it, or not a reply)."""
    request = dns.message.make_query(name, TYPES[code], id=int.from_bytes(wire[:2], "big"))
    request.flags &= ~dns.flags.RD
    try:
        reply = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None
    if not request.is_response(reply) or reply.flags & dns.flags.TC:
        return None
    qname = request.question[0].name
    return DnsClient._answer_of(SERVER, name, TYPES[code], qname, reply)


def with_plain(wire: bytes, name: str, code: int) -> Answer | None:
    plain = parse_reply(wire, name, code)
    return None if plain is None else DnsClient._answer_of_plain(SERVER, name, TYPES[code], plain)


def test_real_bind_replies_read_as_dnspython_reads_them() -> None:
    lines = REAL.read_text().split("\n")
    for line in filter(None, lines):
        name, code, hexwire = line.split()
        wire = bytes.fromhex(hexwire)
        plain = with_plain(wire, name, int(code))
        assert plain is not None, line
        assert plain == with_dnspython(wire, name, int(code))
    assert with_plain(bytes.fromhex(lines[2].split()[2]), lines[2].split()[0], 1).rcode == (
        "NXDOMAIN"
    )


def test_the_query_is_the_one_dnspython_writes() -> None:
    for name, code in (("m1.c.example.com", 1), ("21.0.16.172.in-addr.arpa.", 12)):
        request = dns.message.make_query(name, TYPES[code], id=77)
        request.flags &= ~dns.flags.RD
        assert query_wire(77, name, code) == request.to_wire()
    assert query_wire(1, "bad label.example", 1) is None
    assert query_wire(1, "x" * 64 + ".example", 1) is None


LABEL = st.sampled_from(["m1", "M1", "c", "example", "com", "21", "in-addr", "arpa", "w_2", "*"])
NAME = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
ODD = st.sampled_from(["a b", "é", "a.b"]).map(lambda s: dns.name.Name([s.encode()]).to_text())


@st.composite
def replies(draw: st.DrawFn) -> tuple[bytes, str, int]:
    code = draw(st.sampled_from([1, 12]))
    qname = draw(NAME)
    request = dns.message.make_query(qname, TYPES[code], id=draw(st.integers(0, 65535)))
    reply = dns.message.make_response(request)
    reply.set_rcode(draw(st.sampled_from([0, 2, 3, 5])))
    owners = st.one_of(st.just(qname), NAME)
    for _ in range(draw(st.integers(0, 4))):
        rtype = draw(st.sampled_from(["A", "PTR", "CNAME", "AAAA", "TXT"]))
        data = {
            "A": draw(st.ip_addresses(v=4).map(str)),
            "AAAA": "::1",
            "TXT": '"x"',
            "PTR": draw(st.one_of(NAME, ODD)) + ".",
            "CNAME": draw(NAME) + ".",
        }[rtype]
        reply.answer.append(dns.rrset.from_text(draw(owners) + ".", 60, "IN", rtype, data))
    if draw(st.booleans()):
        soa = "ns1.example. admin.example. 7 3600 600 86400 60"
        reply.authority.append(dns.rrset.from_text(draw(NAME) + ".", 60, "IN", "SOA", soa))
    if draw(st.booleans()):
        reply.authority.append(
            dns.rrset.from_text(draw(NAME) + ".", 60, "IN", "NS", "ns1.example.")
        )
    if draw(st.booleans()):
        reply.use_edns(0)
    wire = reply.to_wire()
    cut = draw(st.sampled_from([None, "cut", "byte"]))
    if cut == "cut":
        wire = wire[: draw(st.integers(0, len(wire)))]
    elif cut == "byte":
        at = draw(st.integers(0, len(wire) - 1))
        wire = wire[:at] + bytes([draw(st.integers(0, 255))]) + wire[at + 1 :]
    return wire, qname, code


@settings(max_examples=400, deadline=None)
@given(replies())
def test_a_reply_read_plainly_is_what_dnspython_reads(reply: tuple[bytes, str, int]) -> None:
    wire, name, code = reply
    plain = with_plain(wire, name, code)
    if plain is not None:  # None: the caller reads it with dnspython
        assert plain == with_dnspython(wire, name, code)
