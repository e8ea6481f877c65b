"""checks/samples.py: samples.skip_coverage, samples.registry, and the report's Samples section."""

from __future__ import annotations

from dataclasses import replace

from checks.samples import evaluate_samples_registry, evaluate_skip_coverage, report_section
from collectors.cluster import samples as S
from collectors.facts.samples import StreamFacts, TagFacts

MIRROR = "mirror.example:5000"
MANAGED = S.pattern({"spec": {"managementState": "Managed"}})


def stream(present: bool, failure: str | None = None) -> StreamFacts:
    tag = TagFacts(
        "8",
        "registry.redhat.io/ubi8/ruby:8",
        f"{MIRROR}/ubi8/ruby:8",
        (f"{MIRROR}/ubi8/ruby:8",),
        present,
    )
    return StreamFacts("ruby", MANAGED, True, (tag,), failure, MIRROR, "pull-secret.json")


def test_importable_stream_passes_with_the_degraded_note() -> None:
    v = evaluate_skip_coverage(stream(True))
    assert v.ok and v.message.startswith("imports from the mirror; Samples pattern")
    assert "it will not go Degraded: every stream imports or is skipped" in v.message


def test_stream_that_cannot_import_must_be_skipped() -> None:
    facts = replace(stream(False, "ImportFailed"), degrading=("ruby", "perl"))
    v = evaluate_skip_coverage(facts)
    assert not v.ok
    assert v.message.startswith(
        "expected ruby importable from the mirror, or listed in skippedImagestreams; found "
    )
    assert "import failed: ImportFailed" in v.message
    assert "skippedImagestreams" in v.remediation and "perl" in v.remediation
    assert "; or mirror it: oc image mirror registry.redhat.io/ubi8/ruby:8" in v.remediation
    assert "it will go Degraded 2 hours after imports start failing: ruby, perl" in v.details[0]


def test_samples_registry_on_the_mirror_passes_and_elsewhere_fails() -> None:
    on_mirror = {"spec": {"managementState": "Managed", "samplesRegistry": MIRROR}}
    v = evaluate_samples_registry(on_mirror, MIRROR)
    assert v.ok and v.message.startswith(f"samplesRegistry {MIRROR}; Samples pattern")
    v = evaluate_samples_registry({"spec": {"managementState": "Managed"}}, MIRROR)
    assert not v.ok
    assert v.message == (
        f"expected samplesRegistry {MIRROR} (the mirror) while Samples is Managed; "
        "found samplesRegistry unset (imports from registry.redhat.io)"
    )
    assert "oc create configmap registry-config" in v.remediation
    assert '"additionalTrustedCA":{"name":"registry-config"}' in v.remediation


def test_report_section_says_whether_samples_goes_degraded() -> None:
    section = report_section(MANAGED, ["perl", "ruby"])
    assert section["degraded"].startswith("yes: perl, ruby cannot import and are not skipped")
    assert section["samples_registry"] == "(default: registry.redhat.io)"
    skipped = S.pattern(
        {"spec": {"managementState": "Managed", "skippedImagestreams": ["perl", "ruby"]}}
    )
    assert report_section(skipped, ["perl", "ruby"])["degraded"] == "no"
