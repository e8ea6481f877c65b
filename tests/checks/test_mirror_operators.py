"""checks/mirror.py, mirror.operators: evaluate_operators on made facts (the mirror side, then
the cluster side after install)."""

from __future__ import annotations

from dataclasses import replace

from checks.mirror import evaluate_operators, missing_by_repository
from collectors.facts.mirror import IndexLookup, OperatorsFacts
from collectors.images.catalogs import CatalogSourceDoc
from collectors.images.imageref import parse_reference
from collectors.parsers.catalogmirror import MappingEntry

D = "sha256:" + "c" * 64
INDEX = CatalogSourceDoc(
    "redhat-operators", "openshift-marketplace", "m:5000/olm/redhat-operators:v1", "/c/cs.yaml"
)


def entry(repo: str, line: int, by_digest: bool = True) -> MappingEntry:
    src = f"registry.redhat.io/{repo}" + (f"@{D[:-4]}{line:04d}" if by_digest else ":1.0")
    return MappingEntry(parse_reference(src), parse_reference(f"m:5000/{repo}:h{line}"), line)


CLEAN = OperatorsFacts(
    catalog="redhat-operators-manifests",
    folder="/c",
    layout="oc adm catalog mirror",
    auth_file="/root/ps.json",
    total=32,
    missing=(),
    indexes=(IndexLookup(INDEX, True),),
    rule_files=("imageContentSourcePolicy.yaml",),
)


def test_a_complete_catalog_passes_before_install() -> None:
    v = evaluate_operators(replace(CLEAN, cluster_note="checked after install"))
    assert v.ok and "all 32 images and 1 index image(s) in the mirror; checked after install" in (
        v.message
    )


def test_missing_images_are_grouped_by_repository_and_the_rest_counted() -> None:
    missing = tuple(entry("ocs4/mcg-operator", i) for i in range(1, 5)) + (entry("amq7/gw", 9),)
    v = evaluate_operators(replace(CLEAN, missing=missing))
    assert not v.ok
    assert "5 of 32 images missing in 2 repositories: m:5000/ocs4/mcg-operator (4: sha256:" in (
        v.message
    )
    assert "+1 more); m:5000/amq7/gw (1: " in v.message and "(27 present)" in v.message
    assert v.details[0].startswith("line 1: registry.redhat.io/ocs4/mcg-operator@sha256:")
    assert v.remediation.startswith(
        "oc image mirror -a /root/ps.json --filename=/c/mapping.txt --continue-on-error"
    )
    assert missing_by_repository(replace(CLEAN, missing=missing), shown=1)[1] == (
        "m:5000/amq7/gw (1: sha256:cccccccccccc)"
    )


def test_a_missing_index_image_fails() -> None:
    v = evaluate_operators(replace(CLEAN, indexes=(IndexLookup(INDEX, False),)))
    assert "the index image m:5000/olm/redhat-operators:v1 of CatalogSource redhat-operators" in (
        v.message
    )
    assert v.remediation.endswith("m:5000/olm/redhat-operators:v1")


def test_after_install_uncovered_sources_and_the_catalog_source_are_named() -> None:
    applied = (IndexLookup(INDEX, True, "m:5000/olm/redhat-operators:v1"),)
    ok = evaluate_operators(replace(CLEAN, uncovered=(), indexes=applied))
    assert ok.ok and "cover every source and the CatalogSource is applied" in ok.message
    v = evaluate_operators(
        replace(CLEAN, uncovered=(("registry.redhat.io/amq7/gw", 4),), uncovered_by_tag=1)
    )
    expected = "maps 1 source repositories of the mapping to the mirror: registry.redhat.io/amq7/gw"
    assert expected in v.message
    assert "(1 image(s) by tag: ICSP/IDMS map digests only" in v.message
    assert "oc apply -f /c/imageContentSourcePolicy.yaml" in v.remediation
    assert "CatalogSource openshift-marketplace/redhat-operators is not in the cluster" in v.message
    other = (IndexLookup(INDEX, True, "registry.redhat.io/redhat/redhat-operator-index:v4.5"),)
    v = evaluate_operators(replace(CLEAN, uncovered=(), indexes=other))
    assert "names registry.redhat.io/redhat/redhat-operator-index:v4.5, not the mirrored" in (
        v.message
    )
    assert v.remediation == "oc apply -f /c/cs.yaml"
