"""Samples and mirror coverage after install (``000_e22164954fbcaad6.txt``): every imagestream in
``openshift`` imports from the mirror, or is skipped; samplesRegistry points at the mirror.

Imagestream tags are rewritten the way the operator applies ``samplesRegistry``, mapped through
ImageContentSourcePolicy / ImageDigestMirrorSet (digests) and ImageTagMirrorSet (tags), and looked up in the mirror in one parallel
batch per run (issue 4's registry client).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from checks.base import NotApplicable, Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster import samples as S
from collectors.cluster.base import ObjectMissing, ResourceMissing
from collectors.cluster.resources import (
    CONFIGMAPS,
    ICSPS,
    IDMS,
    IMAGESTREAMS,
    ITMS,
    SAMPLES_CONFIGS,
)
from collectors.errors import FactError
from collectors.images import lookup as mirror_lookup
from collectors.images.mirrors import MirrorRule, rules_from_resource
from collectors.site import Site

NAMESPACE = "openshift"


@dataclass(frozen=True)
class TagFacts:
    tag: str
    ref: str  # as the imagestream holds it
    effective: str  # after samplesRegistry
    candidates: tuple[str, ...]  # where a disconnected cluster pulls it from
    present: bool  # in the mirror under one of the candidates


@dataclass(frozen=True)
class StreamFacts:
    name: str
    pattern: S.Pattern
    samples: bool  # managed (or skipped) by the Samples Operator
    tags: tuple[TagFacts, ...]
    import_failure: str | None
    mirror: str
    auth_file: str
    #: Every Samples stream that cannot import and is not skipped (Managed only): the Degraded list.
    degrading: tuple[str, ...] = ()

    @property
    def skipped(self) -> bool:
        return self.name in self.pattern.skipped

    @property
    def missing(self) -> list[TagFacts]:
        return [t for t in self.tags if not t.present]


# --------------------------------------------------------------------------- gathering


def samples_config(site: Site) -> dict[str, Any] | None:
    try:
        return F.source(site).get(SAMPLES_CONFIGS, "cluster")
    except (ObjectMissing, ResourceMissing):
        return None


def mirror_rules(site: Site) -> list[MirrorRule]:
    def produce() -> list[MirrorRule]:
        rules: list[MirrorRule] = []
        for res in (ICSPS, IDMS, ITMS):
            for obj in F.listing(site, res, optional=True):
                rules += rules_from_resource(obj)
        return rules

    return site.memo("cluster_mirror_rules", produce)


def streams(site: Site) -> list[dict[str, Any]]:
    return F.listing(site, IMAGESTREAMS, NAMESPACE)


def stream_names(site: Site) -> list[str]:
    return [F.name_of(s) for s in streams(site)]


def samples_stream_names(site: Site) -> list[str]:
    pat = S.pattern(samples_config(site))
    return [F.name_of(s) for s in streams(site) if S.is_samples_stream(s, pat)]


def import_failures(site: Site) -> dict[str, str]:
    """Failing stream -> what says so (the 4.2-4.6 condition and the 4.7+ ConfigMaps)."""
    try:
        cms = F.listing(site, CONFIGMAPS, S.OPERATOR_NAMESPACE)
    except ResourceMissing:
        cms = []
    return S.import_failures(samples_config(site), cms)


def report_section(site: Site) -> dict[str, Any]:
    """The Samples Operator section of the HTML report: its pattern and whether it goes Degraded."""
    pat = S.pattern(samples_config(site))
    failing = sorted(import_failures(site))
    unskipped = [name for name in failing if name not in pat.skipped]
    degraded = (
        (
            f"yes: {', '.join(unskipped)} cannot import and are not skipped (Degraded 2 hours after a "
            "failed import)"
        )
        if pat.managed and unskipped
        else "no"
    )
    return {
        "pattern": pat.describe(),
        "management_state": pat.state,
        "skipped_imagestreams": list(pat.skipped),
        "samples_registry": pat.registry or "(default: registry.redhat.io)",
        "failing_imagestreams": failing,
        "degraded": degraded,
    }


def all_stream_facts(site: Site) -> dict[str, StreamFacts]:
    """Facts for every stream, with all mirror lookups done in one parallel batch (memoized)."""

    def produce() -> dict[str, StreamFacts]:
        pat = S.pattern(samples_config(site))
        failures = import_failures(site)
        rules = mirror_rules(site)
        mirror = site.inv.mirror.registry or ""
        plans: dict[str, list[tuple[str, str, str, list[Any] | FactError]]] = {}
        for stream in streams(site):
            rows: list[tuple[str, str, str, list[Any] | FactError]] = []
            for tag, ref in S.docker_tags(stream):
                eff = S.effective_reference(ref, stream, pat)
                try:  # one bad reference errors its own tag only
                    rows.append((tag, ref, eff, mirror_lookup.candidates(eff, rules, mirror)))
                except FactError as exc:
                    rows.append((tag, ref, eff, exc))
            plans[F.name_of(stream)] = rows
        refs = [
            c
            for rows in plans.values()
            for *_, cands in rows
            if isinstance(cands, list)
            for c in cands
        ]
        found = mirror_lookup.lookups(site, refs)
        by_name = {F.name_of(s): s for s in streams(site)}
        out: dict[str, Any] = {}
        auth = str(site.inv.mirror.auth_file or "pull-secret.json")
        for name, rows in plans.items():
            tags: list[Any] = []
            for tag, ref, eff, cands in rows:
                if isinstance(cands, FactError):
                    tags.append(FactError(f"imagestream {name} tag {tag}: {cands}"))
                    continue
                answers = [found[str(c)] for c in cands]
                present = any(a is True for a in answers)
                errors = [a for a in answers if isinstance(a, FactError)]
                if not present and errors:
                    tags.append(FactError(f"imagestream {name} tag {tag} ({ref}): {errors[0]}"))
                    continue
                tags.append(TagFacts(tag, ref, eff, tuple(str(c) for c in cands), present))
            out[name] = StreamFacts(
                name,
                pat,
                S.is_samples_stream(by_name[name], pat),
                tuple(tags),
                failures.get(name),
                mirror,
                auth,
            )
        degrading = tuple(
            f.name
            for f in out.values()
            if pat.managed
            and f.samples
            and not f.skipped
            and (f.import_failure or any(isinstance(t, TagFacts) and not t.present for t in f.tags))
        )
        return {name: replace(f, degrading=degrading) for name, f in out.items()}

    return site.memo("samples_stream_facts", produce)


def gather_stream(site: Site, subject: str) -> StreamFacts:
    facts = all_stream_facts(site).get(subject)
    if facts is None:
        raise FactError(f"imagestream {NAMESPACE}/{subject} is gone from the cluster listing")
    for tag in facts.tags:
        if isinstance(tag, FactError):  # the mirror could not tell for this tag
            raise tag
    return facts


# --------------------------------------------------------------------------- evaluating


def _mirror_cmds(facts: StreamFacts) -> str:
    cmds = []
    for t in facts.missing:
        target = t.candidates[0] if t.candidates else _on_mirror(t.effective, facts.mirror)
        source = (
            t.ref
            if not t.ref.startswith(facts.mirror + "/")
            else "registry.redhat.io/" + t.ref.split("/", 1)[1]
        )
        cmds.append(f"oc image mirror {source} {target} -a {facts.auth_file}")
    return "; ".join(cmds)


def _skip_all(facts: StreamFacts) -> str:
    """One patch skipping this stream and every other one that would make Samples Degraded."""
    return S.skip_patch(
        (*facts.pattern.skipped, *[d for d in facts.degrading if d != facts.name]), facts.name
    )


def degraded_note(facts: StreamFacts) -> str:
    if not facts.pattern.managed:
        return f"{facts.pattern.describe()}; it will not go Degraded over imports"
    if not facts.degrading:
        return f"{facts.pattern.describe()}; it will not go Degraded: every stream imports or is skipped"
    return (
        f"{facts.pattern.describe()}; it will go Degraded 2 hours after imports start failing: "
        f"{', '.join(facts.degrading)} cannot import and are not skipped"
    )


def _on_mirror(ref: str, mirror: str) -> str:
    parts = ref.split("/", 1)
    return (
        f"{mirror}/{parts[1]}"
        if len(parts) == 2 and ("." in parts[0] or ":" in parts[0])
        else f"{mirror}/{ref}"
    )


def _missing_text(facts: StreamFacts) -> str:
    out = []
    for t in facts.missing:
        if not t.candidates:
            out.append(
                f"tag {t.tag}: {t.effective} has no route to the mirror {facts.mirror} "
                "(ICSP/IDMS map digests only; a tag must point at the mirror)"
            )
        else:
            out.append(
                f"tag {t.tag}: {t.effective} not in the mirror (looked up {', '.join(t.candidates)})"
            )
    return "; ".join(out)


def evaluate_mirror_stream(facts: StreamFacts) -> Verdict:
    """Every tag of a non-skipped stream is in the mirror."""
    if facts.skipped:
        return passed("in skippedImagestreams: not imported, not checked")
    if not facts.missing:
        return passed(f"{len(facts.tags)} tag(s) in the mirror")
    remedy = _mirror_cmds(facts)
    if facts.samples:
        remedy += f"; or stop importing it: {_skip_all(facts)}"
    return failed(
        expected=f"every tag of {NAMESPACE}/{facts.name} in the mirror {facts.mirror}",
        found=_missing_text(facts),
        remediation=remedy,
    )


def evaluate_skip_coverage(facts: StreamFacts) -> Verdict:
    """Managed Samples: a stream that cannot import must be in skippedImagestreams."""
    pat = facts.pattern
    if not pat.managed:
        return passed(degraded_note(facts))
    if facts.skipped:
        return passed(f"skipped; {degraded_note(facts)}")
    problems = []
    if facts.missing:
        problems.append(_missing_text(facts))
    if facts.import_failure:
        problems.append(f"import failed: {facts.import_failure}")
    if not problems:
        return passed(f"imports from the mirror; {degraded_note(facts)}")
    return failed(
        expected=f"{facts.name} importable from the mirror, or listed in skippedImagestreams",
        found="; ".join(problems),
        remediation=_skip_all(facts)
        + (f"; or mirror it: {_mirror_cmds(facts)}" if facts.missing else ""),
        details=(degraded_note(facts),),
    )


def gather_samples_config(site: Site, subject: str) -> tuple[dict[str, Any], str]:
    config = samples_config(site)
    if config is None:
        raise NotApplicable(
            "no configs.samples.operator.openshift.io/cluster (Samples Operator not installed)"
        )
    return config, site.inv.mirror.registry or ""


def evaluate_samples_registry(config: dict[str, Any], mirror: str) -> Verdict:
    pat = S.pattern(config)
    if not pat.managed:
        return passed(f"{pat.describe()}; samplesRegistry unused")
    if pat.registry == mirror:
        return passed(f"samplesRegistry {mirror}; {pat.describe()}")
    return failed(
        expected=f"samplesRegistry {mirror} (the mirror) while Samples is Managed",
        found=f"samplesRegistry {pat.registry or 'unset (imports from registry.redhat.io)'}",
        remediation=S.registry_patch(mirror)
        + "; and trust the mirror's CA: oc create configmap registry-config "
        "--from-file=<mirror host>..<port>=domain.crt -n openshift-config; "
        'oc patch image.config.openshift.io/cluster --type merge -p \'{"spec":{"additionalTrustedCA":{"name":"registry-config"}}}\'',
        details=(pat.describe(),),
    )


# --------------------------------------------------------------------------- checks


@check(
    "mirror.imagestreams",
    title="Imagestreams in openshift import from the mirror",
    markers=["postinstall"],
    subject="imagestream name (namespace openshift)",
    fails_when="a tag of a non-skipped imagestream points at an image the mirror lacks",
    remediation="oc image mirror the missing image, or add the stream to skippedImagestreams",
    subjects=stream_names,
    gather=gather_stream,
    requires=("mirror.registry",),
)
def test_mirror_imagestreams(facts: StreamFacts) -> None:
    expect(evaluate_mirror_stream(facts))


@check(
    "samples.skip_coverage",
    title="Sample imagestreams that cannot import are skipped",
    markers=["postinstall"],
    subject="imagestream name",
    fails_when=(
        "Samples is Managed, the stream is not in skippedImagestreams, and it cannot import "
        "(mirror lacks a tag, or import failed)"
    ),
    remediation="oc patch configs.samples.operator.openshift.io/cluster skippedImagestreams, or mirror the image",
    subjects=samples_stream_names,
    gather=gather_stream,
    requires=("mirror.registry",),
)
def test_samples_skip_coverage(facts: StreamFacts) -> None:
    expect(evaluate_skip_coverage(facts))


@check(
    "samples.registry",
    title="Samples imports from the mirror",
    markers=["postinstall"],
    subject="cluster",
    fails_when="Samples is Managed and samplesRegistry is not the mirror host",
    remediation="oc patch configs.samples.operator.openshift.io/cluster samplesRegistry",
    subjects=lambda site: ["cluster"],
    gather=gather_samples_config,
    requires=("mirror.registry",),
)
def test_samples_registry(facts: tuple[dict[str, Any], str]) -> None:
    expect(evaluate_samples_registry(*facts))
