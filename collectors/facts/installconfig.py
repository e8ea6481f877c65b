"""What installconfig.mirrors gathers: the install-config's mirror rules for the two release
sources, its trust bundle tried against each mirror host (or compared with mirror.ca_file when
the host is unreachable), and a login to each with the pullSecret. installconfig.networks and
installconfig.site read the same parsed file (``collectors.install.installconfig``) beside the
inventory's addresses, names and roles.

Secrets in the file (pullSecret) are parsed, never kept in the facts: only hosts and verdicts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from collectors import localfile
from collectors.errors import FactError, InputError, NotApplicable
from collectors.images.imageref import parse_reference
from collectors.images.mirrors import MirrorRule, map_reference
from collectors.images.pullsecret import Auths
from collectors.images.registry import RegistryError, client_for
from collectors.install.installconfig import Networking, SiteSettings, install_config
from collectors.inventory import split_host_port
from collectors.parsers.certs import x509_certificates
from collectors.site import Site
from collectors.transport.reach import unreachable
from collectors.transport.tlsprobe import TlsResult, verify_tls

#: The two repositories every disconnected OpenShift 4 install pulls from.
REQUIRED_SOURCES = (
    "quay.io/openshift-release-dev/ocp-release",
    "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
)
_PROBE_DIGEST = "sha256:" + "0" * 64


@dataclass(frozen=True)
class HostFacts:
    """What was learnt about one mirror host: trust bundle verdict and pull-secret login."""

    host: str
    bundle: TlsResult | None  # None: not reachable and nothing to compare offline
    #: ca_file's CA found in the bundle (when the host was unreachable)
    bundle_offline_ok: bool | None
    has_credential: bool
    login_error: str = ""  # the registry refused the pullSecret's credentials


@dataclass(frozen=True)
class InstallConfigFacts:
    name: str
    rules: tuple[MirrorRule, ...]
    coverage: dict[str, tuple[str, ...]]  # required source -> mirror repositories
    bundle_certs: int
    hosts: tuple[HostFacts, ...]
    expected_host: str | None
    has_pull_secret: bool


def install_config_name(site: Site) -> list[str]:
    path = site.inv.install_config
    return [path.name] if path else []


def _host_facts(site: Site, host: str, bundle: str, auths: Auths | None) -> HostFacts:
    from cryptography.hazmat.primitives import hashes

    try:
        hostname, port = split_host_port(host, 443)
    except ValueError as exc:
        raise FactError(f"mirror host {host!r}: {exc}") from None
    result = verify_tls(hostname, port, bundle)
    offline: bool | None = None
    ca_file = site.inv.mirror.ca_file
    if not result.reachable:
        if ca_file is None:
            if result.no_answer:
                raise unreachable(
                    hostname,
                    port,
                    f"{result.no_answer}; the inventory has no mirror.ca_file to compare "
                    "additionalTrustBundle with instead",
                )
            raise FactError(
                f"cannot reach {host} to test additionalTrustBundle ({result.error}) and the "
                "inventory has no mirror.ca_file to compare it with"
            )
        try:
            wanted = {
                c.fingerprint(hashes.SHA256())
                for c in x509_certificates(localfile.read_bytes(ca_file), str(ca_file))
            }
        except InputError as exc:
            if exc.source != str(ca_file) or not exc.reason.startswith(("cannot read", "larger")):
                raise  # a PEM that does not parse: as before
            reason = exc.reason.removeprefix("cannot read: ")
            raise FactError(f"mirror.ca_file {ca_file}: {reason}") from None
        have = {
            c.fingerprint(hashes.SHA256())
            for c in x509_certificates(bundle, "additionalTrustBundle")
        }
        offline = bool(wanted) and wanted <= have
    cred = (auths.lookup(host) or auths.for_host(host)) if auths is not None else None
    login_error = ""
    if cred is not None and result.verified:  # a bundle that does not verify the host already fails
        client = client_for(site, auths, name="install-config pullSecret")
        try:
            client.ping(host)
        except RegistryError as exc:
            if (
                exc.kind != "auth"
            ):  # TLS, timeout, 403, 5xx: the login was not tested, so no verdict
                raise FactError(f"{host}: could not test the login with pullSecret: {exc}").because(
                    exc
                ) from None
            login_error = f"HTTP 401: the registry refused user {cred.username!r} from pullSecret"
    return HostFacts(
        host, result if result.reachable else None, offline, cred is not None, login_error
    )


def gather_install_config(site: Site, name: str) -> InstallConfigFacts:
    """The install-config's mirror facts; a connected install (no ``mirror`` in the inventory,
    no imageContentSources/imageDigestSources in the file) is NotApplicable."""
    config = install_config(site)
    rules = list(config.rules)
    if not rules and not site.inv.mirror.registry:
        raise NotApplicable(
            f"a connected install: {name} has no imageContentSources/imageDigestSources and the "
            "inventory has no mirror.registry (set mirror.registry for a disconnected site)"
        )
    auths = config.pull_secret()
    bundle = config.trust_bundle
    bundle_certs = x509_certificates(
        bundle, f"{config.path}: additionalTrustBundle"
    )  # a corrupt block errors
    coverage: dict[str, tuple[str, ...]] = {}
    hosts: list[str] = []
    for source in REQUIRED_SOURCES:
        probe = parse_reference(f"{source}@{_PROBE_DIGEST}")
        mirrors = map_reference(probe, rules, include_source=False)
        coverage[source] = tuple(m.name for m in mirrors)
        hosts += [m.registry for m in mirrors]
    expected = site.inv.mirror.registry
    if expected:
        hosts.append(expected)
    facts = [_host_facts(site, h, bundle, auths) for h in dict.fromkeys(hosts)]
    return InstallConfigFacts(
        name, tuple(rules), coverage, len(bundle_certs), tuple(facts), expected, auths is not None
    )


# --------------------------------------------------------------------------- installconfig.networks


@dataclass(frozen=True)
class NetworksFacts:
    """The install-config's networks and every address of the site, labelled for messages
    (``node m1``, ``load_balancer.api``, ``dns.servers[0]``, ``bastion``, ``mirror``)."""

    name: str
    networks: Networking
    nodes: tuple[tuple[str, str], ...]  # (label, ip) of each node but the bootstrap
    bootstrap: tuple[tuple[str, str], ...]
    load_balancer: tuple[tuple[str, str], ...]
    others: tuple[tuple[str, str], ...]  # DNS servers, bastion, mirror


def _ip_literal(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return None


def _other_addresses(site: Site) -> list[tuple[str, str]]:
    inv = site.inv
    out = [
        (f"dns.servers[{i}]", ip)
        for i, s in enumerate(inv.dns_servers)
        if (ip := _ip_literal(s.host))
    ]
    if inv.bastion.ssh and (ip := _ip_literal(inv.bastion.ssh.host)):
        out.append(("bastion.ssh", ip))
    if inv.bastion.http_url:
        host = urlsplit(inv.bastion.http_url).hostname
        if (ip := _ip_literal(host)) and ("bastion.ssh", ip) not in out:
            out.append(("bastion.http_url", ip))
    if inv.mirror.registry:
        host, _ = split_host_port(inv.mirror.registry, 443)
        ip = _ip_literal(host)
        if ip is None and inv.dns_servers:
            with contextlib.suppress(FactError):  # dns.mirror reports a name that won't resolve
                ip = next(iter(site.resolve(host)), None)
        if ip:
            out.append(("mirror.registry", ip))
    return out


def gather_networks(site: Site, name: str) -> NetworksFacts:
    config = install_config(site)
    networks = config.networking()  # InputError naming the key for a CIDR that does not parse
    inv = site.inv
    lb = inv.load_balancer
    return NetworksFacts(
        name,
        networks,
        tuple((f"node {n.name}", n.ip) for n in inv.nodes if n.role != "bootstrap"),
        tuple((f"node {n.name}", n.ip) for n in inv.nodes if n.role == "bootstrap"),
        tuple(
            (f"load_balancer.{k}", ip)
            for k, ip in (("api", lb.api), ("api_int", lb.api_int), ("ingress", lb.ingress))
            if ip
        ),
        tuple(_other_addresses(site)),
    )


# --------------------------------------------------------------------------- installconfig.site


@dataclass(frozen=True)
class SiteFacts:
    """The install-config's site fields beside what the inventory says they must be."""

    name: str
    settings: SiteSettings
    cluster_name: str
    base_domain: str
    masters: int
    platform: str
    api_int: str
    mirror_host: str | None
    machine_networks: tuple[str, ...]


def gather_site(site: Site, name: str) -> SiteFacts:
    config = install_config(site)
    inv = site.inv
    assert config.site is not None
    machine = tuple(str(n) for n in config.networks.machine) if config.networks else ()
    mirror = split_host_port(inv.mirror.registry, 443)[0] if inv.mirror.registry else None
    return SiteFacts(
        name,
        config.site,
        inv.cluster_name,
        inv.base_domain,
        len(inv.nodes_with_role("master")),
        inv.platform,
        f"api-int.{inv.cluster_domain}",
        mirror,
        machine,
    )
