"""The offline kit (``./run kit``): built from PyPI, then installed and run with no network.

The build downloads through pip into ~/.cache/upi-kit (or $UPI_KIT_CACHE), so a rerun fetches
only the index pages. Everything after the build runs in a fresh network namespace
(``unshare -n``, loopback only): the wheelhouse resolves for every target, the RHEL 8 wheels
import here, and the kit's install.sh plus ``upi-conformance`` give the repository's verdicts
on the lab with every CPython 3.11 and 3.12 on this machine (PATH and pyenv's; a 3.11 is
required), each virtualenv holding its own CPython's wheels. Needs root (unshare, the lab's
servers) and PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from kit import build
from tests import pythons
from tests.suite import ROOT

pytestmark = pytest.mark.lab  # starts the lab's servers; needs PyPI and root

VERSION = build.project_version()
NAME = f"upi-conformance-{VERSION}-kit"


def offline(script: str, timeout: float = 900, **env: str) -> subprocess.CompletedProcess[str]:
    """``script`` (bash) in a new network namespace that has only loopback."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) for a network namespace")
    prologue = "set -euo pipefail\nip link set lo up\n"
    clean = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("UPI_")}
    return subprocess.run(
        ["unshare", "-n", "bash", "-c", prologue + script],
        env={**clean, **env, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked kit, built by the kit's own command."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, str(ROOT / "kit" / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-5000:]
    archive = out / f"{NAME}.tar.gz"
    assert done.stdout.strip() == str(archive)
    digest, name = (out / f"{NAME}.tar.gz.sha256").read_text().split()
    assert name == archive.name and digest == build.sha256(archive)
    into = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archive) as tar:
        assert {m.name.split("/")[0] for m in tar.getmembers()} == {NAME}
        tar.extractall(into, filter="data")
    return into / NAME


def test_the_kit_holds_the_wheels_a_manifest_and_the_install_script(kit: Path) -> None:
    assert {p.name for p in kit.iterdir()} == {
        "INSTALL.txt",
        "SHA256SUMS",
        "install.sh",
        "kit.json",
        "wheels",
    }
    assert os.access(kit / "install.sh", os.X_OK)
    wheels = sorted(p.name for p in (kit / "wheels").iterdir())
    assert all(name.endswith(".whl") for name in wheels), "binary wheels only: nothing to build"
    assert not [n for n in wheels if n.split("-")[0] in ("hypothesis", "ruff", "tox", "setuptools")]
    listed = {line.split("  ", 1)[1] for line in (kit / "SHA256SUMS").read_text().splitlines()}
    assert listed == {f"wheels/{n}" for n in wheels} | {"INSTALL.txt", "install.sh", "kit.json"}
    (project,) = [n for n in wheels if n.startswith("upi_conformance-")]
    names = zipfile.ZipFile(kit / "wheels" / project).namelist()
    assert {"fixtures/suite.ini", "collectors/triage/catalog.yaml", "checks/base.py"} <= set(names)
    entry_points = zipfile.ZipFile(kit / "wheels" / project).read(
        f"upi_conformance-{VERSION}.dist-info/entry_points.txt"
    )
    assert b"upi-conformance = fixtures.cli:main" in entry_points
    plan = json.loads((kit / "kit.json").read_text())["wheels"]
    assert set(plan) == {"cp311-rhel8", "cp311-rhel9", "cp312-rhel8", "cp312-rhel9"}


def test_every_target_resolves_from_the_kit_alone(kit: Path, tmp_path: Path) -> None:
    """pip on each Python and RHEL glibc the kit is for finds everything in wheels/, offline;
    RHEL 8 is never handed a wheel that needs a newer glibc than 2.28."""
    lines = []
    for target in build.TARGETS:
        report = tmp_path / f"{target.label}.json"
        opts = " ".join(target.pip_options())
        lines.append(
            f"PIP_CONFIG_FILE=/dev/null {sys.executable} -m pip install --isolated --dry-run "
            f"--ignore-installed --no-index --find-links {kit}/wheels {opts} --report {report} "
            f"-q upi-conformance=={VERSION} pip"
        )
    done = offline("\n".join(lines), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for target in build.TARGETS:
        report = json.loads((tmp_path / f"{target.label}.json").read_text())
        chosen = [item["download_info"]["url"].rsplit("/", 1)[-1] for item in report["install"]]
        assert any(n.startswith(f"upi_conformance-{VERSION}-") for n in chosen)
        assert not [n for n in chosen if n.startswith(("hypothesis-", "ruff-"))]
        for name in chosen:
            if "manylinux" in name:
                glibcs = [
                    tuple(int(x) for x in tag.split("_")[1:3])
                    for tag in name[:-4].split("-")[-1].split(".")
                    if tag.startswith("manylinux_")
                ]
                assert not glibcs or min(glibcs) <= target.glibc, (target.label, name)
            if f"-cp3{target.python[1]}-cp3" not in name and "-cp3" in name:
                assert "abi3" in name, (target.label, name)  # a wheel for another CPython


def test_rhel8_wheels_work_here(kit: Path, tmp_path: Path) -> None:
    """The cp311 wheels chosen for RHEL 8 (glibc 2.28) import and run on this newer glibc."""
    (target,) = [t for t in build.TARGETS if t.label == "cp311-rhel8"]
    if sys.version_info[:2] != target.python:
        pytest.skip(f"this is Python {sys.version_info[0]}.{sys.version_info[1]}")
    site = tmp_path / "site"
    opts = " ".join(target.pip_options())
    imports = (
        "import cryptography.hazmat.bindings._rust as rust, bcrypt, nacl.bindings, yaml, yaml_rs; "
        "print(rust.__file__)"
    )
    done = offline(
        f"PIP_CONFIG_FILE=/dev/null {sys.executable} -m pip install --isolated --no-index "
        f"--find-links {kit}/wheels {opts} --target {site} -q upi-conformance=={VERSION}\n"
        f"cd {tmp_path}\n"
        f"PYTHONPATH={site} {sys.executable} -c '{imports}'\n"
        f"PYTHONPATH={site} {sys.executable} -m fixtures.cli --list-checks -m preflight\n",
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{site}/cryptography/" in done.stdout and "dns.reverse" in done.stdout
    tags = {p.read_text() for p in site.glob("cryptography-*.dist-info/WHEEL")}
    assert tags and all("manylinux_2_28" in t for t in tags), tags


def verdicts(report: Path) -> dict[tuple[str, str], tuple[str, str]]:
    data = json.loads(report.read_text())
    return {(r["check"], r["subject"]): (r["outcome"], r["nodeid"]) for r in data["results"]}


def supported_pythons() -> list[tuple[str, str]]:
    """(version, real path) of every CPython the kit is for that runs here, on PATH or pyenv's;
    3.11 is required: it is what ./run and CI use."""
    found = [(v, path) for v in (f"{a}.{b}" for a, b in build.PYTHONS) for path in pythons.find(v)]
    if not [path for v, path in found if v == "3.11"]:
        pytest.fail("no CPython 3.11 on PATH or in pyenv: ./run and this test need one")
    return found


def installed_abis(site: Path) -> dict[str, set[str]]:
    """The ABI tags (cp312, abi3, none) of each distribution installed in ``site``, from the
    Tag lines of its WHEEL file."""
    abis: dict[str, set[str]] = {}
    for wheel in site.glob("*.dist-info/WHEEL"):
        tags = [
            line.split(":", 1)[1].strip()
            for line in wheel.read_text().splitlines()
            if line.startswith("Tag:")
        ]
        abis[wheel.parent.name.split("-")[0].lower()] = {tag.split("-")[1] for tag in tags}
    return abis


def timings(stdout: str, found: list[tuple[str, str]]) -> str:
    """Seconds per step, from the script's ``clock`` lines (shown with ``pytest -s``)."""
    clocks = {
        line.rsplit(" clock ", 1)[0]: [float(x) for x in line.rsplit(" clock ", 1)[1].split()]
        for line in stdout.splitlines()
        if " clock " in line
    }
    steps = [f"lab up {clocks['lab'][1] - clocks['lab'][0]:.1f} s"]
    for i, (_, python) in enumerate(found):
        start, installed, ran = clocks[f"kit {i}"]
        steps.append(
            f"{python}: install {installed - start:.1f} s, preflight {ran - installed:.1f} s"
        )
    steps.append(f"repository preflight {clocks['repository'][1] - clocks['repository'][0]:.1f} s")
    return "; ".join(steps)


def test_installed_offline_it_gives_the_repository_verdicts(kit: Path, tmp_path: Path) -> None:
    """install.sh into a fresh virtualenv with each supported CPython found here (3.11 always,
    3.12 when there is one), then the preflight from another folder, against one lab, all with
    no network: the same verdicts as ``pytest -m preflight`` from the repository, and each
    virtualenv holds the wheels built for its own CPython. The first (3.11) runs the preflight
    with ``-n 2`` as a user may, the others serially: on two CPUs that is several seconds
    faster, and one xdist run proves the kit's pytest-xdist."""
    found = supported_pythons()
    lab = tmp_path / "lab"
    py = sys.executable
    runs = []
    for i, (_, python) in enumerate(found):
        venv, elsewhere = tmp_path / f"venv{i}", tmp_path / f"elsewhere{i}"
        elsewhere.mkdir()
        workers = "-n 2" if i == 0 else ""
        runs.append(
            f"""
s=$EPOCHREALTIME
PYTHON={python} {kit}/install.sh {venv}
m=$EPOCHREALTIME
cd {elsewhere}
rc=0; {venv}/bin/upi-conformance -m preflight --inventory {lab}/site.yaml \\
  --report-json {tmp_path}/kit{i}.json -q {workers} >{tmp_path}/kit{i}.out 2>&1 || rc=$?
echo "kit {i} exit $rc"
echo "kit {i} clock $s $m $EPOCHREALTIME"
"""
        )
    done = offline(
        f"""
cd {tmp_path}
if {py} -c "import socket; socket.create_connection(('pypi.org', 443), timeout=3)" 2>/dev/null
then echo "the namespace has a network" >&2; exit 3; fi
s=$EPOCHREALTIME
{py} -m lab up --dir {lab} --parts network --max-seconds 900 >/dev/null
trap '{py} -m lab down --dir {lab} >/dev/null' EXIT
echo "lab clock $s $EPOCHREALTIME"
{"".join(runs)}
cd {ROOT}
s=$EPOCHREALTIME
rc=0; {py} -m pytest -m preflight --inventory {lab}/site.yaml \\
  --report-json {tmp_path}/repo.json -q >{tmp_path}/repo.out 2>&1 || rc=$?
echo "repository exit $rc"
echo "repository clock $s $EPOCHREALTIME"
""",
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    print(timings(done.stdout, found))
    repo_exit = done.stdout.split("repository exit ")[1].split()[0]
    theirs = verdicts(tmp_path / "repo.json")
    assert {o for o, _ in theirs.values()} >= {"passed"}
    for i, (version, python) in enumerate(found):
        assert f"install.sh: Python {version} at {python}," in done.stdout, done.stdout
        out = (tmp_path / f"kit{i}.out").read_text()
        assert verdicts(tmp_path / f"kit{i}.json") == theirs, (python, out[-3000:])
        assert done.stdout.split(f"kit {i} exit ")[1].split()[0] == repo_exit, (python, out)
        assert list((tmp_path / f"elsewhere{i}").iterdir()) == []  # no cache, no stray files
        (site,) = (tmp_path / f"venv{i}").glob("lib/python3*/site-packages")
        assert site.parent.name == f"python{version}"
        assert not list(site.glob("hypothesis*")) and not list(site.glob("ruff*"))
        # the wheels built for this CPython: by their WHEEL tags and their extension modules
        cp = "cp" + version.replace(".", "")
        abis = installed_abis(site)
        specific = {dist: tags for dist, tags in abis.items() if tags - {"abi3", "none"}}
        assert "pyyaml" in specific and "pydantic_core" in specific, (python, abis)
        assert all(tags == {cp} for tags in specific.values()), (python, specific)
        extensions = {so.name.split(".")[-2] for so in site.rglob("*.cpython-*.so")}
        assert extensions == {f"cpython-{cp[2:]}-x86_64-linux-gnu"}, (python, extensions)
