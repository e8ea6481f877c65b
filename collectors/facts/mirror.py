"""What the mirror.* checks gather: ``GET /v2/`` on the mirror with the auth file's
credentials, the release image and every component it names looked up by digest where the
install-config's mirrors send the cluster, and (mirror.imagestreams) the ``openshift``
imagestreams' tags looked up in the mirror (shared with samples.skip_coverage, one batch per
run: ``collectors.facts.samples``).

Lookups go through the shared registry client.
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.errors import FactError
from collectors.facts import samples
from collectors.facts.samples import StreamFacts
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference
from collectors.images.lookup import ComponentLookup, find_components
from collectors.images.mirrors import MirrorRule
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


# --------------------------------------------------------------------------- mirror.release


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
        "no install_config in the inventory: "
        f"assumed both quay.io sources mirror to {release.name}",
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
    hosts = (site.inv.mirror.registry or "", release.registry)
    lookups = find_components(client, refs.components, rules, hosts, subject)
    return ReleaseFacts(subject, True, refs.version, lookups, rules_from)


# --------------------------------------------------------------------------- mirror.imagestreams


def imagestream_names(site: Site) -> list[str]:
    """Every imagestream in ``openshift``."""
    return samples.stream_names(site)


def gather_imagestream(site: Site, subject: str) -> StreamFacts:
    """The stream's tags and where the mirror has them (the batch samples.* shares)."""
    return samples.gather_stream(site, subject)
