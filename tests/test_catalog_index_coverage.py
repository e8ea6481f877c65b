"""Index images by tag are covered by the applied CatalogSource (or OLM v1 ClusterCatalog) that
names their mirror copy, never by a mirror rule: the measured false failure was an oc-mirror v1
results folder (three ICSPs, two CatalogSources, all applied) whose mapping.txt lists the
catalogs' own index images by tag, and mirror.operators asked for an ImageTagMirrorSet."""

from __future__ import annotations

from pathlib import Path

import yaml

from checks.mirror import evaluate_operators
from collectors.facts.mirror import (
    IndexLookup,
    OperatorsFacts,
    _ClusterView,
    cluster_catalog_image,
    index_key,
)
from collectors.images.catalogs import read_catalog
from collectors.images.imageref import registry_key

D = "sha256:" + "a" * 64
MIRROR = "registry.example:5000"


def v1_results(tmp: Path) -> Path:
    """A results-*/ folder as oc-mirror v1 writes it: mapping.txt (operator images by digest,
    both index images by tag), imageContentSourcePolicy.yaml with three ICSPs (operator-0,
    release-0, generic-0), catalogSource-*.yaml for two catalogs."""
    folder = tmp / "oc-mirror-workspace" / "results-1700000000"
    folder.mkdir(parents=True)
    (folder / "mapping.txt").write_text(
        f"registry.redhat.io/ocs4/mcg-operator@{D}={MIRROR}/ocs4/mcg-operator:3ac\n"
        f"registry.redhat.io/redhat/redhat-operator-index:v4.14={MIRROR}/redhat/redhat-operator-index:v4.14\n"
        f"registry.redhat.io/redhat/certified-operator-index:v4.14={MIRROR}/redhat/certified-operator-index:v4.14\n"
    )
    icsps = [
        ("operator-0", "registry.redhat.io/ocs4", f"{MIRROR}/ocs4"),
        ("release-0", "quay.io/openshift-release-dev/ocp-release", f"{MIRROR}/openshift/release"),
        ("generic-0", "registry.redhat.io/ubi8", f"{MIRROR}/ubi8"),
    ]
    (folder / "imageContentSourcePolicy.yaml").write_text(
        yaml.safe_dump_all(
            {
                "apiVersion": "operator.openshift.io/v1alpha1",
                "kind": "ImageContentSourcePolicy",
                "metadata": {"name": name},
                "spec": {"repositoryDigestMirrors": [{"source": src, "mirrors": [dst]}]},
            }
            for name, src, dst in icsps
        )
    )
    for cat in ("redhat-operator-index", "certified-operator-index"):
        (folder / f"catalogSource-{cat}.yaml").write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "operators.coreos.com/v1alpha1",
                    "kind": "CatalogSource",
                    "metadata": {"name": cat, "namespace": "openshift-marketplace"},
                    "spec": {"sourceType": "grpc", "image": f"{MIRROR}/redhat/{cat}:v4.14"},
                }
            )
        )
    return tmp


def count(tmp: Path, applied: dict[tuple[str | None, str], str]) -> _ClusterView:
    c = read_catalog(v1_results(tmp))
    view = _ClusterView(list(c.rules), applied, {})
    keys = [index_key(v) for v in applied.values()]
    keys += [index_key(d.image) for d in c.catalog_sources]
    view.index_images = frozenset(k for k in keys if k)
    view.count(list(c.mapping.entries), registry_key(MIRROR))
    return view


def test_v1_results_all_applied_index_lines_need_no_itms(tmp_path: Path) -> None:
    applied = {
        ("openshift-marketplace", cat): f"{MIRROR}/redhat/{cat}:v4.14"
        for cat in ("redhat-operator-index", "certified-operator-index")
    }
    view = count(tmp_path, applied)
    assert view.uncovered == {} and view.by_tag == 0 and view.indexes_seen == 2


def test_the_index_applied_with_another_spelling_of_the_mirror_still_counts(
    tmp_path: Path,
) -> None:
    applied = {("openshift-marketplace", "x"): "Registry.Example:5000/redhat/x:v1"}
    assert index_key(applied[("openshift-marketplace", "x")]) == "registry.example:5000/redhat/x:v1"
    view = count(tmp_path, applied)
    assert view.uncovered == {}


def test_a_clustercatalog_names_its_index_in_spec_source_image_ref() -> None:
    cc = {"spec": {"source": {"type": "Image", "image": {"ref": f"{MIRROR}/redhat/i:v4.18"}}}}
    assert cluster_catalog_image(cc) == f"{MIRROR}/redhat/i:v4.18"
    assert cluster_catalog_image({"spec": {"source": "garbage"}}) == ""


def test_the_verdict_passes_and_says_why_no_mirror_rule_is_needed() -> None:
    from collectors.images.catalogs import CatalogSourceDoc

    doc = CatalogSourceDoc("redhat-operator-index", "openshift-marketplace", f"{MIRROR}/i:1", "f")
    facts = OperatorsFacts(
        "results-1700000000",
        "/w/results-1700000000",
        "oc-mirror",
        "/ps.json",
        3,
        (),
        (IndexLookup(doc, True, f"{MIRROR}/i:1"),),
        ("imageContentSourcePolicy.yaml",),
        uncovered=(),
        index_lines=2,
    )
    v = evaluate_operators(facts)
    assert (
        v.ok
        and "2 index image line(s) of the mapping covered by their applied CatalogSource"
        in (v.message)
    )


def test_an_index_whose_catalogsource_is_not_applied_fails_naming_it_not_an_itms(
    tmp_path: Path,
) -> None:
    view = count(tmp_path, {})
    assert view.uncovered == {}  # the index lines are judged by their CatalogSource
    from collectors.images.catalogs import CatalogSourceDoc

    doc = CatalogSourceDoc(
        "redhat-operator-index", "openshift-marketplace", f"{MIRROR}/i:1", "/f.yaml"
    )
    facts = OperatorsFacts(
        "r", "/r", "oc-mirror", "/ps.json", 3, (), (IndexLookup(doc, True, None),), uncovered=()
    )
    v = evaluate_operators(facts)
    assert (
        not v.ok
        and "CatalogSource openshift-marketplace/redhat-operator-index is not in the cluster"
        in v.message
    )
    assert "ImageTagMirrorSet" not in v.message and v.remediation == "oc apply -f /f.yaml"
