"""Every prerequisite of a disconnected update against the lab: the installed cluster (served
live by the stand-in API, and as a must-gather) passes upgrade.apis, upgrade.operators,
upgrade.readiness's budgets and pools, upgrade.pull_secret and upgrade.etcd_backup (the
bastion's real sshd standing in for a master holding backups); each scenario edit fails its
check for its reason, live, offline from the snapshot and offline from the live run's bundle
(without a network); the pull secret's credentials reach no output."""

from __future__ import annotations

import copy
import json
import os
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab import Lab
from lab.cluster import (
    api_in_use,
    operator_capped,
    pdb_blocks_drain,
    pool_degraded,
    pull_secret_without_mirror,
    samples_pattern4,
    serve_snapshot,
)
from lab.cluster_model import FAKE_PULL_AUTH, write_must_gather
from tests.suite import SuiteRun, run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

PLUGINS = ("-p", "fixtures.cluster", "-p", "fixtures.bundle")
FAST = {"UPI_HTTP_TIMEOUT": "3", "UPI_HTTP_RETRIES": "0", "UPI_TCP_TIMEOUT": "1"}
UPDATE = {
    "upgrade.apis",
    "upgrade.operators",
    "upgrade.readiness",
    "upgrade.pull_secret",
    "upgrade.etcd_backup",
}
SELECT = (
    "-m",
    "postinstall",
    "-k",
    "upgrade or imagestreams or skip_coverage",
    "-p",
    "no:randomly",
)
#: Samples pattern 4 is judged by these two: the streams it keeps must import from the mirror.
SAMPLES = {"mirror.imagestreams", "samples.skip_coverage"}
#: What must never be in an output: the auth value and what it decodes to.
SECRETS = (FAKE_PULL_AUTH, "NotAR3alSecret-7f3c9e")
BROKEN_FAILS = {
    ("upgrade.apis", "deployments.v1beta1.extensions"): (
        "42 request(s) in the last 24 hours; top users: "
        "system:serviceaccount:legacy:deployer (helm/v2.16.1): 40"
    ),
    ("upgrade.operators", "openshift-operators/etcdoperator.v0.9.4"): (
        "olm.maxOpenShiftVersion 4.4 (annotation operatorframework.io/properties)"
    ),
    ("upgrade.readiness", "poddisruptionbudget/payments/ledger"): (
        "disruptionsAllowed 0 with 2 of 2 pod(s) healthy"
    ),
    ("upgrade.readiness", "machineconfigpool/master"): "Node m2 is reporting: unexpected on-disk",
    ("upgrade.pull_secret", "openshift-config/pull-secret"): (
        "name(s) the host with another port or none (nodes match host and port literally)"
    ),
    ("upgrade.etcd_backup", "m1"): "the newest, snapshot_2026-01-01_010000.db, is",
    ("mirror.imagestreams", "nodejs"): "kept by Samples pattern 4",
    ("samples.skip_coverage", "nodejs"): "expected nodejs, kept by skippedImagestreams while",
}
EDITS = (
    api_in_use,
    operator_capped,
    pdb_blocks_drain,
    pool_degraded,
    pull_secret_without_mirror,
    samples_pattern4,
)


def update(run: SuiteRun) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["check"], r["subject"]): r for r in run.results if r["check"] in UPDATE | SAMPLES}


def write_backups(folder: Path, stamp: str, hours_old: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    t = time.time() - hours_old * 3600
    for name in (f"snapshot_{stamp}.db", f"static_kuberesources_{stamp}.tar.gz"):
        (folder / name).write_bytes(b"etcd")
        os.utime(folder / name, (t, t))


def inventory_for(lab: Lab, path: Path, backups: Path) -> Path:
    """The lab's inventory with master m1 reached through the bastion's sshd, its backups in
    ``backups``."""
    inv = copy.deepcopy(yaml.safe_load(lab.inventory_path.read_text()))
    for node in inv["nodes"]:
        if node["name"] == "m1":
            node["ssh"] = inv["bastion"]["ssh"]
    inv.setdefault("upgrade", {})["etcd_backup_dir"] = str(backups)
    path.write_text(yaml.safe_dump(inv))
    return path


def suite(inventory: Path, *args: str, wrap: tuple[str, ...] = ()) -> SuiteRun:
    live = ("--live",) if "--snapshot" in args and not wrap else ()
    return run_suite(*PLUGINS, *SELECT, *args, *live, inventory=inventory, env=FAST, wrap=wrap)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab-update"), "update-ready", max_seconds=900) as lab:
        yield lab


@pytest.fixture(scope="module")
def clean_inventory(lab: Lab) -> Path:
    backups = lab.workdir / "master-backups"
    write_backups(backups, "2026-12-06_010000", 2)
    return inventory_for(lab, lab.workdir / "site-update.yaml", backups)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_the_ready_cluster_passes_live_and_offline(
    lab: Lab, clean_inventory: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "clean.tar.gz"
    live = suite(clean_inventory, "--kubeconfig", str(lab.kubeconfig), "--bundle", str(bundle))
    offline = suite(clean_inventory, "--snapshot", str(lab.snapshot))
    replayed = suite(clean_inventory, "--snapshot", str(bundle), wrap=("unshare", "-n"))
    for run in (live, offline, replayed):
        got = update(run)
        assert {c for c, _ in got} == UPDATE | SAMPLES, run.stdout[-3000:]
        bad = {
            k: (r["outcome"], r["message"][:300])
            for k, r in got.items()
            if r["outcome"] != "passed"
        }
        assert not bad, bad
        assert ("upgrade.readiness", "poddisruptionbudget/my-app/idle") in got
        # the copy OLM made in my-app is the same operator: judged once, at home
        assert ("upgrade.operators", "my-app/etcdoperator.v0.9.4") not in got
        assert (
            "Kubernetes 1.26; the target 4.5.13 ships Kubernetes 1.18.3"
            in got[("upgrade.apis", "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io")]["message"]
        )
        assert_no_secret(run.stdout, run.stderr, json.dumps(run.report))
    messages = lambda run: {k: r["message"] for k, r in update(run).items()}  # noqa: E731
    assert messages(live) == messages(offline)
    assert {k: r["outcome"] for k, r in update(replayed).items()} == {
        k: r["outcome"] for k, r in update(live).items()
    }


@pytest.fixture(scope="module")
def broken(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Every edit at once as a snapshot, that snapshot served live, and a stale backup."""
    work = tmp_path_factory.mktemp("update-broken")
    model = copy.deepcopy(lab.cluster_model)
    for fn in EDITS:
        fn(lab, model)
    snapshot = write_must_gather(model, work / "must-gather")
    kubeconfig = serve_snapshot(lab, "apiserver-update-broken", 18, snapshot)
    backups = work / "stale-backups"
    write_backups(backups, "2026-01-01_010000", 72)
    (backups / "snapshot_2026-12-06_000000.db").symlink_to("/etc/hostname")
    return inventory_for(lab, work / "site.yaml", backups), snapshot, kubeconfig


def test_each_prerequisite_fails_for_its_reason_live_offline_and_from_the_bundle(
    broken: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    inventory, snapshot, kubeconfig = broken
    bundle, page, junit = tmp_path / "live.tar.gz", tmp_path / "page.html", tmp_path / "j.xml"
    live = suite(
        inventory,
        "--kubeconfig",
        str(kubeconfig),
        "--bundle",
        str(bundle),
        f"--report-html={page}",
        f"--junitxml={junit}",
    )
    offline = suite(inventory, "--snapshot", str(snapshot))
    # no network at all: the bundle's record answers (the pull secret's host names included)
    replayed = suite(inventory, "--snapshot", str(bundle), wrap=("unshare", "-n"))
    for run in (live, offline, replayed):
        got = update(run)
        for key, text in BROKEN_FAILS.items():
            rec = got[key]
            assert rec["outcome"] == "failed" and text in rec["message"], (key, rec)
            assert rec["remediation"], key
        failing = {k for k, r in got.items() if r["outcome"] != "passed"}
        assert failing == set(BROKEN_FAILS), failing ^ set(BROKEN_FAILS)
    backup = update(live)[("upgrade.etcd_backup", "m1")]
    assert "snapshot_2026-12-06_000000.db (link to /etc/hostname)" in backup["message"]
    assert "cluster-backup.sh" in backup["remediation"]
    kept = update(live)[("mirror.imagestreams", "redis")]  # kept, and mirrored: passes
    assert kept["outcome"] == "passed" and "kept by Samples pattern 4" in kept["message"]
    assert ("mirror.imagestreams", "nginx") not in update(live)  # deleted by Removed
    api = update(live)[("upgrade.apis", "deployments.v1beta1.extensions")]
    assert "ack-4.4-kube-1.18-api-removals-in-4.5" in api["remediation"]
    verdicts = lambda run: {k: (r["outcome"], r["message"]) for k, r in update(run).items()}  # noqa: E731
    assert verdicts(replayed) == verdicts(live)
    # the credentials reach no output: terminal, report, page, junit, bundle (every member)
    assert_no_secret(
        live.stdout,
        live.stderr,
        json.dumps(live.report),
        page.read_text(),
        junit.read_text(),
        replayed.stdout,
        json.dumps(replayed.report),
    )
    with tarfile.open(bundle) as tar:
        for member in tar.getmembers():
            if member.isfile():
                data = tar.extractfile(member).read().decode("utf-8", errors="replace")
                assert_no_secret(data)
        assert not [n for n in tar.getnames() if "/secrets/" in n]
