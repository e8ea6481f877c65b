"""The network part of the lab: a primary and a secondary BIND, HAProxy, and node ports.

Its scenarios (DNS records and haproxy.cfg as sites get them wrong) edit the lab's
:class:`lab.model.NetworkModel` before the part starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import dns.message
import dns.query

from lab.model import NetworkModel, Record
from lab.procs import tcp_ready
from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["bind9", "haproxy"]


# --------------------------------------------------------------------------- rendering


def render_forward_zone(model: NetworkModel, records: list[Record], serial: int) -> str:
    """A forward zone file in the seed's layout (absolute owner names)."""
    lines = [
        f"$ORIGIN {model.base_domain}.",
        "$TTL 3600",
        f"@ IN SOA ns1.{model.base_domain}. root.{model.base_domain}. (",
        f"    {serial} ; Serial",
        "    3600 ; Refresh",
        "    900 ; Retry",
        "    3600000 ; Expire",
        "    3600 ) ; Minimum",
        f"    IN NS ns1.{model.base_domain}.",
        "ns1 IN A 127.0.0.1",
    ]
    lines += [f"{r.owner}. IN {r.rtype} {r.value}" for r in records]
    return "\n".join(lines) + "\n"


def render_reverse_zone(model: NetworkModel, records: list[Record], serial: int) -> str:
    """A reverse zone with relative owners (last octet), as in the seed."""
    lines = [
        "$TTL 3600",
        f"@ IN SOA ns1.{model.base_domain}. root.{model.base_domain}. (",
        f"    {serial} ; Serial",
        "    3600 ; Refresh",
        "    900 ; Retry",
        "    3600000 ; Expire",
        "    3600 ) ; Minimum",
        f"    IN NS ns1.{model.base_domain}.",
        ";",
    ]
    for r in records:  # owner "21.0" for 127.<slot>.0.21 in zone <slot>.127.in-addr.arpa
        third, fourth = r.owner.split(".")[2:4]
        lines.append(f"{fourth}.{third} IN PTR {r.value}.")
    return "\n".join(lines) + "\n"


def render_named_conf(model: NetworkModel, directory: Path, port: int) -> str:
    return f"""options {{
    directory "{directory}";
    pid-file "{directory}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    allow-transfer {{ any; }};
    dnssec-validation no;
}};
controls {{ }};
zone "{model.base_domain}" IN {{
    type primary;
    file "{directory}/named.{model.base_domain}.zone";
}};
zone "{model.reverse_zone}" IN {{
    type primary;
    file "{directory}/{model.reverse_zone}.zone";
}};
"""


def render_haproxy(model: NetworkModel, dns_port: int) -> str:
    """haproxy.cfg in the seed's shape (comments and commented-out blocks kept), on loopback."""
    out = [
        "# ---------------------------------------------------------------------",
        "# Global settings",
        "# ---------------------------------------------------------------------",
        "global",
        "    log stdout format raw local0 info",
        "    maxconn 4000",
        "",
        "defaults",
        "    # mode http",
        "    mode tcp",
        "    log global",
        "    option dontlognull",
        "    option redispatch",
        "    option log-health-checks",
        "    retries 3",
        "    timeout queue 1m",
        "    timeout connect 10s",
        "    timeout client 1m",
        "    timeout server 1m",
        "    timeout check 10s",
        "    maxconn 3000",
        "",
        "# server names resolve through the site DNS, as on the seed's LB",
        "resolvers site",
        f"    nameserver ns1 127.0.0.1:{dns_port}",
        "    hold valid 10s",
        "",
        "# commented out (SELinux refuses the port)",
        "# frontend main",
        "#     bind *:5000",
        "#     default_backend app",
        "",
    ]
    for f in model.frontends:
        out.append(f"frontend {f.name}")
        out.append(f"    default_backend {f.default_backend}")
        out.append(f"    mode {f.mode}")
        out += [f"    bind {host}:{port}" for host, port in f.binds]
        out.append("")
    out += [
        "# backend app",
        "#     balance roundrobin",
        "#     server app1 127.0.0.1:5001 check",
        "",
    ]
    out.append(f"# internal domain is {model.cluster_domain}")
    for b in model.backends:
        out += [
            f"backend {b.name}",
            f"    mode {b.mode}",
            f"    balance {b.balance}",
            "    default-server inter 1s fall 2 rise 1 resolvers site init-addr none",
        ]
        out += [
            f"    server {name} {addr}:{port}" + ("" if name in b.unchecked else " check")
            for name, addr, port in b.servers
        ]
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- starting


def _answers(port: int, zone: str) -> bool:
    try:
        dns.query.udp(dns.message.make_query(zone, "SOA"), "127.0.0.1", port=port, timeout=0.3)
        return True
    except Exception:
        return False


def start_named(
    lab: LabContext, name: str, port: int, forward: list[Record], reverse: list[Record], serial: int
) -> None:
    model = lab.network
    d = lab.workdir / name
    d.mkdir(parents=True, exist_ok=True)
    (d / f"named.{model.base_domain}.zone").write_text(render_forward_zone(model, forward, serial))
    (d / f"{model.reverse_zone}.zone").write_text(render_reverse_zone(model, reverse, serial + 1))
    conf = d / "named.conf"
    conf.write_text(render_named_conf(model, d, port))
    check = subprocess.run(
        ["named-checkconf", "-z", str(conf)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if check.returncode != 0:
        raise RuntimeError(f"named-checkconf -z {conf} failed: {check.stdout}{check.stderr}")
    lab.procs.spawn(
        name,
        ["/usr/sbin/named", "-g", "-c", str(conf)],
        ready=lambda: _answers(port, model.base_domain),
    )


def start(lab: LabContext) -> dict:
    """Start DNS, node ports and HAProxy; return the inventory keys they provide."""
    model = lab.network
    primary_port, secondary_port = lab.port(0), lab.port(1)
    start_named(lab, "ns1", primary_port, model.forward, model.reverse, model.serial)
    start_named(
        lab,
        "ns2",
        secondary_port,
        model.secondary_forward if model.secondary_forward is not None else model.forward,
        model.secondary_reverse if model.secondary_reverse is not None else model.reverse,
        model.secondary_serial if model.secondary_serial is not None else model.serial,
    )
    spec = lab.workdir / "node-ports.json"
    pairs = model.node_ports()
    spec.write_text(json.dumps(pairs))
    first = pairs[0]
    lab.procs.spawn(
        "node-ports",
        [
            sys.executable,
            str(Path(__file__).with_name("listeners.py")),
            str(spec),
            "--max-seconds",
            str(lab.max_seconds),
        ],
        ready=lambda: tcp_ready(*first),
    )
    hdir = lab.workdir / "haproxy"
    hdir.mkdir(exist_ok=True)
    cfg = hdir / "haproxy.cfg"
    text = render_haproxy(model, primary_port)
    running = hdir / "haproxy.running.cfg" if model.haproxy_edits else cfg
    running.write_text(text)
    valid = subprocess.run(
        ["haproxy", "-c", "-f", str(running)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if valid.returncode != 0:
        raise RuntimeError(f"haproxy -c -f {running} failed: {valid.stdout}{valid.stderr}")
    for edit in model.haproxy_edits:  # the site's file, edited after haproxy loaded it
        text = edit(text)
    if model.haproxy_edits:
        cfg.write_text(text)
    bound = next(((h, p) for f in model.frontends for h, p in f.binds), None)
    lab.procs.spawn(
        "haproxy",
        ["/usr/sbin/haproxy", "-db", "-f", str(running)],
        ready=(lambda: tcp_ready(*bound)) if bound else None,
    )
    return {
        "cluster": {"name": model.cluster, "base_domain": model.base_domain},
        "dns": {"servers": [f"127.0.0.1:{primary_port}", f"127.0.0.1:{secondary_port}"]},
        "load_balancer": {
            "api": model.api_vip,
            "api_int": model.api_int_vip,
            "ingress": model.ingress_vip,
            "config": str(cfg),
            "log": str(lab.procs.logdir / "haproxy.out"),
        },
        "nodes": [{"name": n.name, "role": n.role, "ip": n.ip} for n in model.nodes],
    }


# --------------------------------------------------------------------------- scenarios


@scenario("clean", "the seed site as it should be: every check passes")
def _clean(lab: LabContext) -> None:
    pass


@scenario("missing-ptr", "i1 has no PTR record (the node would register as localhost)")
def _missing_ptr(lab: LabContext) -> None:
    net = lab.network
    net.reverse = [r for r in net.reverse if r.value != net.node("i1").fqdn]


@scenario("wrong-a", "m2's A record carries m3's address (a typo in the zone)")
def _wrong_a(lab: LabContext) -> None:
    net = lab.network
    for r in net.forward:
        if r.owner == net.node("m2").fqdn:
            r.value = net.node("m3").ip


@scenario("no-apps-wildcard", "the *.apps wildcard record is missing")
def _no_wildcard(lab: LabContext) -> None:
    net = lab.network
    net.forward = [r for r in net.forward if not r.owner.startswith("*.apps.")]


@scenario(
    "cluster-wildcard", "a *.<cluster>.<domain> wildcard answers every name under the cluster"
)
def _cluster_wildcard(lab: LabContext) -> None:
    net = lab.network
    net.forward.append(Record(f"*.{net.cluster_domain}", "A", net.ingress_vip))


@scenario("api-int-on-api-vip", "api-int resolves to the external API VIP")
def _api_int_wrong(lab: LabContext) -> None:
    net = lab.network
    for r in net.forward:
        if r.owner.startswith("api-int."):
            r.value = net.api_vip


@scenario("stale-secondary", "ns2 kept an old copy: older serial, no infra nodes")
def _stale_secondary(lab: LabContext) -> None:
    net = lab.network
    infra = {n.fqdn for n in net.nodes if n.role == "infra"}
    net.secondary_forward = [
        Record(r.owner, r.rtype, r.value) for r in net.forward if r.owner not in infra
    ]
    net.secondary_reverse = [
        Record(r.owner, r.rtype, r.value) for r in net.reverse if r.value not in infra
    ]
    net.secondary_serial = net.serial - 1


@scenario("frontend-unbound", "no frontend binds the machine config port 22623")
def _frontend_unbound(lab: LabContext) -> None:
    net = lab.network
    net.frontends = [f for f in net.frontends if f.name != "machineconfig"]


@scenario("backend-missing-master", "m2 is missing from the kube_api backend")
def _backend_missing_master(lab: LabContext) -> None:
    backend = lab.network.backend("kube_api")
    backend.servers = [s for s in backend.servers if s[0] != "m2"]


@scenario("ingress-missing-infra", "i3 is missing from the ingress (80/443) backends")
def _ingress_missing_infra(lab: LabContext) -> None:
    for name in ("infra_http", "infra_https"):
        backend = lab.network.backend(name)
        backend.servers = [s for s in backend.servers if s[0] != "i3"]


@scenario("seed-initial", "the seed's first state: infra nodes without PTRs, ingress on workers")
def _seed_initial(lab: LabContext) -> None:
    net = lab.network
    infra = [n for n in net.nodes if n.role == "infra"]
    workers = [n for n in net.nodes if n.role == "worker"]
    net.reverse = [r for r in net.reverse if r.value not in {n.fqdn for n in infra}]
    for name, port in (("infra_http", 80), ("infra_https", 443)):
        net.backend(name).servers = [(n.name, n.fqdn, port) for n in workers]


@scenario(
    "compact-cluster",
    "three schedulable masters and no workers or infra nodes: the routers run on the masters, "
    "so the LB's 80/443 go to them",
)
def _compact_cluster(lab: LabContext) -> None:
    net = lab.network
    gone = {n.fqdn for n in net.nodes if n.role in ("worker", "infra")}
    net.nodes = [n for n in net.nodes if n.fqdn not in gone]
    net.forward = [r for r in net.forward if r.owner not in gone]
    net.reverse = [r for r in net.reverse if r.value not in gone]
    masters = [n for n in net.nodes if n.role == "master"]
    for name, port in (("infra_http", 80), ("infra_https", 443)):
        net.backend(name).servers = [(n.name, n.fqdn, port) for n in masters]


@scenario(
    "api-mode-http",
    "the API frontend kubeapi and its backend kube_api are mode http: TLS no longer passes "
    "through to the masters",
)
def _api_mode_http(lab: LabContext) -> None:
    net = lab.network
    next(f for f in net.frontends if f.name == "kubeapi").mode = "http"
    net.backend("kube_api").mode = "http"


@scenario(
    "server-without-check",
    "m2's server line in kube_api has no check: a dead m2 would keep getting API traffic",
)
def _server_without_check(lab: LabContext) -> None:
    lab.network.backend("kube_api").unchecked.append("m2")


def _listen_1x_without_final_lf(text: str) -> str:
    """A stats section in the 1.x ``listen NAME ADDR:PORT`` form, and no LF on the last line."""
    return text.rstrip("\n") + "\nlisten stats 127.0.0.1:9000\n    mode http\n    stats enable"


@scenario(
    "haproxy-cfg-1x-listen",
    "haproxy.cfg gained a 1.x 'listen stats ADDR:PORT' section without a final newline: "
    "haproxy 2.x rejects both",
)
def _haproxy_cfg_1x_listen(lab: LabContext) -> None:
    lab.network.haproxy_edits.append(_listen_1x_without_final_lf)
