"""Issue 14's checks against the real lab: mirror.certificate on the served chain, dns.mirror and
dns.cluster_wildcard on BIND, installconfig.networks/site on the lab's install-config,
mirror.cluster_trust on the cluster part's snapshot, time.sync on a real chrony. The clean lab
passes each; each scenario fails it for its reason; bad input is an error naming what and where.

Single checks run in this process (the plugin's gather/evaluate path, ``in_process``); one suite
run per lab shows the verdicts reach the report."""

from __future__ import annotations

import copy
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import checks.dns  # noqa: F401 - registers the checks for in_process
import checks.installconfig  # noqa: F401
import checks.mirror  # noqa: F401
import checks.time  # noqa: F401
from checks.base import REGISTRY
from collectors.cluster.access import ClusterAccess
from collectors.errors import FactError, NotApplicable
from collectors.inventory import load_inventory
from collectors.site import Site
from lab import Lab
from lab.cluster import trust_configmap, trust_key, trust_other_ca, trust_under_file_name
from lab.cluster_model import ClusterModel, write_must_gather
from lab.core import start_alone
from tests.suite import run_suite
from tests.test_mirror_lab import in_process as in_process_strict

pytestmark = pytest.mark.lab  # starts the lab's servers


def in_process(inventory: Path, check_id: str, subject: str) -> tuple[str, str]:
    """tests.test_mirror_lab.in_process, with a NotApplicable from gathering as a skip."""
    try:
        return in_process_strict(inventory, check_id, subject)
    except NotApplicable as exc:
        return "skipped", str(exc)


@pytest.fixture
def start_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Lab]]:
    labs: list[Lab] = []

    def start(scenario: str) -> Lab:
        lab = Lab(tmp_path_factory.mktemp(scenario), scenario, max_seconds=600)
        labs.append(lab)
        return start_alone(lab)

    yield start
    for lab in labs:
        lab.stop()


def registry(lab: Lab) -> str:
    return str(lab.inventory["mirror"]["registry"])


# --------------------------------------------------------------------------- mirror.certificate


@pytest.mark.parametrize(
    ("scenario", "outcome", "words"),
    [
        ("mirror-clean", "passed", ""),
        ("mirror-cert-no-san", "failed", "the leaf (no subjectAltName) does not name 127."),
        ("mirror-cert-near-expiry", "failed", "the leaf expires in 9 day(s)"),
        (
            "mirror-cert-incomplete-chain",
            "failed",
            "is issued by CN=upi-lab registry intermediate CA,O=upi-lab, which the server does "
            "not send and mirror.ca_file",
        ),
    ],
)
def test_mirror_certificate_against_the_lab_registry(
    start_mirror: Callable[[str], Lab], scenario: str, outcome: str, words: str
) -> None:
    lab = start_mirror(scenario)
    got, message = in_process(lab.inventory_path, "mirror.certificate", registry(lab))
    assert (got, words in message) == (outcome, True), message
    if scenario == "mirror-cert-incomplete-chain":
        assert "read the chain the server sent, 1 certificate(s)" in message


def test_mirror_certificate_ca_file_with_garbage_pem_is_an_error_naming_it(
    start_mirror: Callable[[str], Lab], tmp_path: Path
) -> None:
    lab = start_mirror("mirror-clean")
    bad = tmp_path / "garbage.crt"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    inv = copy.deepcopy(lab.inventory)
    inv["mirror"]["ca_file"] = str(bad)
    path = tmp_path / "site.yaml"
    lab.write_inventory(path, mirror=inv["mirror"])
    got, message = in_process(path, "mirror.certificate", registry(lab))
    assert got == "error"
    assert f"mirror.ca_file {bad}: certificate #1 is not a valid X.509 PEM block" in message


def test_mirror_certificate_unreachable_registry_is_an_error_not_a_hang(
    start_mirror: Callable[[str], Lab], tmp_path: Path
) -> None:
    lab = start_mirror("mirror-clean")
    inv = copy.deepcopy(lab.inventory)
    host = registry(lab).rsplit(":", 1)[0]
    inv["mirror"]["registry"] = f"{host}:{lab.port(19)}"  # nothing listens there
    path = tmp_path / "site.yaml"
    lab.write_inventory(path, mirror=inv["mirror"])
    got, message = in_process(path, "mirror.certificate", inv["mirror"]["registry"])
    assert got == "error" and "cannot connect" in message


# --------------------------------------------------------------------------- dns, install-config

DEEPER = ("dns.mirror", "dns.cluster_wildcard", "installconfig.networks", "installconfig.site")
DOMAIN = "ocp45.example.localdomain"


def deeper_run(lab: Lab) -> dict[tuple[str, str], tuple[str, str]]:
    run = run_suite(
        "-m",
        "preflight",
        "-p",
        "no:randomly",
        "-k",
        " or ".join(DEEPER),
        inventory=lab.inventory_path,
    )
    assert run.results, run.stdout[-3000:] + run.stderr[-2000:]
    return {(r["check"], r["subject"]): (r["outcome"], r["message"]) for r in run.results}


@pytest.mark.parametrize(
    ("scenario", "failing"),
    [
        ("mirror-by-name", {}),
        (
            "mirror-name-not-in-secondary",
            {"dns.mirror": "127.0.0.1:{ns2}: NXDOMAIN"},
        ),
        (
            "cluster-wildcard",
            {"dns.cluster_wildcard": "expected no address for conformance-"},
        ),
        (
            "installconfig-overlap",
            {
                "installconfig.networks": "machineNetwork 192.168.126.0/24 misses node m1",
            },
        ),
        (
            "installconfig-other-site",
            {"installconfig.site": "metadata.name 'ocp46', the inventory's 'ocp45'"},
        ),
    ],
)
def test_deeper_preflight_checks_against_the_lab(
    start_lab: Callable[..., Lab], scenario: str, failing: dict[str, str]
) -> None:
    # cluster-wildcard is a network scenario: start the registry too (addressed by IP there)
    lab = start_lab(scenario, parts=("registry",) if scenario == "cluster-wildcard" else ())
    seen = deeper_run(lab)
    ns2 = lab.inventory["dns"]["servers"][1].rsplit(":", 1)[1]
    outcomes = {check: outcome for (check, _), (outcome, _) in seen.items()}
    by_name = "resolve_via_site_dns" in lab.inventory["mirror"]
    expected = {c: ("failed" if c in failing else "passed") for c in DEEPER}
    if not by_name:
        expected["dns.mirror"] = "skipped"  # mirror.registry is an IP address: nothing to resolve
    assert outcomes == expected, seen
    for (check, _), (_, message) in seen.items():
        if check in failing:
            assert failing[check].format(ns2=ns2) in message, message


def test_service_network_on_the_nodes_subnet_names_every_clash(
    start_lab: Callable[..., Lab],
) -> None:
    lab = start_lab("installconfig-overlap")
    seen = deeper_run(lab)
    outcome, message = seen[("installconfig.networks", "install-config.yaml")]
    slash16 = f"127.{20 + lab.slot}.0.0/16"
    assert outcome == "failed"
    assert f"serviceNetwork {slash16} overlaps node m1 {lab.ip(21)}" in message
    assert f"load_balancer.api {lab.ip(111)}" in message and "mirror.registry" in message


# --------------------------------------------------------------------------- time.sync


@pytest.mark.parametrize(
    ("scenario", "index", "outcome", "words"),
    [
        ("time-clean", 0, "passed", ""),
        (
            "time-server-off",
            1,
            "failed",
            # libfaketime's 30 s ahead, as measured: +29.9x or +30.0x
            r"within 1 s of this machine \(ntp.max_offset_s\); found offset \+(29\.9|30\.0)",
        ),
        ("time-server-silent", 1, "error", "no answer within"),  # silence: no verdict
    ],
)
def test_time_sync_against_chrony_on_loopback(
    tmp_path: Path, scenario: str, index: int, outcome: str, words: str
) -> None:
    lab = Lab(tmp_path / "lab", scenario, parts=("time",), max_seconds=300)
    try:
        lab.start()
        servers = lab.inventory["ntp"]["servers"]
        assert lab.inventory["ntp"]["servers"][0].startswith(lab.ip(123))
        got, message = in_process(lab.inventory_path, "time.sync", servers[index])
        assert (got, bool(re.search(words, message))) == (outcome, True), message
        if index:  # the good server still passes beside the broken one
            assert in_process(lab.inventory_path, "time.sync", servers[0])[0] == "passed"
    finally:
        lab.stop()


def test_ntp_server_answering_garbage_is_an_error_naming_it(tmp_path: Path) -> None:
    """A real UDP responder on loopback that answers every packet with 5 bytes of junk."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                _, peer = sock.recvfrom(512)
            except TimeoutError:
                continue
            sock.sendto(b"junk!", peer)

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        inventory = tmp_path / "site.yaml"
        inventory.write_text(
            "cluster: {name: ocp45, base_domain: example.localdomain}\n"
            f"ntp: {{servers: ['127.0.0.1:{port}']}}\n"
        )
        got, message = in_process(inventory, "time.sync", f"127.0.0.1:{port}")
        assert got == "error"
        assert message.startswith(f"NTP server 127.0.0.1:{port} answered something that is not")
    finally:
        stop.set()
        worker.join(2)
        sock.close()


def test_localhost_clock_is_skipped_with_the_reason_when_nothing_can_tell(tmp_path: Path) -> None:
    """This machine has no systemd and no chronyd; its kernel flags STA_UNSYNC: a skip that says
    so (on a bastion with timedatectl or chronyc the same subject gives a verdict)."""
    from collectors.transport.clock import clock_state

    state = clock_state()
    inventory = tmp_path / "site.yaml"
    inventory.write_text("cluster: {name: ocp45, base_domain: example.localdomain}\n")
    got, message = in_process(inventory, "time.sync", "localhost")
    if state.synchronised is None:
        assert got == "skipped" and "cannot tell whether this machine's clock" in message
        assert "STA_UNSYNC" in message
    else:
        assert got == ("passed" if state.synchronised else "failed"), message


# --------------------------------------------------------------------------- mirror.cluster_trust


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("installed"), "installed", max_seconds=600) as lab:
        yield lab


def trust_verdict(
    lab: Lab, work: Path, edit: Callable[[Lab, ClusterModel], None] | None
) -> tuple[str, str]:
    """mirror.cluster_trust on a snapshot of the installed lab's cluster after ``edit``."""
    model = copy.deepcopy(lab.cluster_model)
    assert model is not None
    if edit is not None:
        edit(lab, model)
    snapshot = write_must_gather(model, work / "must-gather")
    spec = REGISTRY["mirror.cluster_trust"]
    site = Site(
        load_inventory(lab.inventory_path), cluster=ClusterAccess(str(snapshot), None, True)
    )
    try:
        facts = spec.gather(site, "cluster")
    except FactError as exc:
        return "error", str(exc)
    ca = site.inv.mirror.ca_file
    verdict = checks.mirror.evaluate_cluster_trust(facts, ca.name if ca else "domain.crt")
    return ("passed" if verdict.ok else "failed"), verdict.message + "\n" + verdict.remediation


def garbage_pem(lab: Lab, model: ClusterModel) -> None:
    cm = trust_configmap(model)
    key = next(iter(cm["data"]))
    cm["data"][key] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"


def test_installed_cluster_trusts_the_mirror(installed: Lab, tmp_path: Path) -> None:
    outcome, message = trust_verdict(installed, tmp_path, None)
    assert outcome == "passed", message
    assert message.startswith(
        f"openshift-config/registry-config key {trust_key(registry(installed))}"
    )


def test_configmap_keyed_by_file_name_is_explained_with_the_fix(
    installed: Lab, tmp_path: Path
) -> None:
    outcome, message = trust_verdict(installed, tmp_path, trust_under_file_name)
    key = trust_key(registry(installed))
    assert outcome == "failed"
    assert "has only key(s) domain.crt: a file name" in message
    assert (
        f"oc create configmap registry-config -n openshift-config --from-file={key}=ca.crt"
        in message
    )
    assert "oc patch image.config.openshift.io/cluster --type=merge" in message


def test_configmap_with_another_ca_fails_in_a_real_handshake(
    installed: Lab, tmp_path: Path
) -> None:
    outcome, message = trust_verdict(installed, tmp_path, trust_other_ca)
    assert outcome == "failed" and "does not verify the mirror" in message
    assert "issued by" in message and "upi-lab registry CA" in message


def test_configmap_with_garbage_pem_fails_naming_the_key(installed: Lab, tmp_path: Path) -> None:
    outcome, message = trust_verdict(installed, tmp_path, garbage_pem)
    key = trust_key(registry(installed))
    assert (
        outcome == "failed"
        and f"key {key} of openshift-config/registry-config holds no valid" in (message)
    )


def test_cluster_trust_scenarios_are_registered() -> None:
    from lab.scenarios import SCENARIOS

    assert {"cluster-trust-file-key", "cluster-trust-other-ca"} <= set(SCENARIOS)
    assert "cluster" in SCENARIOS["cluster-trust-file-key"].parts
