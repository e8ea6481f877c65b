"""Each root-cause rule against the lab scenario it names (issue 22): the run's `causes` holds the
rule with its evidence (and, where the scenario breaks them too, the symptoms it explains), the
terminal prints it under "Start here" before pytest's failure sections; the clean site names no
cause."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from collectors.triage.causes import load_rules
from lab import Lab
from tests.suite import run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

FAST = {"UPI_HTTP_TIMEOUT": "3", "UPI_TCP_TIMEOUT": "2", "UPI_HTTP_RETRIES": "0"}

#: rule -> (the checks to run, the symptoms the scenario also shows, if any)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ignition.certificates_expiring": ("ignition.expiry", ()),
    "dns.missing_ptr": ("dns.reverse", ()),
    "mirror.ca_untrusted": ("mirror.cluster_trust", ()),
    "mirror.release_incomplete": ("mirror.release", ()),
    "mirror.credentials": ("mirror.access or mirror.release", ("mirror.release",)),
    "mirror.untrusted_here": ("mirror.access or mirror.release", ("mirror.release",)),
    # nginx on Debian does not enforce SELinux labels: http.served passes in the lab
    "webroot.selinux_label": ("selinux.http_content or http.served", ()),
    "dns.api_int_wrong": ("dns.api_int", ()),
    "dns.apps_wildcard_missing": ("dns.apps_wildcard", ()),
    "lb.router_not_fronted": ("lb.backends", ()),
    "lb.bootstrap_left": ("lb.bootstrap_removed", ()),
    "catalog.images_missing": ("mirror.operators", ()),
    "time.skew": ("time.sync", ()),
    "lb.frontend_unbound": ("lb.backends or lb.port", ("lb.port",)),
}
SCENARIO = {rule.id: rule.scenario for rule in load_rules()}


def test_every_rule_has_a_lab_case() -> None:
    assert set(CASES) == set(SCENARIO)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_the_rule_s_scenario_shows_its_cause(start_lab: Callable[..., Lab], rule: str) -> None:
    selection, symptoms = CASES[rule]
    lab = start_lab(SCENARIO[rule])
    run = run_suite(
        "-m", "preflight or postinstall", "-p", "no:randomly", "-k", selection,
        *(["--kubeconfig", str(lab.kubeconfig)] if lab.kubeconfig else []),
        inventory=lab.inventory_path, env=FAST, timeout=300,
    )  # fmt: skip
    causes = {c["id"]: c for c in run.report.get("causes", [])}
    assert rule in causes, (rule, list(causes), run.stdout[-3000:])
    cause = causes[rule]
    assert cause["evidence"] and cause["fix"], cause
    for check in symptoms:
        assert any(e.get("check") == check for e in cause["explains"]), cause
    top = run.stdout.index("Start here")
    assert f"[{rule}]" in run.stdout[top:], run.stdout[-3000:]
    if "= FAILURES =" in run.stdout:
        assert top < run.stdout.index("= FAILURES ="), "Start here comes before pytest's failures"


def test_the_clean_site_names_no_cause(start_lab: Callable[..., Lab]) -> None:
    lab = start_lab("clean", parts=("bastion", "registry"))
    run = run_suite(
        "-m", "preflight", "-p", "no:randomly", inventory=lab.inventory_path, env=FAST,
        timeout=300,
    )  # fmt: skip
    assert run.results and run.report["causes"] == [], run.report.get("causes")
    assert "Start here" not in run.stdout
