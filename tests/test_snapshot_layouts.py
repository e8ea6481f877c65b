"""Snapshot layouts on real files (issue 11): a must-gather (folder and .tar.xz, with
host_service_logs), the Insights Operator archive, ``openshift-install gather bootstrap``'s log
bundle, ``oc adm inspect`` output; and a resource or namespace a snapshot did not collect.

Verdicts asserted are those written beside each file (``tests/real/*/**.verdict.md``,
``verdict.md``). Inventories carry the clusters' real addresses, so every run on them is inside
``unshare -n`` (no network at all): the offline gate needs none.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from collectors.cluster import resources as R
from collectors.cluster.base import NotCollected, export_error, import_error
from collectors.cluster.resources import Resource
from collectors.cluster.snapshot import SnapshotSource
from collectors.errors import FactError
from lab.cluster_model import seed_cluster, write_must_gather
from lab.model import seed_model
from tests.suite import ROOT, collect_bundle, run_suite

REAL = ROOT / "tests" / "real"
SNO = REAL / "must-gather" / "resourcewatch-sno-4.13.0-ec.4-none"
MIDINSTALL = REAL / "must-gather" / "resourcewatch-3nodes-okd-4.12-gcp-midinstall"
INSIGHTS = REAL / "insights"
LOG_BUNDLE = REAL / "log-bundle" / "log-bundle-ciscolive"
KUBELET_LOG = (
    INSIGHTS / "config" / "node" / "logs" / "ip-10-0-135-228.us-east-2.compute.internal.log"
)
CLUSTERVERSIONS = Resource("config.openshift.io", "v1", "clusterversions", False, "ClusterVersion")
OFFLINE = ("unshare", "-n")
PLUGINS = ("-p", "fixtures.cluster", "-p", "fixtures.bundle")


def inventory(tmp_path: Path, name: str, domain: str, nodes: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "site.yaml"
    lines = [f"cluster: {{name: {name}, base_domain: {domain}}}", "nodes:"]
    lines += [f"  - {{name: {n}, role: {role}, ip: {ip}}}" for n, role, ip in nodes]
    path.write_text("\n".join(lines) + "\n")
    return path


def archive(folder: Path, target: Path, mode: str, prefix: str = "") -> Path:
    with tarfile.open(target, mode) as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".md"):
                tar.add(path, arcname=prefix + str(path.relative_to(folder)))
    return target


def offline(snapshot: Path, inv: Path, *extra: str):
    return run_suite(
        *PLUGINS,
        "-m",
        "postinstall",
        "--snapshot",
        str(snapshot),
        *extra,
        inventory=inv,
        wrap=OFFLINE,
        timeout=180,
    )


def not_failed_for_unreal_reasons(run) -> None:
    """A healthy snapshot: nothing failed; what errors says it was not collected and how."""
    assert run.results, run.stdout[-3000:]
    assert not [r for r in run.results if r["outcome"] == "failed"], run.stdout[-3000:]
    for rec in run.results:
        if rec["outcome"] == "error":
            assert "not collected" in rec["message"], rec
            assert "oc adm inspect" in rec["remediation"], rec


# --------------------------------------------------------------------------- must-gather


@pytest.fixture
def sno_with_service_logs(tmp_path: Path) -> Path:
    """The healthy SNO must-gather inside an image folder, with host_service_logs/masters: the
    real kubelet journal (short-precise) placed where must-gather keeps it."""
    root = tmp_path / "must-gather.local.1" / "quay-io-openshift-release-dev-ocp-v4-0-art-dev"
    shutil.copytree(SNO, root, ignore=shutil.ignore_patterns("*.md"))
    logs = root / "host_service_logs" / "masters"
    logs.mkdir(parents=True)
    shutil.copy(KUBELET_LOG, logs / "kubelet_service.log")
    (root / "timestamp").write_text("2023-03-08 12:33:21 +0000 UTC\n")
    return tmp_path / "must-gather.local.1"


def test_healthy_sno_must_gather_folder_and_tar_xz_give_the_same_honest_verdicts(
    tmp_path: Path, sno_with_service_logs: Path
) -> None:
    inv = inventory(
        tmp_path, "vrutkovs", "choomba.one", [("vrutkovs-sno", "master", "10.0.130.68")]
    )
    packed = archive(sno_with_service_logs, tmp_path / "must-gather.tar.xz", "w:xz")
    runs = [offline(snap, inv) for snap in (sno_with_service_logs, packed)]
    for run in runs:
        not_failed_for_unreal_reasons(run)
        assert set(run.outcomes("cluster.operators").values()) == {"passed"}
        assert len(run.outcomes("cluster.operators")) == 14
        assert run.outcome("nodes.ready", "vrutkovs-sno") == "passed"
        assert run.outcome("nodes.names", "vrutkovs-sno") == "passed"
        assert "csr.pending" in {c for c, _ in run.failing()}  # CSRs were not collected
    assert [(r["check"], r["subject"], r["outcome"]) for r in runs[0].results] == [
        (r["check"], r["subject"], r["outcome"]) for r in runs[1].results
    ]


#: A plugin counting the classifications of a snapshot's journals into a file.
COUNTING_PLUGIN = """
import collectors.triage.offline as offline

_classify = offline.snapshot_findings


def counted(*args, **kwargs):
    with open({count!r}, "a") as out:
        out.write("1\\n")
    return _classify(*args, **kwargs)


offline.snapshot_findings = counted
"""


def test_host_service_logs_are_classified_into_the_report_and_the_bundle(
    tmp_path: Path, sno_with_service_logs: Path
) -> None:
    inv = inventory(
        tmp_path, "vrutkovs", "choomba.one", [("vrutkovs-sno", "master", "10.0.130.68")]
    )
    html, bundle = tmp_path / "report.html", tmp_path / "bundle.tar.gz"
    count = tmp_path / "classified"
    (tmp_path / "count_findings.py").write_text(COUNTING_PLUGIN.format(count=str(count)))
    run = run_suite(
        *PLUGINS,
        "-p",
        "count_findings",
        "-m",
        "postinstall",
        "--snapshot",
        str(sno_with_service_logs),
        "--report-html",
        str(html),
        "--bundle",
        str(bundle),
        "-k",
        "nodes.",
        inventory=inv,
        wrap=OFFLINE,
        timeout=180,
        env={"PYTHONPATH": str(tmp_path)},
    )
    # the page, the result JSON, the causes and the bundle all show them: classified once
    assert count.read_text() == "1\n", run.stdout[-2000:]
    page = html.read_text()
    assert "Top log findings" in page and "kubelet.service" in page, run.stdout[-2000:]
    assert "CrashLoopBackOff" in page  # the verdict: a real crash-looping pod on that node
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        findings = json.load(tar.extractfile("findings.json"))  # type: ignore[arg-type]
    assert "hosts/masters/journal/kubelet.service.log" in names
    assert "cluster-scoped-resources/core/nodes/vrutkovs-sno.yaml" in names
    sources = {(s["host"], s["source"]) for s in findings["sources"]}
    assert ("masters", "kubelet.service") in sources
    assert any("CrashLoopBackOff" in f["sample"] for f in findings["findings"])


def test_a_mid_install_must_gather_fails_exactly_the_unsettled_operators(tmp_path: Path) -> None:
    # node names with dots are not inventory names: nodes.names is not what this file tests
    nodes = [("vrutkovs-mrmwt-master-1", "master", "10.0.0.4")]
    inv = inventory(tmp_path, "vrutkovs", "c.openshift-gce-devel.internal", nodes)
    run = offline(MIDINSTALL, inv)
    operators = run.outcomes("cluster.operators")
    unsettled = {
        "authentication",
        "console",
        "monitoring",
        "kube-apiserver",
        "kube-controller-manager",
        "etcd",
        "kube-scheduler",
    }
    assert {n for n, o in operators.items() if o == "failed"} == unsettled, operators
    assert {n for n, o in operators.items() if o == "passed"} == {
        "image-registry",
        "ingress",
        "machine-config",
    }
    assert set(run.outcomes("nodes.ready").values()) == {"passed"}


# --------------------------------------------------------------------------- Insights archive


@pytest.mark.parametrize("form", ["folder", "tar.gz"])
def test_insights_archive_reads_as_a_snapshot(tmp_path: Path, form: str) -> None:
    path = INSIGHTS if form == "folder" else archive(INSIGHTS, tmp_path / "io.tar.gz", "w:gz")
    src = SnapshotSource(path)
    assert set(src.layouts.values()) == {"insights"}
    assert [n["metadata"]["name"] for n in src.list(R.NODES)] == [
        "master-0.imeixner20210707.lab.upshift.rdu2.redhat.com"
    ]
    assert [o["metadata"]["name"] for o in src.list(R.CLUSTEROPERATORS)] == ["machine-config"]
    assert [p["metadata"]["name"] for p in src.list(R.MCPS)] == ["worker"]
    version = src.get(CLUSTERVERSIONS, "version")  # config/version.json: no kind, no apiVersion
    assert version["status"]["desired"]["version"] == "4.7.16"
    assert [(log.host, log.unit) for log in src.logs] == [
        ("ip-10-0-135-228.us-east-2.compute.internal", "kubelet.service")
    ]


def test_offline_gate_on_the_insights_archive(tmp_path: Path) -> None:
    inv = inventory(
        tmp_path,
        "imeixner20210707",
        "lab.upshift.rdu2.redhat.com",
        [("master-0", "master", "10.0.88.27")],
    )
    run = offline(INSIGHTS, inv)
    not_failed_for_unreal_reasons(run)
    assert run.outcome("nodes.ready", "master-0.imeixner20210707.lab.upshift.rdu2.redhat.com") == (
        "passed"
    )
    assert run.outcome("cluster.operators", "machine-config") == "passed"
    assert run.outcome("upgrade.readiness", "machineconfigpool/worker") == "passed"


# --------------------------------------------------------------------------- log bundle


@pytest.fixture
def log_bundle(tmp_path: Path) -> Path:
    """The log bundle tarball as the installer writes it: ``log-bundle-<id>/...``, with the real
    bootkube journal and the empty resources/clusteroperators.json of an API that was down."""
    folder = tmp_path / "lb"
    shutil.copytree(LOG_BUNDLE, folder, ignore=shutil.ignore_patterns("*.md"))
    (folder / "resources").mkdir()
    (folder / "resources" / "clusteroperators.json").write_bytes(b"")
    (folder / "gather.log").write_text("Gathering bootstrap systemd summary ...\n")
    return archive(
        folder,
        tmp_path / "log-bundle-20240116210000.tar.gz",
        "w:gz",
        prefix="log-bundle-20240116210000/",
    )


def test_log_bundle_journals_are_classified_and_an_empty_resource_says_why(
    tmp_path: Path, log_bundle: Path
) -> None:
    src = SnapshotSource(log_bundle)
    assert src.layouts == {"log-bundle-20240116210000": "log-bundle"}
    assert [(log.host, log.unit) for log in src.logs] == [("bootstrap", "bootkube.service")]
    with pytest.raises(FactError, match="is empty: the API did not answer") as err:
        src.list(R.CLUSTEROPERATORS)
    assert "gather" in err.value.remediation
    inv = inventory(tmp_path, "ciscolive", "lab", [("bootstrap", "bootstrap", "127.0.0.1")])
    bundle = tmp_path / "triage.tar.gz"
    done = collect_bundle(inv, bundle, "--snapshot", str(log_bundle), "-q", wrap=OFFLINE)
    assert done.returncode in (0, 1), done.stderr
    with tarfile.open(bundle) as tar:
        findings = json.load(tar.extractfile("findings.json"))  # type: ignore[arg-type]
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        journal = tar.extractfile("hosts/bootstrap/journal/bootkube.service.log").read()  # type: ignore[union-attr]
    assert b"API is up" in journal
    [source] = [s for s in findings["sources"] if s["source"] == "bootkube.service"]
    assert source["host"] == "bootstrap" and source["lines"] == 23
    assert findings["summary"]["lines"] == 23
    [row] = [s for s in manifest["sources"] if s["kind"] == "cluster"]
    assert "is empty" in row["error"] and row["layouts"] == {
        "log-bundle-20240116210000": "log-bundle"
    }
    run = offline(log_bundle, inv, "-k", "cluster.operators")
    [rec] = run.results
    assert rec["outcome"] == "error" and "the API did not answer" in rec["message"]


# --------------------------------------------------------------------------- inspect, not collected


def test_inspect_output_and_what_it_did_not_collect(tmp_path: Path) -> None:
    """``oc adm inspect ns/openshift-ingress clusteroperators``: the layout, event-filter.html and
    timestamp; a namespace or resource it did not collect is NotCollected, with the command."""
    model = seed_cluster(seed_model(0), "127.20.0.105:20005")
    full = write_must_gather(model, tmp_path / "full")
    root = tmp_path / "inspect.local.123"
    for rel in ("cluster-scoped-resources/config.openshift.io", "namespaces/openshift-ingress"):
        shutil.copytree(full / rel, root / rel)
    (root / "event-filter.html").write_text("<html></html>\n")
    (root / "timestamp").write_text("2020-10-10 01:00:40 +0900 JST\n")
    src = SnapshotSource(root)
    assert src.layouts == {"": "inspect"}
    assert src.list(R.PODS, "openshift-ingress")
    with pytest.raises(NotCollected) as err:
        src.list(R.PODS, "openshift-marketplace")
    assert "not collected" in str(err.value)
    assert "oc adm inspect ns/openshift-marketplace" in err.value.remediation
    with pytest.raises(NotCollected) as err:
        src.list(R.NODES)
    assert "`oc adm inspect nodes`" in err.value.remediation
    again = import_error(export_error(err.value))  # handed to xdist workers and back
    assert isinstance(again, NotCollected) and again.remediation == err.value.remediation


def test_a_must_gather_skips_what_needs_the_sites_network_saying_so(
    tmp_path: Path, sno_with_service_logs: Path
) -> None:
    """No record in a must-gather: the checks that need the site's network are skipped with the
    reason (never probed from this laptop); the cluster checks run as before."""
    inv = inventory(
        tmp_path, "vrutkovs", "choomba.one", [("vrutkovs-sno", "master", "10.0.130.68")]
    )
    with inv.open("a") as out:
        out.write(
            "dns: {servers: [10.0.130.2]}\n"
            "load_balancer: {api: 10.0.130.10, api_int: 10.0.130.10, ingress: 10.0.130.11}\n"
            "mirror: {registry: registry.choomba.one:5000}\n"
        )
    run = run_suite(
        *PLUGINS,
        "-m",
        "preflight or postinstall",
        "--snapshot",
        str(sno_with_service_logs),
        inventory=inv,
        wrap=OFFLINE,
        timeout=180,
    )
    network = [r for r in run.results if r["check"].startswith(("dns.", "lb.port", "mirror."))]
    assert network, run.stdout[-3000:]
    for rec in network:
        assert rec["outcome"] == "skipped", rec
        if not rec["message"].startswith("inventory has no"):
            assert rec["message"].startswith("needs the site's network: not in this snapshot"), rec
    said = {r["check"] for r in network if r["message"].startswith("needs the site's network")}
    assert {"dns.forward", "dns.api", "lb.port", "mirror.access"} <= said, said
    assert not run.report["run"]["unreachable"]
    assert run.outcome("nodes.ready", "vrutkovs-sno") == "passed"
