"""The HTML report's update readiness: one verdict a change board can read, drawn from the
``upgrade.*`` records (ready, or what blocks the update with its fix, or not assessed)."""

from __future__ import annotations

from typing import Any

from reports.html_report import render_html, update_readiness


def page(*records: dict[str, Any]) -> str:
    counts = {o: sum(r["outcome"] == o for r in records) for o in ("passed", "failed", "error")}
    return render_html({"summary": {**counts, "skipped": 0}, "results": list(records)})


POOL = {"check": "upgrade.readiness", "subject": "machineconfigpool/worker", "outcome": "passed"}
TARGET = {
    "check": "upgrade.target",
    "subject": "m:5000/ocp4/openshift4@sha256:" + "a" * 64,
    "outcome": "passed",
    "message": "release 4.5.13 (from 4.5.11): release and all 12 components in the mirror",
}


def test_ready_when_every_upgrade_record_passed() -> None:
    html = page(POOL, TARGET)
    assert '<h2 id="update">Update readiness</h2>' in html
    assert '<p class="verdict good">Ready to update: release 4.5.13 (from 4.5.11)' in html


def test_blocked_lists_each_blocker_with_its_fix_and_a_link() -> None:
    mhc = {
        "check": "upgrade.readiness",
        "subject": "machinehealthcheck/openshift-machine-api/example",
        "outcome": "failed",
        "message": "expected MachineHealthCheck example paused; found no cluster.x-k8s.io/paused",
        "remediation": "oc -n openshift-machine-api annotate mhc example paused",
    }
    target = {
        **TARGET,
        "outcome": "failed",
        "message": "expected release 4.5.13 ready; found 1 blocker(s): no ConfigMap <x> signs it",
        "remediation": "oc apply -f ./release-signatures/",
    }
    html = page(POOL, mhc, target)
    assert (
        '<p class="verdict bad">Not ready to update: 2 blocker(s), in the order to clear them</p>'
        in html
    )
    section = html.split('<h2 id="update">')[1].split("<h2")[0]
    assert "found no cluster.x-k8s.io/paused" not in section  # the found part only
    assert "no cluster.x-k8s.io/paused" in section
    assert "1 blocker(s): no ConfigMap &lt;x&gt;" in section
    assert "<b>fix:</b> oc apply -f ./release-signatures/" in section
    assert '<a href="#f1">' in section and '<a href="#f2">' in section


def test_not_assessed_without_a_target_and_absent_without_upgrade_checks() -> None:
    html = page(POOL)
    assert '<p class="verdict">Not assessed</p>' in html and "give --to-image" in html
    skipped = {**TARGET, "outcome": "skipped", "message": "no target release: give --to-image"}
    assert update_readiness([POOL, skipped]) == ("not assessed", [skipped])
    assert 'id="update"' not in page({"check": "dns.api", "subject": "a", "outcome": "passed"})


def test_blockers_come_in_the_order_to_clear_them_each_with_its_fix() -> None:
    """Backup first, then what blocks the target, then what would stop the drains, whatever
    order the records came in."""
    pdb = {
        "check": "upgrade.readiness",
        "subject": "poddisruptionbudget/payments/ledger",
        "outcome": "failed",
        "message": "expected a disruption allowed; found disruptionsAllowed 0",
        "remediation": "oc -n payments patch pdb/ledger",
    }
    pool = {
        **POOL,
        "outcome": "failed",
        "message": "expected x; found Degraded",
        "remediation": "oc describe mcp/worker",
    }
    api = {
        "check": "upgrade.apis",
        "subject": "deployments.v1beta1.extensions",
        "outcome": "failed",
        "message": "expected no request; found 42 request(s)",
        "remediation": "oc -n openshift-config patch cm admin-acks",
    }
    backup = {
        "check": "upgrade.etcd_backup",
        "subject": "m1",
        "outcome": "failed",
        "message": "expected a snapshot; found no complete snapshot pair",
        "remediation": "oc debug node/m1 -- chroot /host /usr/local/bin/cluster-backup.sh",
    }
    section = page(pdb, TARGET, api, pool, backup).split('<h2 id="update">')[1].split("<h2")[0]
    assert "4 blocker(s), in the order to clear them" in section
    order = [
        section.index(x)
        for x in (
            "First, the backup",
            "cluster-backup.sh",
            "what blocks the target release",
            "admin-acks",
            "stop the nodes from draining",
            "oc describe mcp/worker",
            "patch pdb/ledger",
        )
    ]
    assert order == sorted(order)
