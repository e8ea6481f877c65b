"""A real UPI site's dnsmasq config (``tests/real/dnsmasq/``, see its SOURCES.md), served by a
real dnsmasq on loopback with no upstream (``lab/dnsmasq.py``) and asked with the suite's own
``DnsClient``: what it answers for each kind of name, and that a name it does not hold comes
back REFUSED, an answer, never an exception.

The tests without the ``lab`` marker only read the derived config; the others start dnsmasq.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from collectors.inventory import DnsServer
from collectors.transport.deadsources import DeadSources
from collectors.transport.dns import Answer, DnsClient, reverse_name
from lab import dnsmasq, packages

REAL = Path(__file__).parent / "real" / "dnsmasq" / "ibm-cloud-ocp4.3-upi-pxe.ocp.conf"
CLUSTER = "ocp.ibm.local"
ADDRESS = "127.0.53.1"  # no lab slot uses 127.0.53.0/24 (slots are 127.20-39.x and 127.0.0.1)
TIMEOUT = 2.0  # seconds per DNS question


def fake(ip: str) -> str:
    """The loopback stand-in of a real address: 169.60.247.110 -> 127.0.53.110."""
    return "127.0.53." + ip.rsplit(".", 1)[1]


TEXT = REAL.read_text()
REWRITE = {ip: fake(ip) for ip in dnsmasq.record_addresses(TEXT)}
API_VIP, APPS_VIP = fake("169.60.247.110"), fake("169.60.247.104")
NODES = {
    "bootstrap": fake("169.60.247.106"),
    "master1": fake("169.60.247.107"),
    "master2": fake("169.60.247.108"),
    "master3": fake("169.60.247.109"),
    "worker1": fake("169.60.247.103"),
}
ETCD = {"etcd-0": NODES["master1"], "etcd-1": NODES["master2"], "etcd-2": NODES["master3"]}


def active(conf: str) -> list[str]:
    return [line for line in conf.splitlines() if line and not line.startswith("#")]


# -- the derived config (no daemon) --------------------------------------------------------------


def test_the_record_addresses_are_the_vips_and_nodes_not_the_dhcp_options() -> None:
    assert list(REWRITE) == [
        "169.60.247.110",
        "169.60.247.107",
        "169.60.247.108",
        "169.60.247.109",
        "169.60.247.104",
        "169.60.247.106",
        "169.60.247.103",
    ]


def test_the_derived_config_keeps_the_records_rewritten_and_drops_the_rest(
    tmp_path: Path,
) -> None:
    conf = dnsmasq.loopback_conf(TEXT, ADDRESS, 20053, tmp_path, REWRITE)
    lines = active(conf)
    assert not [line for line in lines if "169.60." in line]
    dropped = [line.removeprefix("# dropped: ") for line in conf.splitlines() if "dropped" in line]
    assert sorted({line.split("=", 1)[0] for line in dropped}) == [
        "bind-interfaces",
        "dhcp-boot",
        "dhcp-host",
        "dhcp-option",
        "dhcp-range",
        "enable-tftp",
        "interface",
        "resolv-file",
        "tftp-root",
    ]
    assert len(dropped) == 14  # 5 dhcp-host, 2 dhcp-option and one each of the others
    assert "address=/api-int.ocp.ibm.local/127.0.53.110" in lines
    assert "address=/.apps.ocp.ibm.local/127.0.53.104" in lines
    assert "ptr-record=106.53.0.127.in-addr.arpa,bootstrap.ocp.ibm.local" in lines
    assert "srv-host=_etcd-server-ssl._tcp.ocp.ibm.local,etcd-0.ocp.ibm.local,2380" in lines
    assert lines[-8:] == [
        "no-resolv",
        "no-hosts",
        "keep-in-foreground",
        f"listen-address={ADDRESS}",
        "bind-interfaces",
        "port=20053",
        f"pid-file={tmp_path / 'dnsmasq.pid'}",
        "log-facility=-",
    ]
    records = [line for line in lines[:-8] if not line.startswith("srv-host")]
    assert len(records) == 16  # address= for api, api-int, 3 etcd, 5 nodes, apps; 5 ptr-record


def test_the_rewrite_replaces_whole_addresses_and_reverse_names_only() -> None:
    text = "\n".join(
        [
            "address=/a.c.example/10.0.0.1",
            "address=/b.c.example/10.0.0.10",
            "host-record=m0.c.example,10.0.0.1,fd00::1",
            "ptr-record=1.0.0.10.in-addr.arpa.,m0.c.example",
            "ptr-record=10.0.0.10.in-addr.arpa,b.c.example",
            "local=/c.example/",
            "server=/d.example/",
            "server=/e.example/10.0.0.53",
            "server=10.0.0.53",
            "conf-dir=/etc/dnsmasq.d",
        ]
    )
    rewrite = {"10.0.0.1": "127.0.53.11", "fd00::1": "::1"}
    assert dnsmasq.record_addresses(text) == ["10.0.0.1", "10.0.0.10", "fd00::1"]
    assert active(dnsmasq.loopback_conf(text, "127.0.0.1", 5353, Path("/w"), rewrite))[:7] == [
        "address=/a.c.example/127.0.53.11",
        "address=/b.c.example/10.0.0.10",
        "host-record=m0.c.example,127.0.53.11,::1",
        "ptr-record=11.53.0.127.in-addr.arpa.,m0.c.example",
        "ptr-record=10.0.0.10.in-addr.arpa,b.c.example",
        "local=/c.example/",
        "server=/d.example/",
    ]


def test_only_a_loopback_address_is_served(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        dnsmasq.loopback_conf(TEXT, "10.0.0.1", 5353, tmp_path, REWRITE)


# -- the real dnsmasq ----------------------------------------------------------------------------


def free_port(address: str) -> int:
    """A port free for both UDP and TCP on ``address`` just now."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((address, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((address, port))
                except OSError:
                    continue
                return port
    raise RuntimeError(f"no free port on {address}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsServer]:
    """dnsmasq serving the real file on ADDRESS; stopped by PID when the module ends."""
    packages.ensure(dnsmasq.PACKAGES)
    workdir = tmp_path_factory.mktemp("dnsmasq")
    for attempt in range(3):  # another process may take the port between probe and start
        port = free_port(ADDRESS)
        try:
            proc = dnsmasq.serve(TEXT, ADDRESS, port, workdir, REWRITE, log_queries=True)
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        try:
            yield DnsServer(ADDRESS, port)
        finally:
            dnsmasq.stop(proc)
        return


def ask(server: DnsServer, name: str, rdtype: str = "A") -> Answer:
    return DnsClient(timeout=TIMEOUT, dead=DeadSources()).query(server, name, rdtype)


@pytest.mark.lab
@pytest.mark.parametrize("name", ["api", "api-int"])
def test_api_names_answer_the_rewritten_vip(server: DnsServer, name: str) -> None:
    answer = ask(server, f"{name}.{CLUSTER}")
    assert (answer.rcode, answer.records) == ("NOERROR", (API_VIP,))


@pytest.mark.lab
@pytest.mark.parametrize("host", [*NODES, *ETCD])
def test_nodes_and_etcd_names_answer_their_rewritten_addresses(
    server: DnsServer, host: str
) -> None:
    answer = ask(server, f"{host}.{CLUSTER}")
    assert (answer.rcode, answer.records) == ("NOERROR", ({**NODES, **ETCD}[host],))


@pytest.mark.lab
def test_the_apps_wildcard_answers_any_name_under_apps_and_apps_itself(server: DnsServer) -> None:
    names = [
        f"zz{secrets.token_hex(4)}.apps.{CLUSTER}",
        f"a{secrets.token_hex(2)}.b{secrets.token_hex(2)}.apps.{CLUSTER}",
        f"console-openshift-console.apps.{CLUSTER}",
        f"apps.{CLUSTER}",  # address=/.apps.X/ holds X itself too: the leading dot is ignored
    ]
    for name in names:
        answer = ask(server, name)
        assert (answer.rcode, answer.records) == ("NOERROR", (APPS_VIP,)), name


@pytest.mark.lab
def test_a_name_it_does_not_hold_is_refused_an_answer_not_an_error(server: DnsServer) -> None:
    for name in (f"zz-{secrets.token_hex(4)}.{CLUSTER}", CLUSTER, "www.example.com"):
        answer = ask(server, name)
        assert (answer.rcode, answer.records, answer.zone) == ("REFUSED", (), None), name
    # DnsClient asks without recursion desired; a stub resolver asks with it: the same REFUSED
    query = dns.message.make_query(f"zz-{secrets.token_hex(4)}.{CLUSTER}", "A")
    assert query.flags & dns.flags.RD
    reply = dns.query.udp(query, server.host, port=server.port, timeout=TIMEOUT)
    assert (dns.rcode.to_text(reply.rcode()), reply.answer) == ("REFUSED", [])


@pytest.mark.lab
def test_another_type_of_an_address_name_is_refused(server: DnsServer) -> None:
    """address= holds only the A record: dnsmasq sends the AAAA question upstream, and with none
    it answers REFUSED (the real site's upstream, 8.8.8.8, would say NXDOMAIN for .local)."""
    for name in (
        f"api.{CLUSTER}",
        f"master1.{CLUSTER}",
        f"zz{secrets.token_hex(4)}.apps.{CLUSTER}",
    ):
        assert ask(server, name, "AAAA").rcode == "REFUSED", name


@pytest.mark.lab
def test_ptr_records_name_the_nodes_and_the_vips_have_none(server: DnsServer) -> None:
    for host, ip in NODES.items():
        answer = ask(server, reverse_name(ip), "PTR")
        assert (answer.rcode, answer.records) == ("NOERROR", (f"{host}.{CLUSTER}",)), host
    for vip in (API_VIP, APPS_VIP):  # OpenShift's UPI docs ask PTRs for api and api-int
        assert ask(server, reverse_name(vip), "PTR").rcode == "REFUSED", vip


@pytest.mark.lab
def test_the_etcd_srv_records(server: DnsServer) -> None:
    answer = ask(server, f"_etcd-server-ssl._tcp.{CLUSTER}", "SRV")
    assert answer.rcode == "NOERROR"
    assert answer.records == tuple(f"0 0 2380 {e}.{CLUSTER}." for e in sorted(ETCD))


@pytest.mark.lab
def test_dnsmasq_binds_its_loopback_address_only(server: DnsServer) -> None:
    """bind-interfaces: sockets on ADDRESS:port, none on the wildcard address or on IPv6."""
    bound: set[tuple[str, str]] = set()
    for table in ("udp", "tcp", "udp6", "tcp6"):
        for row in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            host, port = local.rsplit(":", 1)
            if int(port, 16) == server.port and state in ("07", "0A"):  # unconnected, LISTEN
                bound.add((table, host))
    addr = socket.inet_aton(ADDRESS)[::-1].hex().upper()  # /proc/net lists it little-endian
    assert bound == {("udp", addr), ("tcp", addr)}


# -- the checks' verdicts on its answers (issue 18: a REFUSED is an answer) ----------------------


@pytest.mark.lab
def test_no_wildcard_passes_on_the_refused_answer_and_says_so(server: DnsServer) -> None:
    from checks.dns import evaluate_cluster_wildcard

    probe = f"zz-{secrets.token_hex(4)}.{CLUSTER}"
    verdict = evaluate_cluster_wildcard(f"*.{CLUSTER}", probe, {str(server): ask(server, probe)})
    assert verdict.ok, verdict.message
    assert "REFUSED on 1 server(s)" in verdict.message


@pytest.mark.lab
def test_a_node_the_config_lacks_fails_forward_dns_naming_the_refusal(server: DnsServer) -> None:
    from checks.dns import evaluate_forward, evaluate_reverse
    from collectors.inventory.model import Node

    held = Node(name="master1", role="master", ip=NODES["master1"], fqdn=f"master1.{CLUSTER}")
    assert evaluate_forward(held, {str(server): ask(server, held.fqdn)}).ok
    missing = Node(name="worker2", role="worker", ip="127.0.53.111", fqdn=f"worker2.{CLUSTER}")
    verdict = evaluate_forward(missing, {str(server): ask(server, missing.fqdn)})
    assert not verdict.ok and "REFUSED" in verdict.message, verdict.message
    # the API VIP has no PTR in the real file: a node there would register as localhost
    vip = Node(name="api", role="master", ip=API_VIP, fqdn=f"api.{CLUSTER}")
    verdict = evaluate_reverse(vip, {str(server): ask(server, reverse_name(API_VIP), "PTR")})
    assert not verdict.ok and "REFUSED" in verdict.message, verdict.message
