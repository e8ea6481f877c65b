"""Samples after install (``000_e22164954fbcaad6.txt``): every sample imagestream in
``openshift`` that cannot import from the mirror is skipped, and samplesRegistry points at the
mirror. The facts (``collectors.facts.samples``) are shared with mirror.imagestreams.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

from checks._common import mirror_cmds, missing_text, skip_all
from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import samples as S
from collectors.facts.samples import (
    StreamFacts,
    cluster_subject,
    gather_samples_config,
    gather_stream,
    samples_stream_names,
)
from collectors.images.imageref import same_registry
from collectors.visible import shell_word


def degraded_note(facts: StreamFacts) -> str:
    if not facts.pattern.managed:
        return f"{facts.pattern.describe()}; it will not go Degraded over imports"
    if not facts.degrading:
        return (
            f"{facts.pattern.describe()}; "
            "it will not go Degraded: every stream imports or is skipped"
        )
    return (
        f"{facts.pattern.describe()}; it will go Degraded 2 hours after imports start failing: "
        f"{', '.join(facts.degrading)} cannot import and are not skipped"
    )


def evaluate_skip_coverage(facts: StreamFacts) -> Verdict:
    """Managed Samples: a stream that cannot import must be in skippedImagestreams. Pattern 4
    (Removed, skippedImagestreams): the skipped streams are the ones kept and used, so each must
    import from the mirror like a managed one."""
    pat = facts.pattern
    if facts.kept:
        return evaluate_kept(facts)
    if not pat.managed:
        return passed(degraded_note(facts))
    if facts.skipped:
        return passed(f"skipped; {degraded_note(facts)}")
    problems = []
    if facts.missing:
        problems.append(missing_text(facts))
    if facts.import_failure:
        problems.append(f"import failed: {facts.import_failure}")
    if not problems:
        return passed(f"imports from the mirror; {degraded_note(facts)}")
    return failed(
        expected=f"{facts.name} importable from the mirror, or listed in skippedImagestreams",
        found="; ".join(problems),
        remediation=skip_all(facts)
        + (f"; or mirror it: {mirror_cmds(facts)}" if facts.missing else ""),
        details=(degraded_note(facts),),
    )


def evaluate_kept(facts: StreamFacts) -> Verdict:
    """A stream pattern 4 keeps: every tag in the mirror, and no import failure."""
    problems = [missing_text(facts)] if facts.missing else []
    if facts.import_failure:
        problems.append(f"import failed: {facts.import_failure}")
    kept = f"kept and used ({facts.pattern.describe()})"
    if not problems:
        return passed(f"{kept}; imports from the mirror")
    return failed(
        expected=f"{facts.name}, kept by skippedImagestreams while Samples is Removed, "
        "importable from the mirror",
        found="; ".join(problems),
        remediation=(f"{mirror_cmds(facts)}; then " if facts.missing else "")
        + f"oc import-image -n openshift {shell_word(facts.name)} --all (or, if it is not used, "
        "drop it from skippedImagestreams: Removed then deletes it)",
        details=(kept,),
    )


def evaluate_samples_registry(config: dict[str, Any], mirror: str) -> Verdict:
    pat = S.pattern(config)
    if not pat.managed:
        return passed(f"{pat.describe()}; samplesRegistry unused")
    if pat.registry and same_registry(pat.registry, mirror):
        return passed(f"samplesRegistry {mirror}; {pat.describe()}")
    return failed(
        expected=f"samplesRegistry {mirror} (the mirror) while Samples is Managed",
        found=f"samplesRegistry {pat.registry or 'unset (imports from registry.redhat.io)'}",
        remediation=S.registry_patch(mirror)
        + "; and trust the mirror's CA: oc create configmap registry-config "
        "--from-file=<mirror host>..<port>=domain.crt -n openshift-config; "
        "oc patch image.config.openshift.io/cluster --type merge -p "
        '\'{"spec":{"additionalTrustedCA":{"name":"registry-config"}}}\'',
        details=(pat.describe(),),
    )


def report_section(pat: S.Pattern, failing: list[str]) -> dict[str, Any]:
    """The Samples Operator section of the HTML report: its pattern and whether it goes
    Degraded (``failing``: the streams that cannot import, sorted)."""
    unskipped = [name for name in failing if name not in pat.skipped]
    degraded = (
        (
            f"yes: {', '.join(unskipped)} cannot import and are not skipped "
            "(Degraded 2 hours after a "
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


# --------------------------------------------------------------------------- checks


@check(
    "samples.skip_coverage",
    title="Sample imagestreams that cannot import are skipped",
    markers=["postinstall"],
    subject="imagestream name",
    fails_when=(
        "Samples is Managed, the stream is not in skippedImagestreams, and it cannot import "
        "(mirror lacks a tag, or import failed); or Samples is Removed with skippedImagestreams "
        "(pattern 4: the skipped streams are kept and used) and a skipped stream cannot import"
    ),
    remediation="oc patch configs.samples.operator.openshift.io/cluster skippedImagestreams, "
    "or mirror the image",
    subjects=samples_stream_names,
    gather=gather_stream,
    requires=("mirror.registry",),
)
def test_samples_skip_coverage(facts: StreamFacts) -> None:
    expect(evaluate_skip_coverage(facts))


@check(
    "samples.registry",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="Samples imports from the mirror",
    markers=["postinstall"],
    subject="cluster",
    fails_when="Samples is Managed and samplesRegistry is not the mirror host",
    remediation="oc patch configs.samples.operator.openshift.io/cluster samplesRegistry",
    subjects=cluster_subject,
    gather=gather_samples_config,
    requires=("mirror.registry",),
)
def test_samples_registry(facts: tuple[dict[str, Any], str]) -> None:
    expect(evaluate_samples_registry(*facts))
