"""What the samples.* checks (and mirror.imagestreams) gather: the Samples Operator's config
and import failures, and every tag of the ``openshift`` imagestreams rewritten the way the
operator applies ``samplesRegistry``, mapped through ImageContentSourcePolicy /
ImageDigestMirrorSet (digests) and ImageTagMirrorSet (tags), and looked up in the mirror in one
parallel batch per run (memoized, shared by mirror.imagestreams and samples.skip_coverage).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

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
from collectors.errors import FactError, NotApplicable
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
    def kept(self) -> bool:
        """Skipped under pattern 4 (Removed): kept and used, so checked like a managed one."""
        return self.skipped and self.pattern.keeps_skipped

    @property
    def missing(self) -> list[TagFacts]:
        return [t for t in self.tags if not t.present]


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


def report_facts(site: Site) -> tuple[S.Pattern, list[str]]:
    """For the HTML report's Samples Operator section: its pattern and the failing streams."""
    return S.pattern(samples_config(site)), sorted(import_failures(site))


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
                    tags.append(FactError(f"imagestream {name} tag {tag}: {cands}").because(cands))
                    continue
                answers = [found[str(c)] for c in cands]
                present = any(a is True for a in answers)
                errors = [a for a in answers if isinstance(a, FactError)]
                if not present and errors:
                    error = FactError(f"imagestream {name} tag {tag} ({ref}): {errors[0]}")
                    tags.append(error.because(errors[0]))
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


def cluster_subject(site: Site) -> list[str]:
    """One subject, the cluster: there is one Samples Operator config."""
    return ["cluster"]


def gather_samples_config(site: Site, subject: str) -> tuple[dict[str, Any], str]:
    config = samples_config(site)
    if config is None:
        raise NotApplicable(
            "no configs.samples.operator.openshift.io/cluster (Samples Operator not installed)"
        )
    return config, site.inv.mirror.registry or ""
