"""A site's own dnsmasq configuration, served by a real dnsmasq on loopback (not a lab part).

:func:`loopback_conf` derives a config from a real one: the record lines (``address=``,
``host-record=``, ``ptr-record=``, ``srv-host=``, ...) are kept with their addresses rewritten
(real IP -> a 127.x address, reverse names too), and everything that reaches beyond the records
(DHCP, TFTP, interfaces, upstream servers, other files) is dropped, left as a ``# dropped:``
comment. Lines that make it a foreground server on one loopback address with no upstream follow.
:func:`serve` starts it; :func:`stop` stops it by PID; :func:`running` does both.

>>> print(loopback_conf("dhcp-range=10.0.0.5,10.0.0.9\\naddress=/api.c.example/10.0.0.1",
...                     "127.0.53.1", 5353, Path("/w"), {"10.0.0.1": "127.0.53.10"}))
# dropped: dhcp-range=10.0.0.5,10.0.0.9
address=/api.c.example/127.0.53.10
<BLANKLINE>
# lab: loopback only, foreground, no upstream, no DHCP
no-resolv
no-hosts
keep-in-foreground
listen-address=127.0.53.1
bind-interfaces
port=5353
pid-file=/w/dnsmasq.pid
log-facility=-
<BLANKLINE>

dnsmasq with no upstream answers REFUSED for a name it does not hold (and for another type of a
name it holds only in ``address=``): ``tests/test_dnsmasq_real.py`` shows it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query

from lab.procs import stop_pid

PACKAGES = ["dnsmasq-base"]
DNSMASQ = "/usr/sbin/dnsmasq"

#: Options that only describe answers: kept, with their addresses rewritten. Any other option of
#: the real file (dhcp-*, tftp, interface, listen-address, server=IP, resolv-file, conf-dir,
#: addn-hosts, user, port, ...) is dropped.
RECORD_OPTIONS = frozenset(
    {
        "address",
        "host-record",
        "ptr-record",
        "srv-host",
        "cname",
        "txt-record",
        "mx-host",
        "mx-target",
        "naptr-record",
        "caa-record",
        "dns-rr",
        "synth-domain",
        "alias",
        "domain",
        "expand-hosts",
        "domain-needed",
        "bogus-priv",
        "filterwin2k",
        "selfmx",
        "localmx",
        "local-ttl",
        "neg-ttl",
        "max-ttl",
        "cache-size",
        "no-negcache",
        "filter-AAAA",
        "filter-A",
        "filter-rr",
    }
)
#: ``local=/d/`` and ``server=/d/`` without an address answer names under d locally (NXDOMAIN
#: when held nowhere): kept. With an address (``server=/d/10.0.0.1``) they forward: dropped.
LOCAL_ONLY = frozenset({"local", "server"})
_DOMAINS_ONLY = re.compile(r"^(/[^/\s]*)+/$")
_TOKENS = re.compile(r"([/,\s\[\]]+)")


def _option(line: str) -> str:
    """The option name of a config line: ``address`` of ``address=/x/1.2.3.4``."""
    return line.split("=", 1)[0].strip()


def _kept(line: str) -> bool:
    name = _option(line)
    if name in RECORD_OPTIONS:
        return True
    value = re.split(r"\s#", line.split("=", 1)[1])[0].strip() if "=" in line else ""
    return name in LOCAL_ONLY and bool(_DOMAINS_ONLY.match(value))


def _reverse(ip: str) -> str:
    """``1.0.0.127.in-addr.arpa`` of ``127.0.0.1`` (ip6.arpa for IPv6), without the final dot."""
    return ipaddress.ip_address(ip).reverse_pointer


def _rewriter(rewrite: dict[str, str]) -> dict[str, str]:
    """Token -> replacement: each address (in its canonical form) and its reverse name."""
    table: dict[str, str] = {}
    for real, fake in rewrite.items():
        real_ip, fake_ip = ipaddress.ip_address(real), ipaddress.ip_address(fake)
        table[str(real_ip)] = str(fake_ip)
        table[real_ip.reverse_pointer] = fake_ip.reverse_pointer
    return table


def _rewrite_token(token: str, table: dict[str, str]) -> str:
    with contextlib.suppress(ValueError):
        return table.get(str(ipaddress.ip_address(token)), token)
    bare = token.rstrip(".")
    if bare.lower() in table:
        return table[bare.lower()] + token[len(bare) :]
    return token


def rewrite_line(line: str, rewrite: dict[str, str]) -> str:
    """``line`` with each address in ``rewrite`` (and its reverse name) replaced, whole tokens
    only (10.0.0.1 does not touch 10.0.0.10).

    >>> rewrite_line("ptr-record=1.0.0.10.in-addr.arpa,m0.c.example", {"10.0.0.1": "127.0.0.9"})
    'ptr-record=9.0.0.127.in-addr.arpa,m0.c.example'
    """
    if "=" not in line:
        return line
    table = _rewriter(rewrite)
    name, value = line.split("=", 1)
    parts = _TOKENS.split(value)
    return (
        name + "=" + "".join(p if i % 2 else _rewrite_token(p, table) for i, p in enumerate(parts))
    )


def record_lines(conf_text: str) -> list[str]:
    """The lines of a real config that :func:`loopback_conf` keeps (no comments, no blanks)."""
    lines = (raw.strip() for raw in conf_text.splitlines())
    return [line for line in lines if line and not line.startswith("#") and _kept(line)]


def record_addresses(conf_text: str) -> list[str]:
    """The IP addresses in the kept record lines, in order of first use: what a rewrite maps.

    >>> record_addresses("dhcp-option=3,10.0.0.254\\naddress=/a.c.example/10.0.0.1")
    ['10.0.0.1']
    """
    found: dict[str, None] = {}
    for line in record_lines(conf_text):
        for token in _TOKENS.split(line.split("=", 1)[1] if "=" in line else ""):
            with contextlib.suppress(ValueError):
                found[str(ipaddress.ip_address(token))] = None
    return list(found)


def loopback_conf(
    conf_text: str,
    address: str,
    port: int,
    workdir: Path,
    rewrite: dict[str, str],
    *,
    log_queries: bool = False,
) -> str:
    """The real config made a loopback-only, foreground, upstream-free server (see module doc)."""
    if not ipaddress.ip_address(address).is_loopback:
        raise ValueError(f"dnsmasq must listen on a loopback address, not {address}")
    out: list[str] = []
    for raw in conf_text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            out.append(line)
        elif _kept(line):
            out.append(rewrite_line(line, rewrite))
        else:
            out.append(f"# dropped: {line}")
    out += [
        "",
        "# lab: loopback only, foreground, no upstream, no DHCP",
        "no-resolv",
        "no-hosts",
        "keep-in-foreground",
        f"listen-address={address}",
        "bind-interfaces",  # else dnsmasq binds the wildcard address and only filters
        f"port={port}",
        f"pid-file={workdir / 'dnsmasq.pid'}",
        "log-facility=-",
    ]
    if log_queries:
        out.append("log-queries")
    return "\n".join(out) + "\n"


def answers(address: str, port: int, timeout: float = 0.3) -> bool:
    """Any DNS reply (REFUSED included) from ``address:port``: the server is up."""
    try:
        dns.query.udp(dns.message.make_query(".", "SOA"), address, port=port, timeout=timeout)
        return True
    except (dns.exception.DNSException, OSError):
        return False


def serve(
    conf_text: str,
    address: str,
    port: int,
    workdir: Path,
    rewrite: dict[str, str],
    *,
    log_queries: bool = False,
    timeout: float = 5.0,
) -> subprocess.Popen[bytes]:
    """Write ``workdir/dnsmasq.conf`` (:func:`loopback_conf`) and start dnsmasq on it, in its own
    process group, its log in ``workdir/dnsmasq.log``; return once it answers (else stop it and
    raise RuntimeError with the log)."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "dnsmasq.conf"
    conf.write_text(
        loopback_conf(conf_text, address, port, workdir, rewrite, log_queries=log_queries)
    )
    log = workdir / "dnsmasq.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [DNSMASQ, f"--conf-file={conf}"],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not answers(address, port):
        if proc.poll() is not None or time.monotonic() > deadline:
            why = f"exited with {proc.returncode}" if proc.returncode is not None else "no answer"
            stop(proc)
            raise RuntimeError(f"dnsmasq on {address}:{port}: {why}: {log.read_text()[-1500:]}")
        time.sleep(0.05)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop dnsmasq by its PID (its process group: SIGTERM, then SIGKILL) and reap it."""
    stop_pid(proc.pid, None, signal.SIGTERM, proc)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=2.0)


@contextlib.contextmanager
def running(
    conf_text: str,
    address: str,
    port: int,
    workdir: Path,
    rewrite: dict[str, str],
    *,
    log_queries: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    """:func:`serve`, then :func:`stop` when the block ends (an exception included)."""
    proc = serve(conf_text, address, port, workdir, rewrite, log_queries=log_queries)
    try:
        yield proc
    finally:
        stop(proc)
