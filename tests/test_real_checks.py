"""The checks on real files (tests/real/<kind>/): each file gets the verdicts its
``<file>.verdict.md`` names in the section "What the suite must say".

A verdict line is ``- <check>: <outcome> "<text the message holds>"``; ``- checked at: <time>``
and ``- cluster domain: <domain>`` say when and for which cluster the file is judged.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from checks.base import Verdict
from checks.ignition import accepted_sources, evaluate_expiry, evaluate_pointer
from checks.lb import evaluate_config
from checks.upgrade import evaluate_upgrade
from collectors.cluster.base import ResourceMissing
from collectors.cluster.resources import MACHINES, NODES
from collectors.errors import NotApplicable, Unreachable
from collectors.facts.ignition import gather_expiry, gather_pointer
from collectors.facts.installconfig import gather_install_config
from collectors.facts.lb import gather_config_check
from collectors.facts.upgrade import INTERRUPTIBLE, selection
from collectors.parsers.haproxy import parse_haproxy
from collectors.site import Site
from collectors.transport.hosts import LocalHost
from tests.checks import inventory

REAL = Path(__file__).parent / "real"
SECTION = "## What the suite must say"


@dataclass(frozen=True)
class Expected:
    """What a verdict note says about a file: the checks' outcomes and the context."""

    outcomes: dict[str, tuple[str, str]]
    checked_at: datetime | None
    cluster_domain: str | None
    notes: dict[str, str]


def expected(path: Path) -> Expected:
    """Read ``<path>.verdict.md``.

    >>> e = expected(REAL / "ignition" / "hupiper-ocp4.3-master.ign")
    >>> e.outcomes["ignition.pointer"][0], e.cluster_domain
    ('passed', 'ocp43.mdunnett.tamlab.rdu2.redhat.com')
    """
    text = path.with_name(path.name + ".verdict.md").read_text(encoding="utf-8")
    assert SECTION in text, f"{path.name}.verdict.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1]
    outcomes: dict[str, tuple[str, str]] = {}
    notes: dict[str, str] = {}
    for m in re.finditer(
        r"^- ([a-z_]+\.[a-z_]+(?:\[[^\]]+\])?): (\w+)(?: \"(.*)\")?$", section, re.M
    ):
        outcomes[m.group(1)] = (m.group(2), m.group(3) or "")
    for m in re.finditer(r"^- ([a-z ]+): (.+)$", section, re.M):
        notes[m.group(1)] = m.group(2).strip()
    when = notes.get("checked at")
    return Expected(
        outcomes,
        datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None,
        notes.get("cluster domain"),
        notes,
    )


def assert_verdict(name: str, check: str, v: Verdict, want: tuple[str, str]) -> None:
    outcome, text = want
    assert ("passed" if v.ok else "failed") == outcome, f"{name} {check}: {v.message}"
    assert text in v.message, f"{name} {check}: {text!r} not in {v.message!r}"


# --------------------------------------------------------------------------- ignition

IGNITION = sorted((REAL / "ignition").glob("*.ign"))


def ignition_site(tmp_path: Path, real: Path, as_name: str, domain: str | None) -> Site:
    """A site whose ignition.dir holds ``real`` under ``as_name``, for the cluster ``domain``."""
    shutil.copyfile(real, tmp_path / as_name)
    name, _, base = (domain or "ocp45.example.localdomain").partition(".")
    inv = inventory(
        f"cluster: {{name: {name}, base_domain: {base}}}\nignition: {{dir: {tmp_path}}}\n"
    )
    return Site(inv)


def test_every_real_ignition_file_has_a_verdict() -> None:
    assert len(IGNITION) >= 7
    for path in IGNITION:
        assert expected(path).outcomes, f"{path.name}: no verdict lines"


@pytest.mark.parametrize("real", IGNITION, ids=lambda p: p.name)
def test_real_ignition_expiry(real: Path, tmp_path: Path) -> None:
    want = expected(real)
    site = ignition_site(tmp_path, real, real.name, want.cluster_domain)
    name, certs = gather_expiry(site, real.name)
    assert want.checked_at is not None
    v = evaluate_expiry(name, certs, want.checked_at, 2, "regenerate")
    assert_verdict(real.name, "ignition.expiry", v, want.outcomes["ignition.expiry"])


POINTERS = [p for p in IGNITION if "ignition.pointer" in expected(p).outcomes]


@pytest.mark.parametrize("real", POINTERS, ids=lambda p: p.name)
def test_real_ignition_pointer(real: Path, tmp_path: Path) -> None:
    """Read as master.ign or worker.ign (its role is in its merge/append source)."""
    want = expected(real)
    role = "worker.ign" if "worker" in real.name else "master.ign"
    site = ignition_site(tmp_path, real, role, want.cluster_domain)
    facts = gather_pointer(site, role)
    assert want.cluster_domain and want.checked_at
    for configured in (22623, 22624):  # the installer's port is right whatever the LB's is
        accepted = accepted_sources(want.cluster_domain, configured, role)
        v = evaluate_pointer(facts, accepted, want.checked_at, str(tmp_path))
        assert_verdict(real.name, "ignition.pointer", v, want.outcomes["ignition.pointer"])
    if facts.version.startswith("2."):
        other = accepted_sources(want.cluster_domain.replace(".", "-x.", 1), 22623, role)
        v = evaluate_pointer(facts, other, want.checked_at, str(tmp_path))
        assert not v.ok and "ignition.config.append sources: https://api-int." in v.message
        assert v.remediation.startswith("set ignition.config.append to")


# --------------------------------------------------------------------------- manifests


class _Cluster:
    """A cluster source holding some resources; the others were not collected."""

    def __init__(self, held: dict) -> None:
        self.held = held

    def source(self) -> _Cluster:
        return self

    def list(self, res, namespace=None):  # noqa: ANN001, ANN201 - the CachedSource shape
        if res not in self.held:
            raise ResourceMissing(None, message=f"{res.plural} not collected")
        return self.held[res]


def _upi_machine(name: str, role: str) -> dict:
    key = "machine.openshift.io/cluster-api-machine-role"
    return {"metadata": {"name": name, "namespace": "openshift-machine-api", "labels": {key: role}}}


def test_real_termination_handler_mhc_selects_no_machine_on_upi() -> None:
    real = REAL / "manifests" / "machine-api-termination-handler.yaml"
    want = expected(real).outcomes["upgrade.readiness"]
    mhc = yaml.safe_load(real.read_text())
    node = {"metadata": {"name": "w1", "labels": {"node-role.kubernetes.io/worker": ""}}}
    machines = [_upi_machine("m1", "master"), _upi_machine("w1", "worker")]
    for held in ({MACHINES: machines, NODES: [node]}, {NODES: [node]}):
        site = Site(None, cluster=_Cluster(held))  # type: ignore[arg-type]
        v = evaluate_upgrade("machinehealthcheck", mhc, selection(site, mhc))
        assert_verdict(real.name, "upgrade.readiness", v, want)
    spot = {"metadata": {"name": "s1", "labels": {INTERRUPTIBLE: ""}}}
    site = Site(None, cluster=_Cluster({NODES: [node, spot]}))  # type: ignore[arg-type]
    assert not evaluate_upgrade("machinehealthcheck", mhc, selection(site, mhc)).ok


# --------------------------------------------------------------------------- install-config


def test_real_connected_install_config_skips_installconfig_mirrors() -> None:
    real = REAL / "install-config" / "akaronte-okd4.5-none.install-config.yaml"
    outcome, text = expected(real).outcomes["installconfig.mirrors"]
    site = Site(inventory(f"install_config: {real}\n"))
    with pytest.raises(NotApplicable) as skip:
        gather_install_config(site, real.name)
    assert outcome == "skipped" and str(skip.value).startswith(text)


# --------------------------------------------------------------------------- haproxy

HAPROXY = sorted((REAL / "haproxy").glob("*.cfg"))


def expected_backends(path: Path) -> dict[int, dict[str, int]]:
    """``- backends <port>: name=servers, ...`` (or ``none``) lines of the verdict."""
    text = path.with_name(path.name + ".verdict.md").read_text(encoding="utf-8")
    out: dict[int, dict[str, int]] = {}
    for m in re.finditer(r"^- backends (\d+): (.+)$", text.split(SECTION, 1)[1], re.M):
        pairs = [] if m.group(2) == "none" else [p.split("=") for p in m.group(2).split(", ")]
        out[int(m.group(1))] = {name: int(count) for name, count in pairs}
    return out


class OffSiteHost(LocalHost):
    """This machine without a network (``unshare -n``): names in a real cfg resolve nowhere, and
    nothing leaves loopback."""

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        return super().run(["unshare", "-n", *argv], timeout)


@pytest.mark.parametrize("real", HAPROXY, ids=lambda p: p.name)
def test_real_haproxy_parses_with_the_backends_its_verdict_names(real: Path) -> None:
    cfg = parse_haproxy(real.read_text(encoding="utf-8"), real.name)
    want = expected_backends(real)
    assert want, f"{real.name}: no backends lines"
    bound = {b.port for s in cfg.sections for b in s.binds}
    assert bound == set(want)
    for port, backends in want.items():
        got = {b.name: len(b.servers) for b in cfg.backends_for_port(port)}
        assert got == backends, f"{real.name} port {port}"


@pytest.mark.skipif(not shutil.which("haproxy"), reason="haproxy is not installed (./run test)")
@pytest.mark.parametrize("real", HAPROXY, ids=lambda p: p.name)
def test_real_haproxy_lb_config_verdict(real: Path, tmp_path: Path) -> None:
    """The real haproxy (2.6 here) run on each real cfg, as lb.config runs it."""
    site = Site(inventory(f"load_balancer: {{config: {real}}}\n"))
    site.host = lambda target: OffSiteHost()  # type: ignore[method-assign]
    outcome, text = expected(real).outcomes["lb.config"]
    if outcome == "error":  # the verdict depends on this machine's resolver: no verdict
        with pytest.raises(Unreachable, match=re.escape(text)) as caught:
            gather_config_check(site, str(real))
        assert "load_balancer.ssh" in caught.value.remediation
        return
    facts = gather_config_check(site, str(real))
    v = evaluate_config(facts)
    assert_verdict(real.name, "lb.config", v, expected(real).outcomes["lb.config"])
    assert facts.version.startswith("HAProxy version")
    if not v.ok:
        assert "\n" not in v.remediation and "haproxy -c -f" in v.remediation
