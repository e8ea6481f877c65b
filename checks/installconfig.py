"""install-config.yaml for a disconnected install: its mirror rules cover the release and its
content, its additionalTrustBundle verifies the mirror, its pullSecret logs in to the mirror.

Secrets in the file (pullSecret) are parsed, never shown: messages name keys and hosts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

from checks.base import Verdict, check, expect, failed, passed
from collectors.errors import FactError
from collectors.images.imageref import parse_reference
from collectors.images.mirrors import MirrorRule, map_reference
from collectors.images.pullsecret import Auths
from collectors.images.registry import RegistryError, client_for
from collectors.install.installconfig import install_config
from collectors.inventory import split_host_port
from collectors.parsers.certs import x509_certificates
from collectors.site import Site
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
    bundle_offline_ok: (
        bool | None
    )  # ca_file's CA found in the bundle (when the host was unreachable)
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
    try:
        hostname, port = split_host_port(host, 443)
    except ValueError as exc:
        raise FactError(f"mirror host {host!r}: {exc}") from None
    result = verify_tls(hostname, port, bundle)
    offline: bool | None = None
    ca_file = site.inv.mirror.ca_file
    if not result.reachable:
        if ca_file is None:
            raise FactError(
                f"cannot reach {host} to test additionalTrustBundle ({result.error}) and the "
                "inventory has no mirror.ca_file to compare it with"
            )
        try:
            wanted = {
                c.fingerprint(hashes.SHA256())
                for c in x509_certificates(ca_file.read_bytes(), str(ca_file))
            }
        except OSError as exc:
            raise FactError(f"mirror.ca_file {ca_file}: {exc.strerror}") from None
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
                raise FactError(
                    f"{host}: could not test the login with pullSecret: {exc}"
                ) from None
            login_error = f"HTTP 401: the registry refused user {cred.username!r} from pullSecret"
    return HostFacts(
        host, result if result.reachable else None, offline, cred is not None, login_error
    )


def gather_install_config(site: Site, name: str) -> InstallConfigFacts:
    config = install_config(site)
    rules = list(config.rules)
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
                f'add "- mirrors: [{target}]\\n  source: {source}" under imageContentSources '
                "(the lines oc adm release mirror prints)"
            )
        elif f.expected_host and not any(
            parse_reference(m).registry == f.expected_host for m in mirrors
        ):
            problems.append(
                f"{source} mirrors to {', '.join(mirrors)}, not to mirror.registry {f.expected_host}"
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
                f"additionalTrustBundle lacks the CA in mirror.ca_file ({h.host} unreachable to test)"
            )
            remedies.append("append mirror.ca_file's certificate to additionalTrustBundle")
        if not h.has_credential:
            problems.append(
                f"pullSecret has no auths entry for {h.host}"
                + ("" if f.has_pull_secret else " (no pullSecret at all)")
            )
            remedies.append(
                f"add the mirror's entry to the pull secret: podman login --authfile pull-secret.json "
                f"{h.host}, then put the merged JSON on one line in pullSecret"
            )
        elif h.login_error:
            problems.append(f"pullSecret credentials for {h.host} do not work ({h.login_error})")
            remedies.append(
                f"refresh the entry for {h.host} in pullSecret (podman login --authfile pull-secret.json "
                f"{h.host}) and paste the new JSON"
            )
    if not problems:
        mirrored = sorted({m for ms in f.coverage.values() for m in ms})
        return passed(
            f"both release sources mirrored to {', '.join(mirrored)}; trust bundle and pull secret fit"
        )
    return failed(
        expected="imageContentSources/imageDigestSources covering ocp-release and ocp-v4.0-art-dev, an "
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
    "additionalTrustBundle does not verify the mirror, or pullSecret has no working credentials for it",
    remediation="add the mirror entries, the registry CA and the mirror's pull-secret entry to install-config.yaml",
    subjects=install_config_name,
    gather=gather_install_config,
    requires=("install_config",),
)
def test_installconfig_mirrors(facts: InstallConfigFacts) -> None:
    expect(evaluate_install_config(facts))
