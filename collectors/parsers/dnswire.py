"""DNS messages on the wire, the plain cases only: a query for a name and type, and what a reply
says about it (its A, PTR and CNAME records, the first SOA, the rcode).

dnspython builds a full object graph for every message (names, rdatasets, every section): at
16,000 questions that was most of the suite's CPU. Here a reply is read in one pass; anything
out of the plain (a label that would need escaping, EDNS, a truncated or malformed message, an
A record that is not four bytes) gives None, and the caller reads that message with dnspython
instead, so the result never differs.

>>> wire = query_wire(0x1234, "m1.c.example.com", 1)
>>> wire.hex()
'123400000001000000000000026d310163076578616d706c6503636f6d0000010001'
>>> reply = bytes.fromhex("123484000001000100000000") + wire[12:] + bytes.fromhex(
...     "c00c000100010000012c00040a000015")
>>> parse_reply(reply, "m1.c.example.com", 1).answer
(('m1.c.example.com', 1, '10.0.0.21'),)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

A, NS, CNAME, SOA, PTR, AAAA = 1, 2, 5, 6, 12, 28
IN = 1
QR, TC = 0x8000, 0x0200
#: Label bytes written as they are by dnspython's to_text (no escape needed), lower-cased here.
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*/")
_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")


class _NotPlain(Exception):
    """The message is not one this module reads; dnspython does."""


@dataclass(frozen=True)
class Reply:
    """What a reply says: header ``flags`` and ``rcode``, the answer section as
    ``(owner, type, data)`` (data: the address of an A, the target of a PTR or CNAME, lower
    case, without the final dot; other types: ``""``), and the first SOA of the answer or
    authority section as ``(zone, serial)``."""

    id: int
    flags: int
    rcode: int
    answer: tuple[tuple[str, int, str], ...]
    soa: tuple[str, int] | None


def query_wire(qid: int, name: str, rdtype: int) -> bytes | None:
    """A query without recursion (no EDNS), as dnspython's ``make_query`` with RD cleared
    writes it; None for a name that is not plain (dnspython then).

    >>> query_wire(1, "a\\\\.b.example", 1) is None
    True
    """
    labels = name.rstrip(".").encode("ascii", "replace").split(b".")
    if any(not 0 < len(label) < 64 or not _PLAIN.issuperset(label) for label in labels):
        return None
    qname = b"".join(bytes([len(label)]) + label for label in labels) + b"\x00"
    if len(qname) > 255:
        return None
    return _HEADER.pack(qid, 0, 1, 0, 0, 0) + qname + struct.pack("!HH", rdtype, IN)


def parse_reply(wire: bytes, qname: str, rdtype: int) -> Reply | None:
    """The reply to the question ``qname``/``rdtype``, or None: not a plain reply to it.

    >>> parse_reply(b"\\x00", "a.example", 1) is None
    True
    """
    try:
        return _parse(wire, qname.rstrip(".").lower(), rdtype)
    except (_NotPlain, struct.error, IndexError, UnicodeDecodeError):
        return None


def _parse(wire: bytes, qname: str, rdtype: int) -> Reply:
    qid, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(wire, 0)
    if not flags & QR or flags & TC or flags & 0x7800 or qdcount != 1:
        raise _NotPlain  # not a response, truncated, an opcode other than QUERY
    name, at = _name(wire, 12)
    qtype, qclass = struct.unpack_from("!HH", wire, at)
    if name != qname or qtype != rdtype or qclass != IN:
        raise _NotPlain
    at += 4
    answer: list[tuple[str, int, str]] = []
    soa: tuple[str, int] | None = None
    for section, count in ((0, ancount), (1, nscount), (2, arcount)):
        for _ in range(count):
            owner, rtype, data, found_soa, at = _record(wire, at)
            if section == 0:
                answer.append((owner, rtype, data))
            if section < 2 and found_soa is not None and soa is None:
                soa = found_soa
    if at != len(wire):
        raise _NotPlain  # trailing bytes: dnspython refuses them
    return Reply(qid, flags, flags & 0xF, tuple(answer), soa)


def _record(wire: bytes, at: int) -> tuple[str, int, str, tuple[str, int] | None, int]:
    """One resource record at ``at``: owner, type, data, ``(zone, serial)`` if a SOA, next."""
    owner, at = _name(wire, at)
    rtype, rclass, _ttl, length = _RR.unpack_from(wire, at)
    at += _RR.size
    end = at + length
    if end > len(wire) or rclass != IN:
        raise _NotPlain
    data, soa = "", None
    if rtype in (A, AAAA):
        if length != (4 if rtype == A else 16):
            raise _NotPlain
        data = ".".join(str(b) for b in wire[at:end]) if rtype == A else ""
    elif rtype in (CNAME, PTR, NS):
        data, after = _name(wire, at)
        if after != end:
            raise _NotPlain
    elif rtype == SOA:
        _, after = _name(wire, at)
        _, after = _name(wire, after)
        if after + 20 != end:
            raise _NotPlain
        soa = (owner, struct.unpack_from("!I", wire, after)[0])
    else:
        raise _NotPlain  # a type whose data dnspython would check (EDNS's OPT among them)
    return owner, rtype, data, soa, end


def _name(wire: bytes, at: int) -> tuple[str, int]:
    """The name at ``at`` (lower case, no final dot; compression followed) and where the bytes
    after it start."""
    labels: list[str] = []
    end = None
    length = 1
    while True:
        size = wire[at]
        if size >= 0xC0:
            pointer = ((size & 0x3F) << 8) | wire[at + 1]
            if pointer >= at:
                raise _NotPlain  # only backwards, as dnspython allows (no loop)
            end = at + 2 if end is None else end
            at = pointer
            continue
        if size >= 0x40:
            raise _NotPlain
        if size == 0:
            break
        label = wire[at + 1 : at + 1 + size]
        if len(label) != size or not _PLAIN.issuperset(label):
            raise _NotPlain
        labels.append(label.decode("ascii").lower())
        length += 1 + size
        if length > 255:
            raise _NotPlain
        at += 1 + size
    if not labels:
        raise _NotPlain  # the root: dnspython writes it as "@" or "."
    return ".".join(labels), (at + 1 if end is None else end)
