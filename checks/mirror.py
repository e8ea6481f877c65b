"""Mirror registry: it answers over verified TLS with the auth file's credentials, and it holds
the release image and every component the release names, by digest, where the install-config's
mirrors send the cluster.

The evaluate functions are pure; gathering goes through the shared registry client.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.base import Verdict, check, expect, failed, passed
from collectors.errors import FactError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference
from collectors.images.mirrors import MirrorRule, map_reference, matching_rules
from collectors.images.registry import Ping, RegistryClient, RegistryError, client_for
from collectors.images.release import IMAGE_REFERENCES, parse_image_references
from collectors.install.installconfig import install_config
from collectors.site import Site

RELEASE_SOURCE = "quay.io/openshift-release-dev/ocp-release"
CONTENT_SOURCE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"

# --------------------------------------------------------------------------- mirror.access


@dataclass(frozen=True)
class AccessProbe:
    """``GET /v2/`` on the mirror with the auth file's credentials: the ping or why it failed."""

    host: str
    ping: Ping | None
    error: RegistryError | None = None
    auth_file: str = ""
    ca_file: str = ""


def registry_host(site: Site) -> list[str]:
    return [site.inv.mirror.registry or ""]


def gather_access(site: Site, host: str) -> AccessProbe:
    client = client_for(site)
    mirror = site.inv.mirror
    try:
        ping = client.ping(host)
        return AccessProbe(host, ping, None, str(mirror.auth_file or ""), str(mirror.ca_file or ""))
    except RegistryError as exc:
        return AccessProbe(host, None, exc, str(mirror.auth_file or ""), str(mirror.ca_file or ""))


def _access_remedy(probe: AccessProbe) -> str:
    host = probe.host
    kind = probe.error.kind if probe.error else ""
    if kind == "tls":
        where = (
            f"mirror.ca_file ({probe.ca_file})"
            if probe.ca_file
            else "mirror.ca_file (none set: the system store was used)"
        )
        return (
            f"point {where} at the CA that signed {host}'s certificate (on the registry host: "
            "/opt/registry/certs/domain.crt), or trust it system-wide: cp domain.crt "
            "/etc/pki/ca-trust/source/anchors/ && update-ca-trust"
        )
    if kind in ("auth", "denied"):
        auth = probe.auth_file or "<auth file>"
        return (
            f"log in again to refresh the auth file: podman login --authfile {auth} {host} (and copy the same "
            "entry into the install-config pullSecret); on the registry, check the user in "
            "/opt/registry/auth/htpasswd (htpasswd -Bbn <user> <password>)"
        )
    if kind in ("timeout", "connect"):
        port = host.rsplit(":", 1)[-1] if ":" in host else "443"
        return (
            f"start the registry on {host} (podman start mirror-registry) and open its port: "
            f"firewall-cmd --add-port={port}/tcp --permanent && firewall-cmd --reload"
        )
    return (
        f"read the registry's log on {host} (podman logs mirror-registry) and fix the server side"
    )


def evaluate_access(probe: AccessProbe) -> Verdict:
    """The mirror must verify over TLS, accept the credentials and answer ``GET /v2/`` 200."""
    if probe.ping is not None and probe.ping.status == 200:
        who = (
            f" as {probe.ping.username} ({probe.ping.scheme})"
            if probe.ping.username
            else " (anonymous)"
        )
        return passed(f"GET /v2/ 200{who}")
    found = (
        str(probe.error)
        if probe.error
        else f"GET /v2/ answered {probe.ping.status if probe.ping else '?'}"
    )
    return failed(
        expected=f"https://{probe.host}/v2/ to answer 200 over verified TLS with the credentials from "
        f"{probe.auth_file or 'mirror.auth_file'}",
        found=found,
        remediation=_access_remedy(probe),
    )


# --------------------------------------------------------------------------- mirror.release


@dataclass(frozen=True)
class ComponentLookup:
    """One component: its source reference, where it was looked for, and whether it was found."""

    name: str
    source: ImageRef
    candidates: tuple[ImageRef, ...]
    found: bool
    rule: str = ""


@dataclass(frozen=True)
class ReleaseFacts:
    release: str
    release_found: bool
    version: str = ""
    components: tuple[ComponentLookup, ...] = ()
    rules_from: str = ""


def release_image(site: Site) -> list[str]:
    return [site.inv.mirror.release_image or ""]


def _rules(site: Site, release: ImageRef) -> tuple[list[MirrorRule], str]:
    """The install-config's mirror rules; without an install_config, what ``oc adm release
    mirror`` sets up: both quay.io sources mirrored into the release image's repository."""
    path = site.inv.install_config
    if path is not None:
        return list(
            install_config(site).rules
        ), f"{path.name} imageContentSources/imageDigestSources"
    mirrors = (release.name,)
    assumed = [
        MirrorRule(RELEASE_SOURCE, mirrors, origin="assumed"),
        MirrorRule(CONTENT_SOURCE, mirrors, origin="assumed"),
    ]
    return (
        assumed,
        f"no install_config in the inventory: assumed both quay.io sources mirror to {release.name}",
    )


def gather_release(site: Site, subject: str) -> ReleaseFacts:
    try:
        release = parse_reference(subject)
    except ImageRefError as exc:
        raise FactError(f"mirror.release_image: {exc}") from None
    client: RegistryClient = client_for(site)
    manifest = client.image_manifest(release)
    if manifest is None:
        return ReleaseFacts(subject, False)
    data = client.read_file(release, IMAGE_REFERENCES)
    if data is None:
        raise FactError(
            f"{subject}: no layer holds {IMAGE_REFERENCES}; is this an OpenShift release image?"
        )
    refs = parse_image_references(data, subject)
    rules, rules_from = _rules(site, release)
    mirror_host = site.inv.mirror.registry
    plan: dict[str, tuple[ImageRef, list[ImageRef], str]] = {}
    for name, ref in refs.components.items():
        candidates = map_reference(ref, rules, include_source=False)
        chosen = matching_rules(ref, rules)
        rule = chosen[0].origin if chosen else ""
        if not candidates and ref.registry in (mirror_host, release.registry):
            candidates = [ref]  # already points into the mirror
        plan[name] = (ref, candidates, rule)
    answers = client.has_manifests(c for _, cands, _ in plan.values() for c in cands)
    lookups: list[ComponentLookup] = []
    errors: list[str] = []
    for name, (ref, candidates, rule) in plan.items():
        results = [answers[c] for c in candidates]
        found = any(r is True for r in results)
        if not found:
            errors += [f"{name}: {r}" for r in results if isinstance(r, FactError)]
        lookups.append(ComponentLookup(name, ref, tuple(candidates), found, rule))
    if errors:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise FactError(
            f"{subject}: could not look up {len(errors)} component(s): "
            + "; ".join(errors[:3])
            + more
        )
    return ReleaseFacts(subject, True, refs.version, tuple(lookups), rules_from)


def _mirror_command(facts: ReleaseFacts, site_auth: str = "<pull-secret>") -> str:
    ref = parse_reference(facts.release)
    version = facts.version or "<version>"
    return (
        f"oc adm release mirror -a {site_auth} --from=quay.io/openshift-release-dev/ocp-release:{version}-x86_64 "
        f"--to={ref.name} --to-release-image={facts.release}"
    )


def evaluate_release(facts: ReleaseFacts, auth_file: str = "<pull-secret>") -> Verdict:
    """The release image and every component it names must be in the mirror, by digest."""
    if not facts.release_found:
        return failed(
            expected=f"the release image {facts.release} in the mirror",
            found="the release image itself is missing (HTTP 404 for its manifest)",
            remediation=f"mirror the release: {_mirror_command(facts, auth_file)}",
        )
    missing = [c for c in facts.components if not c.found]
    if not missing:
        return passed(
            f"release {facts.version or facts.release}: all {len(facts.components)} components present"
        )
    uncovered = [c for c in missing if not c.candidates]
    details = []
    for c in missing:
        where = (
            ", ".join(str(x) for x in c.candidates)
            if c.candidates
            else f"nowhere: no mirror rule covers {c.source.name}"
        )
        details.append(f"{c.name}: {c.source} looked up at {where}")
    remedy = f"mirror the release again (it pushes every component by digest): {_mirror_command(facts, auth_file)}"
    if uncovered:
        sources = sorted({c.source.name for c in uncovered})
        remedy = (
            f"add imageContentSources entries mirroring {', '.join(sources)} to the mirror repository "
            f"({parse_reference(facts.release).name}) in install-config.yaml; then " + remedy
        )
    names = ", ".join(c.name for c in missing)
    return failed(
        expected=f"all {len(facts.components)} components of release {facts.version} in the mirror "
        f"(mapped through {facts.rules_from})",
        found=f"{len(missing)} missing: {names}",
        details=tuple(details),
        remediation=remedy,
    )


# --------------------------------------------------------------------------- checks


@check(
    "mirror.access",
    title="Mirror registry answers with TLS and credentials",
    markers=["preflight", "postinstall"],
    subject="registry host",
    fails_when="TLS, credentials from auth_file, or GET /v2/ fail",
    remediation="fix mirror.ca_file / the auth file, or start and open the registry",
    subjects=registry_host,
    gather=gather_access,
    requires=("mirror.registry",),
)
def test_mirror_access(facts: AccessProbe) -> None:
    expect(evaluate_access(facts))


@check(
    "mirror.release",
    title="Release payload complete in the mirror",
    markers=["preflight"],
    subject="release_image",
    fails_when="the release image or any component in its image-references is missing from the mirror "
    "(mapped through install_config's imageContentSources / imageDigestSources)",
    remediation="mirror the release again with oc adm release mirror; add missing imageContentSources",
    subjects=release_image,
    gather=gather_release,
    requires=("mirror.release_image",),
)
def test_mirror_release(site: Site, facts: ReleaseFacts) -> None:
    expect(evaluate_release(facts, str(site.inv.mirror.auth_file or "<pull-secret>")))
