"""Many sites on one page: ``python -m reports merge``, and the README's CI example run as written
(its site jobs against two labs, then its merge job), the page opened in headless Chromium."""

from __future__ import annotations

import html
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab import packages
from reports.__main__ import main as reports_main
from reports.merge import MergeInputError, load_report, merge_reports, render_fleet_html
from tests.chromium import render
from tests.suite import ROOT


def readme_ci() -> dict[str, Any]:
    """The GitLab CI example between the README's fleet-ci markers, parsed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- fleet-ci:start -->\n```yaml\n(.*?)```\n<!-- fleet-ci:end -->", text, re.S)
    assert m, "README has no fleet-ci example"
    return yaml.safe_load(m.group(1))


def upi_conformance(bin_dir: Path) -> None:
    """``upi-conformance`` on PATH: the installed console script, else pytest from the suite's root
    with the suite's configuration (what the console script does)."""
    installed = Path(sys.executable).parent / "upi-conformance"
    script = bin_dir / "upi-conformance"
    if installed.exists():
        script.symlink_to(installed)
        return
    script.write_text(
        "#!/bin/sh\n"
        f"exec {shlex.quote(sys.executable)} -m pytest --rootdir={shlex.quote(str(ROOT))} "
        f'-c {shlex.quote(str(ROOT / "pytest.ini"))} {shlex.quote(str(ROOT / "checks"))} "$@"\n'
    )
    script.chmod(0o755)


def run_job(job: dict[str, Any], cwd: Path, env: dict[str, str]) -> None:
    for line in job["script"]:
        done = subprocess.run(
            ["bash", "-ec", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


@pytest.mark.lab  # starts the lab's servers
def test_readme_ci_example_runs_two_sites_and_merges_them(start_lab, tmp_path: Path) -> None:  # noqa: ANN001
    ci = readme_ci()
    assert ci["stages"] == ["check", "fleet"]
    site_job, fleet_job = ci["site"], ci["fleet"]
    assert fleet_job["when"] == "always" and site_job["artifacts"]["when"] == "always"
    names = site_job["parallel"]["matrix"][0]["SITE"]
    assert len(names) == 2
    scenarios = dict(zip(names, ("clean", "missing-ptr"), strict=True))
    work, bin_dir = tmp_path / "ci", tmp_path / "bin"
    (work / "sites").mkdir(parents=True)
    bin_dir.mkdir()
    upi_conformance(bin_dir)
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("UPI_")}
    env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), env["PATH"]])
    env["PYTHONPATH"] = str(ROOT)  # `python -m reports` from the job's folder, as an install has
    for site, scenario in scenarios.items():
        lab = start_lab(scenario)
        (work / "sites" / f"{site}.yaml").symlink_to(lab.inventory_path)
        run_job(site_job, work, {**env, "SITE": site})
        assert (work / "out" / f"{site}.json").is_file()
    run_job(fleet_job, work, env)

    out = work / "out"
    assert sorted(fleet_job["artifacts"]["paths"]) == sorted(
        f"out/{n}" for n in ("fleet.html", "fleet.json", "fleet.xml")
    )
    fleet = json.loads((out / "fleet.json").read_text())
    by_source = {Path(s["source"]).name: s for s in fleet["sites"]}
    assert set(by_source) == {f"{n}.json" for n in names}
    clean, broken = (by_source[f"{n}.json"] for n in names)
    assert clean["summary"]["failed"] == clean["summary"]["error"] == 0
    assert broken["summary"]["failed"] >= 1
    assert clean["site"] != broken["site"]  # one cluster name: the file tells them apart
    failing = {(r["site"], r["check"], r["subject"]) for r in fleet["results"]
               if r["outcome"] == "failed"}  # fmt: skip
    assert (broken["site"], "dns.reverse", "i1.ocp45.example.localdomain") in failing
    assert all(site == broken["site"] for site, _, _ in failing)

    suites = ET.parse(out / "fleet.xml").getroot().findall("testsuite")
    assert {s.get("name") for s in suites} == {clean["site"], broken["site"]}
    assert sum(int(s.get("tests")) for s in suites) == len(fleet["results"])

    packages.ensure(["chromium"])
    rendered = render(out / "fleet.html", tmp_path / "fleet.png")
    assert rendered.console == [], rendered.console
    dom = html.unescape(rendered.dom)
    for site in (clean, broken):  # every site has its column and its section
        assert f'<th data-site="{site["site"]}">' in dom
        assert '<section class="site" id="' in dom and f'data-site="{site["site"]}"' in dom
    for rec in fleet["results"]:
        if rec["outcome"] == "failed":
            assert rec["message"] in dom and rec["remediation"] in dom
    cells = re.findall(r'class="cell outcome-failed" data-check="([^"]+)" data-site="([^"]+)"', dom)
    assert ("dns.reverse", broken["site"]) in cells
    assert all(site == broken["site"] for _, site in cells)
    assert (tmp_path / "fleet.png").read_bytes().startswith(b"\x89PNG")


def report(site: str, outcome: str = "failed", **run: Any) -> dict[str, Any]:
    return {
        "summary": {},
        "run": {"cluster": site, **run},
        "results": [
            {"check": "dns.api", "subject": f"api.{site}", "outcome": outcome,
             "message": "expected A 10.0.0.5; found NXDOMAIN", "remediation": "add the A record"},
            {"check": "lb.port", "subject": "api:6443", "outcome": "passed", "message": "",
             "remediation": ""},
        ],
    }  # fmt: skip


def bundle_with(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_merge_reads_reports_and_bundles_and_names_what_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = tmp_path / "a.json"
    a.write_text(json.dumps(report("dc1.example.com")))
    b = bundle_with(
        tmp_path / "b.tar.gz",
        {
            "bundle/manifest.json": b"{}",
            "bundle/results/report.json": json.dumps(report("dc2.example.com", "error")).encode(),
        },
    )
    not_json = tmp_path / "c.json"
    not_json.write_text("<html>")
    no_report = bundle_with(tmp_path / "d.tar.gz", {"bundle/manifest.json": b"{}"})
    out = tmp_path / "out"
    code = reports_main(
        ["merge", str(a), str(b), str(not_json), str(no_report), "--html", str(out / "f.html"),
         "--json", str(out / "f.json"), "--junit", str(out / "f.xml")]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert f"{not_json}: not JSON" in err and f"{no_report}: the bundle holds no results/" in err
    fleet = json.loads((out / "f.json").read_text())
    assert [s["site"] for s in fleet["sites"]] == ["dc1.example.com", "dc2.example.com"]
    assert fleet["summary"] == {"passed": 2, "failed": 1, "error": 1, "skipped": 0}
    assert len(fleet["unreadable"]) == 2
    page = (out / "f.html").read_text()
    assert "Reports that could not be read" in page and "d.tar.gz" in page
    xml_root = ET.parse(out / "f.xml").getroot()
    dc2 = next(s for s in xml_root.iter("testsuite") if s.get("name") == "dc2.example.com")
    assert dc2.get("errors") == "1" and dc2.find("testcase/error") is not None
    props = {p.get("name"): p.get("value") for p in dc2.iter("property")}
    assert props["site"] == "dc2.example.com" and props["check"] in ("dns.api", "lb.port")
    assert reports_main(["merge", str(a), "--html", str(out / "g.html")]) == 0


def test_merge_refuses_hostile_inputs_with_a_message(tmp_path: Path) -> None:
    big = bundle_with(tmp_path / "big.tar.gz", {"x/results/report.json": b"{" + b" " * 5000})
    with pytest.raises(MergeInputError, match="over the cap of 1000"):
        load_report(big, limit=1000)
    with tarfile.open(tmp_path / "link.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("x/results/report.json")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(MergeInputError, match="not a regular file"):
        load_report(tmp_path / "link.tar.gz")
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(big.read_bytes()[:40])
    with pytest.raises(MergeInputError, match="not a readable .tar.gz bundle"):
        load_report(truncated)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"results": [{"check": "x", "subject": "y", "outcome": "meh"}]}))
    with pytest.raises(MergeInputError, match=r"results\[0\]\.outcome: unknown outcome 'meh'"):
        load_report(bad)


def test_hostile_site_names_and_messages_stay_text(tmp_path: Path) -> None:
    evil = '<script>alert(1)</script>"\x00'
    hostile = report(evil, run_host=evil)
    hostile["results"][0]["message"] = evil
    fleet = merge_reports([load_report_from(tmp_path, hostile)])
    page = render_fleet_html(fleet)
    assert "<script>" not in page and "&lt;script&gt;" in page and "\\x00" in page
    from reports.merge import fleet_junit

    ET.fromstring(fleet_junit(fleet).split("\n", 1)[1])  # still well-formed XML


def load_report_from(tmp_path: Path, data: dict[str, Any]):  # noqa: ANN201
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    return load_report(path)


def test_each_site_says_its_causes_first() -> None:
    """A site's section opens with its root causes (Start here), before its failures; a report
    written before the suite had causes gets them worked out from its results."""
    from reports.merge import SiteReport, merge_reports, render_fleet_html

    old = {"results": [
        {"check": "dns.apps_wildcard", "subject": "apps", "outcome": "failed", "message": "m",
         "remediation": "add the wildcard"},
        {"check": "cluster.operators", "subject": "console", "outcome": "failed",
         "message": "Degraded", "remediation": "oc describe clusteroperator console"}]}  # fmt: skip
    new = {"results": [], "causes": [{"id": "x.y", "title": "Certificates <expire>", "fix": "f",
           "evidence": [], "explains": [], "deadline_hours": 0.5}]}  # fmt: skip
    fleet = merge_reports([SiteReport("old.json", old), SiteReport("new.json", new)])
    assert [c["id"] for c in fleet["sites"][0]["causes"]] == ["dns.apps_wildcard_missing"]
    page = render_fleet_html(fleet)
    old_section = page[page.index('data-site="old.json"><h2>') :]
    assert old_section.index("Start here") < old_section.index('<table class="failures">')
    assert "explains 1 failure(s)" in old_section
    assert "<b>Certificates &lt;expire&gt;</b> (0.5 h left)" in page
