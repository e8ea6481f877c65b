"""Reports say what ran: the result JSON's ``run`` object, the HTML header and the JUnit
testsuite properties carry the same tool version, inventory, markers, -k, cluster source, host."""

from __future__ import annotations

import hashlib
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports.runinfo import describe_source, run_lines, tool_version
from tests.suite import run_suite

#: No check has its inputs in this inventory except the cluster name: the run needs no server.
SITE = (
    "cluster: {name: ocp45, base_domain: example.localdomain}\n"
    "nodes:\n  - {name: m1, role: master, ip: 127.0.0.9}\n"
)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_json_html_and_junit_say_what_ran(tmp_path: Path, workers: list[str]) -> None:
    inventory = tmp_path / "site.yaml"
    inventory.write_text(SITE)
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    html, junit = tmp_path / "r.html", tmp_path / "j.xml"
    run = run_suite(
        "-m", "preflight or postinstall", "-k", "dns or nodes", *workers,
        "--snapshot", str(snapshot), "--report-html", str(html), "--junitxml", str(junit),
        inventory=inventory,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    ran = run.report["run"]
    assert list(run.report) == ["summary", "run", "results", "causes"]
    assert ran["tool"] == f"upi-conformance {tool_version()}" and ran["version"] != ""
    assert ran["inventory"] == {
        "path": str(inventory.resolve()),
        "sha256": hashlib.sha256(inventory.read_bytes()).hexdigest(),
    }
    assert (ran["markers"], ran["keyword"]) == ("preflight or postinstall", "dns or nodes")
    assert ran["cluster_source"] == {"kind": "snapshot", "path": str(snapshot)}
    assert ran["host"] == socket.gethostname()
    assert ran["started"][:2] == "20" and ran["duration_s"] >= 0

    page = html.read_text(encoding="utf-8")
    for label, text in run_lines(ran):
        assert f'data-run="{label}"' in page and text.split(" (sha256")[0] in page
    props = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().iter("property")}
    assert props["run.tool"] == ran["tool"]
    assert props["run.inventory"] == ran["inventory"]["path"]
    assert props["run.inventory_sha256"] == ran["inventory"]["sha256"]
    assert props["run.markers"] == "preflight or postinstall"
    assert props["run.keyword"] == "dns or nodes"
    assert props["run.cluster_source"] == f"snapshot {snapshot}"
    assert props["run.host"] == ran["host"]


def test_a_preflight_run_names_no_cluster_and_a_live_one_its_context(tmp_path: Path) -> None:
    inventory = tmp_path / "site.yaml"
    inventory.write_text(SITE)
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text("apiVersion: v1\ncurrent-context: admin@ocp45\nusers: []\n")
    pre = run_suite("-m", "preflight", "-k", "dns.api", inventory=inventory)
    assert pre.report["run"]["cluster_source"]["kind"] == "none"
    live = run_suite(
        "-m", "postinstall", "-k", "csr", "--kubeconfig", str(kubeconfig), inventory=inventory
    )
    source = live.report["run"]["cluster_source"]
    assert source == {"kind": "live", "kubeconfig": str(kubeconfig), "context": "admin@ocp45"}
    assert "users" not in str(live.report["run"])
    assert describe_source(source) == f"live API, context admin@ocp45 (kubeconfig {kubeconfig})"
