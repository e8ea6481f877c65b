"""Samples pattern 4 (``000_e22164954fbcaad6.txt``: Removed with skippedImagestreams): the
skipped streams are the ones kept and used, so mirror.imagestreams and samples.skip_coverage check
them against the mirror like managed ones instead of passing them unchecked."""

from __future__ import annotations

from checks.mirror import evaluate_mirror_stream
from checks.samples import evaluate_kept, evaluate_skip_coverage
from collectors.cluster import samples as S
from collectors.facts.samples import StreamFacts, TagFacts

MIRROR = "mirror.example:5000"
PATTERN4 = S.pattern({"spec": {"managementState": "Removed", "skippedImagestreams": ["redis"]}})
PATTERN2 = S.pattern({"spec": {"managementState": "Managed", "skippedImagestreams": ["redis"]}})


def redis(pattern: S.Pattern, present: bool, failure: str | None = None) -> StreamFacts:
    tag = TagFacts(
        "3.2",
        f"{MIRROR}/rhscl/redis-32-rhel7:latest",
        f"{MIRROR}/rhscl/redis-32-rhel7:latest",
        (f"{MIRROR}/rhscl/redis-32-rhel7:latest",),
        present,
    )
    return StreamFacts("redis", pattern, True, (tag,), failure, MIRROR, "pull-secret.json")


def test_a_kept_stream_the_mirror_lacks_fails_both_checks() -> None:
    facts = redis(PATTERN4, False)
    assert PATTERN4.number == 4 and facts.kept
    v = evaluate_mirror_stream(facts)
    assert not v.ok and "kept by Samples pattern 4" in v.message
    assert "oc image mirror registry.redhat.io/rhscl/redis-32-rhel7:latest" in v.remediation
    assert "oc import-image -n openshift redis --all" in v.remediation
    v = evaluate_skip_coverage(facts)
    assert not v.ok and v.message.startswith(
        "expected redis, kept by skippedImagestreams while Samples is Removed, importable"
    )
    assert "Samples pattern 4 (Removed, 1 skipped imagestream(s))" in v.details[0]
    assert evaluate_kept(facts) == v


def test_a_kept_stream_in_the_mirror_passes_both() -> None:
    facts = redis(PATTERN4, True)
    assert evaluate_mirror_stream(facts).ok and "kept by Samples pattern 4" in (
        evaluate_mirror_stream(facts).message
    )
    assert evaluate_skip_coverage(facts).message.startswith("kept and used (Samples pattern 4")


def test_a_kept_stream_whose_import_failed_fails_skip_coverage() -> None:
    v = evaluate_skip_coverage(redis(PATTERN4, True, "ConfigMap x: manifest unknown"))
    assert not v.ok and "import failed: ConfigMap x" in v.message


def test_pattern_2_still_leaves_skipped_streams_unchecked() -> None:
    facts = redis(PATTERN2, False)
    assert not facts.kept
    assert evaluate_mirror_stream(facts).message == (
        "in skippedImagestreams: not imported, not checked"
    )
    assert evaluate_skip_coverage(facts).ok
