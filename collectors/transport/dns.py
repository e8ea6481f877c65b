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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from collectors import settings
from collectors.errors import FactError
from collectors.inventory import DnsServer
from collectors.transport.deadsources import DEAD, DeadSources
from collectors.transport.reach import no_answer, unreachable


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
        key = (str(server), name.lower().rstrip("."), rdtype)
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
        concurrency: int | None = None,
    ) -> None:
        """Ask every server every ``(name, rdtype)`` question now, in parallel threads (at most
        ``concurrency``, default ``settings.MAX_CONCURRENCY``), each with its timeout; answers and
        FactErrors land in the cache, so a later :meth:`query` of the same question returns (or
        raises) at once what it would have got asking then.

        Each server's first question is asked before its others, so a server that does not
        answer is waited for once (see :mod:`collectors.transport.deadsources`): its other
        questions are then refused at once. Anything else a question raises (a name that does
        not parse) is not cached: :meth:`query` raises it again.
        """
        servers = list(servers)
        if not servers or not questions:
            return
        workers = max(1, concurrency or settings.MAX_CONCURRENCY)

        def ask(job: tuple[DnsServer, str, str]) -> None:
            # a FactError is cached; anything else is raised again when query() asks again
            with contextlib.suppress(Exception):
                self.query(*job)

        first, rest = questions[0], questions[1:]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dns-prefetch") as pool:
            list(pool.map(ask, [(s, *first) for s in servers]))
            list(pool.map(ask, [(s, *q) for s in servers for q in rest]))

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
        import dns.flags
        import dns.message
        import dns.name
        import dns.query
        import dns.rcode
        import dns.rdatatype

        qname = dns.name.from_text(name)
        request = dns.message.make_query(qname, rdtype, id=self._next_id())
        request.flags &= ~dns.flags.RD
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
