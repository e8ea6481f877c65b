"""What the dns.* checks gather: every server in ``dns.servers`` asked directly, for the nodes'
forward and reverse records, the API names, the apps wildcard, a whole view per server, the
mirror's host name (beside the address this machine reaches it at) and a random name directly
under the cluster domain (no wildcard may answer it).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
from dataclasses import dataclass

from collectors import settings
from collectors.errors import NotApplicable
from collectors.inventory import Node, split_host_port
from collectors.site import Site
from collectors.transport.dns import Answer, reverse_name

# --------------------------------------------------------------------------- subjects


def node_fqdns(site: Site) -> list[str]:
    """Every node's FQDN, e.g. ``m1.ocp45.example.localdomain``."""
    return [n.fqdn for n in site.inv.nodes]


def api_name(site: Site) -> list[str]:
    return [f"api.{site.inv.cluster_domain}"]


def api_int_name(site: Site) -> list[str]:
    return [f"api-int.{site.inv.cluster_domain}"]


def apps_wildcard_name(site: Site) -> list[str]:
    return [f"*.apps.{site.inv.cluster_domain}"]


def secondary_servers(site: Site) -> list[str]:
    servers = [str(s) for s in site.inv.dns_servers[1:]]
    if not servers:
        raise NotApplicable("dns.servers lists one server: nothing to compare")
    return servers


# --------------------------------------------------------------------------- gathering


def _ask_all(site: Site, name: str, rdtype: str) -> dict[str, Answer]:
    return {str(s): site.dns.query(s, name, rdtype) for s in site.inv.dns_servers}


def _node(site: Site, fqdn: str) -> Node:
    node = site.inv.node_by_fqdn(fqdn)
    assert node is not None, fqdn
    return node


def _forward_question(node: Node) -> tuple[str, str]:
    return node.fqdn, "AAAA" if ":" in node.ip else "A"


def _reverse_question(node: Node) -> tuple[str, str]:
    return reverse_name(node.ip), "PTR"


def node_questions(site: Site) -> None:
    """Ask every server the forward and reverse question of every node, once per process, in
    one batch per server: the first dns.forward or dns.reverse subject pays for all of them,
    the others read the answers (or errors) from the DNS client's cache. Under xdist the
    controller runs it (the checks' ``prefetch``) and seeds every worker's cache, so no
    question is asked twice in a run."""

    def produce() -> bool:
        nodes = site.inv.nodes
        questions = [_forward_question(n) for n in nodes] + [_reverse_question(n) for n in nodes]
        site.dns.prefetch(site.inv.dns_servers, questions)
        return True

    site.memo("dns-node-questions", produce)


def gather_forward(site: Site, fqdn: str) -> tuple[Node, dict[str, Answer]]:
    node = _node(site, fqdn)
    node_questions(site)
    return node, _ask_all(site, *_forward_question(node))


def gather_reverse(site: Site, fqdn: str) -> tuple[Node, dict[str, Answer]]:
    node = _node(site, fqdn)
    node_questions(site)
    return node, _ask_all(site, *_reverse_question(node))


def gather_name(site: Site, name: str) -> dict[str, Answer]:
    return _ask_all(site, name, "A")


def gather_apps(site: Site, name: str) -> tuple[str, dict[str, Answer]]:
    probe = name.replace("*", f"conformance-{secrets.token_hex(4)}", 1)
    return probe, _ask_all(site, probe, "A")


@dataclass(frozen=True)
class ServerView:
    """What one server says about every name the suite cares about, and its zone serials."""

    server: str
    answers: dict[tuple[str, str], tuple[str, ...] | str]
    serials: dict[str, int]


def _view(site: Site, server_text: str) -> ServerView:
    server = next(s for s in site.inv.dns_servers if str(s) == server_text)
    inv = site.inv
    questions = [(n.fqdn, "A") for n in inv.nodes]
    questions += [(reverse_name(n.ip), "PTR") for n in inv.nodes]
    questions += [(f"{p}.{inv.cluster_domain}", "A") for p in ("api", "api-int")]
    questions += [(f"conformance-consistency.apps.{inv.cluster_domain}", "A")]
    answers: dict[tuple[str, str], tuple[str, ...] | str] = {}
    serials: dict[str, int] = {}
    for name, rdtype in questions:
        answer = site.dns.query(server, name, rdtype)
        answers[(name, rdtype)] = answer.records or answer.rcode
        if answer.zone and answer.serial is not None:
            serials[answer.zone] = answer.serial
    soa = site.dns.query(server, inv.cluster_domain, "SOA")
    if soa.zone and soa.serial is not None:
        serials[soa.zone] = soa.serial
    return ServerView(str(server), answers, serials)


def gather_consistency(site: Site, server_text: str) -> tuple[ServerView, ServerView]:
    first = site.memo("dns-view-first", lambda: _view(site, str(site.inv.dns_servers[0])))
    return first, _view(site, server_text)


# --------------------------------------------------------------------------- dns.mirror


@dataclass(frozen=True)
class MirrorNameFacts:
    """The mirror's host name as every DNS server answers it, and the address this machine
    reaches it at (``how``: through which resolver; ``reached_at`` empty: none answered)."""

    host: str
    reached_at: tuple[str, ...]
    how: str
    answers: dict[str, Answer]


def mirror_registry(site: Site) -> list[str]:
    """The mirror registry as the inventory names it (``mirror.registry``, the mirror.* subject)."""
    return [site.inv.mirror.registry or ""]


def local_addresses(name: str, timeout: float) -> tuple[str, ...]:
    """What this machine's resolver (/etc/hosts, then its DNS) gives for ``name``, within
    ``timeout`` (getaddrinfo has none of its own: it runs in a daemon thread)."""
    box: list[tuple[str, ...]] = []

    def ask() -> None:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            box.append(tuple(dict.fromkeys(str(i[4][0]) for i in infos)))
        except OSError:
            box.append(())

    worker = threading.Thread(target=ask, daemon=True, name=f"getaddrinfo {name}")
    worker.start()
    worker.join(timeout)
    return box[0] if box else ()


def gather_mirror_name(site: Site, registry: str) -> MirrorNameFacts:
    host, _ = split_host_port(registry, 443)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise NotApplicable(f"mirror.registry {registry} is an IP address: no name to resolve")
    answers = {str(s): site.dns.query(s, host, "A") for s in site.inv.dns_servers}
    if site.inv.mirror.resolve_via_site_dns:
        first = str(site.inv.dns_servers[0])
        return MirrorNameFacts(
            host, answers[first].records, f"the site DNS {first} (resolve_via_site_dns)", answers
        )
    found = local_addresses(host, settings.DNS_TIMEOUT * 2)
    return MirrorNameFacts(
        host, found, "this machine's resolver (/etc/hosts, resolv.conf)", answers
    )


# --------------------------------------------------------------------------- dns.cluster_wildcard


def cluster_wildcard_name(site: Site) -> list[str]:
    return [f"*.{site.inv.cluster_domain}"]


def gather_cluster_wildcard(site: Site, name: str) -> tuple[str, dict[str, Answer]]:
    """A random name directly under the cluster domain, asked of every server."""
    probe = name.replace("*", f"conformance-{secrets.token_hex(4)}", 1)
    return probe, _ask_all(site, probe, "A")
