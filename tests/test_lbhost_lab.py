"""lb.host and the grown lb.backends against the lab (``lab/lbhost.py``, ``lab/network.py``): the
LB host over the real sshd with stand-in RHEL tools printing real outputs and a real journal.
Each check passes on the clean lab and fails on the scenario that breaks it, live; and the same
verdicts come back offline from the live run's bundle, in a namespace without network."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import Lab
from tests.suite import live_then_offline

pytestmark = pytest.mark.lab  # starts the lab's servers

CHECKS = ("-m", "preflight", "-k", "lb.host or lb.backends")
PLUGINS = ("-p", "fixtures.bundle")


def _outcomes(run) -> dict[tuple[str, str], tuple[str, str, str]]:  # noqa: ANN001
    return {
        (r["check"], r["subject"]): (r["outcome"], r["message"], r.get("remediation") or "")
        for r in run.report["results"]
    }


def _live_and_offline(tmp_path: Path, scenario: str) -> tuple[dict, dict]:
    lab = Lab(tmp_path / "lab", scenario, max_seconds=600).start()
    live, offline = live_then_offline(lab, tmp_path / "live.tar.gz", *PLUGINS, *CHECKS)
    return _outcomes(live), _outcomes(offline)


@pytest.mark.parametrize(
    ("scenario", "check", "words", "fix"),
    [
        (
            "haproxy-stopped",
            "lb.host",
            "found systemctl is-active haproxy says inactive",
            "systemctl enable --now haproxy",
        ),
        (
            "selinux-port-unlabelled",
            "lb.host",
            "port 6443 (frontend kubeapi, line 36) is not labelled, port 22623",
            '"semanage port -a -t http_port_t -p tcp 6443"',
        ),
        (
            "firewalld-runtime-only",
            "lb.host",
            "22623 is open only in the runtime configuration (service machine-config)",
            "firewall-cmd --permanent --add-service=machine-config",
        ),
        (
            "haproxy-bind-failure",
            "lb.host",
            "cannot bind socket (Permission denied) for [0.0.0.0:443]",
            "let haproxy bind the port",
        ),
        (
            "api-mode-http",
            "lb.backends",
            "frontend kubeapi (line 33) is mode http, set in frontend kubeapi (line 35)",
            'change line 35 of frontend kubeapi to "mode tcp"',
        ),
        (
            "server-without-check",
            "lb.backends",
            "server m2 of backend kube_api (line 65) has no check",
            'append " check" to line(s) 65',
        ),
    ],
)
def test_each_scenario_fails_its_check_live_and_offline(
    tmp_path: Path, scenario: str, check: str, words: str, fix: str
) -> None:
    live, offline = _live_and_offline(tmp_path, scenario)
    failing = {k: v for k, v in live.items() if v[0] != "passed"}
    subject = "6443" if check == "lb.backends" else next(s for c, s in live if c == "lb.host")
    if check == "lb.backends":  # the network lab has no LB host: lb.host skips, naming the key
        assert live[("lb.host", "-")][:2] == ("skipped", "inventory has no load_balancer.ssh")
        failing.pop(("lb.host", "-"))
    assert set(failing) == {(check, subject)}, failing
    outcome, message, remediation = live[(check, subject)]
    assert outcome == "failed" and words in message, message
    assert fix in remediation, remediation
    assert offline == live


def test_the_clean_lb_host_passes_live_and_offline(tmp_path: Path) -> None:
    live, offline = _live_and_offline(tmp_path, "lbhost-clean")
    assert {c for c, _ in live} == {"lb.host", "lb.backends"}
    assert {o for o, _, _ in live.values()} == {"passed"}, live
    assert offline == live
    message = next(m for (c, _), (_, m, _) in live.items() if c == "lb.host")
    # the journal holds an older invocation's bind failure: only the current one counts
    assert "ports 80, 443, 6443, 22623: haproxy active, SELinux Enforcing" in message
    assert "no bind failure in haproxy's journal since it started" in message
