"""Errors stay local, and YAML bombs are refused, in a snapshot (issue 12 parts 2 and 5).

One unreadable node file errors only the subjects that need that node, with and without -n; an
alias bomb, a cycle and deep nesting in snapshot objects end the run quickly under a 1 GiB limit,
each an error naming its file, and the bundle still copies every other object."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import yaml

from lab.cluster_model import seed_cluster, write_must_gather
from lab.model import seed_model
from tests.hostile import bounded
from tests.suite import run_suite

MIRROR = "registry.test.example.local:5000"
NODES = Path("cluster-scoped-resources/core/nodes")


def _bomb(levels: int = 30) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "kind: Node\nmetadata: {name: bomb}\n" + "\n".join(lines) + "\n"


def _site(tmp: Path) -> tuple[Path, Path, dict[str, str]]:
    """The seed cluster as a must-gather, an inventory naming its nodes, and node name -> fqdn."""
    net = seed_model(0)
    snap = write_must_gather(seed_cluster(net, MIRROR), tmp / "mg")
    inv = tmp / "site.yaml"
    nodes = [{"name": n.name, "role": n.role, "ip": n.ip} for n in net.nodes]
    inv.write_text(
        yaml.safe_dump(
            {"cluster": {"name": net.cluster, "base_domain": net.base_domain}, "nodes": nodes}
        )
    )
    return snap, inv, {n.name: n.fqdn for n in net.nodes}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_one_unreadable_node_errors_only_its_own_subjects(tmp_path: Path, workers) -> None:
    snap, inv, fqdn = _site(tmp_path)
    bad = snap / NODES / f"{fqdn['w2']}.yaml"
    assert bad.exists()
    bad.write_text("kind: Node\nmetadata:\n  name: w2\n  labels: [unclosed\n")
    run = run_suite(
        *workers,
        "-m",
        "postinstall",
        "-k",
        "nodes. or placement.infra_taints",
        "--snapshot",
        str(snap),
        inventory=inv,
        timeout=300,
    )
    errors = {(r["check"], r["subject"]) for r in run.results if r["outcome"] == "error"}
    # nodes.joined's subject is the inventory's name: the Node standing for it is unreadable
    expected = {("nodes.ready", fqdn["w2"]), ("nodes.names", fqdn["w2"]), ("nodes.joined", "w2")}
    assert errors == expected, run.stdout[-3000:]
    joined = run.record("nodes.joined", "w2")
    assert str(bad) in joined["message"] and "not valid YAML" in joined["message"], joined
    rec = run.record("nodes.ready", fqdn["w2"])
    assert str(bad) in rec["message"] and "not valid YAML" in rec["message"], rec
    assert rec["remediation"], rec
    ready = run.outcomes("nodes.ready")
    in_cluster = len(list((snap / NODES).glob("*.yaml")))  # the bootstrap is gone by now
    assert len(ready) == in_cluster and list(ready.values()).count("passed") == in_cluster - 1
    assert set(run.outcomes("placement.infra_taints").values()) == {"passed"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (_bomb(), "alias bomb"),
        ("kind: Node\nmetadata: &m {name: cyc, labels: {self: *m}}\n", "cycle"),
        (
            "kind: Node\nmetadata: {name: deep}\nspec:\n"
            + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(150))
            + "  " * 151
            + "x\n",
            "nested deeper than 100",
        ),
    ],
    ids=["alias-bomb", "cycle", "deep"],
)
def test_yaml_bombs_in_a_snapshot_are_refused_naming_the_file(
    tmp_path: Path, text: str, says: str
) -> None:
    """The checks' reader and the bundle's: each ends in seconds under 1 GiB, the bad file is an
    error naming it, and every other object still reaches the bundle."""
    snap, inv, fqdn = _site(tmp_path)
    evil = snap / NODES / "evil.yaml"
    evil.write_text(text)
    total = sum(1 for _ in snap.rglob("*.yaml"))
    bundle = tmp_path / "b.tar.gz"
    code = f"""
import json, sys
from collectors.cluster.base import UNREADABLE, CachedSource
from collectors.cluster.resources import NODES
from collectors.cluster.snapshot import SnapshotSource
listed = CachedSource(SnapshotSource({str(snap)!r})).list(NODES)
print(json.dumps([n.get(UNREADABLE) for n in listed if UNREADABLE in n]))
from collectors.__main__ import main
sys.exit(main(["--inventory", {str(inv)!r}, "--bundle", {str(bundle)!r},
               "--snapshot", {str(snap)!r}]))
"""
    run = bounded(code, seconds=120)
    assert run.returncode in (0, 1), run.stderr[-3000:]
    (reason,) = json.loads(run.stdout.splitlines()[0])
    assert str(evil) in reason and says in reason, reason
    with tarfile.open(bundle) as tar:
        names = [m.name for m in tar if m.name.endswith(".yaml")]
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    copied = [n for n in names if n.startswith(("cluster-scoped-resources/", "namespaces/"))]
    assert len(copied) == total - 1, (len(copied), total)
    assert any(
        n.endswith("unparsed/cluster-scoped-resources/core/nodes/evil.yaml")
        or n == "unparsed/cluster-scoped-resources/core/nodes/evil.yaml"
        for n in names
    )
    row = next(s for s in manifest["sources"] if s["kind"] == "cluster")
    assert "evil.yaml" in row["error"] and says in row["error"], row
