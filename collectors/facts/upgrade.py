"""What the upgrade.* checks gather.

- upgrade.readiness: every MachineConfigPool and MachineHealthCheck, and for a
  MachineHealthCheck how many machines it selects. "Selects no machine" is decided from the
  Machines of the MHC's namespace when the cluster source has them (matchLabels and
  matchExpressions against each Machine's labels). When Machines were not collected, a selector
  on the spot-instance label (``machine.openshift.io/interruptible-instance``, the
  operator-owned ``machine-api-termination-handler``) selects nothing only when no Node carries
  that label either; any other selector is taken to select machines.
- upgrade.target: the next release (``--to-image`` or ``upgrade.to_image``, by digest, as
  ``003_3beb5915e9cef39c.txt`` updates a disconnected cluster): the release image and every
  component of its image-references looked up in the mirror where the CLUSTER's
  ICSP/IDMS send them (the lookup mirror.release uses, ``lookup.find_components``), whether those
  rules map both release sources to the mirror, the signature ConfigMaps in
  ``openshift-config-managed``, and ClusterVersion's current version and Upgradeable condition.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.cluster import facts as F
from collectors.cluster.base import Obj, ObjectMissing, ResourceMissing
from collectors.cluster.resources import CLUSTERVERSIONS, CONFIGMAPS, MACHINES, MCPS, MHCS, NODES
from collectors.errors import FactError, InputError, NotApplicable
from collectors.facts.samples import mirror_rules
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference, same_registry
from collectors.images.lookup import ComponentLookup, find_components
from collectors.images.mirrors import MirrorRule, map_reference
from collectors.images.registry import RegistryClient, client_for
from collectors.images.release import (
    IMAGE_REFERENCES,
    RELEASE_METADATA,
    SIGNATURE_LABEL,
    SIGNATURE_NAMESPACE,
    SignatureMap,
    parse_image_references,
    parse_release_metadata,
    read_signature_configmap,
)
from collectors.site import Site

#: The label of spot / preemptible machines (and their nodes) that the termination handler's MHC
#: selects.
INTERRUPTIBLE = "machine.openshift.io/interruptible-instance"


@dataclass(frozen=True)
class Selection:
    """How many machines an MHC selects (None: unknown), and what that was decided from.

    >>> Selection(0, "0 of 3 Machines match").selects_nothing
    True
    >>> Selection(None, "Machines not collected").selects_nothing
    False
    """

    machines: int | None
    basis: str

    @property
    def selects_nothing(self) -> bool:
        return self.machines == 0


RELEASE_SOURCE = "quay.io/openshift-release-dev/ocp-release"
CONTENT_SOURCE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
RELEASE_SOURCES = (RELEASE_SOURCE, CONTENT_SOURCE)

# --------------------------------------------------------------------------- upgrade.readiness


def upgrade_subjects(site: Site) -> list[str]:
    subjects = [f"machineconfigpool/{F.name_of(p)}" for p in F.listing(site, MCPS, optional=True)]
    subjects += [f"machinehealthcheck/{F.ns_name(m)}" for m in F.listing(site, MHCS, optional=True)]
    if not subjects:
        raise NotApplicable("no MachineConfigPool and no MachineHealthCheck in the cluster")
    return subjects


def _labelled(objs: list[Obj], key: str) -> int:
    return sum(1 for o in objs if key in F.labels(o))


def selection(site: Site, mhc: Obj) -> Selection:
    """What ``mhc`` selects: from the Machines if collected, else the rule in the module doc."""
    selector = (mhc.get("spec") or {}).get("selector") or {}
    ns = mhc["metadata"].get("namespace", "openshift-machine-api")
    try:
        machines = F.listing(site, MACHINES, ns)
    except (ResourceMissing, FactError):
        machines = None
    if machines is not None:
        hits = sum(1 for m in machines if F.selector_matches(selector, F.labels(m)))
        return Selection(hits, f"{hits} of {len(machines)} Machine(s) in {ns} match its selector")
    keys = set(selector.get("matchLabels") or {}) | {
        e.get("key") for e in selector.get("matchExpressions") or []
    }
    if INTERRUPTIBLE not in keys:
        return Selection(None, "Machines not collected")
    try:
        nodes = F.listing(site, NODES)
    except (ResourceMissing, FactError):
        return Selection(None, "Machines and Nodes not collected")
    spot = _labelled(nodes, INTERRUPTIBLE)
    if spot:
        return Selection(None, f"Machines not collected; {spot} Node(s) labelled {INTERRUPTIBLE}")
    return Selection(
        0, f"Machines not collected; it selects {INTERRUPTIBLE} and no Node carries that label"
    )


def gather_upgrade(site: Site, subject: str) -> tuple[str, Obj] | tuple[str, Obj, Selection]:
    kind, rest = subject.split("/", 1)
    if kind == "machineconfigpool":
        return kind, F.named(F.listing(site, MCPS), rest)
    ns, name = rest.split("/", 1)
    mhc = F.named(F.listing(site, MHCS), name, ns)
    return kind, mhc, selection(site, mhc)


# --------------------------------------------------------------------------- upgrade.target


@dataclass(frozen=True)
class TargetFacts:
    """The target release as the mirror and the cluster see it."""

    target: str
    digest: str
    mirror_host: str
    auth_file: str
    #: where the cluster would pull the release image from, and where it was found
    release_at: tuple[ImageRef, ...]
    release_found: ImageRef | None
    version: str = ""
    components: tuple[ComponentLookup, ...] = ()
    rules_from: str = ""
    #: release sources (ocp-release, ocp-v4.0-art-dev) no cluster ICSP/IDMS maps to the mirror
    unmapped_sources: tuple[str, ...] = ()
    #: the mirror repository the release sources go to (for the commands), e.g. m:5000/ocp4/x
    mirror_repository: str = ""
    signatures: tuple[SignatureMap, ...] = ()
    current_version: str = ""
    current_image: str = ""
    #: ClusterVersion's Upgradeable condition when it is False
    not_upgradeable: dict[str, str] | None = None

    @property
    def signed_by(self) -> tuple[str, ...]:
        """ConfigMaps holding a signature for the target digest."""
        return tuple(s.name for s in self.signatures if self.digest in s.digests)


def target_where(site: Site) -> str:
    """Where the target came from, for messages: ``--to-image`` or the inventory key and line."""
    if site.to_image:
        return "--to-image"
    line = site.inv.lines.get("upgrade.to_image")
    return f"upgrade.to_image ({site.inv.path}{':' + str(line) if line else ''})"


def target_subjects(site: Site) -> list[str]:
    """The target release: ``--to-image`` if given, else the inventory's upgrade.to_image."""
    target = site.to_image or (site.inventory.upgrade.to_image if site.inventory else None)
    if not target:
        raise NotApplicable("no target release: give --to-image REF or upgrade.to_image")
    return [target]


def parse_target(target: str, where: str) -> ImageRef:
    """The target as a digest reference; InputError (naming ``where``) when it is not one."""
    try:
        ref = parse_reference(target)
    except ImageRefError as exc:
        raise InputError(where, f"not an image reference: {exc}") from None
    if not ref.digest:
        raise InputError(
            where,
            f"{target} is not a digest reference; a disconnected update needs the release "
            "digest (oc adm upgrade --allow-explicit-upgrade --to-image "
            "<mirror>/<repo>@sha256:...)",
        ).with_remediation(
            f"oc adm release info -o 'jsonpath={{.digest}}{{\"\\n\"}}' {target} on a connected "
            "machine, then set upgrade.to_image (or --to-image) to <mirror>/<repo>@<digest>"
        )
    return ref


def _mirror_repository(rules: list[MirrorRule], mirror_host: str, target: ImageRef) -> str:
    if same_registry(target.registry, mirror_host):
        return target.name
    probe = parse_reference(f"{RELEASE_SOURCE}@sha256:" + "0" * 64)
    for c in map_reference(probe, rules, include_source=False):
        if same_registry(c.registry, mirror_host):
            return c.name
    return f"{mirror_host}/ocp4/openshift4"


def unmapped_sources(rules: list[MirrorRule], mirror_host: str) -> tuple[str, ...]:
    """Release sources that no digest rule sends to ``mirror_host``.

    >>> rules = [MirrorRule(RELEASE_SOURCE, ("m:5000/ocp4/openshift4",))]
    >>> unmapped_sources(rules, "m:5000")
    ('quay.io/openshift-release-dev/ocp-v4.0-art-dev',)
    """
    out = []
    for source in RELEASE_SOURCES:
        probe = parse_reference(f"{source}@sha256:" + "0" * 64)
        if not any(
            same_registry(c.registry, mirror_host)
            for c in map_reference(probe, rules, include_source=False)
        ):
            out.append(source)
    return tuple(out)


def _signatures(site: Site) -> tuple[SignatureMap, ...]:
    try:
        cms = F.listing(site, CONFIGMAPS, SIGNATURE_NAMESPACE)
    except ResourceMissing:
        return ()
    return tuple(read_signature_configmap(cm) for cm in cms if SIGNATURE_LABEL in F.labels(cm))


def _cluster_version(site: Site) -> tuple[str, str, dict[str, str] | None]:
    try:
        cv = F.source(site).get(CLUSTERVERSIONS, "version")
    except (ObjectMissing, ResourceMissing) as exc:
        raise FactError(
            f"clusterversion/version: not readable ({exc}); it says the current version"
        ) from None
    status = cv.get("status") or {}
    desired = status.get("desired") or (cv.get("spec") or {}).get("desiredUpdate") or {}
    version = str(desired.get("version") or "")
    if not version:
        done = [h for h in status.get("history") or [] if h.get("state") == "Completed"]
        version = str(done[0].get("version", "")) if done else ""
    cond = F.condition(cv, "Upgradeable")
    blocked = None
    if cond and str(cond.get("status")) == "False":
        blocked = {k: str(cond.get(k) or "") for k in ("reason", "message")}
    return version, str(desired.get("image") or ""), blocked


def gather_target(site: Site, subject: str) -> TargetFacts:
    """Everything upgrade.target judges (see the module doc)."""
    where = target_where(site)
    target = parse_target(subject, where)
    assert target.digest
    rules = mirror_rules(site)
    mirror_host = site.inv.mirror.registry or target.registry
    current_version, current_image, blocked = _cluster_version(site)
    client: RegistryClient = client_for(site)
    hosts = (mirror_host,)
    release = find_components(client, {"release image": target}, rules, hosts, subject)[0]
    base = TargetFacts(
        target=subject,
        digest=target.digest,
        mirror_host=mirror_host,
        auth_file=str(site.inv.mirror.auth_file or "<pull-secret>"),
        release_at=release.candidates,
        release_found=None,
        rules_from=_rules_from(rules),
        unmapped_sources=unmapped_sources(rules, mirror_host),
        mirror_repository=_mirror_repository(rules, mirror_host, target),
        signatures=_signatures(site),
        current_version=current_version,
        current_image=current_image,
        not_upgradeable=blocked,
    )
    if not release.found:
        return base
    found_at = next(c for c in release.candidates if client.has_manifest(c))
    data = client.read_file(found_at, IMAGE_REFERENCES)
    if data is None:
        raise FactError(
            f"{found_at}: no layer holds {IMAGE_REFERENCES}; is {subject} an OpenShift release?"
        )
    refs = parse_image_references(data, str(found_at))
    metadata = client.read_file(found_at, RELEASE_METADATA)
    version = parse_release_metadata(metadata, str(found_at)) if metadata else refs.version
    components = find_components(client, refs.components, rules, hosts, subject)
    return TargetFacts(
        **{
            **base.__dict__,
            "release_found": found_at,
            "version": version,
            "components": components,
        }
    )


def _rules_from(rules: list[MirrorRule]) -> str:
    names = sorted({r.origin.split(" ", 1)[0] for r in rules if r.origin})
    return ", ".join(names) if names else "no ImageContentSourcePolicy / ImageDigestMirrorSet"
