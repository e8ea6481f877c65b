"""DNS facts, asked of each configured server directly (never the system resolver).

UDP first, TCP when the answer is truncated, a timeout on every query, and answers cached per
run so that a name asked by several checks is sent once per server.

>>> reverse_name("172.16.0.21")
'21.0.16.172.in-addr.arpa'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import socket
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collectors import settings
from collectors.errors import FactError
from collectors.inventory import DnsServer
from collectors.parsers.dnswire import CNAME, Reply, parse_reply, query_wire
from collectors.transport.deadsources import DEAD, DeadSources
from collectors.transport.dnsbatch import WINDOW, ask_batch
from collectors.transport.reach import no_answer, unreachable

if TYPE_CHECKING:
    import dns.message
    import dns.name


@dataclass(frozen=True)
class Answer:
    """What one server said about one name and type.

    ``records`` holds the record data (IPs for A/AAAA, names without the final dot for PTR);
    ``rcode`` is ``NOERROR``, ``NXDOMAIN``, ``SERVFAIL``, ...; ``zone``/``serial`` come from
    the SOA in the answer or authority section when the server sent one.
    """

    server: str
    name: str
    rdtype: str
    rcode: str
    records: tuple[str, ...]
    zone: str | None = None
    serial: int | None = None

    def describe(self) -> str:
        """``A 10.0.0.1`` or ``NXDOMAIN``; what a failure message says was found."""
        if self.records:
            return f"{self.rdtype} {', '.join(self.records)}"
        return self.rcode if self.rcode != "NOERROR" else f"no {self.rdtype} record"


#: The types whose replies :mod:`collectors.parsers.dnswire` reads (the nodes' questions).
_PLAIN_TYPES = {"A": 1, "PTR": 12}


@functools.lru_cache(maxsize=65536)
def reverse_name(ip: str) -> str:
    """The in-addr.arpa / ip6.arpa name of an address, without the final dot."""
    import dns.reversename  # dnspython loads on first use: listing checks needs none of it

    return dns.reversename.from_address(ip).to_text(omit_final_dot=True)


def _text(rdata: object, rdtype: str) -> str:
    if rdtype in ("PTR", "CNAME", "NS"):
        return rdata.target.to_text(omit_final_dot=True).lower()  # type: ignore[attr-defined]
    return rdata.to_text()


class DnsClient:
    """Query servers directly with timeouts; cache answers for the run.

    ``DnsClient().query(DnsServer("127.0.0.1", 5353), "api.c.example.com", "A")``
    """

    def __init__(self, timeout: float | None = None, dead: DeadSources | None = None) -> None:
        self.timeout = timeout if timeout is not None else settings.DNS_TIMEOUT
        self.dead = dead if dead is not None else DEAD
        self._cache: dict[tuple[str, str, str], Answer | FactError] = {}
        self._addresses: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ids: list[int] = []

    def query(self, server: DnsServer, name: str, rdtype: str) -> Answer:
        """Ask ``server`` for ``name``/``rdtype``; raise FactError if it does not answer."""
        key = self._key(server, name, rdtype)
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            try:
                cached = self._ask(server, key[1], rdtype)
            except FactError as exc:
                cached = exc
            with self._lock:
                self._cache[key] = cached
        if isinstance(cached, FactError):
            raise cached
        return cached

    def prefetch(
        self,
        servers: Iterable[DnsServer],
        questions: Sequence[tuple[str, str]],
        window: int = WINDOW,
    ) -> None:
        """Ask every server every ``(name, rdtype)`` question not yet in the cache, now; answers
        and FactErrors land in the cache, so a later :meth:`query` of the same question returns
        (or raises) at once what it would have got asking then.

        Servers are asked one after the other, each over one UDP socket with ``window``
        questions in flight (:mod:`collectors.transport.dnsbatch`): on two cores that is faster
        than threads, and a question is never sent twice. Each server's first question is asked
        on its own, so a server that does not answer is waited for once (see
        :mod:`collectors.transport.deadsources`) and its other questions are refused at once. A
        question the batch got no clean reply to is asked again through :meth:`query`. Anything
        else a question raises (a name that does not parse) is not cached: :meth:`query` raises
        it again.
        """
        for server in servers:
            todo = [q for q in dict.fromkeys(questions) if not self.has(server, *q)]
            if todo:
                self._ask_silently(server, *todo[0])
                self._prefetch_server(server, todo[1:], window)

    def has(self, server: DnsServer, name: str, rdtype: str) -> bool:
        """Whether the answer (or error) of this question is in the cache."""
        with self._lock:
            return self._key(server, name, rdtype) in self._cache

    def answers(self) -> dict[tuple[str, str, str], Answer | FactError]:
        """The cache: ``(server, name, rdtype)`` -> its answer or FactError (to hand on)."""
        with self._lock:
            return dict(self._cache)

    def seed(self, answers: dict[tuple[str, str, str], Answer | FactError]) -> None:
        """Take answers asked elsewhere (the xdist controller's) as if asked here; an answer
        already in the cache is kept."""
        with self._lock:
            for key, value in answers.items():
                self._cache.setdefault(key, value)

    @staticmethod
    def _key(server: DnsServer, name: str, rdtype: str) -> tuple[str, str, str]:
        return str(server), name.lower().rstrip("."), rdtype

    def _ask_silently(self, server: DnsServer, name: str, rdtype: str) -> None:
        # a FactError is cached; anything else is raised again when query() asks again
        with contextlib.suppress(Exception):
            self.query(server, name, rdtype)

    def _prefetch_server(
        self, server: DnsServer, questions: Sequence[tuple[str, str]], window: int
    ) -> None:
        """``questions`` of one server: batched when it has answered, else one by one (each
        then refused at once when the server is dead)."""
        batch = self._batchable(server, questions) if window > 1 else []
        if batch:
            address = self._address(server)
            requests = [(qid, wire) for _, _, qid, wire in batch]
            replies = ask_batch(address, server.port, requests, self.timeout, window)
            for index, wire in replies.items():
                name, rdtype, qid, _ = batch[index]
                answer = self._read_reply(server, name, rdtype, qid, wire)
                if answer is not None:
                    with self._lock:
                        self._cache.setdefault(self._key(server, name, rdtype), answer)
        for question in questions:
            if not self.has(server, *question):
                self._ask_silently(server, *question)

    def _batchable(
        self, server: DnsServer, questions: Sequence[tuple[str, str]]
    ) -> list[tuple[str, str, int, bytes]]:
        """``(name, rdtype, query id, query wire)`` of the questions, when ``server`` answered
        this process before and its address is known; a name that does not parse is left out."""
        source = f"DNS server {server}"
        if not self.dead.answered(source) or self.dead.is_dead(source):
            return []
        try:
            self._address(server)
        except FactError:
            return []
        batch = []
        for question in questions:
            _, name, rdtype = self._key(server, *question)
            qid = self._next_id()
            code = _PLAIN_TYPES.get(rdtype)
            wire = query_wire(qid, name, code) if code else None
            if wire is None:
                try:
                    wire = self._request(name, rdtype, qid).to_wire()
                except Exception:  # noqa: BLE001 - query() raises it again, uncached
                    continue
            batch.append((name, rdtype, qid, wire))
        return batch

    def _read_reply(
        self, server: DnsServer, name: str, rdtype: str, qid: int, wire: bytes
    ) -> Answer | None:
        """The Answer in a batched reply; None when it does not answer the question (asked
        again one by one). Plain replies are read by :mod:`collectors.parsers.dnswire`, the
        others by dnspython, as :meth:`_ask` reads them."""
        code = _PLAIN_TYPES.get(rdtype)
        plain = parse_reply(wire, name, code) if code else None
        if plain is not None:
            return self._answer_of_plain(server, name, rdtype, plain) if plain.id == qid else None
        import dns.exception
        import dns.flags
        import dns.message

        request = self._request(name, rdtype, qid)
        try:
            response = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not request.is_response(response) or response.flags & dns.flags.TC:
            return None
        return self._answer_of(server, name, rdtype, request.question[0].name, response)

    @staticmethod
    def _answer_of_plain(server: DnsServer, name: str, rdtype: str, reply: Reply) -> Answer:
        """:meth:`_answer_of` for a reply read by :func:`parse_reply`: the same records, CNAME
        chain, SOA and rcode."""
        import dns.rcode

        wanted = _PLAIN_TYPES[rdtype]
        target = name.lower().rstrip(".")
        for _ in range(8):
            cname = next((d for o, t, d in reply.answer if o == target and t == CNAME), None)
            if cname is None:
                break
            target = cname
        records = sorted({d for o, t, d in reply.answer if t == wanted and o == target})
        zone, serial = reply.soa if reply.soa else (None, None)
        return Answer(
            server=str(server),
            name=name,
            rdtype=rdtype,
            rcode=dns.rcode.to_text(reply.rcode),
            records=tuple(records),
            zone=zone,
            serial=serial,
        )

    def _request(self, name: str, rdtype: str, qid: int | None = None) -> dns.message.Message:
        """A query for ``name``/``rdtype`` without recursion, with ``qid`` or a fresh random
        id."""
        import dns.flags
        import dns.message
        import dns.name

        qid = self._next_id() if qid is None else qid
        request = dns.message.make_query(dns.name.from_text(name), rdtype, id=qid)
        request.flags &= ~dns.flags.RD
        return request

    @staticmethod
    def _ask_hint(server: DnsServer, name: str, rdtype: str) -> str:
        return (
            f"check that named runs on {server} and answers this host (firewall: 53/udp and "
            f"53/tcp; allow-query): dig @{server.host} -p {server.port} {name} {rdtype}"
        )

    @staticmethod
    def _dead_hint(server: DnsServer) -> str:
        return (
            f"check that named runs on {server} and answers this host (firewall: 53/udp and "
            f"53/tcp; allow-query): dig @{server.host} -p {server.port} +tries=1 . SOA "
            "(any reply, even REFUSED, shows it is up)"
        )

    def _next_id(self) -> int:
        """A random query id, as dnspython picks one, from os.urandom in batches of 1024 (one
        system call per 1024 queries instead of one each)."""
        with self._lock:
            if not self._ids:
                self._ids = list(memoryview(os.urandom(2048)).cast("H"))
            return self._ids.pop()

    def _address(self, server: DnsServer) -> str:
        """The server's IP; a server given by name is looked up once by this machine's resolver."""
        try:
            ipaddress.ip_address(server.host)
            return server.host
        except ValueError:
            pass
        with self._lock:
            known = self._addresses.get(server.host)
        if known is None:
            try:
                known = socket.getaddrinfo(server.host, server.port, type=socket.SOCK_DGRAM)[0][4][
                    0
                ]
            except (OSError, IndexError) as exc:
                raise unreachable(
                    server.host,
                    server.port,
                    f"this machine cannot resolve its name ({exc})",
                    what="DNS server",
                ) from None
            with self._lock:
                self._addresses[server.host] = known
        return known

    def _ask(self, server: DnsServer, name: str, rdtype: str) -> Answer:
        import dns.exception  # dnspython on first query (start-up; see reverse_name)
        import dns.query
        import dns.rcode
        import dns.rdatatype

        request = self._request(name, rdtype)
        source = f"DNS server {server}"
        self.dead.check(source)
        try:
            response, _ = dns.query.udp_with_fallback(
                request, self._address(server), timeout=self.timeout, port=server.port
            )
        except dns.exception.Timeout:
            error = self.dead.mark(source, self.timeout, self._dead_hint(server))
            if self.dead.is_dead(source):
                raise error from None
            raise FactError(
                f"DNS server {server} did not answer {name} {rdtype} within {self.timeout:g}s"
            ).with_remediation(self._ask_hint(server, name, rdtype)) from None
        except (OSError, dns.exception.DNSException) as exc:
            why = no_answer(exc)
            if why:
                raise unreachable(
                    server.host, server.port, why, what=f"{source}: cannot reach"
                ) from None
            raise FactError(
                f"DNS server {server} failed to answer {name} {rdtype}: {exc}"
            ).with_remediation(self._ask_hint(server, name, rdtype)) from None
        self.dead.alive(source)
        return self._answer_of(server, name, rdtype, request.question[0].name, response)

    @staticmethod
    def _answer_of(
        server: DnsServer,
        name: str,
        rdtype: str,
        qname: dns.name.Name,
        response: dns.message.Message,
    ) -> Answer:
        """The :class:`Answer` a reply gives: records of ``rdtype`` at ``qname`` or at the end of
        its CNAME chain in the answer section, and the zone's SOA when one came."""
        import dns.rcode
        import dns.rdatatype

        wanted = dns.rdatatype.from_text(rdtype)
        # Follow CNAMEs inside the answer section, as a stub resolver would.
        target = qname
        for _ in range(8):
            cname = next(
                (
                    rr
                    for rr in response.answer
                    if rr.name == target and rr.rdtype == dns.rdatatype.CNAME
                ),
                None,
            )
            if cname is None:
                break
            target = cname[0].target
        records = sorted(
            {
                _text(rd, rdtype)
                for rr in response.answer
                if rr.rdtype == wanted and rr.name == target
                for rd in rr
            }
        )
        zone = serial = None
        for rr in list(response.answer) + list(response.authority):
            if rr.rdtype == dns.rdatatype.SOA:
                zone = rr.name.to_text(omit_final_dot=True).lower()
                serial = int(rr[0].serial)
                break
        return Answer(
            server=str(server),
            name=name,
            rdtype=rdtype,
            rcode=dns.rcode.to_text(response.rcode()),
            records=tuple(records),
            zone=zone,
            serial=serial,
        )

    def resolve(self, server: DnsServer, name: str) -> tuple[str, ...]:
        """The A and AAAA addresses of ``name`` on ``server`` (empty when it has none)."""
        found: list[str] = []
        for rdtype in ("A", "AAAA"):
            found.extend(self.query(server, name, rdtype).records)
        return tuple(found)
