"""Benchmark: load synthetic must-gathers (300 nodes / 10,000 pods, aim: no slower than the
previous round's code on the same files; 2,000 nodes / 60,000 pods, aim: < 5 s and < 500 MB),
each figure beside its baselines; then the offline gate on a real-shaped must-gather (aim: < 5 s).

    python bench/snapshot.py [--sizes 300x10000,2000x60000] [--repeat 3] [--baseline REV ...]
                             [--log-mb 25] [--dir /tmp/x] [--no-gate]

Writes each must-gather (nodes one file each, pods as one list per namespace, as ``oc adm
must-gather`` does) as a folder and as a .tar.gz (kept in ``--dir`` and reused by a later run),
then in a fresh process per form, code and load: opens the snapshot and lists every node, then
either the pods of the namespaces the postinstall checks list (``CHECKED``: the placement
components' namespaces and openshift-marketplace, each holding 1/100 of the pods, as every
namespace does) or every pod of every namespace, and reports the wall time, the CPU time (what
the load costs whatever else the machine runs) and the process's peak RSS (``VmHWM``:
``ru_maxrss`` outlives ``exec`` and would count the parent that wrote the files). The baselines
are the same load run by other commits' ``collectors/`` (``git archive`` into a temporary
folder): by default the previous round's (the parent of the commit that added ``check_depth`` to
``collectors/yamlio.py``) and ``main``. The machine is shared, so each figure is the best of
``--repeat`` runs, the codes interleaved. Then the offline gate (``pytest -m postinstall
--snapshot X --report-html``, the journal findings included) on the real SNO must-gather of
``tests/real/must-gather`` inside ``oc adm must-gather``'s image folder, with
``host_service_logs/masters/{kubelet,crio}_service.log`` grown to ``--log-mb`` MB each from the
real kubelet journal lines of the corpus, as a folder and as a .tar.xz (run inside ``unshare
-n``: the inventory has the cluster's real address).
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

from bench.baseline import checkout  # noqa: E402
from collectors.cluster import resources as R  # noqa: E402
from collectors.facts import placement  # noqa: E402
from lab.cluster_model import ClusterModel, _node, _pod, write_must_gather  # noqa: E402

NAMESPACES = 100
ROOT = Path(__file__).resolve().parent.parent
YAMLIO = "collectors/yamlio.py"
#: The namespaces whose pods the postinstall checks list on a must-gather: the infra components'
#: (placement.infra, placement.router_behind_lb) and the default CatalogSources' (operatorhub).
CHECKED = (*placement.NAMESPACES, "openshift-marketplace")
#: Bumped when the synthetic must-gather changes, so a kept one is written again.
FORMAT = 2


def namespace_of(i: int) -> str:
    """The namespace of pod ``i``: the checked ones first, then ``app-NNN``.

    >>> namespace_of(0), namespace_of(len(CHECKED)), namespace_of(NAMESPACES)
    ('openshift-ingress', 'app-005', 'openshift-ingress')
    """
    k = i % NAMESPACES
    return CHECKED[k] if k < len(CHECKED) else f"app-{k:03d}"


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
        ns = namespace_of(i)
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
start = resource.getrusage(resource.RUSAGE_SELF)
from collectors.cluster.snapshot import SnapshotSource
from collectors.cluster import resources as R
src = SnapshotSource({path!r})
nodes = src.list(R.NODES)
if {checked!r} is None:
    pods = src.list(R.PODS)
else:
    pods = [p for ns in {checked!r} for p in src.list(R.PODS, ns)]
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
from collectors.cluster import snapshot
peak = usage.ru_maxrss / 1024
try:
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration, ValueError):
    pass
print(json.dumps({{"parser": "yaml-rs" if getattr(snapshot, "yaml_rs", None) else "PyYAML",
                  "seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime
                                               - start.ru_utime - start.ru_stime,
                  "nodes": len(nodes), "pods": len(pods), "peak_mb": peak}}))
"""
#: What a load lists besides every node: the checks' namespaces' pods, or every pod.
LOADS = {"checks read": CHECKED, "every pod": None}


def measure(path: Path, root: Path, checked: tuple[str, ...] | None = None) -> dict[str, float]:
    """One load of ``path`` by the ``collectors/`` under ``root``, in a fresh process: every node,
    and the pods of ``checked`` (every pod when None)."""
    code = LOADER.format(root=str(root), path=str(path), checked=checked)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def previous_round() -> str:
    """The commit before the one that added ``check_depth`` to ``collectors/yamlio.py``.

    >>> len(previous_round())
    40
    """
    added = _git("log", "--reverse", "--format=%H", "-S", "def check_depth", "--", YAMLIO)
    return _git("rev-parse", f"{added.split()[0]}^").strip()


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def best(
    path: Path, roots: dict[str, Path], repeat: int, checked: tuple[str, ...] | None = None
) -> dict[str, dict[str, float]]:
    """Per code, the fastest of ``repeat`` loads (the codes interleaved) and its peak RSS."""
    found: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        for label, root in roots.items():
            r = measure(path, root, checked)
            if label not in found or r["seconds"] < found[label]["seconds"]:
                found[label] = r
    return found


def synthetic_snapshot(work: Path, nodes: int, pods: int) -> tuple[Path, Path]:
    """(folder, .tar.gz) of the synthetic must-gather, written once per size in ``work``."""
    folder, tarball = work / "must-gather", work / "must-gather.tar.gz"
    stamp = work / "done"
    if stamp.exists() and stamp.read_text() == f"{nodes} {pods} {FORMAT}":
        return folder, tarball
    shutil.rmtree(work, ignore_errors=True)
    model = synthetic(nodes, pods)
    write_must_gather(model, folder, list_files=(R.PODS.folder,))
    write_must_gather(model, tarball, tarball=True, list_files=(R.PODS.folder,))
    stamp.write_text(f"{nodes} {pods} {FORMAT}")
    return folder, tarball


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


def load_figures(args: argparse.Namespace, work: Path, roots: dict[str, Path]) -> None:
    """Print, per size and form, the best load of this code beside each baseline's."""
    labels = ", ".join(f"{k} = {v}" for k, v in args.revs.items())
    print(f"codes: this tree; {labels}. Best of {args.repeat} runs each (shared 2-core machine).")
    for size in args.sizes.split(","):
        nodes, pods = (int(n) for n in size.split("x"))
        t = time.perf_counter()
        folder, tarball = synthetic_snapshot(work / size, nodes, pods)
        mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        print(
            f"synthetic must-gather: {nodes} nodes, {pods} pods, {mb:.1f} MB of YAML "
            f"({tarball.stat().st_size / 1e6:.1f} MB gzipped), ready in "
            f"{time.perf_counter() - t:.1f} s in {work / size}"
        )
        wanted = sum(1 for i in range(pods) if namespace_of(i) in CHECKED)
        print(
            f"  {'form':<8} {'code':<14} {'load':<12} {'pods':>6} {'open+list s':>11} "
            f"{'cpu s':>6} {'peak RSS MB':>12}  parser"
        )
        for form, path in (("folder", folder), ("tar.gz", tarball)):
            for load, checked in LOADS.items():
                for label, r in best(path, roots, args.repeat, checked).items():
                    assert r["nodes"] == nodes and r["pods"] == (
                        pods if checked is None else wanted
                    ), r
                    print(
                        f"  {form:<8} {label:<14} {load:<12} {r['pods']:>6} "
                        f"{r['seconds']:>11.2f} {r['cpu']:>6.2f} {r['peak_mb']:>12.0f}  "
                        f"{r['parser']}"
                    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="300x10000,2000x60000", help="NODESxPODS,...")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline", action="append", default=None, help="a commit or branch (repeatable)"
    )
    parser.add_argument("--log-mb", type=int, default=25, help="MB per host_service_logs file")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--no-gate", action="store_true", help="only the synthetic loads")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    revs = args.baseline or [previous_round(), "main"]
    args.revs = {
        ("previous round" if i == 0 and not args.baseline else rev[:12]): rev
        for i, rev in enumerate(revs)
    }
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        roots = {"this tree": ROOT}
        for label, rev in args.revs.items():
            roots[label] = checkout(rev, Path(tmp) / str(len(roots)))
        load_figures(args, work, roots)
    if args.no_gate:
        return 0
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
