"""lb.config against the lab: the real haproxy binary, run on the LB host through the real sshd
(the bastion's sshd stands in for it) or on this machine; and a host without haproxy."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from checks.lb import evaluate_config
from collectors.errors import NotApplicable
from collectors.facts import lb as lb_facts
from collectors.site import Site
from collectors.transport.hosts import LocalHost
from tests.checks import inventory
from tests.suite import run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

LB = ("-m", "preflight", "-k", "lb.config or lb.backends")


def test_clean_config_passes_over_ssh_on_the_lb_host(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("lb-on-bastion")
    ssh = lab.inventory["load_balancer"]["ssh"]
    cfg = lab.inventory["load_balancer"]["config"]
    run = run_suite(*LB, inventory=lab.inventory_path)
    record = run.record("lb.config", cfg)
    assert record["outcome"] == "passed", record
    assert re.fullmatch(
        rf"haproxy -c on {re.escape(ssh)} \(HAProxy version [^)]+\): configuration is valid.*",
        record["message"],
    )
    assert set(run.outcomes("lb.backends").values()) == {"passed"}  # read over SSH too


def test_typo_fails_over_ssh_with_haproxys_alert(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("haproxy-cfg-typo")
    ssh = lab.inventory["load_balancer"]["ssh"]
    cfg = lab.inventory["load_balancer"]["config"]
    run = run_suite(*LB, inventory=lab.inventory_path)
    record = run.record("lb.config", cfg)
    assert record["outcome"] == "failed", record
    assert record["message"].startswith(
        f"expected haproxy -c -f {cfg} on {ssh} to accept the configuration; found exit 1"
    )
    assert "unknown keyword 'balanse'" in record["message"]
    assert record["remediation"].startswith(
        "correct the misspelt keyword on the line haproxy names; "
        f'then run "haproxy -c -f {cfg}" and reload haproxy'
    )
    assert "\n" not in record["remediation"]
    # the running haproxy still serves the old file: the backends read from the edited one pass
    assert set(run.outcomes("lb.backends").values()) == {"passed"}


def test_1x_listen_without_final_newline_fails_locally(start_lab) -> None:  # noqa: ANN001
    lab = start_lab("haproxy-cfg-1x-listen")
    cfg = lab.inventory["load_balancer"]["config"]
    assert not Path(cfg).read_bytes().endswith(b"\n")
    run = run_suite(*LB, inventory=lab.inventory_path)
    record = run.record("lb.config", cfg)
    assert record["outcome"] == "failed", record
    assert "on this machine" in record["message"]
    assert "please use the 'bind' keyword for listening addresses" in record["message"]
    assert any("Missing LF on last line" in d for d in record["details"])
    assert record["remediation"].startswith('move the address off the section line: "listen NAME"')


class _BareHost(LocalHost):
    """This machine with an empty PATH: a host where haproxy is not installed."""

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        return super().run(["/usr/bin/env", "PATH=/nonexistent", "/bin/sh", *argv[1:]], timeout)


def test_host_without_haproxy_is_skipped_naming_the_binary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text("defaults\n  mode tcp\n")
    monkeypatch.setattr(lb_facts, "HAPROXY_LOCATIONS", (str(tmp_path / "sbin" / "haproxy"),))
    site = Site(inventory(f"load_balancer: {{config: {cfg}}}\n"))
    site.host = lambda target: _BareHost()  # type: ignore[method-assign]
    with pytest.raises(NotApplicable, match="^haproxy is not installed on this machine"):
        lb_facts.gather_config_check(site, str(cfg))


def test_path_with_shell_characters_reaches_haproxy_as_one_argument(tmp_path: Path) -> None:
    folder = tmp_path / "a dir; touch pwned"
    folder.mkdir()
    cfg = folder / "haproxy $(id).cfg"
    cfg.write_text(
        "defaults\n  mode tcp\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n"
        "listen api\n  bind 127.0.0.1:9\n  server m1 127.0.0.1:10\n"
    )
    site = Site(inventory(f"load_balancer: {{config: '{cfg}'}}\n"))
    v = evaluate_config(lb_facts.gather_config_check(site, str(cfg)))
    assert v.ok, v.message
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    cfg.write_text("listen api 127.0.0.1:9\n")  # rejected: the fix quotes the path to paste it
    v = evaluate_config(lb_facts.gather_config_check(site, str(cfg)))
    assert not v.ok and f"haproxy -c -f {shlex.quote(str(cfg))}" in v.remediation
