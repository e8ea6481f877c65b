"""DNS and load balancer checks against the real lab: pass on the clean site, fail on each break.

Each scenario starts BIND (primary and secondary), HAProxy and the node ports once, runs the
preflight as a user would, and asserts the exact set of failing (check, subject) pairs.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from lab import Lab
from tests.suite import SuiteRun, run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

DOMAIN = "ocp45.example.localdomain"
NETWORK_CHECKS = {
    "dns.forward",
    "dns.reverse",
    "dns.api",
    "dns.api_int",
    "dns.apps_wildcard",
    "dns.consistency",
    "lb.port",
    "lb.backends",
    "lb.config",
}


def fqdn(name: str) -> str:
    return f"{name}.{DOMAIN}"


#: scenario -> the (check, subject) pairs that must fail; everything else must pass.
EXPECTED_FAILURES: dict[str, set[tuple[str, str]]] = {
    "clean": set(),
    "missing-ptr": {("dns.reverse", fqdn("i1"))},
    # m2's name resolves to m3's address: the LB cannot reach m2 either.
    "wrong-a": {("dns.forward", fqdn("m2")), ("lb.backends", "6443"), ("lb.backends", "22623")},
    "no-apps-wildcard": {("dns.apps_wildcard", f"*.apps.{DOMAIN}")},
    "api-int-on-api-vip": {("dns.api_int", f"api-int.{DOMAIN}")},
    "frontend-unbound": {("lb.port", "api_int:22623"), ("lb.backends", "22623")},
    "backend-missing-master": {("lb.backends", "6443")},
    "ingress-missing-infra": {("lb.backends", "80"), ("lb.backends", "443")},
    "compact-cluster": set(),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """One preflight run per scenario (labs run one after another, each stopped at once)."""
    out: dict[str, SuiteRun] = {}
    for scenario in [*EXPECTED_FAILURES, "stale-secondary"]:
        with Lab(tmp_path_factory.mktemp(scenario), scenario, max_seconds=600) as lab:
            junit = lab.workdir / "junit.xml"
            run = run_suite("-m", "preflight", f"--junitxml={junit}", inventory=lab.inventory_path)
            # the network lab has no bastion, ignition or mirror: those checks skip; keep ours
            run.report["results"] = [r for r in run.results if r["check"] in NETWORK_CHECKS]
            run.junit = junit.read_text()  # type: ignore[attr-defined]
            run.secondary = lab.inventory["dns"]["servers"][1]  # type: ignore[attr-defined]
            out[scenario] = run
    return out


@pytest.mark.parametrize("scenario", list(EXPECTED_FAILURES))
def test_scenario_fails_exactly_what_it_breaks(runs: dict[str, SuiteRun], scenario: str) -> None:
    run = runs[scenario]
    assert run.results, run.stdout + run.stderr
    assert run.failing() == EXPECTED_FAILURES[scenario], run.stdout[-4000:]
    assert {r["outcome"] for r in run.results} <= {"passed", "failed"}
    assert run.returncode == (1 if EXPECTED_FAILURES[scenario] else 0), run.stdout[-3000:]


def test_clean_site_covers_every_network_check(runs: dict[str, SuiteRun]) -> None:
    run = runs["clean"]
    assert {r["check"] for r in run.results} == NETWORK_CHECKS
    assert len(run.outcomes("dns.forward")) == 10
    # passed records say what was found too
    assert re.fullmatch(
        r"A 127\.\d+\.0\.21 on 2 server\(s\)", run.record("dns.forward", fqdn("m1"))["message"]
    )
    assert run.record("lb.backends", "6443")["message"].startswith("kube_api hold every one of")
    assert set(run.outcomes("lb.port")) == {
        "api:6443",
        "api_int:6443",
        "api_int:22623",
        "ingress:80",
        "ingress:443",
    }
    assert set(run.outcomes("lb.backends")) == {"6443", "22623", "80", "443"}


def test_missing_ptr_message_names_the_record_to_add(runs: dict[str, SuiteRun]) -> None:
    rec = runs["missing-ptr"].record("dns.reverse", fqdn("i1"))
    assert "NXDOMAIN" in rec["message"] and "expected PTR" in rec["message"]
    assert "41.0 IN PTR i1.ocp45.example.localdomain." in rec["remediation"]
    assert "named-checkconf -z" in rec["remediation"] and "localhost" in rec["remediation"]


def test_wrong_a_message_shows_what_each_server_said(runs: dict[str, SuiteRun]) -> None:
    rec = runs["wrong-a"].record("dns.forward", fqdn("m2"))
    assert "A 127." in rec["message"] and rec["message"].count("127.0.0.1:") == 2
    assert f"{fqdn('m2')}. IN A" in rec["remediation"]


def test_api_int_on_api_vip_says_which_vip(runs: dict[str, SuiteRun]) -> None:
    rec = runs["api-int-on-api-vip"].record("dns.api_int", f"api-int.{DOMAIN}")
    assert "load_balancer.api_int" in rec["message"] and ".111" in rec["message"]


def test_stale_secondary_fails_consistency_with_the_serials(runs: dict[str, SuiteRun]) -> None:
    run = runs["stale-secondary"]
    secondary = run.secondary  # type: ignore[attr-defined]
    rec = run.record("dns.consistency", secondary)
    assert rec["outcome"] == "failed"
    assert any("serial 2000091801" in d and "2000091802" in d for d in rec["details"])
    assert "serial 2000091801 (first server: 2000091802)" in rec["message"]
    assert "None" not in rec["message"]
    assert "rndc retransfer" in rec["remediation"]
    # the infra records the secondary lacks also fail the per-node checks ("on any server")
    assert run.outcome("dns.forward", fqdn("i1")) == "failed"
    assert run.outcome("dns.forward", fqdn("m1")) == "passed"


def test_frontend_unbound_is_a_refused_connection(runs: dict[str, SuiteRun]) -> None:
    rec = runs["frontend-unbound"].record("lb.port", "api_int:22623")
    assert "refused" in rec["message"] and "haproxy -c -f" in rec["remediation"]
    rec = runs["frontend-unbound"].record("lb.backends", "22623")
    assert "no bind on 22623" in rec["message"]


def test_backend_missing_master_names_the_server_line(runs: dict[str, SuiteRun]) -> None:
    rec = runs["backend-missing-master"].record("lb.backends", "6443")
    assert "master m2" in rec["message"]
    assert '"server m2 m2.ocp45.example.localdomain:6443 check"' in rec["remediation"]
    assert "backend kube_api" in rec["remediation"] and "haproxy -c -f" in rec["remediation"]


def test_ingress_missing_infra_expects_infra_nodes(runs: dict[str, SuiteRun]) -> None:
    rec = runs["ingress-missing-infra"].record("lb.backends", "443")
    assert "infra nodes" in rec["message"] and "infra i3" in rec["message"]
    assert "infra i1" not in rec["message"]


def test_junit_carries_check_and_subject_properties(runs: dict[str, SuiteRun]) -> None:
    tree = ET.fromstring(runs["missing-ptr"].junit)  # type: ignore[attr-defined]
    cases = {c.get("name"): c for c in tree.iter("testcase")}
    case = cases["dns.reverse[i1.ocp45.example.localdomain]"]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props == {"check": "dns.reverse", "subject": fqdn("i1")}
    assert case.find("failure") is not None


def test_report_json_shape(runs: dict[str, SuiteRun]) -> None:
    report = runs["missing-ptr"].report
    assert set(report) == {"summary", "run", "results", "causes"}
    assert report["summary"]["failed"] == 1 and report["summary"]["error"] == 0
    assert report["summary"]["passed"] >= 32
    for rec in report["results"]:
        assert {"check", "subject", "outcome", "message", "remediation", "nodeid"} <= set(rec)
        assert rec["nodeid"].startswith("checks/")
    json.dumps(report)


def test_results_identical_under_xdist(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("stale-secondary")
    serial = run_suite("-m", "preflight", inventory=lab.inventory_path)
    parallel = run_suite("-m", "preflight", "-n", "2", inventory=lab.inventory_path)
    assert (
        parallel.results == serial.results
        and parallel.report["summary"] == serial.report["summary"]
    )
    timing = ("started", "duration_s")
    assert {k: v for k, v in parallel.report["run"].items() if k not in timing} == {
        k: v for k, v in serial.report["run"].items() if k not in timing
    }
    assert serial.report["summary"]["failed"] > 0


def test_compact_cluster_wants_the_masters_behind_80_and_443(runs: dict[str, SuiteRun]) -> None:
    run = runs["compact-cluster"]
    for port in ("80", "443"):
        message = run.record("lb.backends", port)["message"]
        assert message.endswith("hold every one of the masters (compact cluster: no workers)")
    assert len(run.outcomes("dns.forward")) == 4  # the bootstrap and three masters


def test_clean_haproxy_cfg_passes_lb_config(runs: dict[str, SuiteRun]) -> None:
    (record,) = [r for r in runs["clean"].results if r["check"] == "lb.config"]
    assert record["outcome"] == "passed"
    assert record["message"].startswith("haproxy -c on this machine (HAProxy version ")
