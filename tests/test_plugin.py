"""The plugin's contract (§1): usage errors, bad inventories, markers, test ids, paths."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.suite import ROOT, run_suite

GOOD = (
    "cluster: {name: ocp45, base_domain: example.localdomain}\n"
    "nodes:\n  - {name: m1, role: master, ip: 127.0.0.1}\n"
)


def pytest_cmd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args", [["-m", "preflight"], ["-m", "postinstall"], ["checks/dns.py"], []]
)
def test_selecting_checks_without_inventory_is_a_usage_error(args: list[str]) -> None:
    done = pytest_cmd(*args)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "--inventory" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_bad_inventory_is_a_usage_error_naming_file_key_and_line(tmp_path) -> None:  # noqa: ANN001
    inv = tmp_path / "site.yaml"
    inv.write_text(GOOD + "load_balancer:\n  api: not-an-ip\n")
    done = pytest_cmd("-m", "preflight", f"--inventory={inv}")
    assert done.returncode == 4
    assert f"{inv}:5: load_balancer.api: must be an IP address" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_inventory_outside_the_repository_keeps_repo_nodeids(tmp_path) -> None:  # noqa: ANN001
    inv = tmp_path / "site.yaml"
    inv.write_text(GOOD + "dns: {servers: ['127.0.0.1:1']}\n")
    # "--inventory PATH" as two words: pytest must not take PATH for a test path
    # (-p upi_conformance: the repository conftest.py is not read before that PATH is parsed)
    done = pytest_cmd(
        "-p", "upi_conformance", "-m", "preflight", "--inventory", str(inv), "-rA", "--co", "-q"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks/dns.py::dns.forward[m1.ocp45.example.localdomain]" in done.stdout


def test_check_ids_select_with_k(tmp_path) -> None:  # noqa: ANN001
    inv = tmp_path / "site.yaml"
    inv.write_text(GOOD)
    run = run_suite("-m", "preflight", "-k", "dns.forward", inventory=inv)
    assert {r["check"] for r in run.results} == {"dns.forward"}


def test_strict_markers_are_on() -> None:
    done = pytest_cmd("--markers")
    assert "@pytest.mark.preflight" in done.stdout and "@pytest.mark.postinstall" in done.stdout
    ini = (ROOT / "pytest.ini").read_text()
    assert "--strict-markers" in ini


def test_a_check_file_named_on_the_command_line_is_collected_once(tmp_path) -> None:  # noqa: ANN001
    inv = tmp_path / "site.yaml"
    inv.write_text(GOOD + "dns: {servers: ['127.0.0.1:1']}\n")
    done = pytest_cmd("checks/dns.py", f"--inventory={inv}", "--co", "-q")
    ids = [line for line in done.stdout.splitlines() if line.startswith("checks/")]
    assert ids and len(ids) == len(set(ids)), done.stdout
