"""What the upgrade.* checks gather.

- upgrade.readiness: every MachineConfigPool and MachineHealthCheck, and for a
  MachineHealthCheck how many machines it selects. "Selects no machine" is decided from the
  Machines of the MHC's namespace when the cluster source has them (matchLabels and
  matchExpressions against each Machine's labels). When Machines were not collected, a selector
  on the spot-instance label (``machine.openshift.io/interruptible-instance``, the
  operator-owned ``machine-api-termination-handler``) selects nothing only when no Node carries
  that label either; any other selector is taken to select machines.
- upgrade.readiness also lists every PodDisruptionBudget (``poddisruptionbudget/<ns>/<name>``).
- upgrade.apis, upgrade.operators: the target's version and Kubernetes version, read from the
  target release in the mirror (:func:`target_release`, once per run), beside each
  APIRequestCount's use (``collectors.parsers.apirequestcount``) or each installed CSV's
  olm.maxOpenShiftVersion (``collectors.parsers.olmproperties``; copied CSVs skipped).
- upgrade.pull_secret: the auths keys of ``openshift-config/pull-secret`` and nothing else.
- upgrade.etcd_backup: a bounded listing of upgrade.etcd_backup_dir on each master over SSH.
- upgrade.target: the next release (``--to-image`` or ``upgrade.to_image``, by digest, as
  ``003_3beb5915e9cef39c.txt`` updates a disconnected cluster): the release image and every
  component of its image-references looked up in the mirror where the CLUSTER's
  ICSP/IDMS send them (the lookup mirror.release uses, ``lookup.find_components``), whether those
  rules map both release sources to the mirror, the signature ConfigMaps in
  ``openshift-config-managed`` (each signature of the target verified with GnuPG against the
  keyrings of ``openshift-config-managed/release-verification``, and its signed JSON read:
  ``collectors.images.gpg``), and ClusterVersion's current version and Upgradeable condition.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from collectors.cluster import facts as F
from collectors.cluster.base import Obj, ObjectMissing, ResourceMissing
from collectors.cluster.resources import (
    APIREQUESTCOUNTS,
    CLUSTERVERSIONS,
    CONFIGMAPS,
    CSVS,
    MACHINES,
    MCPS,
    MHCS,
    NODES,
    PDBS,
    PDBS_V1BETA1,
    SECRETS,
)
from collectors.errors import FactError, InputError, NotApplicable
from collectors.facts.samples import mirror_rules
from collectors.images.gpg import Keyring, SignatureCheck, Verifier
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference, same_registry
from collectors.images.lookup import ComponentLookup, find_components
from collectors.images.mirrors import MirrorRule, map_reference
from collectors.images.pullsecret import auth_keys
from collectors.images.registry import RegistryClient, client_for
from collectors.images.release import (
    BUILD_VERSIONS,
    IMAGE_REFERENCES,
    RELEASE_METADATA,
    SIGNATURE_LABEL,
    SIGNATURE_NAMESPACE,
    SignatureMap,
    parse_image_references,
    parse_release_metadata,
    read_signature_configmap,
    signature_blobs,
    trusted_keys,
)
from collectors.parsers.apirequestcount import ApiUse, summarize
from collectors.parsers.etcdbackup import FIELDS, FIND_FORMAT, parse_listing
from collectors.parsers.etcdbackup import Listing as BackupListing
from collectors.parsers.olmproperties import MaxVersion, max_openshift_version, minor_of
from collectors.site import Site
from collectors.transport.hosts import Host
from collectors.triage.redact import REDACTED

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
    subjects += [f"poddisruptionbudget/{F.ns_name(p)}" for p in budgets(site, optional=True)]
    if not subjects:
        raise NotApplicable(
            "no MachineConfigPool, MachineHealthCheck or PodDisruptionBudget in the cluster"
        )
    return subjects


def budgets(site: Site, namespace: str | None = None, *, optional: bool = False) -> F.Listing:
    """PodDisruptionBudgets: policy/v1, else policy/v1beta1 (OpenShift 4.7 and earlier)."""
    try:
        return F.listing(site, PDBS, namespace)
    except ResourceMissing:
        return F.listing(site, PDBS_V1BETA1, namespace, optional=optional)


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
    if kind == "poddisruptionbudget":
        ns, name = rest.split("/", 1)
        return kind, F.named(budgets(site, ns), name, ns)
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
    #: the keyrings the cluster trusts (release-verification's verifier-public-key-* entries)
    keyrings: tuple[Keyring, ...] = ()
    #: each signature of the target digest, verified with those keyrings
    checked: tuple[SignatureCheck, ...] = ()

    @property
    def good_signatures(self) -> tuple[SignatureCheck, ...]:
        """Signatures verified by a trusted keyring whose signed JSON names the target."""
        return tuple(c for c in self.checked if c.verified_by and not c.problem)

    @property
    def signed_by(self) -> tuple[str, ...]:
        """ConfigMaps holding a good signature for the target digest."""
        return tuple(dict.fromkeys(c.configmap for c in self.good_signatures))

    @property
    def unsigned_keyrings(self) -> tuple[str, ...]:
        """Usable trusted keyrings with no good signature (the CVO needs one from each)."""
        done = {c.verified_by for c in self.good_signatures}
        return tuple(k.name for k in self.keyrings if not k.problem and k.name not in done)


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


def _signature_configmaps(site: Site) -> list[Obj]:
    try:
        return list(F.listing(site, CONFIGMAPS, SIGNATURE_NAMESPACE))
    except ResourceMissing:
        return []


def _signatures(cms: list[Obj]) -> tuple[SignatureMap, ...]:
    return tuple(read_signature_configmap(cm) for cm in cms if SIGNATURE_LABEL in F.labels(cm))


def verify_signatures(
    cms: list[Obj], digest: str
) -> tuple[tuple[Keyring, ...], tuple[SignatureCheck, ...]]:
    """The keyrings ``cms`` trust and every signature of ``digest`` they hold, checked with gpg
    (no keyring: no gpg run, nothing checked)."""
    keys = trusted_keys(cms)
    blobs = [
        (F.name_of(cm), key, blob)
        for cm in cms
        if SIGNATURE_LABEL in F.labels(cm)
        for key, blob in signature_blobs(cm, digest)
    ]
    if not keys:
        return (), tuple(
            SignatureCheck(cm, key, problem="no trusted keyring") for cm, key, _ in blobs
        )
    with Verifier(keys) as verifier:
        checks = tuple(
            SignatureCheck(cm, key, problem=blob)
            if isinstance(blob, str)
            else verifier.check(cm, key, blob, digest)
            for cm, key, blob in blobs
        )
        return tuple(verifier.keyrings), checks


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
    cms = _signature_configmaps(site)
    keyrings, checked = verify_signatures(cms, target.digest)
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
        signatures=_signatures(cms),
        keyrings=keyrings,
        checked=checked,
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


# --------------------------------------------------------------------------- the target release


@dataclass(frozen=True)
class TargetRelease:
    """The target as its own payload says (release-metadata, image-references), and the
    cluster's current version.

    >>> t = TargetRelease("m/r@sha256:..", "4.9.10", "1.22.3", "4.8.20")
    >>> t.minor, t.kube_minor, t.current_minor
    ((4, 9), (1, 22), (4, 8))
    """

    target: str
    version: str
    kubernetes: str
    current_version: str = ""

    @property
    def minor(self) -> tuple[int, int] | None:
        return minor_of(self.version)

    @property
    def kube_minor(self) -> tuple[int, int] | None:
        return minor_of(self.kubernetes)

    @property
    def current_minor(self) -> tuple[int, int] | None:
        return minor_of(self.current_version)


def target_release(site: Site) -> TargetRelease:
    """The target release's versions, read from the mirror once per run (NotApplicable naming
    ``--to-image`` and upgrade.to_image without a target)."""
    subject = target_subjects(site)[0]
    return site.memo("upgrade-target-release", lambda: _read_target_release(site, subject))


def _read_target_release(site: Site, subject: str) -> TargetRelease:
    target = parse_target(subject, target_where(site))
    rules = mirror_rules(site)
    mirror_host = site.inv.mirror.registry or target.registry
    client: RegistryClient = client_for(site)
    release = find_components(client, {"release image": target}, rules, (mirror_host,), subject)[0]
    if not release.found:
        where = ", ".join(str(c) for c in release.candidates) or "nowhere on the mirror"
        raise FactError(
            f"the target {subject} is not in the mirror (looked up at {where}): its version and "
            "Kubernetes version cannot be read"
        ).with_remediation("mirror the target first (upgrade.target says how)")
    found_at = next(c for c in release.candidates if client.has_manifest(c))
    data = client.read_file(found_at, IMAGE_REFERENCES)
    if data is None:
        raise FactError(
            f"{found_at}: no layer holds {IMAGE_REFERENCES}; is {subject} an OpenShift release?"
        )
    refs = parse_image_references(data, str(found_at))
    metadata = client.read_file(found_at, RELEASE_METADATA)
    version = parse_release_metadata(metadata, str(found_at)) if metadata else refs.version
    if minor_of(refs.kubernetes) is None:
        raise InputError(
            f"{found_at}: {IMAGE_REFERENCES}",
            f"no {BUILD_VERSIONS} annotation names kubernetes=<major.minor> (oc adm release info "
            "shows it as the kubernetes component version)",
        )
    current, _, _ = _cluster_version(site)
    return TargetRelease(subject, version, refs.kubernetes, current)


# --------------------------------------------------------------------------- upgrade.apis


@dataclass(frozen=True)
class ApiFacts:
    """One API due for removal: who used it in the last 24 hours, and the target."""

    use: ApiUse
    target: TargetRelease


def _status(obj: Obj) -> dict[str, Any]:
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


def api_subjects(site: Site) -> list[str]:
    """APIRequestCounts that name a ``removedInRelease`` (a target is needed to judge them)."""
    target_subjects(site)
    try:
        objs = F.listing(site, APIREQUESTCOUNTS)
    except ResourceMissing:
        raise NotApplicable(
            "the cluster keeps no APIRequestCount (apiserver.openshift.io/v1, OpenShift 4.8 "
            "and later)"
        ) from None
    names = [F.name_of(o) for o in objs if _status(o).get("removedInRelease")]
    names += [F.name_of(b) for b in objs.broken if F.name_of(b)]  # they error, naming why
    if not names:
        raise NotApplicable("no APIRequestCount names a removedInRelease: no API due for removal")
    return sorted(set(names))


def gather_api(site: Site, subject: str) -> ApiFacts:
    obj = F.named(F.listing(site, APIREQUESTCOUNTS), subject)
    use = summarize(obj)
    if minor_of(use.removed_in) is None:
        raise InputError(
            f"apirequestcount {subject}",
            f"{use.removed_in[:40]!r} is not a Kubernetes version",
            key="status.removedInRelease",
        )
    return ApiFacts(use, target_release(site))


# --------------------------------------------------------------------------- upgrade.operators

COPIED_LABEL = "olm.copiedFrom"


def is_copied(csv: Obj) -> bool:
    """A copy OLM made of a CSV in every namespace its operator watches (the same operator).

    >>> is_copied({"metadata": {"labels": {"olm.copiedFrom": "openshift-operators"}}})
    True
    """
    return _status(csv).get("reason") == "Copied" or COPIED_LABEL in F.labels(csv)


@dataclass(frozen=True)
class OperatorFacts:
    """An installed operator's olm.maxOpenShiftVersion (None: not set) and the target."""

    subject: str
    display_name: str
    max_version: MaxVersion | None
    target: TargetRelease


def operator_subjects(site: Site) -> list[str]:
    """``<namespace>/<csv>`` of each installed CSV, copies left out (judged once, at home)."""
    target_subjects(site)
    try:
        csvs = F.listing(site, CSVS)
    except ResourceMissing:
        raise NotApplicable("no ClusterServiceVersion in the cluster (OLM not installed)") from None
    subjects = [F.ns_name(c) for c in csvs if not is_copied(c)]
    subjects += [F.ns_name(b) for b in csvs.broken if F.name_of(b)]
    if not subjects:
        raise NotApplicable("no operator installed through OLM (no ClusterServiceVersion)")
    return sorted(set(subjects))


def gather_operator(site: Site, subject: str) -> OperatorFacts:
    ns, name = subject.split("/", 1)
    csv = F.named(F.listing(site, CSVS, ns), name, ns)
    spec = csv.get("spec") if isinstance(csv.get("spec"), dict) else {}
    found = max_openshift_version(F.annotations(csv), f"clusterserviceversion {subject}")
    return OperatorFacts(
        subject, str(spec.get("displayName") or name)[:200], found, target_release(site)
    )


# --------------------------------------------------------------------------- upgrade.pull_secret

PULL_SECRET = "openshift-config/pull-secret"
DOCKERCONFIG = ".dockerconfigjson"


@dataclass(frozen=True)
class PullSecretFacts:
    """The auths keys of the global pull secret (host names only) and the mirror as named."""

    mirror: str
    keys: tuple[str, ...]


def pull_secret_subjects(site: Site) -> list[str]:
    if not site.inv.mirror.registry:
        raise NotApplicable("no mirror.registry in the inventory: no mirror to hold an entry for")
    return [PULL_SECRET]


def pull_secret_keys(obj: Obj, where: str) -> tuple[str, ...]:
    """The auths keys of a pull-secret Secret; never its credentials (see
    :func:`collectors.images.pullsecret.auth_keys`)."""
    data = obj.get("data")
    raw = data.get(DOCKERCONFIG) if isinstance(data, dict) else None
    if not isinstance(raw, str) or not raw:
        raise InputError(where, f"has no data[{DOCKERCONFIG}]", key=f"data.{DOCKERCONFIG}")
    if raw == REDACTED:
        raise FactError(
            f"{where}: data[{DOCKERCONFIG}] is {REDACTED} in this snapshot (a bundle never "
            "carries Secret values), so its host names cannot be read here"
        ).with_remediation(
            "run against the cluster (--kubeconfig), or from a bundle made live: its record "
            "keeps the host names"
        )
    try:
        text = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InputError(where, "is not base64 of UTF-8 text", key=f"data.{DOCKERCONFIG}") from None
    return auth_keys(text, f"{where} data[{DOCKERCONFIG}]")


def gather_pull_secret(site: Site, subject: str) -> PullSecretFacts:
    ns, name = subject.split("/", 1)
    source = F.source(site)
    reader = getattr(source, "inner", source)  # uncached: the Secret is held no longer than this
    try:
        obj = reader.get(SECRETS, name, ns)
    except ResourceMissing:  # a snapshot: must-gathers and bundles never hold a Secret
        raise NotApplicable(
            "the snapshot holds no Secret (must-gathers and bundles never collect them): "
            "upgrade.pull_secret reads the live cluster (--kubeconfig), or a bundle's record of "
            "a live run"
        ) from None
    except ObjectMissing as exc:
        raise FactError(f"secret {subject}: not readable ({exc})").with_remediation(
            "read it live with a user that may get secrets in openshift-config; a must-gather "
            "does not collect Secrets"
        ) from None
    keys = pull_secret_keys(obj, f"secret {subject}")
    del obj
    return PullSecretFacts(str(site.inv.mirror.registry), keys)


# --------------------------------------------------------------------------- upgrade.etcd_backup

#: The most backup files listed per master; a folder holding more is an error naming it.
MAX_BACKUP_ENTRIES = 2000
_LIST_BACKUPS = (
    '[ -d "$1" ] || exit 3; '
    "find -H \"$1\" -mindepth 1 -maxdepth 1 \\( -name 'snapshot_*' -o "
    '-name \'static_kuberesources_*\' \\) -printf "$2" | head -z -n "$3"'
)


@dataclass(frozen=True)
class BackupFacts:
    """What a master's backup folder holds (``exists`` False: no such folder)."""

    node: str
    folder: str
    max_age_hours: float
    exists: bool
    listing: BackupListing
    #: the node's FQDN (its Node object's name, for ``oc debug node/...``)
    fqdn: str = ""


def backup_subjects(site: Site) -> list[str]:
    """Masters with ssh (the snapshots are on them)."""
    masters = [n for n in site.inv.nodes if n.role == "master"]
    names = [n.name for n in masters if n.ssh is not None]
    if not names:
        raise NotApplicable(
            "no master has nodes[].ssh in the inventory: the etcd backups (upgrade."
            "etcd_backup_dir) are on the masters; give their ssh (e.g. core@m1) to check them"
        )
    return names


def list_backups(host: Host, folder: str) -> tuple[bool, BackupListing]:
    """(whether ``folder`` exists, its snapshot files) on ``host``: one bounded ``find``."""
    argv = ["sh", "-c", _LIST_BACKUPS, "sh", folder, FIND_FORMAT]
    argv.append(str(FIELDS * (MAX_BACKUP_ENTRIES + 1)))
    run_bytes = getattr(host, "run_bytes", None)
    if run_bytes is not None:
        rc, out, err = run_bytes(argv)
    else:
        rc, text, err_text = host.run(argv)
        out, err = text.encode(), err_text.encode()
    if rc == 3:
        return False, BackupListing(())
    if rc != 0:
        reason = err.decode("utf-8", errors="replace").strip().splitlines()
        raise FactError(
            f"cannot list {folder} on {host.name}: {reason[-1][:300] if reason else f'exit {rc}'}"
        )
    listing = parse_listing(out)
    entries = len(listing.files) + len(listing.skipped) + listing.malformed
    if entries > MAX_BACKUP_ENTRIES:
        raise FactError(
            f"{folder} on {host.name} holds more than {MAX_BACKUP_ENTRIES} snapshot_* / "
            "static_kuberesources_* entries: the listing was cut there, so the newest may not be "
            "among them"
        ).with_remediation(
            f"prune old backups in {folder} on {host.name} (keep the newest pairs), then run "
            "the check again"
        )
    return True, listing


def gather_backup(site: Site, subject: str) -> BackupFacts:
    node = next(n for n in site.inv.nodes if n.name == subject)
    folder = site.inv.upgrade.etcd_backup_dir
    exists, listing = list_backups(site.host(node.ssh), folder)
    hours = site.inv.upgrade.max_backup_age_hours
    return BackupFacts(subject, folder, hours, exists, listing, node.fqdn)
