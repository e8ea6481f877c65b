"""Benchmark: load a synthetic must-gather of 300 nodes and 10,000 pods (aim: < 5 s, < 500 MB);
then the offline gate on a real-shaped must-gather (aim: < 5 s).

    python bench/snapshot.py [--nodes 300] [--pods 10000] [--log-mb 25] [--dir /tmp/x]

Writes the must-gather (nodes one file each, pods as one list per namespace, as ``oc adm
must-gather`` does) as a folder and as a .tar.gz, then in a fresh process per form: opens the
snapshot, lists every node and every pod (what the postinstall subjects read) and reports the
wall time and the process's peak RSS. Then the offline gate (``pytest -m postinstall
--snapshot X --report-html``, the journal findings included) on the real SNO must-gather of
``tests/real/must-gather`` inside ``oc adm must-gather``'s image folder, with
``host_service_logs/masters/{kubelet,crio}_service.log`` grown to ``--log-mb`` MB each from the
real kubelet journal lines of the corpus, as a folder and as a .tar.xz (run inside
``unshare -n``: the inventory has the cluster's real address).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collectors.cluster import resources as R  # noqa: E402
from lab.cluster_model import ClusterModel, _node, _pod, write_must_gather  # noqa: E402

NAMESPACES = 100


def synthetic(nodes: int, pods: int) -> ClusterModel:
    model = ClusterModel("mirror.example.com:5000")
    names = []
    for i in range(nodes):
        role = "master" if i < 3 else ("infra" if i < 6 else "worker")
        name = f"n{i:03d}.ocp45.example.localdomain"
        _node(
            model,
            name,
            f"10.{i // 250}.{i % 250}.1",
            [role] if role != "infra" else ["infra", "worker"],
        )
        names.append(name)
    for i in range(pods):
        ns = f"app-{i % NAMESPACES:03d}"
        pod = _pod(
            model,
            ns,
            f"app-{i:05d}-7d9c5b8f6-{i % 97:05d}",
            names[i % nodes],
            labels={"app": f"app-{i % 50}", "pod-template-hash": "7d9c5b8f6"},
        )
        # a realistic body: env, volumes, probes, resources, status (about 3 kB of YAML)
        pod["spec"]["containers"][0].update(
            image=f"mirror.example.com:5000/apps/app-{i % 50}@sha256:{i:064x}",
            env=[{"name": f"VAR_{k}", "value": f"value-{k}-{i}"} for k in range(8)],
            resources={
                "requests": {"cpu": "100m", "memory": "256Mi"},
                "limits": {"memory": "512Mi"},
            },
            ports=[{"containerPort": 8080, "protocol": "TCP"}],
            readinessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
            volumeMounts=[
                {"name": "data", "mountPath": "/data"},
                {"name": "kube-api-access", "mountPath": "/var/run/secrets", "readOnly": True},
            ],
        )
        pod["spec"].update(
            volumes=[
                {"name": "data", "emptyDir": {}},
                {
                    "name": "kube-api-access",
                    "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]},
                },
            ],
            serviceAccountName="default",
            restartPolicy="Always",
            tolerations=[
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            ],
        )
        pod["status"].update(
            hostIP=f"10.0.{i % 250}.1",
            podIP=f"10.128.{i % 250}.{i % 200}",
            startTime="2020-10-10T01:00:40Z",
            qosClass="Burstable",
        )
    return model


LOADER = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
t = time.perf_counter()
from collectors.cluster.snapshot import SnapshotSource
from collectors.cluster import resources as R
src = SnapshotSource({path!r})
nodes = src.list(R.NODES)
pods = src.list(R.PODS)
elapsed = time.perf_counter() - t
from collectors.cluster import snapshot
print(json.dumps({{"parser": "yaml-rs" if snapshot.yaml_rs else "PyYAML (libyaml)",
                  "seconds": elapsed, "nodes": len(nodes), "pods": len(pods),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(path: Path) -> dict[str, float]:
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", LOADER.format(root=root, path=str(path))],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


ROOT = Path(__file__).resolve().parent.parent
SNO = ROOT / "tests" / "real" / "must-gather" / "resourcewatch-sno-4.13.0-ec.4-none"
KUBELET = next((ROOT / "tests" / "real" / "insights" / "config" / "node" / "logs").glob("*.log"))
SNO_INVENTORY = (
    "cluster: {name: vrutkovs, base_domain: choomba.one}\n"
    "nodes:\n  - {name: vrutkovs-sno, role: master, ip: 10.0.130.68}\n"
)


def real_shaped(work: Path, log_mb: int) -> tuple[Path, Path, Path]:
    """(folder, .tar.xz, inventory): the real SNO must-gather with grown host_service_logs."""
    top = work / "must-gather.local.1"
    shutil.rmtree(top, ignore_errors=True)
    image = top / "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0f1e2d"
    shutil.copytree(SNO, image, ignore=shutil.ignore_patterns("*.md"))
    logs = image / "host_service_logs" / "masters"
    logs.mkdir(parents=True)
    lines = KUBELET.read_bytes()
    for unit in ("kubelet", "crio"):
        with open(logs / f"{unit}_service.log", "wb") as out:
            for _ in range(log_mb * 1_000_000 // len(lines) + 1):
                out.write(lines)
    (image / "timestamp").write_text("2023-03-08 12:33:21 +0000 UTC\n")
    packed = work / "must-gather.tar.xz"
    with tarfile.open(packed, "w:xz", preset=1) as tar:
        tar.add(top, arcname=top.name)
    inventory = work / "sno.yaml"
    inventory.write_text(SNO_INVENTORY)
    return top, packed, inventory


def gate(snapshot: Path, inventory: Path, work: Path) -> tuple[float, dict[str, int]]:
    """Seconds of the offline gate (report JSON and HTML with findings) and its summary."""
    report = work / "gate.json"
    t = time.perf_counter()
    subprocess.run(
        [
            "unshare",
            "-n",
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "fixtures.cluster",
            "-m",
            "postinstall",
            "--snapshot",
            str(snapshot),
            "--inventory",
            str(inventory),
            "--report-json",
            str(report),
            "--report-html",
            str(work / "gate.html"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - t
    return seconds, json.loads(report.read_text())["summary"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--log-mb", type=int, default=25, help="MB per host_service_logs file")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    t = time.perf_counter()
    model = synthetic(args.nodes, args.pods)
    folder = write_must_gather(model, work / "must-gather", list_files=(R.PODS.folder,))
    tarball = write_must_gather(
        model, work / "must-gather.tar.gz", tarball=True, list_files=(R.PODS.folder,)
    )
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(
        f"synthetic must-gather: {args.nodes} nodes, {args.pods} pods, {size / 1e6:.1f} MB of YAML "
        f"({tarball.stat().st_size / 1e6:.1f} MB gzipped), written in "
        f"{time.perf_counter() - t:.1f} s to {work}"
    )
    print(f"{'form':<10} {'load+list s':>11} {'peak RSS MB':>12}  parser   (aim: < 5 s, < 500 MB)")
    for form, path in (("folder", folder), ("tar.gz", tarball)):
        r = measure(path)
        assert r["nodes"] == args.nodes and r["pods"] == args.pods, r
        print(f"{form:<10} {r['seconds']:>11.2f} {r['peak_mb']:>12.0f}  {r['parser']}")
    folder, packed, inventory = real_shaped(work, args.log_mb)
    print(
        f"real-shaped must-gather (SNO corpus, host_service_logs 2 x {args.log_mb} MB; "
        f".tar.xz {packed.stat().st_size / 1e6:.1f} MB)"
    )
    print(f"{'form':<10} {'gate s':>11}  outcomes   (aim: < 5 s)")
    for form, path in (("folder", folder), ("tar.xz", packed)):
        seconds, summary = gate(path, inventory, work)
        print(f"{form:<10} {seconds:>11.2f}  {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
