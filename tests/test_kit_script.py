"""The offline kit's parts that need no index and no servers: install.sh's refusals, the
platform tags per RHEL release, the marker-aware completeness check, the yaml-rs fallback.
tests/test_kit.py builds and installs a real kit."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kit import build
from tests import pythons
from tests.suite import ROOT


def fake_kit(tmp_path: Path, wheels: dict[str, bytes] | None = None) -> Path:
    kit = tmp_path / "kit"
    (kit / "wheels").mkdir(parents=True)
    (kit / "install.sh").write_text(build.install_script("0.1.0"))
    (kit / "install.sh").chmod(0o755)
    for name, data in (wheels or {"pip-1.0-py3-none-any.whl": b"not really"}).items():
        (kit / "wheels" / name).write_bytes(data)
    build.write_manifest(kit)
    return kit


def install(kit: Path, *args: str, python: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": python or sys.executable}
    return subprocess.run(
        [str(kit / "install.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def fake_python(tmp_path: Path, version: str) -> str:
    """An executable that answers install.sh's question as CPython ``version`` would."""
    fake = tmp_path / f"python{version}"
    fake.write_text(f'#!/bin/sh\necho "{version} CPython x86_64 2.28"\n')
    fake.chmod(0o755)
    return str(fake)


#: A fake 3.6, and every real CPython 3.13 here (on PATH or pyenv's): the next CPython, which
#: the kit has no wheels for, refused the same way.
UNSUPPORTED = [("3.6", None), *(("3.13", path) for path in pythons.find("3.13"))]


@pytest.mark.parametrize(
    ("version", "python"), UNSUPPORTED, ids=[p or f"fake-{v}" for v, p in UNSUPPORTED]
)
def test_an_unsupported_python_is_refused_naming_the_supported_ones(
    tmp_path: Path, version: str, python: str | None
) -> None:
    python = python or fake_python(tmp_path, version)
    done = install(fake_kit(tmp_path), str(tmp_path / "venv"), python=python)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "this kit carries wheels for CPython 3.11 and 3.12 only" in done.stderr
    assert f"found {python} (CPython {version})" in done.stderr
    assert "dnf install python3.11" in done.stderr
    assert f"PYTHON=/usr/bin/python3.11 {tmp_path}/kit/install.sh" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_an_old_glibc_is_refused(tmp_path: Path) -> None:
    rhel7 = tmp_path / "python3.11"
    rhel7.write_text('#!/bin/sh\necho "3.11 CPython x86_64 2.17"\n')
    rhel7.chmod(0o755)
    done = install(fake_kit(tmp_path), str(tmp_path / "venv"), python=str(rhel7))
    assert done.returncode == 1 and "glibc 2.17 is older than 2.28" in done.stderr


def test_a_damaged_or_altered_kit_is_refused(tmp_path: Path) -> None:
    kit = fake_kit(tmp_path)
    (kit / "wheels" / "pip-1.0-py3-none-any.whl").write_bytes(b"changed")
    (kit / "wheels" / "evil-1.0-py3-none-any.whl").write_bytes(b"added")
    done = install(kit, str(tmp_path / "venv"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "wheels/pip-1.0-py3-none-any.whl: sha256 differs from SHA256SUMS" in done.stderr
    assert "wheels/evil-1.0-py3-none-any.whl: not in SHA256SUMS" in done.stderr
    assert "the kit is damaged or altered" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_usage(tmp_path: Path) -> None:
    kit = fake_kit(tmp_path)
    for args in ((), ("--help",), ("a", "b")):
        done = install(kit, *args)
        assert done.returncode == 2 and "usage:" in done.stderr


def test_platform_tags_are_what_each_rhel_glibc_accepts() -> None:
    rhel8, rhel9 = (
        next(t for t in build.TARGETS if t.label == f"cp311-{d}") for d in ("rhel8", "rhel9")
    )
    assert rhel8.platforms()[0] == "manylinux_2_28_x86_64"
    assert "manylinux_2_29_x86_64" not in rhel8.platforms()
    assert {"manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux1_x86_64"} <= set(
        rhel8.platforms()
    )
    assert rhel9.platforms()[0] == "manylinux_2_34_x86_64"
    assert not [p for p in rhel8.platforms() + rhel9.platforms() if p.startswith("linux_")]
    assert {t.label for t in build.TARGETS} == {
        "cp311-rhel8",
        "cp311-rhel9",
        "cp312-rhel8",
        "cp312-rhel9",
    }


def wheel(folder: Path, name: str, version: str, requires: list[str], tag: str) -> None:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    dist = f"{name.replace('-', '_')}-{version}"
    with zipfile.ZipFile(folder / f"{dist}-{tag}.whl", "w") as zf:
        zf.writestr(f"{dist}.dist-info/METADATA", meta)


def test_completeness_check_evaluates_markers_for_each_target(tmp_path: Path) -> None:
    """pip evaluates markers for the Python it runs on; the kit's own check, for the target."""
    requires = ['only312; python_version >= "3.12"', "native>=1", 'hypothesis; extra == "test"']
    wheel(tmp_path, "upi-conformance", "0.1.0", requires, "py3-none-any")
    wheel(tmp_path, "pip", "24.0", [], "py3-none-any")
    wheel(tmp_path, "native", "1.0", [], "cp311-cp311-manylinux_2_34_x86_64")
    wheel(tmp_path, "native", "1.0", [], "cp311-cp311-manylinux_2_28_x86_64")
    wheel(tmp_path, "native", "1.0", [], "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64")
    by_label = {t.label: build.missing_for(t, tmp_path) for t in build.TARGETS}
    assert by_label["cp311-rhel8"] == [] and by_label["cp311-rhel9"] == []
    for label in ("cp312-rhel8", "cp312-rhel9"):
        assert len(by_label[label]) == 1 and "no wheel for only312" in by_label[label][0]
    (tmp_path / "native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl").unlink()
    assert "no wheel for native>=1" in " ".join(build.missing_for(build.TARGETS[0], tmp_path))


def test_manifest_is_in_sha256sum_format(tmp_path: Path) -> None:
    kit = fake_kit(tmp_path)
    lines = (kit / "SHA256SUMS").read_text().splitlines()
    pip = "wheels/pip-1.0-py3-none-any.whl"
    assert f"{hashlib.sha256(b'not really').hexdigest()}  {pip}" in lines
    assert not [x for x in lines if x.endswith("SHA256SUMS")]


def test_without_yaml_rs_snapshots_read_the_same_and_nothing_is_said() -> None:
    """yaml-rs is an accelerator: without it PyYAML reads snapshots, silently."""
    code = (
        "import sys; sys.modules['yaml_rs'] = None\n"
        "from collectors.cluster import snapshot\n"
        "assert snapshot.yaml_rs is None\n"
        "text = b'kind: Node\\nmetadata: {name: m1, created: 2024-01-02}\\n'\n"
        "print(snapshot._parse(text, 'x'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "{'kind': 'Node', 'metadata': {'name': 'm1', 'created': '2024-01-02'}}\n"
    assert done.stderr == ""


def test_the_console_script_and_the_kit_agree_on_the_pythons() -> None:
    from fixtures import cli

    assert cli.SUPPORTED == build.PYTHONS
