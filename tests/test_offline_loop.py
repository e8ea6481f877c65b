"""The offline loop: a bundle made by a live postinstall run gives the same verdicts offline."""

from __future__ import annotations

import json
import tarfile

import pytest

from lab import Lab
from lab.cluster import break_everything, edit
from tests.suite import collect_bundle, run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

# -p: the plugins' path-valued options must parse before pytest picks its rootdir; an installed
# checkout registers them as pytest11 entry points, a bare worktree needs them named here.
PLUGINS = ("-p", "fixtures.cluster", "-p", "fixtures.bundle")
FAST = {"UPI_TCP_TIMEOUT": "0.5", "UPI_HTTP_TIMEOUT": "2"}


def start_broken_cluster(tmp_path) -> Lab:
    """The seed cluster with one subject of every postinstall check broken, served live."""
    lab = Lab(tmp_path / "lab", "clean", parts=("cluster",), max_seconds=600)
    edit(lab, break_everything)
    return lab.start()


def test_postinstall_on_the_bundle_gives_the_live_run_verdicts(tmp_path):
    lab = start_broken_cluster(tmp_path)
    try:
        bundle = tmp_path / "live.tar.gz"
        live = run_suite(
            *PLUGINS,
            "-m",
            "postinstall",
            "--kubeconfig",
            str(lab.workdir / "kubeconfig"),
            "--bundle",
            str(bundle),
            inventory=lab.inventory_path,
            env=FAST,
        )
        alone = tmp_path / "alone.tar.gz"  # the same objects from python -m collectors --kubeconfig
        kubeconfig = str(lab.workdir / "kubeconfig")
        collect_bundle(lab.inventory_path, alone, "--kubeconfig", kubeconfig, "-q", env=FAST)
    except BaseException:
        lab.stop()
        raise
    # the API server is gone: the second run can only read the bundle; the slot stays
    # locked, so no lab of another test worker answers at its addresses meanwhile
    lab.stop(keep_slot=True)
    try:
        offline = run_suite(
            *PLUGINS,
            "-m",
            "postinstall",
            "--snapshot",
            str(bundle),
            inventory=lab.inventory_path,
            env=FAST,
        )
        # the bundle made alone (python -m collectors) holds the record too
        offline_alone = run_suite(
            *PLUGINS,
            "-m",
            "postinstall",
            "--snapshot",
            str(alone),
            inventory=lab.inventory_path,
            env=FAST,
        )
    finally:
        lab.release_slot()

    def verdicts(run):
        return {(r["check"], r["subject"]): (r["outcome"], r["message"]) for r in run.results}

    assert len(live.results) > 30 and any(r["outcome"] == "failed" for r in live.results), (
        live.stdout[-2000:]
    )
    # the servers are stopped, yet the bundle's record answers the checks that needed them
    # (lb.port, mirror.*, and the haproxy names resolved through the site DNS): every verdict
    # equals the live run's, not only the cluster's (issue 18)
    assert verdicts(offline) == verdicts(live)
    assert verdicts(offline_alone) == verdicts(live)
    assert ("lb.bootstrap_removed", "6443") in verdicts(offline)
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert "cluster-scoped-resources/core/nodes/i1.ocp45.example.localdomain.yaml" in names
    assert not [n for n in names if "/secrets/" in n]  # secrets are not even listed
    with tarfile.open(alone) as tar:
        assert sorted(
            n for n in tar.getnames() if n.startswith(("cluster-scoped", "namespaces"))
        ) == sorted(n for n in names if n.startswith(("cluster-scoped", "namespaces")))
    rows = [s for s in manifest["sources"] if s["kind"] == "cluster"]
    assert {r["path"] for r in rows} >= {"core/nodes", "config.openshift.io/clusteroperators"}
    assert all(r["status"] in ("ok", "empty") for r in rows), rows
