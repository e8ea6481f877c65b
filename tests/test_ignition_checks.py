"""ignition.expiry, ignition.pointer and ignition.served_matches against lab-generated configs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from collectors.inventory import load_inventory
from tests.selection import IGNITION
from tests.suite import run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

IGN = ("bootstrap.ign", "master.ign", "worker.ign")
SHORT_LIVED = (
    "/opt/openshift/tls/kubelet-signer.crt",
    "/opt/openshift/tls/aggregator-signer.crt",  # percent-encoded data URL
    "/opt/openshift/auth/kubeconfig-kubelet (client-certificate-data)",
)


def _ignition_run(lab):
    return run_suite(*IGNITION, inventory=lab.inventory_path)


def test_expired_bootstrap_fails_with_each_certificate(start_lab, tmp_path: Path) -> None:
    lab = start_lab("ignition-expired")
    run = _ignition_run(lab)
    assert run.failing() == {("ignition.expiry", "bootstrap.ign")}
    record = run.record("ignition.expiry", "bootstrap.ign")
    assert "3 of 6 certificate(s) expired or expiring soon (3 expired)" in record["message"]
    assert [d.split(": CN=")[0] for d in record["details"]] == list(SHORT_LIVED)
    assert all("expired 1.0 h ago" in d and "notAfter 20" in d for d in record["details"])
    installdir = load_inventory(lab.inventory_path).ignition.dir
    assert f"rm -f {installdir}/.openshift_install_state.json" in record["remediation"]
    assert "install-config.yaml" in record["remediation"]
    assert "create ignition-configs" in record["remediation"]

    # bad input: each broken file errors with file and JSON path; the others are still checked
    copy = tmp_path / "installdir"
    shutil.copytree(installdir, copy)
    (copy / "notjson.ign").write_text('{"ignition": {"version": "3.1.0"},\n  oops}')
    (copy / "spec1.ign").write_text(json.dumps({"ignitionVersion": 1}))
    doc = json.loads((copy / "bootstrap.ign").read_text())
    doc["storage"]["files"][3]["contents"]["source"] = "data:;base64,@@not-base64@@"
    (copy / "badurl.ign").write_text(json.dumps(doc))
    inventory = lab.write_inventory(tmp_path / "site.yaml", ignition={"dir": str(copy)})
    bad = run_suite("-k", "ignition and expiry", inventory=inventory)
    messages = {
        s: r["message"]
        for s, r in ((r["subject"], r) for r in bad.results)
        if r["outcome"] == "error"
    }
    assert messages == {
        "notjson.ign": "notjson.ign:2: $: not JSON: Expecting property name enclosed in double "
        "quotes (column 3)",
        "spec1.ign": "spec1.ign: $.ignition.version: no ignition.version: not an Ignition config",
        "badurl.ign": "badurl.ign: $.storage.files[3].contents.source: bad base64 payload "
        "(Only base64 data is allowed)",
    }
    assert bad.outcomes("ignition.expiry")["bootstrap.ign"] == "failed"
    assert bad.outcomes("ignition.expiry")["master.ign"] == "passed"


def test_nearly_expired_bootstrap_fails(start_lab) -> None:
    lab = start_lab("ignition-nearly-expired")
    run = _ignition_run(lab)
    assert run.failing() == {("ignition.expiry", "bootstrap.ign")}
    record = run.record("ignition.expiry", "bootstrap.ign")
    assert "(0 expired)" in record["message"]
    assert all("0.7 h left" in d for d in record["details"]), record["details"]
    assert "valid for at least 2 more hour(s)" in record["message"]


def test_pointer_at_api_fails(start_lab) -> None:
    lab = start_lab("pointer-at-api")
    run = _ignition_run(lab)
    assert run.failing() == {("ignition.pointer", "master.ign"), ("ignition.pointer", "worker.ign")}
    domain = "ocp45.example.localdomain"
    for role in ("master", "worker"):
        record = run.record("ignition.pointer", f"{role}.ign")
        assert (
            f"found ignition.config.merge sources: https://api.{domain}:22623/config/{role}"
            in record["message"]
        )
        assert f'"source": "https://api-int.{domain}:22623/config/{role}"' in record["remediation"]


def test_stale_web_root_copy_fails(start_lab) -> None:
    lab = start_lab("stale-webroot-ignition")
    run = _ignition_run(lab)
    assert run.failing() == {("ignition.served_matches", "bootstrap.ign")}
    record = run.record("ignition.served_matches", "bootstrap.ign")
    assert "a stale bootstrap.ign" in record["message"] and "by HTTP" in record["message"]
    inv = load_inventory(lab.inventory_path)
    assert record["remediation"].startswith(
        f"cp {inv.ignition.dir}/bootstrap.ign {inv.bastion.http_root}/"
    )

    # a config missing from the web root: 404 over HTTP, confirmed absent over SSH
    (Path(inv.bastion.http_root) / "master.ign").unlink()
    gone = run_suite("-k", "ignition and served", inventory=lab.inventory_path)
    record = gone.record("ignition.served_matches", "master.ign")
    assert record["outcome"] == "failed"
    assert (
        f"found HTTP 404, and no master.ign in {inv.bastion.http_root} "
        f"(sha256sum on {inv.bastion.ssh})" in record["message"]
    )


def test_spec_2_site_passes_every_ignition_check(start_lab) -> None:  # noqa: ANN001
    """OCP 4.1 to 4.5: every config in spec 2.2.0, pointer configs that append from api-int."""
    lab = start_lab("ignition-spec2")
    installdir = load_inventory(lab.inventory_path).ignition.dir
    assert json.loads((installdir / "master.ign").read_text())["ignition"]["version"] == "2.2.0"
    run = run_suite(*IGNITION, inventory=lab.inventory_path)
    assert {r["outcome"] for r in run.results} == {"passed"}, run.stdout[-3000:]
    domain = lab.network.cluster_domain
    for role in ("master", "worker"):
        assert run.record("ignition.pointer", f"{role}.ign")["message"].startswith(
            f"spec 2.2.0, appends https://api-int.{domain}:22623/config/{role}; CA "
        )
    assert run.outcomes("ignition.served_matches") == dict.fromkeys(
        ("bootstrap.ign", "master.ign", "worker.ign"), "passed"
    )
    assert "6 certificate(s)" in run.record("ignition.expiry", "bootstrap.ign")["message"]
