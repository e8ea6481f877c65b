"""http.served and selinux.http_content against the lab's bastion (sshd + nginx), one lab per
scenario."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from checks.base import Verdict
from checks.http import evaluate_served
from collectors.facts.http import ServedFacts
from collectors.install.bastion import HttpAnswer, PathFacts
from collectors.inventory import load_inventory
from collectors.parsers.selinux import SelinuxContext
from lab.bastion import RHCOS
from tests.selection import BASTION, BOTH
from tests.suite import SuiteRun, run_suite

CHECKS = (
    "http.served",
    "selinux.http_content",
    "ignition.expiry",
    "ignition.pointer",
    "ignition.served_matches",
)
WEB_FILES = sorted(
    [
        "bootstrap.ign",
        "master.ign",
        "worker.ign",
        "pxeboot.ipxe",
        RHCOS,
        "rhcos-4.5.6-x86_64-installer-kernel-x86_64",
        "rhcos-4.5.6-x86_64-installer-initramfs.x86_64.img",
    ]
)


def assert_no_secrets(run: SuiteRun, lab_dir: Path) -> None:
    """Neither the private key, a certificate body nor ignition content reaches the output."""
    key_body = (lab_dir / "sshd" / "id_ed25519").read_text().splitlines()[1]
    ignition = (lab_dir / "installdir" / "bootstrap.ign").read_text()
    source = ignition.split('"source":"', 2)[2][:60]  # a file's data URL
    for text in (run.stdout, run.stderr, str(run.report)):
        for secret in ("PRIVATE KEY", "BEGIN CERTIFICATE", key_body, source):
            assert secret not in text


@pytest.mark.lab
def test_clean_bastion_passes_with_and_without_xdist(start_lab, tmp_path: Path) -> None:
    lab = start_lab("bastion-clean")
    run = run_suite(*BOTH, "-rA", inventory=lab.inventory_path)
    assert run.outcomes("http.served") == dict.fromkeys(WEB_FILES, "passed")
    assert run.outcomes("selinux.http_content") == dict.fromkeys(WEB_FILES, "passed")
    for check in ("ignition.expiry", "ignition.served_matches"):
        assert run.outcomes(check) == dict.fromkeys(
            ["bootstrap.ign", "master.ign", "worker.ign"], "passed"
        )
    assert run.outcomes("ignition.pointer") == {"master.ign": "passed", "worker.ign": "passed"}
    assert run.returncode == 0, run.stdout[-2000:]
    assert_no_secrets(run, lab.workdir)
    parallel = run_suite(*BOTH, "-n", "2", inventory=lab.inventory_path)
    key = lambda r: (r["check"], r["subject"], r["outcome"])  # noqa: E731
    assert sorted(map(key, parallel.results)) == sorted(map(key, run.results))

    # a web root that cannot be listed: one errored subject per check, naming host and folder
    missing = lab.write_inventory(
        tmp_path / "missing.yaml", bastion={"http_root": "/nonexistent/html"}
    )
    broken = run_suite(*BASTION, inventory=missing)
    target = load_inventory(missing).bastion.ssh
    for check in ("http.served", "selinux.http_content"):
        record = broken.record(check, "-")
        assert record["outcome"] == "error"
        assert record["message"].startswith(f"cannot list /nonexistent/html on {target}: ")


@pytest.mark.lab
def test_mislabeled_rhcos_fails_selinux_only(start_lab) -> None:
    lab = start_lab("rhcos-mislabeled")
    run = run_suite(*BASTION, inventory=lab.inventory_path)
    root = load_inventory(lab.inventory_path).bastion.http_root
    assert run.failing() == {("selinux.http_content", RHCOS)}
    record = run.record("selinux.http_content", RHCOS)
    assert "admin_home_t" in record["message"] and "httpd_sys_content_t" in record["message"]
    assert record["remediation"] == (
        f"semanage fcontext -a -t httpd_sys_content_t '{root}(/.*)?' && restorecon -Rv {root}"
    )
    # the kernel here does not enforce SELinux, so nginx still serves it
    assert run.outcome("http.served", RHCOS) == "passed"


@pytest.mark.lab
def test_unreadable_file_is_403_explained(start_lab, tmp_path: Path) -> None:
    lab = start_lab("ignition-unreadable")
    inv = load_inventory(lab.inventory_path)
    root = inv.bastion.http_root
    run = run_suite(*BOTH, inventory=lab.inventory_path)
    assert run.failing() == {("http.served", "worker.ign")}
    record = run.record("http.served", "worker.ign")
    assert "HTTP 403" in record["message"] and "mode 600 owned by root:root" in record["message"]
    assert record["remediation"] == f"chmod 644 {root}/worker.ign"
    served = run.record("ignition.served_matches", "worker.ign")
    assert served["outcome"] == "passed"  # compared over SSH when HTTP refuses

    # a URL that does not map to the web root: 404 explained
    moved = lab.write_inventory(
        tmp_path / "moved.yaml", bastion={"http_url": f"http://{lab.ip(101)}/work/"}
    )
    run404 = run_suite("-k", "http.served", inventory=moved)
    record = run404.record("http.served", "master.ign")
    assert record["outcome"] == "failed" and "HTTP 404 although" in record["message"]
    assert f"root {root};" in record["remediation"]

    # a host without SELinux labels: the label check skips with that reason
    subprocess.run(
        ["find", root, "-type", "f", "-exec", "setfattr", "-x", "security.selinux", "{}", "+"],
        check=True,
    )
    bare = run_suite("-k", "selinux.http_content", inventory=lab.inventory_path)
    outcomes = bare.outcomes("selinux.http_content")
    assert set(outcomes.values()) == {"skipped"} and len(outcomes) == len(WEB_FILES)
    assert "no SELinux labels" in bare.record("selinux.http_content", "master.ign")["message"]


def _forbidden(chain: list[PathFacts]) -> Verdict:
    answer = HttpAnswer("http://172.16.0.101/work/rhcos.raw.gz", 403)
    return evaluate_served(
        ServedFacts("work/rhcos.raw.gz", "/usr/share/nginx/html", answer, tuple(chain))
    )


def test_403_explanations_cover_folders_selinux_and_location() -> None:
    root = "/usr/share/nginx/html"
    httpd = SelinuxContext("system_u", "object_r", "httpd_sys_content_t", "s0")
    admin = SelinuxContext("unconfined_u", "object_r", "admin_home_t", "s0")
    folder = PathFacts(root, 0o755, "root", "root", httpd)
    closed = PathFacts(f"{root}/work", 0o700, "root", "root", httpd)
    opened = PathFacts(f"{root}/work", 0o755, "root", "root", httpd)
    file_ok = PathFacts(f"{root}/work/rhcos.raw.gz", 0o644, "root", "root", httpd)
    file_admin = PathFacts(f"{root}/work/rhcos.raw.gz", 0o777, "root", "root", admin)

    verdict = _forbidden([folder, closed, file_ok])
    assert f"cannot enter {root}/work (mode 700)" in verdict.message
    assert verdict.remediation == f"chmod 755 {root}/work"
    verdict = _forbidden([folder, opened, file_admin])
    assert "SELinux labels" in verdict.message and "admin_home_t" in verdict.message
    assert verdict.remediation.startswith(
        f"semanage fcontext -a -t httpd_sys_content_t '{root}(/.*)?'"
    )
    verdict = _forbidden([folder, opened, file_ok])
    assert "an nginx location denies it" in verdict.message and "nginx -T" in verdict.remediation
