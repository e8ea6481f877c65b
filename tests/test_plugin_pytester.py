"""The suite's plugin in-process (pytester): each outcome of a check becomes its record.

A tiny check module in pytester's folder uses ``@check`` like the suite's own checks: one subject
passes, one fails with a verdict, one errors with a FactError, one skips, and one has no inventory
key; the JSON report and the JUnit properties are read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.suite import check_module

pytest_plugins = ["pytester"]

INVENTORY = "cluster: {name: ocp45, base_domain: example.localdomain}\n"

CHECK_MODULE = """
from checks.base import check, expect, failed, passed
from collectors.errors import FactError, NotApplicable


def gather(site, subject):
    if subject == "broken":
        raise FactError("server 127.0.0.1:1 did not answer").with_remediation("start it")
    if subject == "absent":
        raise NotApplicable("nothing to check here")
    return subject


@check("demo.subjects", title="demo", markers=["preflight"], subject="a word",
       fails_when="the word is bad", remediation="use a good word",
       subjects=lambda site: ["good", "bad", "broken", "absent"], gather=gather)
def test_demo(facts):
    if facts == "good":
        expect(passed("a good word"))
    else:
        expect(failed(expected="good", found=facts, remediation="say good"))


@check("demo.needs_key", title="demo", markers=["preflight"], subject="cluster",
       fails_when="never", remediation="none", subjects=lambda site: ["cluster"],
       requires=["mirror.registry"])
def test_needs_key(facts):
    expect(passed())
"""


@pytest.fixture
def demo(pytester: pytest.Pytester) -> Iterator[pytest.Pytester]:
    """pytester with the demo check module and an inventory; the demo ids leave the registry."""
    with check_module(pytester, CHECK_MODULE, INVENTORY) as ready:
        yield ready


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    out = pytester.path / "report.json"
    result = pytester.runpytest_inprocess(
        "--inventory",
        str(pytester.path / "site.yaml"),
        "--report-json",
        str(out),
        *args,
    )
    return result, json.loads(out.read_text())


def outcomes(report: dict) -> dict[tuple[str, str], dict]:
    return {(r["check"], r["subject"]): r for r in report["results"]}


def test_every_outcome_becomes_one_record(demo: pytest.Pytester) -> None:
    result, report = run(demo)
    records = outcomes(report)
    assert records["demo.subjects", "good"]["outcome"] == "passed"
    assert records["demo.subjects", "good"]["message"] == "a good word"
    bad = records["demo.subjects", "bad"]
    assert (bad["outcome"], bad["message"], bad["remediation"]) == (
        "failed",
        "expected good; found bad",
        "say good",
    )
    broken = records["demo.subjects", "broken"]
    assert broken["outcome"] == "error"
    assert broken["message"] == "server 127.0.0.1:1 did not answer"
    assert broken["remediation"] == "start it"
    assert records["demo.subjects", "absent"]["outcome"] == "skipped"
    assert records["demo.subjects", "absent"]["message"] == "nothing to check here"
    needs = records["demo.needs_key", "-"]
    assert (needs["outcome"], needs["message"]) == ("skipped", "inventory has no mirror.registry")
    assert report["summary"] == {"passed": 1, "failed": 1, "error": 1, "skipped": 2}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_fact_error_is_reported_as_an_error_in_setup(demo: pytest.Pytester) -> None:
    result, _ = run(demo, "-rA")
    result.stdout.fnmatch_lines(
        ["*ERROR*test_demo*broken*", "*1 failed, 1 passed, 2 skipped, 1 error*"]
    )
    assert "demo.subjects [broken]: server 127.0.0.1:1 did not answer" in result.stdout.str()


def test_junit_carries_check_and_subject(demo: pytest.Pytester) -> None:
    junit = demo.path / "junit.xml"
    run(demo, f"--junitxml={junit}")
    text = junit.read_text()
    assert '<property name="check" value="demo.subjects"' in text
    assert '<property name="subject" value="bad"' in text


def test_k_selects_by_check_id(demo: pytest.Pytester) -> None:
    _, report = run(demo, "-k", "demo.needs_key")
    assert {r["check"] for r in report["results"]} == {"demo.needs_key"}


def test_marker_selection_and_strict_markers(demo: pytest.Pytester) -> None:
    _, report = run(demo, "-m", "postinstall")
    assert report["results"] == []
    inventory = str(demo.path / "site.yaml")
    result = demo.runpytest_inprocess("-m", "preflight", "--inventory", inventory)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_subjects_function_that_raises_errors_only_its_check(demo: pytest.Pytester) -> None:
    demo.makepyfile(
        test_other="""
from checks.base import check, expect, passed

def boom(site):
    raise KeyError("surprise")

@check("demo.boom", title="demo", markers=["preflight"], subject="x", fails_when="never",
       remediation="none", subjects=boom)
def test_boom(facts):
    expect(passed())
"""
    )
    _, report = run(demo)
    records = outcomes(report)
    assert records["demo.boom", "-"]["outcome"] == "error"
    assert "cannot list the subjects of demo.boom: KeyError" in records["demo.boom", "-"]["message"]
    assert records["demo.subjects", "good"]["outcome"] == "passed"
