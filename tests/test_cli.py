"""``upi-conformance`` (fixtures/cli.py): the suite from any folder, with its own configuration.

Run here as ``python -m fixtures.cli`` with this checkout on PYTHONPATH, which is what the
console script calls; tests/test_kit.py runs the installed script itself.
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from fixtures import cli, plugin
from tests.suite import ROOT

GOOD = (
    "cluster: {name: ocp45, base_domain: example.localdomain}\n"
    "nodes:\n  - {name: m1, role: master, ip: 127.0.0.1}\n"
)
# Configuration a user may have beside the inventory: none of it may reach the suite's run.
STRAY = {
    "pytest.ini": "[pytest]\naddopts = --no-such-option\n",
    "tox.ini": "[pytest]\naddopts = --no-such-option\n",
    "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--no-such-option"\n',
    "conftest.py": "raise SystemExit('the user folder conftest was imported')\n",
}


def upi(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("UPI_")}
    env["PYTHONPATH"] = str(ROOT)
    env["XDG_CACHE_HOME"] = str(Path(tempfile.gettempdir()) / "upi-conformance-test-cache")
    env["UPI_DNS_TIMEOUT"] = "0.3"  # 127.0.0.1:1 answers no DNS query: an error, soon
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "fixtures.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def site_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site.yaml").write_text(GOOD + "dns: {servers: ['127.0.0.1:1']}\n")
    for name, text in STRAY.items():
        (folder / name).write_text(text)
    return folder


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_runs_the_checks_from_any_folder_and_writes_nothing_there(tmp_path: Path) -> None:
    folder = site_folder(tmp_path)
    before = listing(folder)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    done = upi(
        "-m", "preflight", "--inventory", "site.yaml", "--report-json", str(report), cwd=folder
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert listing(folder) == before  # no .pytest_cache, __pycache__ or anything else
    data = json.loads(report.read_text())
    checks = {r["check"] for r in data["results"]}
    assert "dns.forward" in checks and "cluster.operators" not in checks
    assert all(r["nodeid"].startswith("checks/") for r in data["results"]), data["results"][:2]
    assert data["summary"]["error"] >= 1  # 127.0.0.1:1 does not answer DNS
    assert "Traceback" not in done.stdout + done.stderr


def test_passes_every_pytest_option_through(tmp_path: Path) -> None:
    folder = site_folder(tmp_path)
    done = upi(
        "-m", "preflight", "--inventory", "site.yaml", "-k", "dns.forward", "--co", "-q", cwd=folder
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert ids == ["checks/dns.py::dns.forward[m1.ocp45.example.localdomain]"]
    junit = upi(
        "-m",
        "preflight",
        "--inventory",
        "site.yaml",
        "-k",
        "dns.api",
        "--junitxml",
        "out.xml",
        cwd=folder,
    )
    assert junit.returncode in (0, 1), junit.stdout + junit.stderr
    assert 'name="check" value="dns.api"' in (folder / "out.xml").read_text()


def test_same_results_under_xdist(tmp_path: Path) -> None:
    folder = site_folder(tmp_path)
    results = {}
    for label, extra in (("serial", []), ("xdist", ["-n", "2"])):
        report = tmp_path / f"{label}.json"
        done = upi(
            "-m",
            "preflight",
            "--inventory",
            "site.yaml",
            "--report-json",
            str(report),
            *extra,
            cwd=folder,
        )
        assert done.returncode in (0, 1), done.stdout + done.stderr
        results[label] = sorted(
            (r["check"], r["subject"], r["outcome"], r["nodeid"])
            for r in json.loads(report.read_text())["results"]
        )
    assert results["serial"] == results["xdist"] and results["serial"]


def test_a_marker_expression_naming_no_known_marker_is_a_usage_error(tmp_path: Path) -> None:
    folder = site_folder(tmp_path)
    for expr in ("prefligt", "not prefligt", "preflight and not slow"):
        done = upi("-m", expr, "--inventory", "site.yaml", cwd=folder)
        assert done.returncode == 4, (expr, done.stdout + done.stderr)
        assert "is not a known marker" in done.stderr
        assert "the known markers are: preflight, postinstall" in done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    ok = upi("-m", "not postinstall", "--inventory", "site.yaml", "--co", "-q", cwd=folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_pytest_from_the_repository_root_checks_markers_too(tmp_path: Path) -> None:
    inventory = tmp_path / "site.yaml"  # no stray configuration: pytest would read it from here
    inventory.write_text(GOOD)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "upi_conformance",
            "-m",
            "prefligt",
            "--inventory",
            str(inventory),
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert "prefligt is not a known marker; the known markers are: preflight, postinstall" in (
        done.stderr
    )


def test_without_inventory_it_names_the_option(tmp_path: Path) -> None:
    done = upi("-m", "preflight", cwd=site_folder(tmp_path))
    assert done.returncode == 4 and "--inventory" in done.stderr, done.stdout + done.stderr


def test_suite_ini_is_the_repository_pytest_ini() -> None:
    def read(path: Path) -> dict[str, str]:
        parser = configparser.ConfigParser()
        parser.read(path)
        return dict(parser["pytest"])

    assert read(plugin.SUITE_INI) == read(ROOT / "pytest.ini")
    assert cli.SUITE_INI == plugin.SUITE_INI and plugin.CHECKS_DIR.parent == cli.ROOTDIR


def test_packaging_ships_the_script_and_its_data() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["upi-conformance"] == "fixtures.cli:main"
    data = project["tool"]["setuptools"]["package-data"]
    assert "suite.ini" in data["fixtures"] and "triage/catalog.yaml" in data["collectors"]
    runtime = " ".join(project["project"]["dependencies"])
    assert "hypothesis" not in runtime and "ruff" not in runtime and "tox" not in runtime
    assert "hypothesis" in " ".join(project["project"]["optional-dependencies"]["test"])
