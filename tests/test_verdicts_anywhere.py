"""A verdict does not depend on where the suite runs (issue 18).

- The broken site (every part) checked live with ``--bundle``, the lab stopped, and the same
  preflight and postinstall over the bundle inside a namespace without network and with a socket
  guard: the same records, outcome, message and remediation.
- Where the site cannot be reached (loopback down) or is silent (packets dropped): no failed
  outcome, and one ``run.unreachable`` entry per cause.
"""

from __future__ import annotations

import json
import tarfile

import pytest

from collectors.inventory import load_inventory
from collectors.transport.reach import network_of
from lab import Lab
from tests.suite import collect_bundle, run_suite

pytestmark = pytest.mark.lab

PLUGINS = ("-p", "fixtures.cluster", "-p", "fixtures.bundle")
BOTH = ("-m", "preflight or postinstall")
FAST = {
    "UPI_TCP_TIMEOUT": "1",
    "UPI_HTTP_TIMEOUT": "2",
    "UPI_DNS_TIMEOUT": "1",
    "UPI_SSH_CONNECT_TIMEOUT": "2",
}
NO_NETWORK = ("unshare", "-n")


def records(run) -> dict:
    return {
        (r["check"], r["subject"]): (r["outcome"], r["message"], r["remediation"])
        for r in run.results
    }


def test_a_bundle_replays_every_verdict_of_the_live_run_with_no_network(tmp_path):
    lab = Lab(tmp_path / "lab", "site-broken", max_seconds=600).start()
    bundle = tmp_path / "live.tar.gz"
    try:
        live = run_suite(
            *PLUGINS,
            *BOTH,
            "--kubeconfig",
            str(lab.workdir / "kubeconfig"),
            "--bundle",
            str(bundle),
            inventory=lab.inventory_path,
            env=FAST,
        )
    finally:
        lab.stop(keep_slot=True)  # no other lab answers at these addresses meanwhile
    try:
        offline = run_suite(
            *PLUGINS,
            "-p",
            "tests.socketguard",
            *BOTH,
            "--snapshot",
            str(bundle),
            "--report-html",
            str(tmp_path / "offline.html"),
            inventory=lab.inventory_path,
            env=FAST,
            wrap=NO_NETWORK,
        )
        parallel_offline = run_suite(
            *PLUGINS,
            *BOTH,
            "-n",
            "2",
            "--snapshot",
            str(bundle),
            inventory=lab.inventory_path,
            env=FAST,
            wrap=NO_NETWORK,
        )
        # the same bundle checked with an edited inventory: its record does not answer for it
        edited = tmp_path / "edited.yaml"
        edited.write_text(lab.inventory_path.read_text() + "# edited on the laptop\n")
        other = run_suite(
            *PLUGINS,
            *BOTH,
            "--snapshot",
            str(bundle),
            inventory=edited,
            env=FAST,
            wrap=NO_NETWORK,
        )
    finally:
        lab.release_slot()
    checks = {r["check"] for r in live.results}
    assert len(checks) >= 38, sorted(checks)
    assert sum(r["outcome"] == "failed" for r in live.results) >= 10, live.stdout[-3000:]
    failing = {r["check"] for r in live.results if r["outcome"] == "failed"}
    # every part of the site is broken and judged live: DNS, LB, the bastion over SSH, the
    # mirror, NTP (a server 30 s ahead), the cluster
    for part in (
        "dns.reverse",
        "lb.backends",
        "selinux.http_content",
        "mirror.release",
        "time.sync",
        "nodes.names",
        "lb.bootstrap_removed",
    ):
        assert part in failing, (part, sorted(failing))
    assert not any("socket guard" in r["message"] for r in offline.results)
    assert records(offline) == records(live), offline.stdout[-3000:]
    assert records(parallel_offline) == records(live)
    # the offline report is the live report: the bundle's log findings, page and terminal
    assert "Top log findings" in (tmp_path / "offline.html").read_text()
    assert "top log findings" in offline.stdout
    # another inventory: what needs the record errors naming it, the cluster is still judged
    for r in other.results:
        if r["check"] in ("dns.reverse", "lb.port", "mirror.release"):
            assert r["outcome"] == "error" and "another inventory" in r["message"], r
    assert other.outcome("nodes.names", "localhost") == "failed"
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        index = json.load(tar.extractfile("facts/index.json"))
        text = b"".join(tar.extractfile(n).read() for n in names if n.startswith("facts/")).decode()
    # every check that listed its subjects is in the record (one skipped for a missing
    # inventory key, such as mirror.capacity without mirror.ssh, never asked anything)
    unasked = {
        c for c in checks if all(r["outcome"] == "skipped" for r in live.results if r["check"] == c)
    }
    assert checks - unasked <= set(index["checks"]) <= checks
    assert index["inventory"]["cluster"] == "ocp45.example.localdomain"
    for secret in ("BEGIN RSA PRIVATE KEY", "BEGIN PRIVATE KEY", '"auth":', "password"):
        assert secret not in text


def _no_failures_and_causes(run) -> list[dict]:
    failed = [r for r in run.results if r["outcome"] == "failed"]
    assert not failed, [(r["check"], r["subject"], r["message"]) for r in failed]
    errors = [r for r in run.results if r["outcome"] == "error"]
    assert errors and all("unreachable" in r for r in errors), [
        (r["check"], r["message"]) for r in errors if "unreachable" not in r
    ]
    for r in errors:
        assert 'see "not reachable from this machine"' in r["remediation"]
        assert "firewall-cmd" not in r["remediation"] and "semanage" not in r["remediation"]
    causes = run.report["run"]["unreachable"]
    assert len({c["source"] for c in causes}) == len(causes)
    assert sum(c["subjects"] for c in causes) == len(errors)
    return causes


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_machine_without_a_route_reports_errors_with_one_cause_per_network(tmp_path, workers):
    """Under -n too: a subject list that could not be made (the web root over SSH) reaches the
    workers as the same Unreachable, so it is grouped with the rest."""
    lab = Lab(tmp_path / "lab", "site-clean", max_seconds=300)
    lab.start()
    lab.stop(keep_slot=True)  # the files stay: ignition, install-config, catalogs
    try:
        run = run_suite(
            *PLUGINS,
            "-m",
            "preflight",
            *workers,
            inventory=lab.inventory_path,
            env=FAST,
            wrap=NO_NETWORK,
        )
    finally:
        lab.release_slot()
    causes = _no_failures_and_causes(run)
    assert {c["reason"] for c in causes} == {"no route to the network (ENETUNREACH)"}
    # the DNS servers' network and the lab slot's (its addresses depend on the slot)
    inv = load_inventory(lab.inventory_path)
    assert {c["source"] for c in causes} == {
        network_of(inv.dns_servers[0].host),
        network_of(inv.load_balancer.api or ""),
    }
    assert "not reachable from this machine (said once)" in run.stdout
    first = run.stdout.index("not reachable from this machine")
    assert first < run.stdout.index("checks:")


def test_a_silent_site_reports_errors_with_one_cause_per_dead_server(tmp_path):
    lab = Lab(tmp_path / "lab", "site-clean", max_seconds=300)
    lab.start()
    lab.stop(keep_slot=True)
    drop = 'ip link set lo up && iptables -A OUTPUT -d 127.0.0.0/8 -j DROP && exec "$@"'
    try:
        run = run_suite(
            *PLUGINS,
            "-m",
            "preflight",
            inventory=lab.inventory_path,
            env=FAST,
            wrap=("unshare", "-n", "sh", "-c", drop, "sh"),
        )
    finally:
        lab.release_slot()
    causes = _no_failures_and_causes(run)
    sources = {c["source"] for c in causes}
    site = lab.inventory_path.read_text()
    for source in sources:
        assert source.split(":")[0] in site, source
    # every port of the silent LB addresses is one cause each address, not one per port
    assert not any(s.endswith((":6443", ":22623", ":80", ":443")) for s in sources), sources


def test_a_cluster_snapshot_probed_live_without_a_route_fails_only_for_the_cluster(tmp_path):
    """``--snapshot`` (no record) with ``--live`` from a machine without a route: what the
    snapshot shows is judged (the broken cluster fails), every mirror lookup, DNS question and
    connect errors, grouped under its network; nothing fails for want of an answer."""
    from checks.base import REGISTRY
    from reports.catalog import load_checks

    lab = Lab(tmp_path / "lab", "site-broken", max_seconds=600).start()
    bundle = tmp_path / "cluster-only.tar.gz"
    try:
        done = collect_bundle(
            lab.inventory_path,
            bundle,
            "--kubeconfig",
            str(lab.workdir / "kubeconfig"),
            "--no-facts",
            "-q",
            env=FAST,
        )
        assert bundle.is_file(), done.stderr[-2000:]
    finally:
        lab.stop(keep_slot=True)
    try:
        run = run_suite(
            *PLUGINS,
            *BOTH,
            "--snapshot",
            str(bundle),
            "--live",
            inventory=lab.inventory_path,
            env=FAST,
            wrap=NO_NETWORK,
        )
    finally:
        lab.release_slot()
    load_checks()
    cluster_only = {cid for cid, spec in REGISTRY.items() if not spec.reads_site}
    failed = {(r["check"], r["subject"]) for r in run.results if r["outcome"] == "failed"}
    assert failed and {c for c, _ in failed} <= cluster_only | {"ignition.expiry"}, failed
    errors = [r for r in run.results if r["outcome"] == "error"]
    assert errors and all("unreachable" in r for r in errors), [
        (r["check"], r["message"][:200]) for r in errors if "unreachable" not in r
    ]
    assert {"mirror.imagestreams", "samples.skip_coverage", "upgrade.target"} <= {
        r["check"] for r in errors
    }
