"""The host side against the lab (``lab/hostside.py``): the installer and oc binaries, a node
reached over the real sshd in its own mount namespace (its /etc/hosts, trust bundle and
registries.conf) and the mirror's disk. Each check passes on the clean lab and fails on the
scenario that breaks it, live; and the same verdicts come back offline from the live run's
bundle, in a namespace without network."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import Lab
from tests.suite import live_then_offline

pytestmark = pytest.mark.lab  # starts the lab's servers

CHECKS = ("-m", "preflight or postinstall", "-k", "installer or from_nodes or capacity")
PLUGINS = ("-p", "fixtures.bundle")


def _outcomes(run) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    return {r["check"]: (r["outcome"], r["message"]) for r in run.report["results"]}


def _live_and_offline(tmp_path: Path, scenario: str) -> tuple[dict, dict]:
    lab = Lab(tmp_path / "lab", scenario, max_seconds=600).start()
    live, offline = live_then_offline(lab, tmp_path / "live.tar.gz", *PLUGINS, *CHECKS)
    return _outcomes(live), _outcomes(offline)


@pytest.mark.parametrize(
    ("scenario", "check", "words"),
    [
        (
            "installer-other-release",
            "installer.release",
            "installs its pinned release image "
            "quay.io/openshift-release-dev/ocp-release@sha256:b8307ac0f3ec",
        ),
        ("oc-other-minor", "installer.release", "is 4.12.0-202303010941"),
        ("node-untrusts-mirror", "mirror.from_nodes", "(60) SSL certificate problem"),
        ("node-cannot-resolve-mirror", "mirror.from_nodes", "getent hosts finds no address"),
        ("node-registries-unmapped", "mirror.from_nodes", "ocp-release to no mirror"),
        ("mirror-disk-full", "mirror.capacity", "GiB free of 0.0625 GiB"),
    ],
)
def test_each_scenario_fails_its_check_live_and_offline(
    tmp_path: Path, scenario: str, check: str, words: str
) -> None:
    live, offline = _live_and_offline(tmp_path, scenario)
    assert live[check][0] == "failed" and words in live[check][1], live[check]
    assert offline == live
    others = {c: o for c, (o, _) in live.items() if c != check}
    if scenario != "node-cannot-resolve-mirror":  # by name: the checks from here pass too
        assert set(others.values()) == {"passed"}, live


def test_the_clean_host_side_passes_live_and_offline(tmp_path: Path) -> None:
    live, offline = _live_and_offline(tmp_path, "hostside-clean")
    assert set(live) == {"installer.release", "mirror.from_nodes", "mirror.capacity"}
    assert {o for o, _ in live.values()} == {"passed"}, live
    assert offline == live
    assert "maps the release sources" in live["mirror.from_nodes"][1]
