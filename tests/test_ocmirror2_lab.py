"""oc-mirror v2 workspaces against the lab (issue "Today's mirror workflows"): the lab writes a
v2 workspace in v2's layout (lab/ocmirror2_content.py: the real filtered catalog of
tests/real/oc-mirror-v2 naming images the lab really pushes, cluster-resources with IDMS, ITMS,
CatalogSource and ClusterCatalog, a dry-run mapping.txt) into mirror.catalogs. Each
``ocmirror2-*`` scenario fails mirror.operators for its reason, naming the image and the file;
the clean one passes. Every verdict is given live (the lab's registry and stand-in API,
``--bundle``) and again offline from that bundle with the lab stopped, in a namespace without
network (``unshare -n``) and with the socket guard, as tests/test_verdicts_anywhere.py does.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lab import Lab
from lab.ocmirror2_content import (
    AGENT,
    BROKEN,
    CATALOG_SOURCE,
    CLUSTER_CATALOG,
    ERRORS_FILE,
    lab_image,
)
from tests.suite import SuiteRun, live_then_offline

pytestmark = pytest.mark.lab  # starts the lab's servers

PLUGINS = ("-p", "fixtures.cluster", "-p", "fixtures.bundle")
SELECT = ("-m", "postinstall", "-k", "mirror and operators", "-p", "no:randomly")
FAST = {"UPI_HTTP_TIMEOUT": "3", "UPI_HTTP_RETRIES": "0"}
V2 = "mirror-v2"
V1 = "redhat-operators-manifests"
NOT_MIRRORED = "the workspace says"


def records(run: SuiteRun) -> dict[tuple[str, str], tuple[str, str, str]]:
    return {
        (r["check"], r["subject"]): (r["outcome"], r["message"], r["remediation"])
        for r in run.results
        if r["check"] == "mirror.operators"
    }


def lab_live_then_offline(tmp_path: Path, scenario: str) -> tuple[Lab, SuiteRun, SuiteRun]:
    """The scenario's lab checked live with ``--bundle``, stopped, then the bundle replayed
    with no network; the lab's slot is held until the replay is done."""
    lab = Lab(tmp_path / "lab", scenario, max_seconds=600).start()
    live, offline = live_then_offline(
        lab, tmp_path / "live.tar.gz", *PLUGINS, *SELECT, env=FAST,
        live=("--kubeconfig", str(lab.workdir / "kubeconfig")),
        offline=("-p", "tests.socketguard"),
    )  # fmt: skip
    return lab, live, offline


def _digest(repo: str) -> str:
    return lab_image(repo).digest


def _expect(lab: Lab) -> dict[str, dict[str, Any]]:
    """Per scenario: outcome, what the message must say, and what it must not."""
    host = lab.inventory["mirror"]["registry"]
    rbac = f"registry.redhat.io/{BROKEN}@{_digest(BROKEN)}"
    agent = f"registry.redhat.io/{AGENT}@{_digest(AGENT)}"
    return {
        "ocmirror2-clean": {
            "outcome": "passed",
            "says": [
                # one index image, named by a CatalogSource and a ClusterCatalog
                "oc-mirror v2: all 7 images and 1 index image(s) (named by 2 catalog resources) "
                "in the mirror; the cluster's "
                "ICSP/IDMS cover every source and the CatalogSource is applied"
            ],
            "not": [],
        },
        "ocmirror2-image-missing": {
            "outcome": "failed",
            "says": [
                f"1 of 7 images missing in 1 repositories: {host}/{BROKEN} "
                f"(1: {_digest(BROKEN)[:19]})",
                "(6 present)",
            ],
            "not": [NOT_MIRRORED, "no ICSP/IDMS", "is not in the cluster"],
        },
        "ocmirror2-missing-txt": {
            "outcome": "failed",
            "says": [
                f"{NOT_MIRRORED} 1 image(s) were not mirrored: missing.txt:1: {rbac}: "
                "listed as missing by the dry run"
            ],
            "not": ["images missing in", "no ICSP/IDMS", "is not in the cluster"],
        },
        "ocmirror2-error-log": {
            "outcome": "failed",
            "says": [
                f"{NOT_MIRRORED} 1 image(s) were not mirrored: logs/{ERRORS_FILE}:1: {agent}: "
                "copying image 1/3 from manifest list: writing blob"
            ],
            "not": ["images missing in", "no ICSP/IDMS", "is not in the cluster"],
        },
        "ocmirror2-not-applied": {
            "outcome": "failed",
            "says": [
                "no ICSP/IDMS in the cluster maps 6 source repositories of the mapping to the "
                "mirror: registry.redhat.io/lab/tagged-operand (1)",
                f"registry.redhat.io/{BROKEN} (1)",
                "(1 image(s) by tag: ICSP/IDMS map digests only, a tag needs an ImageTagMirrorSet)",
                f"CatalogSource openshift-marketplace/{CATALOG_SOURCE} is not in the cluster",
                f"ClusterCatalog {CLUSTER_CATALOG} is not in the cluster",
            ],
            "not": ["images missing in", NOT_MIRRORED],
        },
    }


@pytest.mark.parametrize(
    "scenario",
    [
        "ocmirror2-clean",
        "ocmirror2-image-missing",
        "ocmirror2-missing-txt",
        "ocmirror2-error-log",
        "ocmirror2-not-applied",
    ],
)
def test_each_v2_scenario_gives_its_verdict_live_and_offline_from_the_bundle(
    tmp_path: Path, scenario: str
) -> None:
    lab, live, offline = lab_live_then_offline(tmp_path, scenario)
    got = records(live)
    assert set(got) == {("mirror.operators", V2), ("mirror.operators", V1)}, live.stdout[-3000:]
    # the oc adm catalog mirror folder beside the workspace is untouched by the scenario
    assert got[("mirror.operators", V1)][0] == "passed", got
    outcome, message, remediation = got[("mirror.operators", V2)]
    want = _expect(lab)[scenario]
    assert outcome == want["outcome"], message
    for text in want["says"]:
        assert text in message, (text, message)
    for text in want["not"]:
        assert text not in message, (text, message)
    workspace = Path(lab.inventory["mirror"]["catalogs"][1])
    assert workspace.name == V2 and (workspace / "working-dir" / "cluster-resources").is_dir()
    if outcome == "failed":
        assert remediation
    if scenario == "ocmirror2-not-applied":
        resources = workspace / "working-dir" / "cluster-resources"
        for name in (
            "idms-oc-mirror.yaml",
            "itms-oc-mirror.yaml",
            f"{CATALOG_SOURCE}.yaml",
            f"{CLUSTER_CATALOG}.yaml",
        ):
            assert str(resources / name) in remediation, remediation
    elif outcome == "failed":
        assert remediation.startswith("oc-mirror --v2 -c <imageset-config.yaml> --workspace ")
    # the same verdicts from the live run's bundle, with no network and a socket guard
    assert not any("socket guard" in m for _, m, _ in records(offline).values())
    assert records(offline) == got, offline.stdout[-3000:]


def test_the_workspace_is_written_in_v2s_layout_from_the_real_catalog(
    start_lab: Any,
) -> None:
    """What the lab writes reads as a v2 workspace: the real package's bundle and relatedImages
    (digests the lab's own), the lab's by-tag package, IDMS and ITMS, one CatalogSource and one
    ClusterCatalog of the same index."""
    from collectors.images.ocmirror2 import read_workspace, related_images

    lab = start_lab("ocmirror2-clean")
    ws = read_workspace(Path(lab.inventory["mirror"]["catalogs"][1]))
    assert ws.problems == () and ws.skipped == () and ws.not_mirrored_count == 0
    assert ws.rule_files == (
        "cluster-resources/idms-oc-mirror.yaml",
        "cluster-resources/itms-oc-mirror.yaml",
    )
    assert [(c.name, c.namespace) for c in ws.catalog_sources] == [
        (CLUSTER_CATALOG, ""),
        (CATALOG_SOURCE, "openshift-marketplace"),
    ]
    assert len({c.image for c in ws.catalog_sources}) == 1  # one index, two catalogs
    images = sorted(str(r) for r in related_images(ws))
    assert len(images) == 6, images
    assert f"registry.redhat.io/{AGENT}@{_digest(AGENT)}" in images
    assert "registry.redhat.io/lab/tagged-operand:v1.0" in images
    assert ws.dry_run_mapping is not None
    config = [p.relative_to(ws.working_dir).parts for p in ws.catalog_files()]
    assert [(p[0], p[1], p[3], p[5], p[6], p[7]) for p in config] == [
        (
            "operator-catalogs",
            "redhat-operator-index",
            "filtered-catalogs",
            "catalog-config",
            pkg,
            "catalog.json",
        )
        for pkg in ("lab-tagged-operator", "node-observability-operator")
    ]
