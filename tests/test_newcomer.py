"""A newcomer's first hour: the one entry point ``upi-conformance`` (run here as
``python -m fixtures.cli``, what the console script calls) and what pytest users expect of it,
the draft inventory's own next command, and plain pytest outside the repository. Subprocesses;
every address is on loopback."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.suite import ROOT

SITE = (
    "cluster: {name: ocp45, base_domain: example.localdomain}\n"
    "dns: {servers: ['127.0.0.1:1']}\n"
    "load_balancer: {api: 127.0.0.5, api_int: 127.0.0.6}\n"
    "nodes:\n  - {name: m1, role: master, ip: 127.0.0.21}\n"
)


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("UPI_")}
    out.pop("PYTEST_ADDOPTS", None)
    out.update(PYTHONPATH=str(ROOT), UPI_DNS_TIMEOUT="0.3", XDG_CACHE_HOME=str(tmp_path / "cache"))
    out.update(extra)
    return out


def upi(*args: str, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fixtures.cli", *args],
        cwd=cwd, env=env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def folder(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(SITE)
    return site


def test_version_names_the_tool_then_pytest(tmp_path: Path) -> None:
    done = upi("--version", cwd=tmp_path, tmp_path=tmp_path)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0].startswith("upi-conformance "), done.stdout
    assert lines[1].startswith("pytest ")


def test_help_starts_with_the_tools_usage_and_options(tmp_path: Path) -> None:
    done = upi("--help", cwd=tmp_path, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("usage: upi-conformance")
    ours, general = out.index("OpenShift UPI conformance:"), out.index("\ngeneral:")
    assert ours < general, "the suite's options come before pytest's"
    assert out.index("--inventory") < general and out.index("--check") < general


def test_collect_only_without_inventory_lists_the_checks_with_a_note(tmp_path: Path) -> None:
    done = upi("--co", "-q", cwd=tmp_path, tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks/dns.py::dns.reverse[no-inventory]" in done.stdout
    assert "no --inventory" in done.stdout


def test_ids_are_readable_and_check_selects_exactly_one(tmp_path: Path) -> None:
    site = folder(tmp_path)
    by_k = upi(
        "--inventory", "site.yaml", "--co", "-q", "-k", "dns.api", cwd=site, tmp_path=tmp_path
    )
    assert "dns.api_int[" in by_k.stdout  # what -k does, and why --check exists
    done = upi("--inventory", "site.yaml", "--co", "-q", "--check", "dns.api", cwd=site,
               tmp_path=tmp_path)  # fmt: skip
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert ids == ["checks/dns.py::dns.api[api.ocp45.example.localdomain]"], done.stdout
    missing = upi("--inventory", "site.yaml", "--co", "-q", cwd=site, tmp_path=tmp_path).stdout
    assert "checks/mirror.py::mirror.operators[no-mirror.catalogs]" in missing
    assert "[-]" not in missing
    wrong = upi("--inventory", "site.yaml", "--check", "dns.ap", cwd=site, tmp_path=tmp_path)
    assert wrong.returncode == 4 and "did you mean dns.api" in wrong.stderr


def test_a_bad_marker_lists_only_the_tools_markers(tmp_path: Path) -> None:
    done = upi("-m", "prefligt", "--inventory", "site.yaml", cwd=folder(tmp_path),
               tmp_path=tmp_path)  # fmt: skip
    assert done.returncode == 4
    assert "the known markers are: preflight, postinstall\n" in done.stderr + "\n"
    assert "hypothesis" not in done.stderr and "xdist_group" not in done.stderr


def test_last_failed_uses_the_users_cache_and_node_ids_are_the_same_anywhere(
    tmp_path: Path,
) -> None:
    site = folder(tmp_path)
    sub = site / "deeper"
    sub.mkdir()
    before = sorted(p.name for p in site.rglob("*"))
    args = ("--check", "dns.forward", "--report-json")
    first = upi("--inventory", "site.yaml", *args, str(tmp_path / "a.json"), cwd=site,
                tmp_path=tmp_path)  # fmt: skip
    assert first.returncode == 1, first.stdout + first.stderr  # 127.0.0.1:1 answers no DNS
    assert (tmp_path / "cache" / "upi-conformance" / "v" / "cache" / "lastfailed").is_file()
    again = upi("--inventory", "../site.yaml", "--lf", "-p", "cacheprovider", "--report-json",
                str(tmp_path / "b.json"), cwd=sub, tmp_path=tmp_path)  # fmt: skip
    assert again.returncode == 1, again.stdout + again.stderr
    assert "run-last-failure: rerun previous 1 failure" in again.stdout
    ids = [[r["nodeid"] for r in json.loads((tmp_path / n).read_text())["results"]]
           for n in ("a.json", "b.json")]  # fmt: skip
    assert ids[0] == ids[1] == ["checks/dns.py::dns.forward[m1.ocp45.example.localdomain]"]
    assert sorted(p.name for p in site.rglob("*")) == before  # nothing beside the inventory


def test_plain_pytest_outside_the_repository_says_how_to_run_the_suite(tmp_path: Path) -> None:
    """As installed (only the hint's entry point loads): plain pytest with nothing to collect
    says how to run the suite; given the suite's options it runs the suite, the inventory's path
    in any folder (pytest would otherwise take it for a test path)."""
    quiet = env(tmp_path, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "fixtures.hint"],
        cwd=tmp_path, env=quiet, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "upi-conformance -m preflight --inventory site.yaml" in done.stdout + done.stderr
    assert done.returncode == 5
    site = folder(tmp_path) / "site.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "fixtures.hint", "-m", "preflight",
         "--inventory", str(site), "--co", "-q"],
        cwd=ROOT, env=quiet, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "dns.forward[" in done.stdout, done.stdout + done.stderr


def test_packaging_registers_the_suite_only_when_asked_for() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entry_points = project["project"]["entry-points"]["pytest11"]
    assert entry_points == {"upi-conformance-hint": "fixtures.hint"}
    assert project["tool"]["setuptools"]["py-modules"] == ["upi_conformance"]
    import upi_conformance

    assert upi_conformance.pytest_plugins == list(upi_conformance.PLUGINS)
    assert "PYTEST_DONT_REWRITE" in (upi_conformance.__doc__ or "")


FORWARD = """$ORIGIN example.localdomain.
$TTL 3600
@ IN SOA ns1 root 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 127.0.0.1
api.ocp45 IN A 127.0.0.5
api-int.ocp45 IN A 127.0.0.6
*.apps.ocp45 IN A 127.0.0.7
master0.ocp45 IN A 127.0.0.21
worker0.ocp45 IN A 127.0.0.31
"""


def test_the_drafts_own_command_runs_from_the_drafts_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "db.example.localdomain").write_text(FORWARD)
    made = upi("draft-inventory", "--zone", "db.example.localdomain", "-o", "site-draft.yaml",
               cwd=site, tmp_path=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    header = (site / "site-draft.yaml").read_text().splitlines()
    command = next(line[1:].strip() for line in header if "upi-conformance" in line)
    assert command == "upi-conformance -m preflight --inventory site-draft.yaml"
    argv = shlex.split(command)[1:]
    done = upi(*argv, "--report-json", str(tmp_path / "r.json"), cwd=site, tmp_path=tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "collected 0 items" not in done.stdout
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    assert {"dns.forward", "dns.reverse", "lb.port"} <= {r["check"] for r in results}


def test_the_demo_never_cuts_a_fix() -> None:
    from lab.demo import _summary_lines

    fix = "oc adm " + "x" * 600
    report = {
        "summary": {"passed": 0, "failed": 1, "error": 0, "skipped": 0},
        "results": [{"check": "a.b", "subject": "s", "outcome": "failed",
                     "message": "m" * 700, "remediation": fix}],
    }  # fmt: skip
    lines = _summary_lines("t", report, Path("out/report.json"))
    assert any(line.endswith(fix) for line in lines)
    assert any(line.endswith("… (whole in out/report.json)") for line in lines)


def test_fleet_columns_of_one_cluster_say_markers_source_and_start() -> None:
    from reports.merge import SiteReport, _unique_names

    def run(markers: str, kind: str, started: str, source: str) -> SiteReport:
        cluster_source = {"kind": kind, "path": "/b/bundle.tar.gz"} if kind else None
        return SiteReport(source, {"run": {"cluster": "ocp45.example.localdomain",
                                           "markers": markers, "cluster_source": cluster_source,
                                           "started": started}})  # fmt: skip

    reports = [
        run("preflight", "", "2026-12-06T09:00:00+00:00", "/r/report.json"),
        run("postinstall", "live", "2026-12-06T10:00:00+00:00", "/p/report.json"),
        run("postinstall", "live", "2026-12-06T11:30:00+00:00", "/q/report.json"),
        run("postinstall", "snapshot", "2026-12-06T12:00:00+00:00", "/o/off.json"),
    ]
    _unique_names(reports)
    names = [r.name for r in reports]
    assert len(set(names)) == 4 and not any("#" in n or "(" in n for n in names), names
    assert names[1] == "ocp45.example.localdomain · postinstall · live · 2026-12-06 10:00:00"
    assert names[3].split(" · ")[2] == "bundle" and names[0].split(" · ")[1] == "preflight"
