"""Mirror registry: it answers over verified TLS with the auth file's credentials, it holds
the release image and every component the release names, by digest, where the install-config's
mirrors send the cluster, and after install it holds every tag the ``openshift`` imagestreams
import; its certificate chain is complete, names it and stays valid (mirror.certificate); the
cluster trusts its CA under the key the cluster reads (mirror.cluster_trust).

The evaluate functions are pure; gathering (``collectors.facts.mirror``) goes through the
shared registry client.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from typing import TYPE_CHECKING

from checks._common import mirror_cmds, missing_text, skip_all
from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.mirror import (
    CURL_MAX_TIME,
    TRUST_NAMESPACE,
    AccessProbe,
    CapacityFacts,
    CertificateFacts,
    ClusterTrustFacts,
    FromNodeFacts,
    OperatorsFacts,
    ReleaseFacts,
    SigstoreFacts,
    capacity_subjects,
    catalog_subjects,
    from_nodes_subjects,
    gather_access,
    gather_capacity,
    gather_certificate,
    gather_cluster_trust,
    gather_from_node,
    gather_imagestream,
    gather_operators,
    gather_release,
    gather_sigstore,
    imagestream_names,
    registry_host,
    release_image,
    sigstore_subjects,
    trust_subject,
)
from collectors.facts.samples import NAMESPACE, StreamFacts
from collectors.images.cosign import (
    NOT_COSIGN,
    OTHER_DIGEST,
    OTHER_IDENTITY,
    OTHER_KEY,
    UNREADABLE,
)
from collectors.images.imageref import parse_reference, under_registry
from collectors.images.policy import FULCIO, PKI, PUBLIC_KEY
from collectors.images.sigstore import SignatureLookup
from collectors.parsers.catalogmirror import MappingEntry
from collectors.site import Site
from collectors.visible import json_word, shell_word, shell_word_or

if TYPE_CHECKING:
    from cryptography import x509

# --------------------------------------------------------------------------- mirror.access


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
        auth = shell_word_or(probe.auth_file, "<auth file>")
        return (
            "log in again to refresh the auth file: "
            f"podman login --authfile {auth} {shell_word(host)} (and copy the same "
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
        expected=f"https://{probe.host}/v2/ to answer 200 over verified TLS "
        "with the credentials from "
        f"{probe.auth_file or 'mirror.auth_file'}",
        found=found,
        remediation=_access_remedy(probe),
    )


# --------------------------------------------------------------------------- mirror.release


def _mirror_command(facts: ReleaseFacts, site_auth: str = "<pull-secret>") -> str:
    ref = parse_reference(facts.release)
    version = facts.version or "<version>"
    return (
        f"oc adm release mirror -a {shell_word_or(site_auth, '<pull-secret>')} "
        f"{shell_word(f'--from=quay.io/openshift-release-dev/ocp-release:{version}-x86_64')} "
        f"{shell_word(f'--to={ref.name}')} {shell_word(f'--to-release-image={facts.release}')}"
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
            f"release {facts.version or facts.release}: "
            f"all {len(facts.components)} components present"
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
    remedy = (
        "mirror the release again (it pushes every component by digest): "
        f"{_mirror_command(facts, auth_file)}"
    )
    if uncovered:
        sources = sorted({c.source.name for c in uncovered})
        remedy = (
            f"add imageContentSources entries mirroring {', '.join(sources)} "
            "to the mirror repository "
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


# --------------------------------------------------------------------------- mirror.imagestreams


def evaluate_mirror_stream(facts: StreamFacts) -> Verdict:
    """Every tag of a non-skipped stream is in the mirror; under Samples pattern 4 (Removed,
    skippedImagestreams) the skipped streams are the ones kept and used: checked too."""
    if facts.skipped and not facts.kept:
        return passed("in skippedImagestreams: not imported, not checked")
    kept = " (kept by Samples pattern 4: skipped under Removed, so in use)" if facts.kept else ""
    if not facts.missing:
        return passed(f"{len(facts.tags)} tag(s) in the mirror{kept}")
    remedy = mirror_cmds(facts)
    if facts.kept:
        remedy += (
            f"; then oc import-image -n {NAMESPACE} {shell_word(facts.name)} --all (or, if "
            "it is not used, drop it from skippedImagestreams: Removed then deletes it)"
        )
    elif facts.samples:
        remedy += f"; or stop importing it: {skip_all(facts)}"
    return failed(
        expected=f"every tag of {NAMESPACE}/{facts.name} in the mirror {facts.mirror}{kept}",
        found=missing_text(facts),
        remediation=remedy,
    )


# --------------------------------------------------------------------------- mirror.operators


def _short(entry: MappingEntry) -> str:
    ref = entry.wanted
    return ref.digest[:19] if ref.digest else f":{ref.tag or 'latest'}"


def missing_by_repository(facts: OperatorsFacts, shown: int = 3) -> list[str]:
    """The missing images grouped by mirror repository (one operator each), largest first.

    >>> from collectors.images.imageref import parse_reference as p
    >>> e = [MappingEntry(p("quay.io/a/op:1"), p("m:5000/a/op:1"), 1),
    ...      MappingEntry(p("quay.io/a/op:2"), p("m:5000/a/op:2"), 2)]
    >>> missing_by_repository(OperatorsFacts("c", "/c", "oc adm catalog mirror", "a", 9, tuple(e)))
    ['m:5000/a/op (2: :1, :2)']
    """
    groups: dict[str, list[MappingEntry]] = {}
    for entry in facts.missing:
        groups.setdefault(entry.wanted.name, []).append(entry)
    out = []
    for repo, entries in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        names = ", ".join(_short(e) for e in entries[:shown])
        more = f", +{len(entries) - shown} more" if len(entries) > shown else ""
        out.append(f"{repo} ({len(entries)}: {names}{more})")
    return out


def _skipped(facts: OperatorsFacts) -> str:
    """The files of the catalog folder left unread (links pointing outside it), as a note.

    >>> _skipped(OperatorsFacts("c", "/c", "oc-mirror", "a", 0, (), skipped=("/c/x.yaml: a link",)))
    '; not read: /c/x.yaml: a link'
    """
    shown = "; ".join(facts.skipped[:3])
    more = f" (and {len(facts.skipped) - 3} more)" if len(facts.skipped) > 3 else ""
    return f"; not read: {shown}{more}" if facts.skipped else ""


def _v2_again(facts: OperatorsFacts) -> str:
    """Run oc-mirror v2 again with the same workspace: it mirrors only what the mirror lacks.

    >>> f = OperatorsFacts("w", "/m/working-dir", "oc-mirror v2", "/a", 1, (), mirror="m:5000")
    >>> _v2_again(f)[:78]
    'oc-mirror --v2 -c <imageset-config.yaml> --workspace file:///m docker://m:5000'
    """
    parent = facts.folder.rsplit("/", 1)[0] if "/" in facts.folder else "."
    mirror = facts.mirror or "<mirror>"
    return (
        f"oc-mirror --v2 -c <imageset-config.yaml> --workspace {shell_word(f'file://{parent}')} "
        f"{shell_word(f'docker://{mirror}')} (the mirror-to-mirror run; "
        "after a mirror-to-disk run: --from file://<archive folder>; images already in the "
        "mirror are skipped)"
    )


def evaluate_operators(facts: OperatorsFacts) -> Verdict:
    """Every image of the catalog's mapping and its index image are in the mirror; after
    install, the cluster's ICSP/IDMS cover every source repository and the CatalogSource applied
    is the mirrored one."""
    problems: list[str] = []
    remedies: list[str] = []
    details: list[str] = []
    v2 = facts.layout == "oc-mirror v2"
    mapping = f"{facts.folder}/mapping.txt"
    if facts.missing:
        groups = missing_by_repository(facts)
        problems.append(
            f"{len(facts.missing)} of {facts.total} images missing in {len(groups)} "
            f"repositories: {'; '.join(groups[:5])}"
            + (f"; and {len(groups) - 5} more repositories" if len(groups) > 5 else "")
            + f" ({facts.total - len(facts.missing)} present)"
        )
        details += [
            f"line {e.line}: {e.source} -> {e.wanted}" if e.line else f"{e.source} -> {e.wanted}"
            for e in facts.missing[:50]
        ]
        remedies.append(
            _v2_again(facts)
            if v2
            else (
                f"oc image mirror -a {shell_word(facts.auth_file)} "
                f"{shell_word(f'--filename={mapping}')} --continue-on-error "
                "--filter-by-os='.*' (images already in the mirror are skipped)"
            )
        )
    if facts.not_mirrored_count:
        more = facts.not_mirrored_count - len(facts.not_mirrored[:5])
        problems.append(
            f"the workspace says {facts.not_mirrored_count} image(s) were not mirrored: "
            + "; ".join(facts.not_mirrored[:5])
            + (f"; and {more} more" if more > 0 else "")
        )
        details += [f"not mirrored: {n}" for n in facts.not_mirrored]
        remedies.append(_v2_again(facts))
    for index in facts.indexes:
        if not index.found:
            problems.append(
                f"the index image {index.source.image} of CatalogSource {index.source.name} "
                "is not in the mirror"
            )
            remedies.append(
                f"oc image mirror -a {shell_word(facts.auth_file)} <source index, e.g. "
                "registry.redhat.io/redhat/redhat-operator-index:v4.x> "
                f"{shell_word(index.source.image)}"
            )
    if facts.uncovered:
        repos = ", ".join(f"{repo} ({n})" for repo, n in facts.uncovered[:10])
        more = f" and {len(facts.uncovered) - 10} more" if len(facts.uncovered) > 10 else ""
        tags = (
            f" ({facts.uncovered_by_tag} image(s) by tag: ICSP/IDMS map digests only, a tag "
            "needs an ImageTagMirrorSet)"
            if facts.uncovered_by_tag
            else ""
        )
        problems.append(
            f"no ICSP/IDMS in the cluster maps {len(facts.uncovered)} source "
            f"repositories of the mapping to the mirror: {repos}{more}{tags}"
        )
        files = " ".join(f"-f {shell_word(f'{facts.folder}/{f}')}" for f in facts.rule_files)
        remedies.append(
            f"oc apply {files}"
            if files
            else "add an ImageContentSourcePolicy (or ImageDigestMirrorSet) mapping each source "
            "repository to its mirror repository: oc apply -f icsp.yaml"
        )
    for index in facts.indexes:
        if facts.uncovered is None or index.in_cluster == index.source.image:
            continue
        ns = index.source.namespace
        where = f"{ns}/{index.source.name}" if ns else index.source.name
        problems.append(
            f"{'CatalogSource' if ns else 'ClusterCatalog'} {where} "
            + (
                "is not in the cluster"
                if index.in_cluster is None
                else f"in the cluster names {index.in_cluster or 'no image'}, not the mirrored "
                f"{index.source.image}"
            )
        )
        remedies.append(f"oc apply -f {shell_word(index.source.file)}")
    if not problems:
        cluster = (
            f"; {facts.cluster_note}"
            if facts.uncovered is None
            else "; the cluster's ICSP/IDMS cover every source and the CatalogSource is applied"
            + (
                f" ({facts.index_lines} index image line(s) of the mapping covered by their "
                "applied CatalogSource, no mirror rule needed)"
                if facts.index_lines
                else ""
            )
        )
        images = len({i.source.image for i in facts.indexes})  # a CatalogSource and a
        named = (  # ClusterCatalog of one index are one image
            f" (named by {len(facts.indexes)} catalog resources)"
            if len(facts.indexes) > images
            else ""
        )
        return passed(
            f"{facts.layout}: all {facts.total} images and "
            f"{images} index image(s){named} in the mirror{cluster}{_skipped(facts)}"
        )
    details += [f"not read: {s}" for s in facts.skipped]
    what = (
        f"every image the oc-mirror v2 workspace {facts.folder} mirrored (filtered catalogs' "
        "bundles and related images, dry-run mapping.txt)"
        if v2
        else f"every image of {mapping}"
    )
    return failed(
        expected=f"{what} and the catalog's index image in the mirror"
        + ("" if facts.uncovered is None else ", mapped by the cluster's ICSP/IDMS and applied"),
        found="; ".join(problems),
        details=tuple(details),
        remediation=" ; ".join(dict.fromkeys(remedies)),
    )


# --------------------------------------------------------------------------- mirror.certificate


def names_host(cert: x509.Certificate, host: str) -> bool:
    """The certificate's SAN holds ``host`` (an IP SAN for an address; a DNS name, or a wildcard
    for one left-most label, for a name). The CN is ignored, as Go clients do."""
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        return ip in san.get_values_for_type(x509.IPAddress)
    host = host.lower().rstrip(".")
    for name in san.get_values_for_type(x509.DNSName):
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _san_text(cert: x509.Certificate) -> str:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "no subjectAltName"
    names = [str(v) for v in san.get_values_for_type(x509.DNSName)]
    names += [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    return "SAN " + (", ".join(names) or "(empty)")


def _missing_issuer(f: CertificateFacts) -> str | None:
    """The first certificate of the served chain whose issuer is neither served after it nor in
    the trust, described; None when every link is there."""
    certs = f.chain.certificates
    for i, cert in enumerate(certs):
        if cert.issuer == cert.subject:
            return None  # self-signed: the chain ends here
        issuer = cert.issuer.rfc4514_string()
        if any(c.subject == cert.issuer for c in certs[i + 1 :]) or issuer in f.trust_subjects:
            continue
        return (
            f"{cert.subject.rfc4514_string()} is issued by {issuer}, which the server does "
            f"not send and {f.trust} does not hold"
        )
    return None


def evaluate_certificate(f: CertificateFacts) -> Verdict:
    """The served chain verifies against the trust, the leaf names the host in its SAN, and it
    stays valid for mirror.min_valid_days."""
    leaf = f.chain.certificates[0]
    problems: list[str] = []
    remedies: list[str] = []
    certs = "/opt/registry/certs"
    if not f.chain_check.verified:
        gap = _missing_issuer(f)
        problems.append(
            f"the chain does not verify against {f.trust} ({f.chain_check.error})"
            + (f": {gap}" if gap else "")
            + f"; read {f.chain.how}, {len(f.chain.certificates)} certificate(s)"
        )
        remedies.append(
            "serve the whole chain: cat domain.crt intermediate.crt > "
            f"{shell_word(f'{certs}/domain.crt')} "
            "(leaf first) and restart the registry (podman restart mirror-registry); or point "
            "mirror.ca_file at the CA that issued it"
        )
    if not names_host(leaf, f.host):
        kind = "IP" if _is_ip(f.host) else "DNS"
        problems.append(f"the leaf ({_san_text(leaf)}) does not name {f.host}")
        remedies.append(
            f"reissue the certificate with the name: openssl req -newkey rsa:4096 -nodes -sha256 "
            f"-keyout {shell_word(f'{certs}/domain.key')} -x509 -days 365 "
            f"-out {shell_word(f'{certs}/domain.crt')} "
            f"-addext {shell_word(f'subjectAltName = {kind}:{f.host}')} "
            "(then restart the registry and "
            "redistribute the CA)"
        )
    not_after = leaf.not_valid_after_utc
    not_before = leaf.not_valid_before_utc
    left = not_after - f.checked_at
    if not_before > f.checked_at:
        problems.append(f"the leaf is not valid before {not_before:%Y-%m-%d %H:%M} UTC")
        remedies.append("fix the registry host's clock, or reissue the certificate")
    if left < datetime.timedelta(days=f.min_valid_days):
        state = "expired" if left.total_seconds() < 0 else f"expires in {left.days} day(s)"
        problems.append(
            f"the leaf {state} ({not_after:%Y-%m-%d} UTC; mirror.min_valid_days is "
            f"{f.min_valid_days:g})"
        )
        remedies.append(
            f"renew {certs}/domain.crt before it expires (same SAN), restart the registry, "
            "and update every copy of its CA (install-config additionalTrustBundle, the "
            "cluster's registry-config ConfigMap)"
        )
    if not problems:
        return passed(
            f"chain of {len(f.chain.certificates)} verifies against {f.trust}; {_san_text(leaf)}; "
            f"valid {left.days} more day(s)"
        )
    return failed(
        expected=f"a complete chain that verifies against {f.trust}, a leaf naming {f.host} "
        f"in its SAN, valid for at least {f.min_valid_days:g} day(s)",
        found="; ".join(problems),
        remediation="; ".join(remedies),
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- mirror.cluster_trust


def evaluate_cluster_trust(f: ClusterTrustFacts, ca_file: str = "domain.crt") -> Verdict:
    """image.config.openshift.io/cluster's additionalTrustedCA ConfigMap has a key for the mirror
    (``host..port``) whose CA verifies it."""
    key = f.wanted_keys[0]
    cm = f.configmap or "registry-config"
    create = (
        f"oc create configmap {shell_word(cm)} -n {TRUST_NAMESPACE} "
        f"{shell_word(f'--from-file={key}={ca_file}')} "
        "--dry-run=client -o yaml | oc apply -f -"
    )
    patch = (
        "oc patch image.config.openshift.io/cluster --type=merge "
        f"-p {json_word({'spec': {'additionalTrustedCA': {'name': cm}}})}"
    )
    expected = (
        f"image.config.openshift.io/cluster spec.additionalTrustedCA naming a ConfigMap in "
        f"{TRUST_NAMESPACE} with key {' or '.join(f.wanted_keys)} whose CA verifies the mirror"
    )
    if f.configmap is None:
        return failed(
            expected=expected,
            found="no spec.additionalTrustedCA (the cluster trusts only its default CAs: imports "
            "from the mirror fail on its certificate)",
            remediation=f"{create}; then {patch}",
        )
    if not f.configmap_found:
        return failed(
            expected=expected,
            found=f"additionalTrustedCA names {f.configmap}, which is not in {TRUST_NAMESPACE}",
            remediation=create,
        )
    if f.key_used is None:
        files = [k for k in f.keys if re.search(r"\.(crt|pem|cer)$", k)]
        if files:
            found = (
                f"ConfigMap {TRUST_NAMESPACE}/{f.configmap} has only key(s) "
                f"{', '.join(f.keys)}: a file name (oc create configmap --from-file=FILE uses "
                f"the file's name as the key), which the cluster does not read as a registry"
            )
        else:
            found = (
                f"ConfigMap {TRUST_NAMESPACE}/{f.configmap} has key(s) "
                f"{', '.join(f.keys) or '(none)'}, none for {f.host}:{f.port}"
            )
        return failed(
            expected=expected,
            found=found,
            remediation=f"recreate it with the key <host>..<port>: {create} "
            f"(and keep the patch: {patch})",
        )
    if f.key_used in f.bad_keys or f.handshake is None:
        return failed(
            expected=expected,
            found=f"key {f.key_used} of {TRUST_NAMESPACE}/{f.configmap} holds no valid PEM "
            "certificate",
            remediation=create,
        )
    if not f.handshake.verified:
        issuer = (
            f" (the mirror's certificate is issued by {f.handshake.issuer})"
            if (f.handshake.issuer)
            else ""
        )
        return failed(
            expected=expected,
            found=f"key {f.key_used} does not verify the mirror: {f.handshake.error}{issuer}",
            remediation=f"put the CA that signed the mirror's certificate in the key: {create}",
        )
    return passed(f"{TRUST_NAMESPACE}/{f.configmap} key {f.key_used} verifies {f.host}:{f.port}")


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
    fails_when="the release image or any component in its image-references is missing "
    "from the mirror "
    "(mapped through install_config's imageContentSources / imageDigestSources)",
    remediation="mirror the release again with oc adm release mirror; "
    "add missing imageContentSources",
    subjects=release_image,
    gather=gather_release,
    requires=("mirror.release_image",),
)
def test_mirror_release(site: Site, facts: ReleaseFacts) -> None:
    expect(evaluate_release(facts, str(site.inv.mirror.auth_file or "<pull-secret>")))


@check(
    "mirror.imagestreams",
    title="Imagestreams in openshift import from the mirror",
    markers=["postinstall"],
    subject="imagestream name (namespace openshift)",
    fails_when="a tag of a non-skipped imagestream (under Samples pattern 4, Removed with "
    "skippedImagestreams: of a skipped one, kept and used) points at an image the mirror lacks",
    remediation="oc image mirror the missing image, or add the stream to skippedImagestreams",
    subjects=imagestream_names,
    gather=gather_imagestream,
    requires=("mirror.registry",),
)
def test_mirror_imagestreams(facts: StreamFacts) -> None:
    expect(evaluate_mirror_stream(facts))


@check(
    "mirror.operators",
    title="Operator catalogs complete in the mirror",
    markers=["preflight", "postinstall"],
    subject="catalog (mapping folder name; an oc-mirror v2 workspace's folder as named)",
    fails_when="an image of the catalog's mapping.txt (v2: of the filtered catalogs, the "
    "dry-run mapping) or its index image is missing from the mirror, or a v2 workspace's "
    "missing.txt or mirroring_errors log names an image; postinstall: ICSP/IDMS miss a source "
    "of the mapping (an index image is covered by "
    "an applied CatalogSource or ClusterCatalog naming its mirror copy, never by a mirror rule), "
    "or the CatalogSource is not applied",
    remediation="oc image mirror -f mapping.txt again; oc apply -f the catalog's ICSP and "
    "CatalogSource",
    subjects=catalog_subjects,
    gather=gather_operators,
    requires=("mirror.catalogs",),
)
def test_mirror_operators(facts: OperatorsFacts) -> None:
    expect(evaluate_operators(facts))


@check(
    "mirror.certificate",
    title="Mirror certificate: chain, name, validity",
    markers=["preflight", "postinstall"],
    subject="registry host",
    fails_when="the served chain is incomplete, the leaf lacks the host in its SAN, or it "
    "expires within mirror.min_valid_days (default 30)",
    remediation="serve the full chain; reissue the certificate with the host in its SAN; renew it",
    subjects=registry_host,
    gather=gather_certificate,
    requires=("mirror.registry",),
)
def test_mirror_certificate(facts: CertificateFacts) -> None:
    expect(evaluate_certificate(facts))


@check(
    "mirror.cluster_trust",
    title="Cluster trusts the mirror's CA",
    markers=["postinstall"],
    subject="cluster",
    fails_when="image.config.openshift.io/cluster additionalTrustedCA has no key `host..port` "
    "(or `host`) whose CA verifies the mirror",
    remediation="oc create configmap registry-config -n openshift-config "
    "--from-file=<host>..<port>=domain.crt; oc patch image.config.openshift.io/cluster",
    subjects=trust_subject,
    gather=gather_cluster_trust,
    requires=("mirror.registry",),
)
def test_mirror_cluster_trust(site: Site, facts: ClusterTrustFacts) -> None:
    ca = site.inv.mirror.ca_file
    expect(evaluate_cluster_trust(facts, ca.name if ca else "domain.crt"))


# --------------------------------------------------------------------------- mirror.from_nodes

#: curl exit codes that say why no HTTP answer came (curl(1) EXIT CODES).
CURL_EXITS = {
    6: "could not resolve the host",
    7: "could not connect",
    28: "timed out",
    35: "TLS handshake failed",
    51: "the certificate does not name the host",
    60: "the certificate does not verify with the host's trust store",
    77: "the host's CA bundle could not be read",
}
TRUST_FIX = (
    "copy the mirror's CA (on the registry host: /opt/registry/certs/domain.crt) to {where}: "
    "/etc/pki/ca-trust/source/anchors/ and run update-ca-trust (on RHCOS nodes: "
    "install-config additionalTrustBundle, or a MachineConfig writing that file)"
)


def _conf_problem(f: FromNodeFacts) -> str | None:
    conf = f.registries_conf
    if conf is None or not conf.path:
        return None
    if conf.error:
        return f"{conf.path}: {conf.error}"
    host = f.registry
    for what, mirrors in (
        ("ocp-release", conf.release_mirrors),
        ("ocp-v4.0-art-dev", conf.content_mirrors),
    ):
        if not any(under_registry(m, host) for m in mirrors):
            found = ", ".join(mirrors) or "no mirror"
            return f"{conf.path} maps quay.io/openshift-release-dev/{what} to {found}"
    return None


def evaluate_from_node(f: FromNodeFacts) -> Verdict:
    """From the host: the mirror's name resolves, TLS verifies with its own trust store, GET
    /v2/ answers 200 or 401; its pool's registries.conf maps the release sources to the mirror."""
    name = f.registry.rsplit(":", 1)[0] if ":" in f.registry else f.registry
    where = f"{f.subject} ({f.target})"
    if not f.is_address and not f.resolved:
        return failed(
            expected=f"{name} to resolve on {where}",
            found="getent hosts finds no address (the host's resolver does not know the name)",
            remediation=f"add {shell_word(name)} to the site DNS the host uses (its "
            "/etc/resolv.conf), or to its /etc/hosts; check with: getent hosts " + shell_word(name),
        )
    if f.http_code not in ("200", "401"):
        why = CURL_EXITS.get(f.curl_rc, f"curl exit {f.curl_rc}")
        found = f"curl from {where}: {why}"
        if f.curl_error:
            found += f" ({f.curl_error})"
        elif f.curl_rc == 0:
            found = f"GET /v2/ from {where} answered {f.http_code}"
        fix = (
            TRUST_FIX.format(where=f.subject)
            if f.curl_rc in (35, 51, 60, 77)
            else f"let {f.subject} reach {f.registry}: open the registry's port "
            "(firewall-cmd --add-port=PORT/tcp --permanent && firewall-cmd --reload on the "
            "registry host) and check routes; test with: curl -v "
            + shell_word(f"https://{f.registry}/v2/")
        )
        return failed(
            expected=f"GET https://{f.registry}/v2/ from {where} to answer 200 or 401 over TLS "
            "verified by the host's system trust store",
            found=found,
            remediation=fix,
        )
    problem = _conf_problem(f)
    if problem:
        return failed(
            expected=f"the release sources mirrored to {f.registry} in the nodes' registries.conf",
            found=problem,
            remediation="add imageContentSources (install-config) or an "
            "ImageContentSourcePolicy/ImageDigestMirrorSet mapping quay.io/openshift-release-dev/"
            f"ocp-release and ocp-v4.0-art-dev to {shell_word(f.registry)}/<repository>",
        )
    via = "" if f.is_address else f"{name} -> {', '.join(f.resolved[:3])}; "
    conf = (
        f"; {f.registries_conf.path} maps the release sources"
        if (f.registries_conf and f.registries_conf.path)
        else ""
    )
    return passed(f"from {where}: {via}GET /v2/ {f.http_code} over verified TLS{conf}")


# --------------------------------------------------------------------------- mirror.capacity

GIB = 1024**3


def evaluate_capacity(f: CapacityFacts) -> Verdict:
    """Free space under mirror.data_dir is at least mirror.min_free_gb GiB."""
    free = f.available_bytes / GIB
    if free >= f.min_free_gb:
        return passed(
            f"{f.data_dir} on {f.target}: {free:.3g} GiB free of {f.size_bytes / GIB:.3g} GiB "
            f"({f.filesystem} on {f.mount}); at least {f.min_free_gb:g} GiB needed"
        )
    return failed(
        expected=f"at least {f.min_free_gb:g} GiB free under {f.data_dir} on {f.target} "
        "(mirror.min_free_gb)",
        found=f"{free:.3g} GiB free of {f.size_bytes / GIB:.3g} GiB ({f.filesystem} on {f.mount})",
        remediation=f"grow the file system holding {shell_word(f.data_dir)} ({f.mount}), or "
        "prune unused images from the mirror (registry garbage-collect) before mirroring the "
        "release",
    )


@check(
    "mirror.from_nodes",
    title="The nodes reach and trust the mirror",
    markers=["preflight", "postinstall"],
    subject="the inventory node name of each node with ssh (bastion for the bastion)",
    fails_when=(
        "from that host, the mirror's name does not resolve, TLS to it does not verify with the "
        f"host's system trust store, or GET /v2/ (curl, --max-time {CURL_MAX_TIME}) does not "
        "answer 200 or 401; or the first node of its pool has a registries.conf that does not "
        "map ocp-release and ocp-v4.0-art-dev to the mirror"
    ),
    remediation="the site DNS or /etc/hosts for the name; the mirror's CA in the host's trust "
    "store (update-ca-trust); imageContentSources for registries.conf",
    subjects=from_nodes_subjects,
    gather=gather_from_node,
    requires=("mirror.registry",),
)
def test_mirror_from_nodes(facts: FromNodeFacts) -> None:
    expect(evaluate_from_node(facts))


@check(
    "mirror.capacity",
    title="Room on the mirror's disk",
    markers=["preflight"],
    subject="the registry host name (mirror.registry without its port)",
    fails_when="free space under mirror.data_dir on mirror.ssh (df -P) is below "
    "mirror.min_free_gb (GiB, default 100)",
    remediation="grow the file system or prune the registry",
    subjects=capacity_subjects,
    gather=gather_capacity,
    requires=("mirror.registry", "mirror.ssh"),
)
def test_mirror_capacity(facts: CapacityFacts) -> None:
    expect(evaluate_capacity(facts))


# --------------------------------------------------------------------------- mirror.sigstore

#: Why the signature's repository is the image's (said in every verdict that looked one up).
SIGSTORE_WHERE = (
    "a node reads an image's sigstore signature from the mirror repository it pulled the image "
    "from, so the mirror rule that maps the image's repository maps its signature's"
)


def _sig_line(item: SignatureLookup) -> str:
    where = ", ".join(item.looked_in)
    return (
        f"{item.what} {item.image}: looked in {where}: no tag {item.tag} and no sigstore referrer"
    )


#: What keeps a signature from being accepted, closest to accepted first, in words.
REFUSED_WORDS = {
    OTHER_DIGEST: "signed for another digest",
    OTHER_IDENTITY: "signed as an identity signedIdentity refuses",
    OTHER_KEY: "signed by another key",
    NOT_COSIGN: "not a cosign signature",
    UNREADABLE: "unreadable",
}


def _refused_reason(item: SignatureLookup) -> str:
    """The outcome that best says why none of ``item``'s signatures is accepted."""
    outcomes = {c.outcome for c in item.checks}
    return next((o for o in REFUSED_WORDS if o in outcomes), UNREADABLE)


def _refused_line(item: SignatureLookup) -> str:
    said = "; ".join(
        f"layer {c.layer}: {c.detail}" if c.layer >= 0 else c.detail for c in item.checks[:4]
    )
    return f"{item.what} {item.image}: {item.tag_in}:{item.tag}: {said}"


def _policy_edit(f: SigstoreFacts) -> str:
    """``oc edit`` of the policy the facts are about."""
    _, _, rest = f.subject.partition("/")
    if f.kind == "ImagePolicy":
        namespace, _, name = rest.partition("/")
        return f"oc edit imagepolicy -n {shell_word(namespace)} {shell_word(name)}"
    return f"oc edit clusterimagepolicy {shell_word(rest)}"


def _verified_text(f: SigstoreFacts, tags: int, refs: int) -> str:
    """What the pass says about verification: done with the key, or why not."""
    if f.kind == "release":
        return "; presence only: before install no policy names the key to verify them with"
    if f.policy_type != PUBLIC_KEY:
        trusts = {
            FULCIO: "trusts Fulcio certificates logged in Rekor, which the suite does not check",
            PKI: "trusts certificates of your own PKI, which the suite does not check",
        }.get(f.policy_type, "is none the suite verifies (it verifies PublicKey)")
        return (
            f"; not verified: policyType {f.policy_type or 'unset'} {trusts}: only that the "
            "signatures are there"
        )
    text = (
        f"; each sha256-<hex>.sig holds a signature that verifies with its publicKey ({f.key}), "
        f"names the image's digest and is signed as signedIdentity {f.identity} accepts"
    )
    if f.rekor:
        text += " (the Rekor SET that rekorKeyData asks for is not checked)"
    if refs:
        text += f"; the {refs} OCI referrers are there, not verified (sigstore bundles unread)"
    return text


def _sig_copy(item: SignatureLookup, auth_file: str) -> str:
    """The command that brings one image's signature tag to the mirror repository (the form
    OpenShift's documentation gives: ``oc image mirror <src>:sha256-<hex>.sig <dst>:...``)."""
    source = (item.source or item.image).split("@", 1)[0]
    dest = item.looked_in[0] if item.looked_in else "<mirror repository>"
    return (
        f"oc image mirror -a {shell_word_or(auth_file, '<pull-secret>')} "
        f"{shell_word(f'{source}:{item.tag}')} {shell_word(f'{dest}:{item.tag}')}"
    )


def evaluate_sigstore(f: SigstoreFacts) -> Verdict:
    """Every image the policy covers (the cluster runs or will run it) has a sigstore signature
    in the mirror, where the mirror rules send the image; the preflight ``release`` likewise
    for mirror.release_image and its components."""
    notes = f"; {'; '.join(f.notes)}" if f.notes else ""
    if f.kind == "":
        why = (
            "ClusterImagePolicy/ImagePolicy are not served (no CRD: OpenShift before 4.20 or "
            "the feature off)"
            if f.no_crd
            else "no ClusterImagePolicy or ImagePolicy in the cluster"
        )
        return passed(f"{why}: no policy covers anything, no sigstore signature is required")
    what = (
        "mirror.release_image" if f.kind == "release" else f"{f.kind} {f.subject.split('/', 1)[1]}"
    )
    if f.kind == "release" and not f.considered:
        return failed(
            expected="the release image and its sigstore signature in the mirror "
            "(mirror.require_sigstore)",
            found=f.notes[0] if f.notes else "the release image is not in the mirror",
            remediation="mirror the release first (mirror.release says how), with oc-mirror "
            "--v2 (it copies the release's sigstore signatures unless --remove-signatures)",
        )
    if not f.lookups:
        scopes = ", ".join(f.scopes) or "none"
        return passed(
            f"{what}: its scopes ({scopes}) cover none of what the cluster runs or will run "
            f"({f.considered_what}){notes}"
        )
    missing = [x for x in f.lookups if not x.found and not x.unmapped]
    unmapped = [x for x in f.lookups if x.unmapped]
    refused = [x for x in f.lookups if x.verified is False]
    total = len(f.lookups)
    if not missing and not unmapped and not refused and not f.key_problem:
        tags = sum(1 for x in f.lookups if x.tag_in)
        refs = total - tags
        kinds = f"{tags} as sha256-<hex>.sig tags" + (f", {refs} as OCI referrers" if refs else "")
        repos = ", ".join(sorted({x.repository for x in f.lookups if x.looked_in and x.rule}))
        mapped = f" ({f.rules_from} map {repos})" if repos else ""
        return passed(
            f"{what}: all {total} covered images have a sigstore signature in the mirror "
            f"({kinds}){_verified_text(f, tags, refs)}; {SIGSTORE_WHERE}{mapped}{notes}"
        )
    problems, remedies, details = [], [], []
    if f.key_problem:
        problems.append(
            f"its spec.policy.rootOfTrust.publicKey.keyData cannot be used: {f.key_problem}: "
            "a node refuses every image its scopes cover, signed or not"
        )
        remedies.append(
            "put the base64 of the signer's PEM public key (base64 -w0 cosign.pub) in "
            f"spec.policy.rootOfTrust.publicKey.keyData: {_policy_edit(f)}"
        )
    if refused:
        counts: dict[str, int] = {}
        for x in refused:
            counts[_refused_reason(x)] = counts.get(_refused_reason(x), 0) + 1
        why = ", ".join(f"{n} {REFUSED_WORDS[o]}" for o, n in counts.items())
        shown = "; ".join(_refused_line(x) for x in refused[:3])
        more = f"; and {len(refused) - 3} more" if len(refused) > 3 else ""
        problems.append(
            f"{len(refused)} of {total} have signatures in the mirror a node refuses ({why}; "
            f"policy key {f.key}, signedIdentity {f.identity}): {shown}{more}"
        )
        details += [_refused_line(x) for x in refused]
        remedy = (
            "copy the signatures again from where the images come from (signed with the key the "
            "policy trusts): "
            + "; ".join(_sig_copy(x, f.auth_file) for x in refused[:3])
            + ("; the same for the others (details)" if len(refused) > 3 else "")
            + "; or, if the signer's key is another, put it in publicKey.keyData: "
            + _policy_edit(f)
        )
        if OTHER_IDENTITY in counts:
            remedy += (
                " (signatures cosign made name the repository only: set "
                "spec.policy.signedIdentity.matchPolicy to MatchRepository)"
            )
        remedies.append(remedy)
    if missing:
        shown = "; ".join(_sig_line(x) for x in missing[:3])
        more = f"; and {len(missing) - 3} more" if len(missing) > 3 else ""
        problems.append(
            f"{len(missing)} of {total} without a signature in the mirror: {shown}{more}"
        )
        details += [_sig_line(x) for x in missing]
        mirror = f.mirror_host
        remedies.append(
            "copy the signatures into the mirror: "
            + "; ".join(_sig_copy(x, f.auth_file) for x in missing[:3])
            + ("; the same for the others (details)" if len(missing) > 3 else "")
            + " (or cosign copy --sig-only <image> <mirror repository>; or mirror again with "
            "oc-mirror --v2 -c <imageset-config.yaml> "
            + shell_word(f"docker://{mirror}")
            + ": it copies the release's sigstore signatures unless --remove-signatures)"
        )
    if unmapped:
        repos = sorted({x.repository for x in unmapped})
        problems.append(
            f"{len(unmapped)} of {total} come from repositories no mirror rule ({f.rules_from}) "
            f"sends to the mirror {f.mirror_host}, so neither they nor their signatures can be "
            f"read there: {', '.join(repos[:5])}"
            + (f" and {len(repos) - 5} more" if len(repos) > 5 else "")
        )
        details += [
            f"{x.what} {x.image}: no mirror rule sends {x.repository} to {f.mirror_host}"
            for x in unmapped
        ]
        remedies.append(
            "map each repository to the mirror with an ImageDigestMirrorSet (the signature "
            "follows its image): oc apply -f idms.yaml with spec.imageDigestMirrors "
            + json_word(
                [{"source": r, "mirrors": [f"{f.mirror_host}/<repository>"]} for r in repos[:3]]
            )
        )
    covered = (
        f"each of the {total} images {what}'s scopes cover (of {f.considered_what})"
        if f.kind != "release"
        else f"each of the {total} images of {f.considered_what}"
    )
    verify = (
        f", whose signature verifies with the policy's publicKey, names the image's digest and "
        f"is signed as signedIdentity {f.identity} accepts"
        if f.policy_type == PUBLIC_KEY
        else ""
    )
    return failed(
        expected=f"a sigstore signature in the mirror for {covered}: cosign's "
        "<repo>:sha256-<hex>.sig tag or an OCI referrer, in the mirror repository the mirror "
        f"rules send the image to ({SIGSTORE_WHERE}){verify}",
        found="; ".join(problems) + notes,
        details=tuple(details[:100]),
        remediation="; then ".join(remedies),
    )


@check(
    "mirror.sigstore",
    title="Sigstore signatures in the mirror",
    markers=["preflight", "postinstall"],
    subject="clusterimagepolicy/<name>, imagepolicy/<ns>/<name> (postinstall; cluster when "
    "there is none); release (preflight, with mirror.require_sigstore)",
    fails_when="an image a ClusterImagePolicy/ImagePolicy's scopes cover (most specific scope "
    "wins) that the cluster runs or will run (the release payload, its components, the update "
    "target and its components) has no sigstore signature in the mirror (<repo>:sha256-<hex>.sig "
    "or an OCI referrer) where the mirror rules send it, or no mirror rule maps the image's "
    "repository (the signature's); for a PublicKey policy, no signature of its .sig tag "
    "verifies with publicKey.keyData (ECDSA, RSA, Ed25519), is a cosign container image "
    "signature naming the image's digest and is signed as signedIdentity accepts, or keyData is "
    "no usable key (FulcioCAWithRekor, PKI and OCI referrers: presence only, said so); "
    "preflight: the same presence for mirror.release_image and its components",
    remediation="cosign copy --sig-only <image> <mirror repository>, or oc-mirror --v2 again; "
    "an ImageDigestMirrorSet for an unmapped repository; the signer's key in the policy's "
    "publicKey.keyData",
    subjects=sigstore_subjects,
    gather=gather_sigstore,
    requires=("mirror.registry",),
)
def test_mirror_sigstore(facts: SigstoreFacts) -> None:
    expect(evaluate_sigstore(facts))
