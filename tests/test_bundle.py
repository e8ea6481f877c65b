"""Triage bundles from the lab: real journals read over real SSH, faults recorded, atomic output."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from lab import Lab
from tests.suite import collect_bundle, run_suite

EXPECTED = {
    ("bootkube.manifest_failed", "bs", "cluster-ingress-02-config.yml"),
    ("haproxy.server_down", "lb", "machine_config/m3"),
    ("kubelet.node_not_found", "m2", "m2.ocp45.example.localdomain"),
    ("crio.manifest_unknown", "m1", ""),
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    with Lab(
        tmp_path_factory.mktemp("lab-bundle"),
        "clean",
        parts=("bastion", "journals"),
        max_seconds=900,
    ) as lab:
        yield lab


def inventory(lab: Lab, name: str, edit=None) -> Path:
    """The lab's inventory with bs, m1-m3 read over the lab's sshd, the seed-style haproxy log."""
    inv = yaml.safe_load(lab.inventory_path.read_text())
    bastion = inv["bastion"]["ssh"]
    for node in inv["nodes"]:
        if "journal_dir" in node:
            node["ssh"] = bastion
    inv["load_balancer"]["log"] = lab.journals["haproxy_log"]
    if edit:
        edit(inv)
    path = lab.workdir / name
    path.write_text(yaml.safe_dump(inv, sort_keys=False))
    return path


def collect(
    inv: Path, out: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    fast = {"UPI_SSH_CONNECT_TIMEOUT": "3", **(env or {})}
    return collect_bundle(inv, out, timeout=240, env=fast)


def unpack(bundle: Path, into: Path) -> Path:
    with tarfile.open(bundle) as tar:
        tar.extractall(into, filter="data")
    return into


def sources(manifest: dict) -> dict[str, dict]:
    return {s["path"]: s for s in manifest["sources"]}


@pytest.mark.lab
def test_bundle_over_ssh_has_the_layout_and_only_the_lines_that_matter(lab, tmp_path):
    inv = inventory(lab, "site-ssh.yaml")
    done = collect(inv, tmp_path / "triage.tar.gz")
    assert done.returncode == 0, done.stderr  # complete (the cluster part is skipped: none given)
    for host in ("bs", "m1", "m2", "m3", "lb", "bastion"):
        assert f"collect {host}: " in done.stderr  # per-host progress
    root = unpack(tmp_path / "triage.tar.gz", tmp_path / "x")
    for rel in (
        "manifest.json",
        "findings.json",
        "results/junit.xml",
        "hosts/bs/journal/bootkube.service.json",
        "hosts/m1/journal/crio.service.json",
        "hosts/lb/haproxy.cfg",
        "hosts/lb/haproxy.log",
        "hosts/bastion/.openshift_install.log",
    ):
        assert (root / rel).is_file(), rel
    first = json.loads(
        (root / "hosts/bs/journal/bootkube.service.json").read_text().splitlines()[0]
    )
    assert first["_SYSTEMD_UNIT"] == "bootkube.service"  # journalctl -o json, for real

    findings = json.loads((root / "findings.json").read_text())
    assert {(f["id"], f["host"], f["key"]) for f in findings["findings"]} == EXPECTED
    for f in findings["findings"]:
        assert f["count"] >= 1 and f["sample"] and f["unit"] and f["first"]

    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["tool"]["version"] == "0.1.0"
    assert (
        manifest["inventory"]["digest"] == "sha256:" + hashlib.sha256(inv.read_bytes()).hexdigest()
    )
    rows = sources(manifest)
    assert rows["hosts/bs/journal/bootkube.service.json"]["status"] == "ok"
    assert rows["hosts/m1/journal/bootkube.service.json"]["status"] == "empty"  # whichever exist
    assert rows["hosts/bs/journal/bootkube.service.json"]["origin"].startswith("journalctl -D ")
    assert all(r["started"] and r["seconds"] >= 0 for r in manifest["sources"])
    cluster = [r for r in manifest["sources"] if r["kind"] == "cluster"]
    assert cluster[0]["status"] == "skipped" and "--snapshot" in cluster[0]["error"]

    junit = ET.parse(root / "results/junit.xml").getroot()
    suite = next(s for s in junit.iter("testsuite") if s.get("name") == "findings")
    assert int(suite.get("failures")) == len(EXPECTED) == len(suite.findall("testcase"))


FAKE_JOURNALCTL = """#!/bin/sh
# a journalctl without -o json on m2; one that breaks half-way on m1; one that hangs after
# printing on bs; the real one elsewhere
case "$*" in
  *journals/bs*release-image*"-o json"*) /usr/bin/journalctl "$@"; sleep 60 ;;
  *journals/m2*"-o json"*) echo "journalctl: unknown output format 'json'" >&2; exit 1 ;;
  *journals/m1*"-o json"*) /usr/bin/journalctl "$@" | head -n 2
    echo "Error was encountered while opening journal files: Input/output error" >&2
    exit 1 ;;
esac
exec /usr/bin/journalctl "$@"
"""


@pytest.mark.lab
def test_faults_are_recorded_and_the_bundle_is_still_written(lab, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "journalctl").write_text(FAKE_JOURNALCTL)
    (bindir / "journalctl").chmod(0o755)
    installdir = tmp_path / "installdir"
    installdir.mkdir()
    garbage = os.urandom(3000) + b"\n" + b"tail line that is kept\n"
    (installdir / ".openshift_install.log").write_bytes(
        b"head line that is cut\n" + os.urandom(200_000) + garbage
    )

    # a key of this test's own whose sessions find the fake journalctl first on the PATH
    key = tmp_path / "id_fake_path"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    with (lab.workdir / "sshd" / "authorized_keys").open("a") as keys:
        keys.write(
            f'environment="PATH={bindir}:/usr/bin:/bin" {key.with_suffix(".pub").read_text()}'
        )

    def edit(inv):
        closed = f"root@{lab.ip(23)}:{lab.port(19)}"
        inv["ssh"]["key"] = str(key)
        for node in inv["nodes"]:
            if node["name"] == "m3":
                node["ssh"] = closed  # nothing listens there
        inv["load_balancer"]["ssh"] = "nobody@" + inv["bastion"]["ssh"].split("@")[1]  # auth fails
        inv["ignition"]["dir"] = str(installdir)

    out = tmp_path / "triage.tar.gz"
    out.write_text("an older bundle")
    done = collect(
        inventory(lab, "site-faults.yaml", edit),
        out,
        env={"UPI_COLLECT_MAX_BYTES": "4096", "UPI_SSH_COMMAND_TIMEOUT": "3"},
    )
    assert done.returncode == 1, done.stderr
    assert "bundle written" in done.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    root = unpack(out, tmp_path / "x")
    manifest = json.loads((root / "manifest.json").read_text())
    rows = sources(manifest)
    assert manifest["status"] == "incomplete"

    m3 = rows["hosts/m3/journal/kubelet.service.json"]
    assert m3["status"] == "failed" and "connection refused" in m3["error"]
    assert manifest["hosts"]["m3"]["status"] == "failed"
    lb = rows["hosts/lb/haproxy.cfg"]
    assert lb["status"] == "failed" and "authentication failed for user nobody" in lb["error"]

    no_json = rows["hosts/m2/journal/kubelet.service.json"]
    assert no_json["status"] == "failed" and "unknown output format" in no_json["error"]
    assert no_json["fallback"]["status"] == "ok"  # plain journalctl output instead
    assert (
        'node "m2.ocp45.example.localdomain" not found'
        in (root / "hosts/m2/journal/kubelet.service.log").read_text()
    )

    broken = rows["hosts/m1/journal/kubelet.service.json"]
    assert broken["status"] == "partial" and "Input/output error" in broken["error"]
    assert (
        len((root / "hosts/m1/journal/kubelet.service.json").read_text().splitlines()) == 2
    )  # kept

    slow = rows["hosts/bs/journal/release-image.service.json"]
    assert slow["status"] == "partial" and "timed out after 3s" in slow["error"]
    assert (
        "Pulled registry" in (root / "hosts/bs/journal/release-image.service.json").read_text()
    )  # kept

    log = rows["hosts/bastion/.openshift_install.log"]
    assert log["status"] == "ok" and log["truncated"] and log["bytes"] == 4096
    assert any("binary" in n for n in log["notes"])
    kept = (root / "hosts/bastion/.openshift_install.log").read_text()
    assert kept.endswith("tail line that is kept\n") and "head line" not in kept

    findings = json.loads((root / "findings.json").read_text())
    ids = {(f["id"], f["host"], f["key"]) for f in findings["findings"]}
    assert (
        "kubelet.node_not_found",
        "m2",
        "m2.ocp45.example.localdomain",
    ) in ids  # from the fallback
    assert ("bootkube.manifest_failed", "bs", "cluster-ingress-02-config.yml") in ids


@pytest.mark.lab
def test_lb_without_a_log_file_reads_the_haproxy_journal(lab, tmp_path):
    def edit(inv):
        del inv["load_balancer"]["log"]
        inv["ssh"]["journal_dir"] = lab.journals["journal_dir"]["lb"]

    done = collect(inventory(lab, "site-lbjournal.yaml", edit), tmp_path / "b.tar.gz")
    root = unpack(tmp_path / "b.tar.gz", tmp_path / "x")
    rows = sources(json.loads((root / "manifest.json").read_text()))
    assert rows["hosts/lb/journal/haproxy.service.json"]["status"] == "ok", done.stderr
    findings = json.loads((root / "findings.json").read_text())
    assert [(f["id"], f["key"]) for f in findings["findings"] if f["host"] == "lb"] == [
        ("haproxy.server_down", "machine_config/m3")
    ]


@pytest.mark.lab
def test_bundle_option_on_a_pytest_run_carries_its_results(lab, tmp_path):
    out = tmp_path / "run.tar.gz"
    page = tmp_path / "report.html"
    run = run_suite(
        "-m",
        "preflight",
        "-k",
        "dns.api or lb.port",
        "--bundle",
        str(out),
        f"--report-html={page}",
        inventory=inventory(lab, "site-run.yaml"),
        env={"UPI_SSH_CONNECT_TIMEOUT": "3"},
    )
    assert run.results, run.stdout[-2000:]
    assert "collect bs: " in run.stdout
    root = unpack(out, tmp_path / "x")
    report = json.loads((root / "results/report.json").read_text())
    assert report == run.report
    junit = ET.parse(root / "results/junit.xml").getroot()
    checks = next(s for s in junit.iter("testsuite") if s.get("name") == "checks")
    assert int(checks.get("tests")) == len(run.results)
    first = next(checks.iter("testcase"))
    props = {p.get("name"): p.get("value") for p in first.iter("property")}
    assert props == {"check": run.results[0]["check"], "subject": run.results[0]["subject"]}
    findings = json.loads((root / "findings.json").read_text())
    assert {(f["id"], f["host"], f["key"]) for f in findings["findings"]} == EXPECTED
    # the page goes into the bundle, and the run's own page, with the top log findings
    bundled = (root / "results/report.html").read_text()
    assert bundled == page.read_text()
    assert "Top log findings" in bundled and "machine_config/m3" in bundled


def test_a_bad_inventory_stops_with_its_file_and_line(tmp_path):
    bad = tmp_path / "site.yaml"
    bad.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\n"
        "nodes:\n  - {name: m1, role: boss, ip: 1.2.3.4}\n"
    )
    done = collect(bad, tmp_path / "b.tar.gz")
    assert done.returncode == 2 and f"{bad}:3: nodes[0].role" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "b.tar.gz").exists()


def test_node_journals_are_read_on_the_node_never_here(tmp_path):
    """ssh.journal_dir names a folder on each node: a node that cannot be reached is a failed
    source, not this machine's own journal filed under the node's name."""
    inv = tmp_path / "site.yaml"
    inv.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\n"
        "ssh: {user: core, port: 1, journal_dir: /var/log/journal, key: /nonexistent/key}\n"
        "nodes:\n  - {name: bs, role: bootstrap, ip: 127.0.0.1}\n"
    )
    out = tmp_path / "b.tar.gz"
    done = collect(inv, out)
    assert out.exists(), done.stderr
    root = unpack(out, tmp_path / "x")
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["hosts"]["bs"]["status"] == "failed", manifest["hosts"]
    assert "core@127.0.0.1:1" in (manifest["hosts"]["bs"]["error"] or "") + json.dumps(
        manifest["sources"]
    )
    assert not list((root / "hosts").glob("bs/journal/*"))
