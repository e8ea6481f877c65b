"""What the dns.* checks gather: every server in ``dns.servers`` asked directly, for the nodes'
forward and reverse records, the API names, the apps wildcard and a whole view per server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from collectors.errors import NotApplicable
from collectors.inventory import Node
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


def gather_forward(site: Site, fqdn: str) -> tuple[Node, dict[str, Answer]]:
    node = _node(site, fqdn)
    return node, _ask_all(site, fqdn, "AAAA" if ":" in node.ip else "A")


def gather_reverse(site: Site, fqdn: str) -> tuple[Node, dict[str, Answer]]:
    node = _node(site, fqdn)
    return node, _ask_all(site, reverse_name(node.ip), "PTR")


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
