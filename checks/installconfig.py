"""install-config.yaml for a disconnected install: its mirror rules cover the release and its
content, its additionalTrustBundle verifies the mirror, its pullSecret logs in to the mirror
(installconfig.mirrors); its networks fit the site's addresses (installconfig.networks); it names
this site's cluster, domain, replicas, platform, sshKey and proxy exemptions (installconfig.site).

Secrets in the file (pullSecret) are parsed, never shown: messages name keys and hosts only.
The facts come from ``collectors.facts.installconfig``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ipaddress

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.installconfig import (
    InstallConfigFacts,
    NetworksFacts,
    SiteFacts,
    gather_install_config,
    gather_networks,
    gather_site,
    install_config_name,
)
from collectors.images.imageref import parse_reference, same_registry
from collectors.install.installconfig import IPNetwork
from collectors.visible import shell_word


def evaluate_install_config(f: InstallConfigFacts) -> Verdict:
    """Both release sources mirrored (to mirror.registry when given); the bundle verifies each
    mirror host; the pullSecret has working credentials for each."""
    problems: list[str] = []
    remedies: list[str] = []
    for source, mirrors in f.coverage.items():
        if not mirrors:
            problems.append(f"no imageContentSources/imageDigestSources entry mirrors {source}")
            target = (
                f"{f.expected_host}/<repository>" if f.expected_host else "<mirror>/<repository>"
            )
            remedies.append(
                f'add "- {{mirrors: [{target}], source: {source}}}" under imageContentSources '
                "(the lines oc adm release mirror prints)"
            )
        elif f.expected_host and not any(
            same_registry(parse_reference(m).registry, f.expected_host) for m in mirrors
        ):
            problems.append(
                f"{source} mirrors to {', '.join(mirrors)}, "
                f"not to mirror.registry {f.expected_host}"
            )
            remedies.append(f"point the mirrors of {source} at {f.expected_host}")
    for h in f.hosts:
        if h.bundle is not None and not h.bundle.verified:
            held = f"{f.bundle_certs} certificate(s)" if f.bundle_certs else "no certificate"
            issuer = f" (its certificate is issued by {h.bundle.issuer})" if h.bundle.issuer else ""
            problems.append(
                f"additionalTrustBundle ({held}) does not verify {h.host}: {h.bundle.error}{issuer}"
            )
            remedies.append(
                "append the registry CA to additionalTrustBundle, indented two spaces: "
                "sed -e 's/^/  /' /opt/registry/certs/domain.crt >> install-config.yaml"
            )
        elif h.bundle is None and h.bundle_offline_ok is False:
            problems.append(
                "additionalTrustBundle lacks the CA in mirror.ca_file "
                f"({h.host} unreachable to test)"
            )
            remedies.append("append mirror.ca_file's certificate to additionalTrustBundle")
        if not h.has_credential:
            problems.append(
                f"pullSecret has no auths entry for {h.host}"
                + ("" if f.has_pull_secret else " (no pullSecret at all)")
            )
            remedies.append(
                "add the mirror's entry to the pull secret: "
                f"podman login --authfile pull-secret.json "
                f"{shell_word(h.host)}, then put the merged JSON on one line in pullSecret"
            )
        elif h.login_error:
            problems.append(f"pullSecret credentials for {h.host} do not work ({h.login_error})")
            remedies.append(
                f"refresh the entry for {h.host} in pullSecret "
                f"(podman login --authfile pull-secret.json "
                f"{shell_word(h.host)}) and paste the new JSON"
            )
    if not problems:
        mirrored = sorted({m for ms in f.coverage.values() for m in ms})
        return passed(
            f"both release sources mirrored to {', '.join(mirrored)}; "
            "trust bundle and pull secret fit"
        )
    return failed(
        expected="imageContentSources/imageDigestSources covering ocp-release and "
        "ocp-v4.0-art-dev, an "
        "additionalTrustBundle that verifies the mirror, and pullSecret credentials for it",
        found="; ".join(problems),
        remediation="; ".join(dict.fromkeys(remedies)),
    )


@check(
    "installconfig.mirrors",
    title="install-config mirrors, trust bundle and pull secret",
    markers=["preflight"],
    subject="install-config file name",
    fails_when="imageContentSources/imageDigestSources miss ocp-release or ocp-v4.0-art-dev, "
    "additionalTrustBundle does not verify the mirror, "
    "or pullSecret has no working credentials for it (skipped for a connected install: no mirror "
    "anywhere)",
    remediation="add the mirror entries, the registry CA and the mirror's pull-secret entry "
    "to install-config.yaml",
    subjects=install_config_name,
    gather=gather_install_config,
    requires=("install_config",),
)
def test_installconfig_mirrors(facts: InstallConfigFacts) -> None:
    expect(evaluate_install_config(facts))


# --------------------------------------------------------------------------- installconfig.networks

#: The installer's defaults, used when the install-config leaves a network out.
DEFAULT_MACHINE = ipaddress.ip_network("10.0.0.0/16")
DEFAULT_HOST_PREFIX = 23
#: Ranges offered in a remedy, first those the installer documents.
_CLUSTER_CANDIDATES = ("10.128.0.0/14", "10.132.0.0/14", "10.136.0.0/14", "172.20.0.0/14")
_SERVICE_CANDIDATES = ("172.30.0.0/16", "172.31.0.0/16", "10.96.0.0/16", "192.168.240.0/20")


def covering_network(ips: list[str]) -> IPNetwork | None:
    """The smallest network holding every address (of one family), for a remedy.

    >>> covering_network(["172.16.0.11", "172.16.0.43", "172.16.0.111"])
    IPv4Network('172.16.0.0/25')
    """
    addrs = [ipaddress.ip_address(i) for i in ips]
    if not addrs or len({a.version for a in addrs}) != 1:
        return None
    prefix = addrs[0].max_prefixlen
    while prefix >= 0:
        net = ipaddress.ip_network(f"{addrs[0]}/{prefix}", strict=False)
        if all(a in net for a in addrs):
            return net
        prefix -= 1
    return None


#: The installer's defaults, avoided by a suggested machineNetwork when the file sets none.
DEFAULT_CLUSTER = ipaddress.ip_network("10.128.0.0/14")
DEFAULT_SERVICE = ipaddress.ip_network("172.30.0.0/16")
#: A suggested machineNetwork is never wider than this (per family): no site's nodes need more.
_WIDEST = {4: 8, 6: 32}
_SUSPECTS_AT_MOST = 3


def _fits(net: IPNetwork, avoid: list[IPNetwork]) -> bool:
    return net.prefixlen >= _WIDEST[net.version] and not any(_overlaps(net, a) for a in avoid)


def suggest_machine_network(
    addresses: list[tuple[str, str]], avoid: list[IPNetwork]
) -> tuple[IPNetwork | None, list[tuple[str, str]]]:
    """``(network, suspects)``: the smallest network holding every address that overlaps none
    of ``avoid`` (the cluster and service networks) and is no wider than /8 (IPv4), with no
    suspects; else None and the fewest addresses (at most 3) without which the others fit (none
    when no such few exist).

    >>> service = [ipaddress.ip_network("172.30.0.0/16")]
    >>> suggest_machine_network([("m1", "172.16.0.21"), ("w1", "172.16.0.31")], service)
    (IPv4Network('172.16.0.16/28'), [])
    >>> suggest_machine_network([("m1", "172.16.0.21"), ("w9", "192.168.0.31")], service)
    (None, [('w9', '192.168.0.31')])
    """
    family = [(label, ip) for label, ip in addresses if ipaddress.ip_address(ip).version == 4]
    if len(family) * 2 < len(addresses):
        family = [(label, ip) for label, ip in addresses if ipaddress.ip_address(ip).version == 6]
    others = [pair for pair in addresses if pair not in family]
    ranked = sorted(family, key=lambda pair: int(ipaddress.ip_address(pair[1])))
    if not ranked:
        return None, others
    cover = covering_network([ranked[0][1], ranked[-1][1]])
    if not others and cover is not None and _fits(cover, avoid):
        return cover, []
    # the cover depends only on the lowest and the highest address: drop a few from either end
    for dropped in range(1, min(_SUSPECTS_AT_MOST, len(ranked) - 1) + 1):
        best: tuple[IPNetwork, list[tuple[str, str]]] | None = None
        for low in range(dropped + 1):
            kept = ranked[low : len(ranked) - (dropped - low)]
            net = covering_network([kept[0][1], kept[-1][1]])
            if (
                net is not None
                and _fits(net, avoid)
                and (best is None or net.prefixlen > best[0].prefixlen)
            ):
                best = (net, ranked[:low] + ranked[len(ranked) - (dropped - low) :])
        if best is not None:
            return None, [*others, *best[1]]
    return None, others


def _machine_remedy(inside: list[tuple[str, str]], avoid: list[IPNetwork]) -> str:
    """What to set machineNetwork to; or which address looks wrong when no network holds them
    all without swallowing the cluster or service network."""
    net, suspects = suggest_machine_network(inside, avoid)
    if net is not None:
        return (
            f"set networking.machineNetwork to the nodes' subnet: machineNetwork: [{{cidr: {net}}}]"
        )
    shown_avoid = ", ".join(map(str, avoid))
    if suspects:
        rest = [pair for pair in inside if pair not in suspects]
        fit, _ = suggest_machine_network(rest, avoid)
        wrong = ", ".join(f"{label} {ip}" for label, ip in suspects)
        return (
            f"{wrong} {'looks' if len(suspects) == 1 else 'look'} wrong: no network holds it with "
            f"the other addresses without overlapping the cluster or service network "
            f"({shown_avoid}); correct it in the inventory (or the site), then machineNetwork: "
            f"[{{cidr: {fit}}}] holds the rest"
        )
    return (
        "no single network holds the node and LB addresses without overlapping the cluster or "
        f"service network ({shown_avoid}): list each nodes' subnet in networking.machineNetwork"
    )


def _free_range(candidates: tuple[str, ...], taken: list[IPNetwork]) -> str:
    for text in candidates:
        net = ipaddress.ip_network(text)
        if not any(net.version == t.version and net.overlaps(t) for t in taken):
            return text
    return "<a private range no site address uses>"


def _overlaps(net: IPNetwork, other: IPNetwork) -> bool:
    return net.version == other.version and net.overlaps(other)


def evaluate_networks(f: NetworksFacts) -> Verdict:
    """machineNetwork holds every node and LB address; clusterNetwork and serviceNetwork overlap
    neither it, each other, nor any site address; hostPrefix leaves a subnet per node."""
    n = f.networks
    machine = n.machine or (DEFAULT_MACHINE,)
    shown_machine = ", ".join(map(str, machine)) + ("" if n.machine else " (installer default)")
    problems: list[str] = []
    remedies: list[str] = []
    inside = [*f.nodes, *f.bootstrap, *f.load_balancer]
    outside = [(label, ip) for label, ip in inside if not any(ip_in(ip, m) for m in machine)]
    if outside:
        problems.append(
            f"machineNetwork {shown_machine} misses "
            + ", ".join(f"{label} {ip}" for label, ip in outside)
        )
        avoid = [c for c, _ in n.cluster] or [DEFAULT_CLUSTER]
        avoid += list(n.service) or [DEFAULT_SERVICE]
        remedies.append(_machine_remedy(inside, avoid))
    pod_service = [("clusterNetwork", c) for c, _ in n.cluster] + [
        ("serviceNetwork", s) for s in n.service
    ]
    every_address = [*inside, *f.others]
    for kind, net in pod_service:
        clashes = [f"machineNetwork {m}" for m in machine if _overlaps(net, m)]
        clashes += [f"{label} {ip}" for label, ip in every_address if ip_in(ip, net)]
        clashes += [
            f"{k2} {o}"
            for k2, o in pod_service
            if o is not net and k2 != kind and _overlaps(net, o)
        ]
        if clashes:
            problems.append(f"{kind} {net} overlaps {', '.join(clashes)}")
            taken = [*machine, *(o for _, o in pod_service if o is not net)]
            taken += [ipaddress.ip_network(ip) for _, ip in every_address]
            free = _free_range(
                _CLUSTER_CANDIDATES if kind == "clusterNetwork" else _SERVICE_CANDIDATES, taken
            )
            remedies.append(f"move networking.{kind} {net} to a range nothing uses, e.g. {free}")
    needed = len(f.nodes)
    room = 0
    for cidr, host_prefix in n.cluster:
        prefix = DEFAULT_HOST_PREFIX if host_prefix is None else host_prefix
        if not cidr.prefixlen <= prefix <= cidr.max_prefixlen:
            problems.append(
                f"clusterNetwork {cidr} hostPrefix {prefix} is outside /{cidr.prefixlen}"
                f"-/{cidr.max_prefixlen}"
            )
            remedies.append(f"set hostPrefix between {cidr.prefixlen} and {cidr.max_prefixlen}")
            continue
        room += 2 ** (prefix - cidr.prefixlen)
    if n.cluster and room and room < needed:
        problems.append(
            f"clusterNetwork gives {room} node subnet(s) (2^(hostPrefix - prefix)) "
            f"for {needed} nodes"
        )
        remedies.append(
            "widen clusterNetwork or raise hostPrefix so that 2^(hostPrefix - prefix) "
            f">= {needed} (e.g. cidr 10.128.0.0/14 with hostPrefix 23 gives 512)"
        )
    if not problems:
        return passed(
            f"machineNetwork {shown_machine} holds {len(inside)} node/LB address(es); "
            f"cluster {', '.join(str(c) for c, _ in n.cluster) or '-'} and service "
            f"{', '.join(map(str, n.service)) or '-'} overlap nothing; room for {room or '?'} nodes"
        )
    return failed(
        expected="machineNetwork holding every node and LB address, clusterNetwork and "
        "serviceNetwork apart from it and from every site address, hostPrefix leaving a subnet "
        "per node",
        found="; ".join(problems),
        remediation="in install-config.yaml (keep a copy: openshift-install consumes it): "
        + "; ".join(dict.fromkeys(remedies)),
    )


def ip_in(ip: str, net: IPNetwork) -> bool:
    """``ip`` lies in ``net`` (False across families).

    >>> ip_in("10.0.0.1", ipaddress.ip_network("10.0.0.0/8")), ip_in("::1", DEFAULT_MACHINE)
    (True, False)
    """
    addr = ipaddress.ip_address(ip)
    return addr.version == net.version and addr in net


# --------------------------------------------------------------------------- installconfig.site


def no_proxy_covers(entries: tuple[str, ...], target: str) -> bool:
    """Whether a noProxy list exempts ``target`` (a host, ``.domain`` or CIDR), the way Go's
    httpproxy reads it: ``*``; a domain matches itself and its subdomains; a CIDR its addresses.

    >>> no_proxy_covers(("example.com", "10.0.0.0/8"), "api-int.c.example.com")
    True
    >>> no_proxy_covers((".svc",), ".cluster.local")
    False
    >>> no_proxy_covers(("10.0.0.0/8",), "10.1.0.0/16")
    True
    """
    try:
        wanted: IPNetwork | None = ipaddress.ip_network(target, strict=False)
    except ValueError:
        wanted = None
    name = target.lower().lstrip(".")
    for raw in entries:
        entry = raw.strip().lower()
        if entry == "*":
            return True
        if wanted is not None:
            try:
                net = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if net.version == wanted.version and wanted.subnet_of(net):  # type: ignore[arg-type]
                return True
            continue
        host = entry.lstrip(".").rsplit(":", 1)[0] if entry.count(":") == 1 else entry.lstrip(".")
        if name == host or name.endswith("." + host):
            return True
    return False


def evaluate_site(f: SiteFacts) -> Verdict:
    """The install-config names the inventory's cluster and domain, as many control-plane
    replicas as masters, compute replicas 0 (UPI), the site's platform, an sshKey, and a noProxy
    that covers what must not go through the proxy."""
    s = f.settings
    problems: list[str] = []
    remedies: list[str] = []
    if s.name != f.cluster_name:
        problems.append(f"metadata.name {s.name or '(none)'!r}, the inventory's {f.cluster_name!r}")
        remedies.append(f"set metadata.name: {f.cluster_name}")
    if s.base_domain.lower() != f.base_domain:
        problems.append(
            f"baseDomain {s.base_domain or '(none)'!r}, the inventory's {f.base_domain!r}"
        )
        remedies.append(f"set baseDomain: {f.base_domain}")
    if f.masters and s.control_plane_replicas != f.masters:
        problems.append(
            f"controlPlane.replicas {s.control_plane_replicas!r} for {f.masters} master(s) in the "
            "inventory"
        )
        remedies.append(f"set controlPlane.replicas: {f.masters}")
    busy = [(pool, r) for pool, r in s.compute_replicas if r != 0]
    if busy:
        problems.append(
            ", ".join(f"compute {pool} replicas {r!r}" for pool, r in busy)
            + " (UPI boots workers by hand: the installer would wait for machines it cannot make)"
        )
        remedies.append("set replicas: 0 under every compute pool")
    if s.platforms != (f.platform,):
        shown = ", ".join(s.platforms) or "(none)"
        problems.append(f"platform {shown}, the inventory's cluster.platform {f.platform!r}")
        remedies.append(
            f"set platform: {{{f.platform}: {{}}}} (or cluster.platform in the inventory)"
        )
    if s.public_key_type in ("", "not a public key"):
        problems.append(
            "no sshKey (no way to log in to the nodes for triage)"
            if not s.public_key_type
            else "sshKey is not an OpenSSH public key (a placeholder?)"
        )
        remedies.append("set sshKey: '<contents of ~/.ssh/id_ed25519.pub>'")
    if s.proxy:
        wanted = [f.api_int, ".cluster.local", ".svc", *f.machine_networks]
        wanted += [f.mirror_host] if f.mirror_host else []
        missing = [w for w in wanted if not no_proxy_covers(s.no_proxy, w)]
        if missing:
            problems.append(f"proxy.noProxy misses {', '.join(missing)}")
            remedies.append(
                "add to proxy.noProxy: " + ",".join(missing) + " (comma-separated, no spaces)"
            )
    if not problems:
        proxy = f", noProxy covers {len(s.no_proxy)} entr(ies)" if s.proxy else ", no proxy"
        return passed(
            f"{s.name}.{s.base_domain}, {s.control_plane_replicas} control-plane replica(s), "
            f"compute 0, platform {f.platform}, sshKey {s.public_key_type}{proxy}"
        )
    return failed(
        expected=f"metadata.name {f.cluster_name}, baseDomain {f.base_domain}, "
        f"controlPlane.replicas {f.masters}, compute replicas 0, platform {f.platform}, an "
        "sshKey"
        + (
            ", and noProxy covering api-int, .cluster.local, .svc, the machine network "
            "and the mirror"
            if s.proxy
            else ""
        ),
        found="; ".join(problems),
        remediation="in install-config.yaml: " + "; ".join(remedies),
    )


@check(
    "installconfig.networks",
    title="install-config networks fit the site",
    markers=["preflight"],
    subject="install-config file name",
    fails_when="machineNetwork misses a node or LB address, or clusterNetwork/serviceNetwork "
    "overlap the machine network or any site address",
    remediation="set machineNetwork to the nodes' subnet; move clusterNetwork/serviceNetwork to "
    "ranges nothing on the site uses",
    subjects=install_config_name,
    gather=gather_networks,
    requires=("install_config", "nodes"),
)
def test_installconfig_networks(facts: NetworksFacts) -> None:
    expect(evaluate_networks(facts))


@check(
    "installconfig.site",
    title="install-config names this site",
    markers=["preflight"],
    subject="install-config file name",
    fails_when="name/baseDomain differ from the inventory, controlPlane replicas differ from the "
    "masters, compute replicas are not 0, or proxy.noProxy misses api-int, .cluster.local, "
    ".svc, the machine network or the mirror",
    remediation="correct metadata.name, baseDomain, replicas, platform, sshKey or "
    "proxy.noProxy in install-config.yaml (the platform expected is the inventory's "
    "cluster.platform, default none)",
    subjects=install_config_name,
    gather=gather_site,
    requires=("install_config",),
)
def test_installconfig_site(facts: SiteFacts) -> None:
    expect(evaluate_site(facts))
