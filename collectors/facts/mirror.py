"""What the mirror.* checks gather: ``GET /v2/`` on the mirror with the auth file's
credentials, the release image and every component it names looked up by digest where the
install-config's mirrors send the cluster, and (mirror.imagestreams) the ``openshift``
imagestreams' tags looked up in the mirror (shared with samples.skip_coverage, one batch per
run: ``collectors.facts.samples``); (mirror.operators) every image of each mirrored operator
catalog's mapping.txt and its index image, and after install the cluster's ICSP/IDMS and
CatalogSources against them; the chain the mirror serves in a real handshake
(mirror.certificate) and the cluster's additionalTrustedCA ConfigMap tried against the mirror
(mirror.cluster_trust).

Lookups go through the shared registry client.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors import localfile
from collectors.cluster import facts as F
from collectors.cluster.resources import (
    CATALOGSOURCES,
    CLUSTERCATALOGS,
    CONFIGMAPS,
    IMAGE_CONFIGS,
)
from collectors.errors import FactError, InputError, NotApplicable, Unreachable
from collectors.facts import samples
from collectors.facts.samples import StreamFacts
from collectors.images import lookup as mirror_lookup
from collectors.images.catalogs import (
    MAPPING,
    CatalogSourceDoc,
    catalog_name,
    mapping_folder,
    mapping_lines,
    read_catalog,
)
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference, registry_key
from collectors.images.lookup import ComponentLookup, find_components
from collectors.images.mirrors import MirrorRule, map_reference
from collectors.images.ocmirror2 import (
    Workspace,
    cluster_catalog_image,
    find_working_dir,
    read_workspace,
    related_images,
)
from collectors.images.registry import Ping, RegistryClient, RegistryError, client_for, system_ca
from collectors.images.registry.client import pinned_mirror
from collectors.images.release import IMAGE_REFERENCES, parse_image_references
from collectors.images.seen import Seen
from collectors.images.sigstore import SignatureLookup
from collectors.install.installconfig import install_config
from collectors.inventory import split_host_port
from collectors.parsers.catalogmirror import MappingEntry, iter_mapping
from collectors.parsers.certs import x509_certificates
from collectors.site import Site
from collectors.transport.tlsprobe import ServedChain, TlsResult, served_chain, verify_tls

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
    except Unreachable:
        raise  # no answer from here: no verdict on the mirror
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


# --------------------------------------------------------------------------- mirror.operators


@dataclass(frozen=True)
class IndexLookup:
    """A CatalogSource the mirroring wrote, whether its index image is in the mirror, and (after
    install) the image of the CatalogSource of that name in the cluster (None: not applied)."""

    source: CatalogSourceDoc
    found: bool
    in_cluster: str | None = None


@dataclass(frozen=True)
class OperatorsFacts:
    """One mirrored catalog against the mirror (and, postinstall, the cluster)."""

    catalog: str
    folder: str
    layout: str
    auth_file: str
    total: int
    missing: tuple[MappingEntry, ...]
    indexes: tuple[IndexLookup, ...] = ()
    rule_files: tuple[str, ...] = ()
    #: None: the cluster side was not checked (preflight, or no cluster), with ``cluster_note``
    uncovered: tuple[tuple[str, int], ...] | None = None
    cluster_note: str = ""
    #: of the uncovered images, how many the mapping names by tag (ICSP/IDMS map digests only)
    uncovered_by_tag: int = 0
    #: files of the catalog folder left unread: links pointing outside it
    skipped: tuple[str, ...] = ()
    #: mapping lines that are index images, covered by their CatalogSource (no mirror rule)
    index_lines: int = 0
    #: oc-mirror v2: "file:line: image: why" per missing.txt line, logged mirroring error, or
    #: image no IDMS/ITMS of cluster-resources sends to the mirror (first 50), and their count
    not_mirrored: tuple[str, ...] = ()
    not_mirrored_count: int = 0
    #: the mirror registry (registry_key form), for the remediation
    mirror: str = ""


def _is_v2(path: Path) -> bool:
    """A folder with no v1 mapping (manifests, results-*/) that holds an oc-mirror v2
    working-dir (or is one)."""
    try:
        mapping_folder(path)
    except InputError:
        return find_working_dir(path) is not None
    return False


def catalog_folders(site: Site) -> dict[str, Path]:
    """Subject (the mapping folder's name, or a v2 workspace's folder as named; its parent too
    when two share a name) -> folder."""
    out: dict[str, Path] = {}
    for path in site.inv.mirror.catalogs:
        name = path.name if _is_v2(path) else catalog_name(path)
        out[f"{path.parent.name}/{name}" if name in out else name] = path
    return out


def catalog_subjects(site: Site) -> list[str]:
    return list(catalog_folders(site))


#: mapping lines looked up per batch: memory stays that of one batch whatever the mapping's size
#: (about 0.5 kB a line in flight); the lookups of one batch go out a window at a time
#: (``RegistryClient.map``), so a smaller batch costs only a short wait at its end
OPERATORS_BATCH = 1024


def index_key(image: str | ImageRef) -> str | None:
    """How an index image is compared: its reference in canonical form (``host:443`` is
    ``host``), None when it does not parse.

    >>> index_key("Mirror.Example:443/olm/redhat-operator-index:v4.14")
    'mirror.example/olm/redhat-operator-index:v4.14'
    """
    if isinstance(image, ImageRef):
        return str(image)
    try:
        return str(parse_reference(image))
    except ImageRefError:
        return None


@dataclass
class _ClusterView:
    """Postinstall: the cluster's mirror rules and applied CatalogSources (and OLM v1
    ClusterCatalogs), and the mapping's source repositories they leave uncovered (counted as
    the batches go by). An index image is covered by the CatalogSource (or ClusterCatalog) that
    names its mirror copy, never by a mirror rule: a mapping line whose mirror copy is the image
    of an applied catalog, or of a CatalogSource the mirroring wrote (whether that one is applied
    is judged on its own, ``indexes``), is not counted."""

    rules: list[MirrorRule]
    applied: dict[tuple[str | None, str], str]
    uncovered: dict[str, int]
    by_tag: int = 0
    #: index images (canonical) the catalogs cover: applied ones and those the mirroring wrote
    index_images: frozenset[str] = frozenset()
    #: mapping lines left out as index images (counted, for the message)
    indexes_seen: int = 0

    def count(
        self, entries: list[MappingEntry], mirror_host: str, wanted: list[ImageRef] | None = None
    ) -> None:
        """Count the entries' sources no rule sends to the mirror (``wanted``: their
        ``.wanted``, when the caller has them already)."""
        for entry, want in zip(entries, wanted or [e.wanted for e in entries], strict=True):
            if self.index_images and str(want) in self.index_images:
                self.indexes_seen += 1
                continue
            routes = map_reference(entry.source, self.rules, include_source=False)
            if entry.source.registry != mirror_host and not any(
                c.registry == mirror_host for c in routes
            ):  # both in registry_key form (parse_reference, gather_operators)
                self.uncovered[entry.source.name] = self.uncovered.get(entry.source.name, 0) + 1
                self.by_tag += not entry.source.digest

    def indexes(self, indexes: list[IndexLookup]) -> list[IndexLookup]:
        """The index lookups with the image of the CatalogSource applied under each name."""
        images = {index_key(v): v for v in self.applied.values()}
        seen = []
        for i in indexes:
            image = self.applied.get((i.source.namespace, i.source.name))
            if image is not None and index_key(image) == index_key(i.source.image):
                image = i.source.image  # the same image, spelled another way (host:443)
            elif index_key(i.source.image) in images:
                image = i.source.image  # applied under another name (as the seed's own catalog)
            seen.append(IndexLookup(i.source, i.found, image))
        return seen


def _cluster_view(site: Site) -> _ClusterView | str:
    """The cluster side to compare with, or why it is not checked."""
    access = site.cluster
    if access is None or not access.wanted:
        return "the cluster side (ICSP/IDMS, CatalogSource) is checked after install"
    try:
        rules = samples.mirror_rules(site)
        applied = {
            (c["metadata"].get("namespace"), c["metadata"]["name"]): str(
                (c.get("spec") or {}).get("image") or ""
            )
            for c in F.listing(site, CATALOGSOURCES, optional=True)
        }
        for c in F.listing(site, CLUSTERCATALOGS, optional=True):
            applied[("", c["metadata"]["name"])] = cluster_catalog_image(c)
    except NotApplicable as exc:
        return f"the cluster side was not checked: {exc}"
    return _ClusterView(rules, applied, {})


def _batches(items: Iterator[MappingEntry | InputError], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def gather_operators(site: Site, subject: str) -> OperatorsFacts:
    """Every image of the catalog's mapping (and its index images) looked up in the mirror,
    streamed in batches of OPERATORS_BATCH lines (only the missing ones are kept); postinstall,
    the cluster's ICSP/IDMS and CatalogSources compared with it."""
    folder = catalog_folders(site).get(subject)
    if folder is None:
        raise FactError(f"mirror.catalogs: no folder gives the catalog {subject}")
    mirror_host = registry_key(site.inv.mirror.registry or "")
    ws: Workspace | None = None
    lines: Iterator[MappingEntry | InputError]
    if _is_v2(folder):
        ws = read_workspace(folder)  # InputError (a FactError) naming the folder
        docs, problems, skipped = ws.catalog_sources, list(ws.problems), ws.skipped
        layout, rule_files, where = "oc-mirror v2", ws.rule_files, ws.working_dir
        unmapped = _Unmapped()
        lines = _workspace_entries(ws, mirror_host, unmapped)
    else:
        manifests = read_catalog(folder, mapping=False)  # InputError naming the folder
        docs, problems, skipped = manifests.catalog_sources, list(manifests.problems), ()
        layout, rule_files, where = manifests.layout, manifests.rule_files, manifests.folder
        skipped = manifests.skipped
        path = manifests.folder / MAPPING
        lines = iter_mapping(mapping_lines(path, root=manifests.root), str(path))
    index_refs: list[tuple[CatalogSourceDoc, ImageRef | None]] = []
    for doc in docs:
        try:
            index_refs.append((doc, parse_reference(doc.image)))
        except ImageRefError as exc:
            problems.append(InputError(doc.file, f"spec.image: {exc}", key="spec.image"))
    problem_count = len(problems)
    view = _cluster_view(site)
    if isinstance(view, _ClusterView):
        keys = [index_key(v) for v in view.applied.values()]
        keys += [index_key(r) for _, r in index_refs if r]
        view.index_images = frozenset(k for k in keys if k)
    client = client_for(site)
    total, missing, errors, error_count = 0, [], [], 0
    unreached: list[Unreachable] = []  # the first lookup that got no answer from here
    for batch in _batches(lines, OPERATORS_BATCH):
        entries = [e for e in batch if isinstance(e, MappingEntry)]
        bad = [e for e in batch if isinstance(e, InputError)]
        problem_count += len(bad)
        problems += bad[: max(0, 5 - len(problems))]
        wanted = [e.wanted for e in entries]  # made once: each is a new ImageRef
        answers = mirror_lookup.check_images(client, wanted)
        failed = [f"{ref}: {a}" for ref, a in answers.items() if isinstance(a, FactError)]
        unreached += [a for a in answers.values() if isinstance(a, Unreachable)][:1]
        error_count += len(failed)
        errors += failed[: max(0, 3 - len(errors))]
        missing += [e for e, w in zip(entries, wanted, strict=True) if answers[w] is not True]
        total += len(entries)
        if isinstance(view, _ClusterView):
            view.count(entries, mirror_host, wanted)
        del batch, entries, wanted, answers  # not held while the next batch is read
    index_answers = mirror_lookup.lookups(site, [r for _, r in index_refs if r])
    index_errors = [f"{ref}: {a}" for ref, a in index_answers.items() if isinstance(a, FactError)]
    unreached += [a for a in index_answers.values() if isinstance(a, Unreachable)][:1]
    error_count += len(index_errors)
    errors += index_errors[: max(0, 3 - len(errors))]
    if unreached:
        raise unreached[0]  # the mirror gave no answer from here: no verdict on the catalog
    if errors:
        more = f" (and {error_count - 3} more)" if error_count > 3 else ""
        raise FactError(
            f"{subject}: could not look up {error_count} image(s): " + "; ".join(errors) + more
        )
    indexes = [
        IndexLookup(doc, bool(ref) and index_answers[str(ref)] is True) for doc, ref in index_refs
    ]
    index_lines = 0
    if isinstance(view, _ClusterView):
        uncovered, note, by_tag = tuple(sorted(view.uncovered.items())), "", view.by_tag
        indexes = view.indexes(indexes)
        index_lines = view.indexes_seen
    else:
        uncovered, note, by_tag = None, view, 0
    tool = "oc-mirror --v2" if ws else "oc adm catalog mirror"
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {problem_count - 5} more)" if problem_count > 5 else ""
        raise FactError(
            f"{subject}: {problem_count} part(s) of the catalog manifests do not parse: "
            f"{shown}{more}; the other {total} mapping line(s) were "
            f"looked up: {len(missing)} missing from the mirror"
        ).with_remediation(
            f"correct or remove the lines named (or run {tool} again into {where}), then run "
            "the check again"
        )
    not_mirrored: list[str] = list(ws.not_mirrored) if ws else []
    not_count = ws.not_mirrored_count if ws else 0
    if ws:
        not_mirrored += unmapped.shown[: max(0, 50 - len(not_mirrored))]
        not_count += unmapped.count
    return OperatorsFacts(
        catalog=subject,
        folder=str(where),
        layout=layout,
        auth_file=str(site.inv.mirror.auth_file or "<pull-secret>"),
        total=total,
        missing=tuple(missing),
        indexes=tuple(indexes),
        rule_files=rule_files,
        uncovered=uncovered,
        cluster_note=note,
        uncovered_by_tag=by_tag,
        skipped=tuple(skipped),
        index_lines=index_lines,
        not_mirrored=tuple(not_mirrored),
        not_mirrored_count=not_count,
        mirror=mirror_host,
    )


@dataclass
class _Unmapped:
    """Images of a v2 workspace that no IDMS/ITMS of its cluster-resources sends to the mirror:
    the first 50 named, all counted."""

    shown: list[str] = field(default_factory=list)
    count: int = 0


def _workspace_entries(
    ws: Workspace, mirror_host: str, unmapped: _Unmapped
) -> Iterator[MappingEntry | InputError]:
    """What a v2 workspace says it mirrored, as mapping entries (source -> the copy on the
    mirror), each once: the dry run's mapping.txt lines whose destination is the mirror, then
    every bundle and related image of the filtered catalogs sent to the mirror by the
    workspace's own IDMS/ITMS (one no rule sends there is noted in ``unmapped``)."""
    with Seen() as mirror_copies:  # each mirror copy once
        first = mirror_copies.first
        if ws.dry_run_mapping is not None:
            path = ws.dry_run_mapping
            for item in iter_mapping(mapping_lines(path, root=ws.root), str(path)):
                on_mirror = not isinstance(item, InputError) and item.wanted.registry == mirror_host
                if isinstance(item, InputError) or (on_mirror and first(str(item.wanted))):
                    yield item
        for ref in related_images(ws):
            if isinstance(ref, InputError):
                yield ref
                continue
            routes = [
                c
                for c in map_reference(ref, ws.rules, include_source=False)
                if c.registry == mirror_host
            ]
            if ref.registry == mirror_host:
                routes = [ref]
            if not routes:
                unmapped.count += 1
                if len(unmapped.shown) < 50:
                    unmapped.shown.append(
                        f"{CLUSTER_RESOURCES_NAME}: {ref}: no IDMS/ITMS there sends it to the"
                        f" mirror {mirror_host}"
                    )
                continue
            if first(str(routes[0])):
                yield MappingEntry(ref, routes[0], 0)


CLUSTER_RESOURCES_NAME = "cluster-resources"


# --------------------------------------------------------------------------- mirror.certificate


@dataclass(frozen=True)
class CertificateFacts:
    """The chain the mirror served, whether it verifies against the trust (hostname aside), the
    trust's certificates (to name a missing issuer), and the day it was read."""

    host: str  # the name (or IP) clients use, without the port
    port: int
    chain: ServedChain
    chain_check: TlsResult
    trust: str  # "mirror.ca_file <path>" or "the system trust store"
    trust_subjects: tuple[str, ...]
    min_valid_days: float
    checked_at: datetime.datetime


def mirror_address(site: Site, host: str) -> str | None:
    """The address to dial for ``host``: the site DNS's with mirror.resolve_via_site_dns."""
    pinned = pinned_mirror(site.inv)
    if pinned is None or host not in pinned[0]:
        return None
    try:
        return pinned[1](host)
    except FactError as exc:
        raise FactError(f"{host}: {exc}") from None


def _trust(site: Site) -> tuple[str | None, str, tuple[str, ...]]:
    ca_file = site.inv.mirror.ca_file
    if ca_file is None:
        path = system_ca()
        text = None
        where = "the system trust store"
        try:
            subjects = (
                tuple(
                    c.subject.rfc4514_string()
                    for c in x509_certificates(localfile.read_bytes(str(path)), str(path))
                )
                if isinstance(path, str)
                else ()
            )
        except (OSError, FactError):
            subjects = ()
        return text, where, subjects
    try:
        text = localfile.read_text(ca_file, errors="replace")
    except InputError as exc:
        raise FactError(f"mirror.ca_file {ca_file}: {exc.reason}") from None
    certs = x509_certificates(text, f"mirror.ca_file {ca_file}")  # garbage PEM: InputError
    return text, f"mirror.ca_file {ca_file}", tuple(c.subject.rfc4514_string() for c in certs)


def gather_certificate(site: Site, registry: str) -> CertificateFacts:
    try:
        host, port = split_host_port(registry, 443)
    except ValueError as exc:
        raise FactError(f"mirror.registry {registry!r}: {exc}") from None
    address = mirror_address(site, host)
    chain = served_chain(host, port, connect_to=address)
    bundle, trust, subjects = _trust(site)
    check = verify_tls(host, port, bundle, connect_to=address, check_hostname=False).answered()
    return CertificateFacts(
        host,
        port,
        chain,
        check,
        trust,
        subjects,
        site.inv.mirror.min_valid_days,
        datetime.datetime.now(datetime.UTC),
    )


# --------------------------------------------------------------------------- mirror.cluster_trust

TRUST_NAMESPACE = "openshift-config"


@dataclass(frozen=True)
class ClusterTrustFacts:
    """image.config.openshift.io/cluster's additionalTrustedCA ConfigMap, its keys, and the
    handshake with the mirror trusting the key meant for it (None: no such key)."""

    host: str
    port: int
    wanted_keys: tuple[str, ...]  # host..port (and host for 443)
    configmap: str | None  # spec.additionalTrustedCA.name
    configmap_found: bool
    keys: tuple[str, ...]
    key_used: str | None
    handshake: TlsResult | None
    bad_keys: tuple[str, ...] = ()  # keys whose value holds no certificate


def trust_subject(site: Site) -> list[str]:
    """One subject, the cluster (its image config)."""
    return ["cluster"]


def trust_keys(host: str, port: int) -> tuple[str, ...]:
    """The ConfigMap keys the cluster reads for a registry: ``host..port``, or ``host`` on 443.

    >>> trust_keys("mirror.example", 5000), trust_keys("mirror.example", 443)
    (('mirror.example..5000',), ('mirror.example', 'mirror.example..443'))
    """
    return (host, f"{host}..443") if port == 443 else (f"{host}..{port}",)


def gather_cluster_trust(site: Site, subject: str) -> ClusterTrustFacts:
    registry = site.inv.mirror.registry or ""
    host, port = split_host_port(registry, 443)
    wanted = trust_keys(host, port)
    images = F.listing(site, IMAGE_CONFIGS)
    config = next((o for o in images if F.name_of(o) == "cluster"), None)
    ref = ((config or {}).get("spec") or {}).get("additionalTrustedCA") or {}
    name = ref.get("name") if isinstance(ref, dict) else None
    if not name:
        return ClusterTrustFacts(host, port, wanted, None, False, (), None, None)
    maps = F.listing(site, CONFIGMAPS, TRUST_NAMESPACE)
    cm = next((o for o in maps if F.name_of(o) == name), None)
    if cm is None:
        return ClusterTrustFacts(host, port, wanted, str(name), False, (), None, None)
    data = {str(k): str(v) for k, v in (cm.get("data") or {}).items()}
    bad = []
    for key, value in data.items():
        try:
            if not x509_certificates(value, f"ConfigMap {TRUST_NAMESPACE}/{name} key {key}"):
                bad.append(key)
        except InputError:
            bad.append(key)
    mine = registry_key(registry)
    key = next((k for k in wanted if k in data), None) or next(
        (k for k in data if registry_key(k) == mine), None
    )  # Registry.Example..443 and registry.example are one registry
    result = None
    if key is not None and key not in bad:
        result = verify_tls(host, port, data[key], connect_to=mirror_address(site, host)).answered()
        if not result.reachable:
            raise FactError(
                f"cannot reach the mirror {registry} to test ConfigMap {TRUST_NAMESPACE}/{name} "
                f"key {key}: {result.error}"
            ).with_remediation("run the check from a machine that reaches the mirror (the bastion)")
    return ClusterTrustFacts(
        host, port, wanted, str(name), True, tuple(data), key, result, tuple(bad)
    )


# --------------------------------------------------------------------------- mirror.from_nodes

#: How long curl may take on the node (``--max-time``); the SSH command gets a little more.
CURL_MAX_TIME = 10
REGISTRIES_CONF = "/etc/containers/registries.conf"
#: The pools registries.conf is read on: the first node with ssh of each.
POOLS = ("bootstrap", "master", "worker", "infra")


def from_nodes_subjects(site: Site) -> list[str]:
    """Every inventory node with ssh, then ``bastion`` when bastion.ssh is set."""
    names = [n.name for n in site.inv.nodes if n.ssh is not None]
    return names + (["bastion"] if site.inv.bastion.ssh is not None else [])


@dataclass(frozen=True)
class NodeRegistriesConf:
    """The release sources' mirrors in a node's registries.conf ("" path: none there)."""

    path: str
    release_mirrors: tuple[str, ...] = ()
    content_mirrors: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class FromNodeFacts:
    """What one host sees of the mirror: its resolver's answer, and curl's verdict on
    ``https://<mirror>/v2/`` with the host's own trust store."""

    subject: str
    target: str  # the ssh target
    registry: str  # host:port as the nodes pull from it
    resolved: tuple[str, ...]  # getent hosts addresses; () when it does not resolve
    is_address: bool
    curl_rc: int
    http_code: str  # "000" when no HTTP answer
    curl_error: str  # curl's stderr, first line, cut
    registries_conf: NodeRegistriesConf | None = None


def _registries_conf(site: Site, host: Any) -> NodeRegistriesConf:
    from collectors.parsers.registriesconf import mirrors_for, parse_registries_conf

    rc, out, err = host.run(["cat", "--", REGISTRIES_CONF])
    if rc != 0:
        return NodeRegistriesConf("", error=(err.strip().splitlines() or [f"exit {rc}"])[-1])
    try:
        entries = parse_registries_conf(out, f"{REGISTRIES_CONF} on {host.name}")
    except InputError as exc:
        return NodeRegistriesConf(REGISTRIES_CONF, error=str(exc))
    return NodeRegistriesConf(
        REGISTRIES_CONF,
        mirrors_for(entries, RELEASE_SOURCE),
        mirrors_for(entries, CONTENT_SOURCE),
    )


def gather_from_node(site: Site, subject: str) -> FromNodeFacts:
    registry = site.inv.mirror.registry or ""
    if subject == "bastion":
        target, node = site.inv.bastion.ssh, None
    else:
        node = site.inv.node_by_name(subject)
        target = node.ssh if node else None
    if target is None:
        raise NotApplicable(f"{subject} has no ssh in the inventory")
    host = site.host(target)
    name, port = split_host_port(registry, 443)
    is_address = _is_address(name)
    resolved: tuple[str, ...] = (name,)
    if not is_address:
        rc, out, _ = host.run(["getent", "hosts", name])
        resolved = tuple(line.split()[0] for line in out.splitlines()[:20] if line.split())
        if rc != 0:
            resolved = ()
    url = f"https://{registry}/v2/"
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
    argv += ["--max-time", str(CURL_MAX_TIME), url]
    rc, out, err = host.run(argv, timeout=CURL_MAX_TIME + 10)
    if rc == 127:
        raise NotApplicable(f"curl is not installed on {subject} ({target}): cannot GET {url}")
    first = (err.strip().splitlines() or [""])[0][:300]
    conf = None
    if node is not None and node.role in POOLS:
        first_of_pool = next(n for n in site.inv.nodes if n.role == node.role and n.ssh)
        if first_of_pool.name == node.name:
            conf = _registries_conf(site, host)
    return FromNodeFacts(
        subject, str(target), registry, resolved, is_address, rc, out.strip()[:3], first, conf
    )


def _is_address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- mirror.capacity


def capacity_subjects(site: Site) -> list[str]:
    registry = site.inv.mirror.registry or ""
    return [split_host_port(registry, 443)[0]] if registry else []


@dataclass(frozen=True)
class CapacityFacts:
    """``df -P`` of mirror.data_dir on mirror.ssh."""

    host: str
    target: str
    data_dir: str
    filesystem: str
    mount: str
    available_bytes: int
    size_bytes: int
    min_free_gb: float


def gather_capacity(site: Site, subject: str) -> CapacityFacts:
    from collectors.parsers.df import parse_df

    mirror = site.inv.mirror
    if mirror.ssh is None:
        raise NotApplicable("inventory has no mirror.ssh (the registry host, for df)")
    host = site.host(mirror.ssh)
    rc, out, err = host.run(["df", "-P", "--", mirror.data_dir])
    if rc != 0:
        reason = (err.strip().splitlines() or [f"exit {rc}"])[-1][:300]
        raise FactError(f"df -P {mirror.data_dir} on {mirror.ssh}: {reason}").with_remediation(
            f"create mirror.data_dir on the registry host or correct it (mkdir -p "
            f"{mirror.data_dir}; the seed's layout is /opt/registry/{{auth,certs,data}})"
        )
    rows = parse_df(out, f"df -P on {mirror.ssh}")
    if len(rows) != 1:
        raise FactError(f"df -P {mirror.data_dir} on {mirror.ssh}: {len(rows)} rows, not 1")
    row = rows[0]
    return CapacityFacts(
        subject,
        str(mirror.ssh),
        mirror.data_dir,
        row.filesystem,
        row.mount,
        row.available_bytes,
        row.size_bytes,
        mirror.min_free_gb,
    )


# --------------------------------------------------------------------------- mirror.sigstore

#: The subject when the cluster has no ClusterImagePolicy or ImagePolicy at all.
NO_POLICY = "cluster"
#: The preflight subject (mirror.require_sigstore): the release of mirror.release_image.
RELEASE_SUBJECT = "release"


@dataclass(frozen=True)
class SigstoreFacts:
    """One policy (or the preflight release) against the mirror: the images it covers among
    those the cluster runs or will run, and where each one's signature was looked for."""

    subject: str
    kind: str  # ClusterImagePolicy, ImagePolicy, "release" (preflight), "" (no policy at all)
    mirror_host: str
    scopes: tuple[str, ...] = ()
    api_version: str = ""
    #: how many images the cluster runs or will run were weighed, and what they are
    considered: int = 0
    considered_what: str = ""
    lookups: tuple[SignatureLookup, ...] = ()
    rules_from: str = ""
    #: what was not weighed and why (no update target, a release not in the mirror, ...)
    notes: tuple[str, ...] = ()
    auth_file: str = ""
    #: the CRD is not served / not in the snapshot (kind "")
    no_crd: bool = False
    #: spec.policy.rootOfTrust.policyType ("" for the preflight release and no policy)
    policy_type: str = ""
    #: PublicKey: the key the signatures were weighed against (type, size, fingerprint), or why
    #: publicKey.keyData cannot be used; whether it names a Rekor key (its SET is not weighed)
    key: str = ""
    key_problem: str = ""
    rekor: bool = False
    #: spec.policy.signedIdentity as weighed (``MatchRepoDigestOrExact`` by default)
    identity: str = ""


def _policy_listing(site: Site, *resources: Any) -> tuple[list[Any], bool]:
    """Objects of the first of ``resources`` the cluster serves (v1, else v1alpha1); whether
    any was served."""
    from collectors.cluster.base import ResourceMissing

    for res in resources:
        try:
            return list(F.listing(site, res)), True
        except ResourceMissing:
            continue
    return [], False


def image_policies(site: Site) -> tuple[list[Any], bool]:
    """Every ClusterImagePolicy and ImagePolicy (``collectors.images.policy.ImagePolicyDoc``),
    once per run, and whether the cluster serves either kind."""
    from collectors.cluster.resources import (
        CLUSTERIMAGEPOLICIES,
        CLUSTERIMAGEPOLICIES_V1ALPHA1,
        IMAGEPOLICIES,
        IMAGEPOLICIES_V1ALPHA1,
    )
    from collectors.images.policy import CLUSTER_KIND, NAMESPACED_KIND, read_policy

    def produce() -> tuple[list[Any], bool]:
        cips, served = _policy_listing(site, CLUSTERIMAGEPOLICIES, CLUSTERIMAGEPOLICIES_V1ALPHA1)
        ips, served2 = _policy_listing(site, IMAGEPOLICIES, IMAGEPOLICIES_V1ALPHA1)
        docs = [read_policy(o, CLUSTER_KIND) for o in cips]
        docs += [read_policy(o, NAMESPACED_KIND) for o in ips]
        return docs, served or served2

    return site.memo("sigstore_policies", produce)


def sigstore_subjects(site: Site) -> list[str]:
    """``release`` with mirror.require_sigstore (preflight); after install, each policy
    (``clusterimagepolicy/<name>``, ``imagepolicy/<ns>/<name>``), or ``cluster`` when there is
    none."""
    subjects = []
    if site.inv.mirror.require_sigstore and site.inv.mirror.release_image:
        subjects.append(RELEASE_SUBJECT)
    access = site.cluster
    if access is not None and access.wanted:
        try:
            docs, _ = image_policies(site)
        except NotApplicable:
            if not subjects:
                raise
            docs = None
        if docs is not None:
            subjects += [d.subject for d in docs] or [NO_POLICY]
    if not subjects:
        raise NotApplicable(
            "mirror.require_sigstore is not true (preflight) and no cluster is read "
            "(postinstall): nothing asks for sigstore signatures"
        )
    return subjects


def _payload_components(
    client: RegistryClient, release: ImageRef, rules: list[MirrorRule], mirror_host: str
) -> tuple[dict[str, ImageRef], str]:
    """The components a release names (its image-references, read where the rules send it in
    the mirror), or {} and why they were not read."""
    found = find_components(client, {"release": release}, rules, (mirror_host,), str(release))[0]
    if not found.found:
        where = ", ".join(str(c) for c in found.candidates) or "nowhere on the mirror"
        return {}, f"{release} is not in the mirror (looked up at {where}): its components unread"
    at = next(c for c in found.candidates if client.has_manifest(c))
    data = client.read_file(at, IMAGE_REFERENCES)
    if data is None:
        return {}, f"{at}: no layer holds {IMAGE_REFERENCES}: its components unread"
    return dict(parse_image_references(data, str(at)).components), ""


def running_images(site: Site) -> tuple[list[tuple[str, ImageRef, str]], list[str], str]:
    """What the cluster runs or will run, once per run: (role, image, upstream source) for the
    current release (ClusterVersion status.desired.image) and its components, the update target
    (--to-image / upgrade.to_image) and its components; notes on what was left out; what the
    list holds."""
    from collectors.facts.samples import mirror_rules
    from collectors.facts.upgrade import (
        _cluster_version,
        parse_target,
        target_subjects,
        target_where,
    )

    def produce() -> tuple[list[tuple[str, ImageRef, str]], list[str], str]:
        rules = mirror_rules(site)
        mirror_host = registry_key(site.inv.mirror.registry or "")
        client = client_for(site)
        version, current, _ = _cluster_version(site)
        images: list[tuple[str, ImageRef, str]] = []
        notes: list[str] = []
        releases: list[tuple[str, ImageRef]] = []
        try:
            ref = parse_reference(current)
            if not ref.digest:
                raise ImageRefError("not by digest")
            releases.append((f"release {version}".strip(), ref))
        except ImageRefError as exc:
            notes.append(f"ClusterVersion status.desired.image {current!r}: {exc}")
        try:
            target = target_subjects(site)[0]
            releases.append(("update target", parse_target(target, target_where(site))))
        except NotApplicable:
            notes.append("no update target (--to-image or upgrade.to_image): not weighed")
        except InputError as exc:  # upgrade.target errors for it, naming it
            notes.append(f"the update target is not weighed: {exc}")
        counts = []
        for role, ref in releases:
            images.append((role, ref, _upstream(ref, mirror_host, RELEASE_SOURCE)))
            components, why = _payload_components(client, ref, rules, mirror_host)
            if why:
                notes.append(why)
            prefix = "component" if role.startswith("release") else "target component"
            for name, comp in components.items():
                source = _upstream(comp, mirror_host, CONTENT_SOURCE)
                images.append((f"{prefix} {name}", comp, source))
            counts.append(f"the {role} and its {len(components)} components")
        what = " and ".join(counts) or "nothing (no release named)"
        return images, notes, what

    return site.memo("sigstore_running_images", produce)


def _upstream(ref: ImageRef, mirror_host: str, source: str) -> str:
    """Where ``ref`` comes from upstream: itself unless it names the mirror, then ``source``
    (quay.io's release repositories) by the same digest."""
    if ref.registry != registry_key(mirror_host) or not ref.digest:
        return str(ref)
    return f"{source}@{ref.digest}"


def _pods_digests(site: Site, namespace: str) -> set[str] | None:
    """The digests of the images the pods of ``namespace`` run (None: pods not readable)."""
    from collectors.cluster.resources import PODS

    try:
        pods = F.listing(site, PODS, namespace, optional=True)
    except FactError:
        return None
    digests = set()
    for pod in pods:
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            image = str((c or {}).get("image") or "")
            if "@" in image:
                digests.add(image.rsplit("@", 1)[1])
        for c in status.get("containerStatuses") or []:  # a snapshot's pods keep only these
            for ref in ((c or {}).get("imageID"), (c or {}).get("image")):
                if "@" in str(ref or ""):
                    digests.add(str(ref).rsplit("@", 1)[1])
    return digests


def gather_sigstore(site: Site, subject: str) -> SigstoreFacts:
    """The policy's covered images (or the preflight release) and their signatures' lookups;
    for a PublicKey policy, each signature found by its tag weighed against the policy's key
    (``collectors.images.cosign``), the outcome per layer kept in the fact so a bundle replays
    the same verdict."""
    from collectors.images.cosign import load_key
    from collectors.images.policy import CLUSTER_KIND, PUBLIC_KEY, covering
    from collectors.images.sigstore import Wanted, find_signatures, weigh_signatures

    mirror_host = registry_key(site.inv.mirror.registry or "")
    auth = str(site.inv.mirror.auth_file or "<pull-secret>")
    client = client_for(site)
    if subject == RELEASE_SUBJECT:
        return _gather_release_sigstore(site, client, mirror_host, auth)
    from collectors.facts.samples import mirror_rules

    docs, served = image_policies(site)
    if subject == NO_POLICY:
        return SigstoreFacts(subject, "", mirror_host, no_crd=not served, auth_file=auth)
    policy = next((d for d in docs if d.subject == subject), None)
    if policy is None:
        raise FactError(f"{subject} is gone from the cluster listing")
    images, notes, what = running_images(site)
    cluster_policies = [d for d in docs if d.kind == CLUSTER_KIND]
    wanted: list[Wanted] = []
    in_namespace = _pods_digests(site, policy.namespace) if policy.kind != CLUSTER_KIND else None
    for role, ref, source in images:
        scope = covering(policy, ref, cluster_policies)
        if scope is None:
            continue
        if policy.kind != CLUSTER_KIND and (in_namespace is None or ref.digest not in in_namespace):
            continue  # an ImagePolicy applies to the pods of its own namespace only
        wanted.append(Wanted(ref, role, scope, source))
    if policy.kind != CLUSTER_KIND:
        notes = [
            *notes,
            f"an ImagePolicy applies to the pods of {policy.namespace} only: "
            "images they do not run are not weighed",
        ]
    rules = mirror_rules(site)
    lookups = find_signatures(client, wanted, rules, mirror_host, subject)
    key, key_problem = "", ""
    if policy.policy_type == PUBLIC_KEY and lookups:
        try:
            public, key = load_key(policy.key_data, "spec.policy.rootOfTrust.publicKey.keyData")
        except InputError as exc:
            key_problem = exc.reason
        else:
            lookups = weigh_signatures(client, lookups, public, policy.identity, subject)
    return SigstoreFacts(
        subject,
        policy.kind,
        mirror_host,
        policy.scopes,
        policy.api_version,
        len(images),
        what,
        lookups,
        _rules_origin(rules),
        tuple(notes),
        auth,
        policy_type=policy.policy_type,
        key=key,
        key_problem=key_problem,
        rekor=policy.rekor,
        identity=policy.identity.describe(),
    )


def _rules_origin(rules: list[MirrorRule]) -> str:
    names = sorted({r.origin.split(" ", 1)[0] for r in rules if r.origin})
    return ", ".join(names) if names else "no ImageContentSourcePolicy / ImageDigestMirrorSet"


def _gather_release_sigstore(
    site: Site, client: RegistryClient, mirror_host: str, auth: str
) -> SigstoreFacts:
    """Preflight: mirror.release_image (its digest as the mirror says) and the components it
    names, where the install-config's mirror rules send them."""
    from collectors.images.sigstore import Wanted, find_signatures

    text = site.inv.mirror.release_image or ""
    try:
        release = parse_reference(text)
    except ImageRefError as exc:
        raise FactError(f"mirror.release_image: {exc}") from None
    notes: list[str] = []
    if release.digest is None:
        manifest = client.get_manifest(release)
        if manifest is None:
            return SigstoreFacts(
                RELEASE_SUBJECT,
                RELEASE_SUBJECT,
                mirror_host,
                auth_file=auth,
                notes=(f"the release image {text} itself is not in the mirror",),
            )
        release = release.with_digest(manifest.digest)
    rules, rules_from = _rules(site, release)
    wanted = [Wanted(release, "release", "", _upstream(release, mirror_host, RELEASE_SOURCE))]
    components, why = _payload_components(client, release, rules, mirror_host)
    if why:
        notes.append(why)
    for name, comp in components.items():
        wanted.append(
            Wanted(comp, f"component {name}", "", _upstream(comp, mirror_host, CONTENT_SOURCE))
        )
    lookups = find_signatures(client, wanted, rules, mirror_host, RELEASE_SUBJECT)
    return SigstoreFacts(
        RELEASE_SUBJECT,
        RELEASE_SUBJECT,
        mirror_host,
        considered=len(wanted),
        considered_what=f"mirror.release_image {text} ({len(wanted)} images)",
        lookups=lookups,
        rules_from=rules_from,
        notes=tuple(notes),
        auth_file=auth,
    )
