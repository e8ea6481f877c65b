"""The root-cause rules (collectors/triage/causes.yaml) and their linking (issue 22): every rule
says why and from where and names a lab scenario; every check and finding it names exists; a
cause never explains a symptom that did not happen; docs/causes.md is generated from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.base import REGISTRY
from collectors.errors import InputError
from collectors.triage.catalog import load_catalog
from collectors.triage.causes import link, load_rules, markdown_rules, parse_rules
from lab.core import SCENARIOS
from reports.catalog import load_checks

RULES = load_rules()
DOC = Path(__file__).resolve().parent.parent / "docs" / "causes.md"


def test_there_are_at_least_twelve_rules_each_with_reason_source_and_scenario() -> None:
    assert len(RULES) >= 12
    load_checks()  # fills REGISTRY
    findings = {e.id for e in load_catalog().entries}
    for rule in RULES:
        assert len(rule.reason) > 60 and rule.source and rule.fix, rule.id
        assert "seed 00" in rule.source or "docs" in rule.source, rule.id
        assert rule.scenario in SCENARIOS, (rule.id, rule.scenario)
        for m in (*rule.evidence, *rule.explains):
            if m.check is not None:
                assert m.check in REGISTRY, (rule.id, m.check)
            else:
                assert m.finding in findings, (rule.id, m.finding)


def test_docs_causes_md_is_in_step_with_the_rules() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown_rules(RULES), (
        "docs/causes.md is out of date: run `python -m collectors.triage.causes > docs/causes.md`"
    )


def test_a_broken_rule_is_named() -> None:
    with pytest.raises(InputError, match="rule r1: scope is site or node"):
        parse_rules("c.yaml", {"rules": [{
            "id": "r1", "title": "t", "reason": "r", "source": "s", "scenario": "x",
            "scope": "planet", "evidence": [{"check": "a"}], "explains": [{"check": "b"}],
            "fix": "f"}]})  # fmt: skip
    with pytest.raises(InputError, match="either a check or a finding"):
        parse_rules("c.yaml", {"rules": [{
            "id": "r1", "title": "t", "reason": "r", "source": "s", "scenario": "x",
            "scope": "site", "evidence": [{"subject": "a"}], "explains": [{"check": "b"}],
            "fix": "f"}]})  # fmt: skip


CHECKS = sorted({m.check for r in RULES for m in (*r.evidence, *r.explains) if m.check})
FINDINGS = sorted({m.finding for r in RULES for m in (*r.evidence, *r.explains) if m.finding})
records = st.lists(
    st.fixed_dictionaries(
        {
            "check": st.sampled_from(CHECKS),
            "subject": st.sampled_from(["w1.c.example", "localhost", "cluster", "api:6443", "i2"]),
            "outcome": st.sampled_from(["passed", "failed", "error", "skipped"]),
            "message": st.sampled_from(["", "x 0.5 h left", "401 unauthorized", "index image"]),
            "remediation": st.sampled_from(["", "do it"]),
        }
    ),
    max_size=30,
)
findings = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from([*FINDINGS, "unknown-0123456789"]),
            "key": st.sampled_from(["", "localhost", "w1"]),
        }  # fmt: skip
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(records, findings)
def test_a_cause_never_explains_what_did_not_happen(recs, groups) -> None:
    bad = {(r["check"], r["subject"]) for r in recs if r["outcome"] in ("failed", "error")}
    failed = {(r["check"], r["subject"]) for r in recs if r["outcome"] == "failed"}
    present = {g["id"] for g in groups}
    causes = link(RULES, recs, groups)
    for cause in causes:
        assert cause["evidence"], cause
        for item in cause["evidence"]:
            assert (
                (item["check"], item["subject"]) in failed
                if "check" in item
                else (item["finding"] in present)
            ), (cause["id"], item)
        for item in cause["explains"]:
            assert (
                (item["check"], item["subject"]) in bad
                if "check" in item
                else (item["finding"] in present)
            ), (cause["id"], item)
            assert item not in cause["evidence"]
    hours = [c["deadline_hours"] for c in causes if "deadline_hours" in c]
    assert [c for c in causes[: len(hours)] if "deadline_hours" in c] == causes[: len(hours)]
    assert hours == sorted(hours)


def test_a_clean_run_names_no_cause() -> None:
    recs = [{"check": c, "subject": "s", "outcome": "passed", "message": "", "remediation": ""}
            for c in CHECKS]  # fmt: skip
    assert link(RULES, recs, []) == []


def test_deadlines_come_first_then_what_explains_most() -> None:
    recs = [
        {"check": "dns.apps_wildcard", "subject": "apps", "outcome": "failed", "message": ""},
        {"check": "cluster.operators", "subject": "console", "outcome": "failed", "message": ""},
        {
            "check": "ignition.expiry",
            "subject": "worker.ign",
            "outcome": "failed",
            "message": "expected ...; found 1 of 3 certificate(s) expired or expiring soon (0 "
            "expired); a: x notAfter y (0.7 h left)",
        },  # fmt: skip
    ]
    causes = link(RULES, recs, [])
    assert [c["id"] for c in causes] == [
        "ignition.certificates_expiring",
        "dns.apps_wildcard_missing",
    ]
    assert causes[0]["deadline_hours"] == 0.7
    assert causes[1]["explains"] == [{"check": "cluster.operators", "subject": "console"}]


def test_real_journal_lines_map_to_their_causes() -> None:
    """The known failures read from real logs (tests/real/logs) name the causes they belong to."""
    from collectors.triage.classify import Classifier

    real = Path(__file__).resolve().parent / "real" / "logs"
    wanted = {
        "okd4.5-release-image-x509-unknown-authority.journal.log": (
            "release-image.service", "mirror.ca_untrusted"),
        "okd4.4-bootkube-release-manifest-unknown.journal.log": (
            "bootkube.service", "mirror.release_incomplete"),
        "ocp4.3-ignition-x509-expired.console.log": ("ignition", "time.skew"),
        "crc1.12-kubelet-pull-x509-unknown-authority.events.log": (
            "kubelet.service", "mirror.ca_untrusted"),
    }  # fmt: skip
    for name, (source, cause) in wanted.items():
        c = Classifier()
        fmt = "text" if name.endswith((".console.log", ".events.log")) else "journal-text"
        c.feed_file(real / name, host="n1", source=source, fmt=fmt)
        groups = c.findings()["findings"]
        if cause == "time.skew":  # an expired-certificate line alone shows no cause; with the
            recs = [{"check": "time.sync", "subject": "ntp", "outcome": "failed"}]  # clock's
            found = link(RULES, recs, groups)
            explained = [e.get("finding") for c in found for e in c["explains"]]
            assert "ignition.x509_expired" in explained, found
            continue
        assert cause in [c["id"] for c in link(RULES, [], groups)], (name, groups)
