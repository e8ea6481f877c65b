"""Hostile snapshots (issue 12): links out of the root, escaping member names, devices, fifos,
a gzip bomb, members over the cap, a snapshot over its total budget or its deadline.

Each case is built here, small on disk, and read by the snapshot reader and the bundle writer
in a subprocess under a 1 GiB address-space limit and a timeout, so a regression fails instead
of swapping or hanging. Nothing from outside the snapshot may reach a report or a bundle, and
everything else must arrive.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.cluster.snapshot import wanted
from collectors.cluster.tree import TarTree, safe_member_name
from lab.cluster_model import layout, seed_cluster
from lab.model import seed_model
from tests.suite import ROOT, run_suite

MIRROR = "127.20.0.105:20005"
SECRET = "OUTSIDE-SECRET-7f3a9c"
OUTSIDE_NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "outside-node", "annotations": {"shadow": SECRET}},
}
NODES = "cluster-scoped-resources/core/nodes"
LIMIT_AS = 1 << 30
PLUGINS = ("-p", "fixtures.cluster")

READER = """
import json, resource, sys, tarfile
sys.path.insert(0, {root!r})
from collectors.cluster import resources as R
from collectors.cluster.snapshot import SnapshotSource
from collectors.triage.bundle import write_bundle
from collectors.triage.cluster_dump import from_snapshot
out = {{}}
src = SnapshotSource({path!r})
out["describe"] = src.describe()
for key, res in (("nodes", R.NODES), ("configmaps", R.CONFIGMAPS)):
    try:
        out[key] = sorted(o["metadata"]["name"] for o in src.list(res))
    except Exception as exc:
        out[key + "_error"] = f"{{type(exc).__name__}}: {{exc}}"
manifest = write_bundle({bundle!r}, None, cluster=from_snapshot({path!r}), plans=[], command=[])
out["rows"] = [s for s in manifest["sources"] if s["kind"] == "cluster"]
out["status"] = manifest["status"]
with tarfile.open({bundle!r}) as tar:
    out["bundle"] = sorted(m.name for m in tar.getmembers() if m.isfile())
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def read_bounded(
    path: Path, bundle: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> dict:
    """The reader and the bundle writer on ``path``, in a subprocess under 1 GiB and a timeout."""
    code = READER.format(root=str(ROOT), path=str(path), bundle=str(bundle))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("UPI_")},
            **(env or {}),
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def bundle_bytes(bundle: Path) -> bytes:
    with tarfile.open(bundle) as tar:
        return b"".join(
            tar.extractfile(m).read()
            for m in tar.getmembers()
            if m.isfile()  # type: ignore[union-attr]
        )


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return layout(seed_cluster(seed_model(0), MIRROR))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the snapshot root that must never be read (the /etc/shadow stand-in)."""
    path = tmp_path / "outside" / "shadow.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(OUTSIDE_NODE))
    return path


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def good_nodes(files: dict[str, bytes]) -> list[str]:
    return sorted(yaml.safe_load(v)["metadata"]["name"] for k, v in files.items() if NODES in k)


def assert_complete(result: dict, files: dict[str, bytes], bundle: Path) -> None:
    """Every good object arrived (checks and bundle); nothing from outside did."""
    assert result["nodes"] == good_nodes(files)
    layout_files = {k for k in files}
    assert layout_files <= set(result["bundle"]), layout_files - set(result["bundle"])
    assert SECRET.encode() not in bundle_bytes(bundle)
    assert "outside-node" not in json.dumps(result["nodes"])
    assert result["peak_mb"] < 1024


# --------------------------------------------------------------------------- folders


def test_folder_links_fifo_device_and_hardlink_are_skipped_and_recorded(
    tmp_path: Path, files: dict[str, bytes], outside: Path
) -> None:
    root = write_folder(tmp_path / "mg", files)
    nodes = root / NODES
    (nodes / "shadow.yaml").symlink_to(outside)
    (nodes / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(nodes / "fifo.yaml")
    os.link(outside, nodes / "hard.yaml")
    (nodes / "loop.yaml").symlink_to(nodes / "loop.yaml")
    (root / "cluster-scoped-resources" / "core" / "back").symlink_to(root)  # a folder loop
    (root / "namespaces" / "escape").symlink_to(outside.parent)
    bundle = tmp_path / "b.tar.gz"
    result = read_bounded(root, bundle, timeout=60)
    assert_complete(result, files, bundle)
    skipped = {s["path"]: s["reason"] for s in result["describe"]["skipped"]}
    assert "outside the snapshot" in skipped[f"{NODES}/shadow.yaml"]
    assert "outside the snapshot" in skipped["namespaces/escape"]
    assert "outside the snapshot" in skipped[f"{NODES}/zero.yaml"]
    assert "never opened" in skipped[f"{NODES}/fifo.yaml"]
    assert "hard link" in skipped[f"{NODES}/hard.yaml"]
    assert "loops" in skipped[f"{NODES}/loop.yaml"]
    assert "loop" in skipped["cluster-scoped-resources/core/back"]
    row = result["rows"][0]
    assert row["status"] == "partial" and {s["path"] for s in row["skipped"]} == set(skipped)


def test_a_suite_run_on_a_hostile_folder_warns_and_shows_nothing_from_outside(
    tmp_path: Path, files: dict[str, bytes], outside: Path
) -> None:
    root = write_folder(tmp_path / "mg", files)
    (root / NODES / "shadow.yaml").symlink_to(outside)
    os.mkfifo(root / NODES / "fifo.yaml")
    inventory = tmp_path / "site.yaml"
    inventory.write_text(
        "cluster: {name: ocp45, base_domain: example.localdomain}\n"
        "nodes:\n  - {name: m1, role: master, ip: 127.0.0.1}\n"
    )
    html = tmp_path / "report.html"
    run = run_suite(
        *PLUGINS,
        "-m",
        "postinstall",
        "-k",
        "nodes.",
        "--snapshot",
        str(root),
        "--report-html",
        str(html),
        inventory=inventory,
        timeout=120,
    )
    page = html.read_text()
    assert run.results, run.stdout[-3000:]
    assert "outside-node" not in {r["subject"] for r in run.results}
    assert SECRET not in page and SECRET not in run.stdout and SECRET not in json.dumps(run.report)
    assert "2 entries skipped" in page and f"{NODES}/shadow.yaml" in page
    assert "WARNING: 2 snapshot entries skipped" in run.stdout


# --------------------------------------------------------------------------- archives


def _add(tar: tarfile.TarFile, name: str, data: bytes = b"", **fields: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if data else None)


def test_archive_escaping_members_links_and_devices_are_skipped(
    tmp_path: Path, files: dict[str, bytes], outside: Path
) -> None:
    secret_yaml = yaml.safe_dump(OUTSIDE_NODE).encode()
    path = tmp_path / "mg.tar.xz"
    with tarfile.open(path, "w:xz") as tar:
        for rel, data in files.items():
            _add(tar, f"must-gather.local.1/img/{rel}", data)
        base = f"must-gather.local.1/img/{NODES}"
        _add(tar, "must-gather.local.1/img/namespaces/../../x.yaml", secret_yaml)
        _add(tar, f"/{NODES}/abs.yaml", secret_yaml)
        _add(tar, f"{base}/shadow.yaml", type=tarfile.SYMTYPE, linkname=str(outside))
        _add(tar, f"{base}/up.yaml", type=tarfile.SYMTYPE, linkname="../../../../../outside.yaml")
        _add(tar, f"{base}/hard.yaml", type=tarfile.LNKTYPE, linkname="../outside/shadow.yaml")
        _add(tar, f"{base}/zero.yaml", type=tarfile.CHRTYPE, devmajor=1, devminor=5)
        _add(tar, f"{base}/fifo.yaml", type=tarfile.FIFOTYPE)
        _add(tar, f"{base}/loop-a.yaml", type=tarfile.SYMTYPE, linkname="loop-b.yaml")
        _add(tar, f"{base}/loop-b.yaml", type=tarfile.SYMTYPE, linkname="loop-a.yaml")
    bundle = tmp_path / "b.tar.gz"
    result = read_bounded(path, bundle, timeout=60)
    assert_complete(result, files, bundle)
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in result["describe"]["skipped"]}
    assert set(reasons) == {
        "x.yaml",
        "abs.yaml",
        "shadow.yaml",
        "up.yaml",
        "hard.yaml",
        "zero.yaml",
        "fifo.yaml",
        "loop-a.yaml",
        "loop-b.yaml",
    }, reasons
    assert "climbs out" in reasons["x.yaml"] and "never opened" in reasons["fifo.yaml"]
    assert "outside" in reasons["hard.yaml"] and "loop" in reasons["loop-a.yaml"]


def gzip_bomb(path: Path, files: dict[str, bytes], inflated: int) -> Path:
    """A .tar.gz whose one ConfigMap member inflates to ``inflated`` bytes of zeros, built as
    concatenated gzip members (one 64 MiB block compressed once, repeated): about 1 MB a GiB."""
    body = b""
    for rel, data in files.items():
        info = tarfile.TarInfo(rel)
        info.size = len(data)
        body += info.tobuf() + data + bytes(-len(data) % tarfile.BLOCKSIZE)
    info = tarfile.TarInfo("namespaces/openshift-config/core/configmaps/bomb.yaml")
    info.size = inflated
    block = 64 << 20
    assert inflated % block == 0
    zeros = gzip.compress(bytes(block), 6)
    with open(path, "wb") as out:
        out.write(gzip.compress(body + info.tobuf(), 6))
        for _ in range(inflated // block):
            out.write(zeros)
        out.write(gzip.compress(bytes(tarfile.RECORDSIZE), 6))
    return path


def test_gzip_bomb_costs_neither_memory_nor_the_rest(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    path = gzip_bomb(tmp_path / "bomb.tar.gz", files, 1 << 30)
    assert path.stat().st_size < 8 << 20
    bundle = tmp_path / "b.tar.gz"
    result = read_bounded(path, bundle, timeout=120)
    assert_complete(result, files, bundle)
    assert "bomb.yaml" in result["configmaps_error"]
    assert "larger than the" in result["configmaps_error"]
    assert any(s["path"].endswith("bomb.yaml") for s in result["describe"]["skipped"])


def test_deadline_stops_the_bomb_and_keeps_what_came_before(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    path = gzip_bomb(tmp_path / "bomb.tar.gz", files, 1 << 30)
    bundle = tmp_path / "b.tar.gz"
    result = read_bounded(path, bundle, env={"UPI_SNAPSHOT_TIMEOUT": "0.3"}, timeout=60)
    assert "UPI_SNAPSHOT_TIMEOUT" in result["describe"]["damaged"]
    assert result["nodes"] == good_nodes(files)  # written before the bomb
    assert result["status"] == "incomplete"


@pytest.mark.parametrize("form", ["folder", "tar.gz"])
def test_total_budget_skips_the_rest_and_says_how_to_raise_it(
    tmp_path: Path, files: dict[str, bytes], form: str
) -> None:
    if form == "folder":
        path = write_folder(tmp_path / "mg", files)
    else:
        path = tmp_path / "mg.tar.gz"
        with tarfile.open(path, "w:gz") as tar:
            for rel, data in sorted(files.items()):
                _add(tar, rel, data)
    budget = sum(len(v) for v in files.values()) // 3
    bundle = tmp_path / "b.tar.gz"
    result = read_bounded(path, bundle, env={"UPI_SNAPSHOT_MAX_TOTAL_BYTES": str(budget)})
    row = result["rows"][0]
    assert row["status"] == "partial" and "UPI_SNAPSHOT_MAX_TOTAL_BYTES" in row["error"]
    assert 0 < len([n for n in result["bundle"] if n.endswith(".yaml")]) < len(files)


def test_member_over_the_cap_is_named_and_the_rest_read(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    cap = max(len(v) for v in files.values()) + 1
    huge = b"kind: ConfigMap\nmetadata: {name: big}\ndata: {x: " + b"y" * cap + b"}\n"
    big = {**files, "namespaces/openshift-config/core/configmaps/big.yaml": huge}
    path = tmp_path / "mg.tar.bz2"
    with tarfile.open(path, "w:bz2") as tar:
        for rel, data in big.items():
            _add(tar, rel, data)
    bundle = tmp_path / "b.tar.gz"
    result = read_bounded(path, bundle, env={"UPI_SNAPSHOT_MAX_MEMBER_BYTES": str(cap)})
    assert_complete(result, files, bundle)
    assert (
        "big.yaml" in result["configmaps_error"]
        and "UPI_SNAPSHOT_MAX_MEMBER_BYTES" in (result["configmaps_error"])
    )


# --------------------------------------------------------------------------- hypothesis

_PART = st.sampled_from(
    [
        "..",
        ".",
        "",
        "namespaces",
        "cluster-scoped-resources",
        "core",
        "nodes",
        "a",
        "x.yaml",
        "/",
        "\\",
        "C:",
        "b.json",
        "\x00",
    ]
)
_NAME = st.lists(_PART, min_size=1, max_size=7).map("/".join)
_TYPE = st.sampled_from(
    [
        tarfile.REGTYPE,
        tarfile.SYMTYPE,
        tarfile.LNKTYPE,
        tarfile.FIFOTYPE,
        tarfile.CHRTYPE,
        tarfile.BLKTYPE,
        tarfile.DIRTYPE,
    ]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.tuples(_NAME, _TYPE, _NAME, st.binary(max_size=64)), max_size=12))
def test_archive_reader_keeps_only_contained_regular_members(members, tmp_path: Path) -> None:
    path = tmp_path / "h.tar"
    regular: dict[str, bytes] = {}
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, link, data in members:
            if "\x00" in name or "\x00" in link:
                continue  # a tar header cannot carry NUL
            payload = data if kind == tarfile.REGTYPE else b""
            _add(tar, name, payload, type=kind, linkname=link)
            if kind == tarfile.REGTYPE and (safe := safe_member_name(name)):
                regular[safe] = payload
    tree = TarTree(path, wanted)
    for rel in tree.paths():
        assert not rel.startswith("/") and ".." not in rel.split("/"), rel
        data = tree.read(rel)
        # kept bytes are a regular member's, under its own name or through an inside link
        assert data in regular.values(), (rel, data)
    for skipped in tree.skipped:
        assert skipped.path not in tree.files
