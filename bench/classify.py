"""Benchmark: the benign-log classifier against ``grep -v -E -f <catalog patterns>``.

    python bench/classify.py                 # 1,000,000 lines, then RSS at 1M, 2M, 5M lines
    python bench/classify.py --lines 200000 --grow 200000,400000
    python bench/classify.py --only hsl --lines 400000   # host_service_logs at 1x, 2x, 5x

Two inputs. ``json``: ``journalctl -o json`` lines shaped like an install's (below).
``hsl``: a must-gather's ``host_service_logs/masters/{kubelet,crio}_service.log``, journal
text in ``-o short-precise`` form from three masters interleaved (kubenswrapper structured klog
with its FLAG start-up lines, probes failing, nodes not found then registered; crio logfmt),
classified as ``journal-text`` with each line's own host, at 1x, 2x and 5x the size, wall time
next to grep's over the same files (aim: within 3x) and peak RSS (aim: flat).

``feed_file`` (what bundles use) lets ``grep -E -i`` pre-scan for the catalog's literals in C
and parses only the lines it passes; "no grep" is its pure-Python fallback (block scan).

Input is ``journalctl -o json`` lines shaped like an install's (kubelet and crio chatter,
bootkube passes that fail and are created later, haproxy DOWN/UP, a few real errors). Each
contender runs in its own process; wall time and peak RSS (``wait4``) are printed. grep only
filters lines; the classifier also parses JSON, resolves keys and groups what is left.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baseline import checkout  # noqa: E402

T0 = 1601300280_000000
#: The previous round's classifier (the last commit to it before this round's changes).
BASELINE = "6f03b6d"


def _line(rnd: random.Random, i: int) -> str:
    r = rnd.random()
    unit, prio = "kubelet.service", 6
    if r < 0.90:
        unit = rnd.choice(["kubelet.service", "crio.service"])
        msg = rnd.choice(
            [
                f"I0928 13:40:{i % 60:02d}.000000    1520 kubelet.go:1888] SyncLoop (PLEG):"
                f' "pod-{i % 977}", event: ContainerStarted',
                f"Started container {i:012x}: openshift-etcd/etcd-m{i % 3 + 1}",
                f"I0928 13:40:{i % 60:02d}.000000    1520 reconciler.go:224]"
                f" operationExecutor.VerifyControllerAttachedVolume started for volume"
                f' "v-{i % 311}"',
            ]
        )
    elif r < 0.96:
        unit = "bootkube.service"
        name = f"manifest-{i % 5000}.yaml"
        msg = (
            f'"{name}": failed to create configmaps.v1./{name} -n openshift-config: namespaces'
            f' "openshift-config" not found'
            if r < 0.93
            else f'Created "{name}" configmaps.v1./{name} -n openshift-config'
        )
    elif r < 0.99:
        unit = "kubelet.service"
        msg = (
            f'E0928 13:40:{i % 60:02d}.000000    1520 kubelet.go:2268] node "m{i % 3 + 1}" not'
            f" found"
            if r < 0.985
            else f"Successfully registered node m{i % 3 + 1}"
        )
    else:
        unit, prio = "crio.service", 3
        msg = (
            f"Error pulling image"
            f" registry.test.example.local:5000/ocp4/openshift4@sha256:{i:064x}: manifest unknown"
        )
    return json.dumps(
        {
            "__REALTIME_TIMESTAMP": str(T0 + i * 1000),
            "_SYSTEMD_UNIT": unit,
            "PRIORITY": str(prio),
            "_HOSTNAME": "m1",
            "SYSLOG_IDENTIFIER": unit.split(".")[0],
            "MESSAGE": msg,
        },
        separators=(",", ":"),
    )


def generate(path: Path, lines: int, start: int = 0) -> None:
    rnd = random.Random(start)
    with open(path, "a", encoding="utf-8") as out:
        chunk = []
        for i in range(start, start + lines):
            chunk.append(_line(rnd, i))
            if len(chunk) == 10000:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")


CLASSIFY = """
import sys, json
sys.path.insert(0, {root!r})
from collectors.triage.classify import Classifier
c = Classifier()
grep = not {python_only!r}
c.feed_file({path!r}, host="m1", source="kubelet.service", fmt="journal", use_grep=grep)
out = c.findings()
print(json.dumps({{"groups": len(out["findings"]), "open": len(c.open), **out["summary"]}}))
"""


def _hwm(pid: int) -> float:
    """Peak resident set (VmHWM, MiB) of a live process since its exec; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(argv: list[str], stdout: Any = subprocess.PIPE) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one child process. RSS is sampled from
    /proc/PID/status (VmHWM) every few ms: ``wait4``'s maxrss would count the forked copy of
    this process before exec."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _hwm(proc.pid))
        time.sleep(0.003)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode not in (0, 1):  # grep -v exits 1 when no line is left
        raise RuntimeError(
            f"{argv[0]} failed ({proc.returncode}):"
            f" {proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return wall, peak, out


def classifier(
    path: Path, python_only: bool = False, root: Path = ROOT
) -> tuple[float, float, dict]:
    code = CLASSIFY.format(root=str(root), path=str(path), python_only=python_only)
    wall, rss, out = measure([sys.executable, "-c", code])
    return wall, rss, json.loads(out.strip().splitlines()[-1])


def grep(path: Path, patterns: Path) -> tuple[float, float]:
    """grep -v -E -f into a file (into /dev/null GNU grep stops at the first line it would
    print)."""
    with tempfile.TemporaryFile() as sink:
        wall, rss, _ = measure(["grep", "-v", "-E", "-f", str(patterns), str(path)], stdout=sink)
    return wall, rss


MONTH_DAY = "Mar 12"


def _hsl_time(i: int) -> str:
    sec = i // 200
    return (
        f"{MONTH_DAY}"
        f" {10 + sec // 3600 % 14:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}.{i % 1_000_000:06d}"
    )


def _kubelet_line(rnd: random.Random, i: int) -> str:
    host = f"master-{i % 3}"
    t = _hsl_time(i)
    klog = f"{t[7:]}"  # HH:MM:SS.ffffff
    head = f"{t} {host} kubenswrapper[2296]: "
    if i < 600:  # start-up: one FLAG line per flag
        return head + f'I0312 {klog}    2296 flags.go:64] FLAG: --flag-{i}-fail-timeout="{i}s"'
    r = rnd.random()
    if r < 0.80:
        return head + rnd.choice(
            [
                f'I0312 {klog}    2296 kubelet.go:2457] "SyncLoop (PLEG): event for pod"'
                f' pod="ns-{i % 97}/pod-{i % 977}"'
                f' event={{"ID":"{i:08x}","Type":"ContainerStarted"}}',
                f"I0312 {klog}    2296 reconciler_common.go:258]"
                f' "operationExecutor.VerifyControllerAttachedVolume started for volume"'
                f' volume="v-{i % 311}" pod="ns-{i % 97}/pod-{i % 977}"',
                f'I0312 {klog}    2296 kubelet_getters.go:187] "Pod status updated"'
                f' pod="ns-{i % 97}/pod-{i % 977}" status="Running"',
            ]
        )
    if r < 0.90:
        return head + (
            f'I0312 {klog}    2296 prober.go:107] "Probe failed" probeType="Readiness"'
            f' pod="openshift-etcd/etcd-guard-{host}" '
            f'containerName="guard" probeResult="failure" output="Get'
            f' \\"https://10.0.0.{i % 3 + 5}:9980/readyz\\": dial tcp 10.0.0.5:9980: connect:'
            f' connection refused"'
        )
    if r < 0.96:
        node = f"master-{i % 3}"
        if r < 0.955:
            return head + (
                f'E0312 {klog}    2296 kubelet.go:2471] "Error getting node" err="node'
                f' \\"{node}\\" not found"'
            )
        return head + (
            f'I0312 {klog}    2296 kubelet_node_status.go:73] "Successfully registered node"'
            f' node="{node}"'
        )
    return head + (
        f'E0312 {klog}    2296 pod_workers.go:1300] "Error syncing pod, skipping" err="failed to'
        f' \\"StartContainer\\" for \\"c\\" '
        f'with CrashLoopBackOff: \\"back-off 5m0s restarting failed container\\""'
        f' pod="ns-{i % 97}/pod-{i % 977}"'
    )


def _crio_line(rnd: random.Random, i: int) -> str:
    host = f"master-{i % 3}"
    t = _hsl_time(i)
    head = f"{t} {host} crio[2100]: "
    if rnd.random() < 0.97:
        return head + (
            f'time="2024-03-12 {t[7:]}000Z" level=info msg="Checking image status: '
            f'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:{i:064x}"'
            f" id={i:08x}-{i % 7:04x}"
        )
    return head + (
        f'time="2024-03-12 {t[7:]}000Z" level=warning msg="Found defunct process with PID'
        f' {i % 40000} (haproxy)"'
    )


def generate_hsl(folder: Path, lines: int, start: int = 0) -> list[Path]:
    """Append ``lines`` lines (2/3 kubelet, 1/3 crio) to the two host_service_logs files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "kubelet_service.log", folder / "crio_service.log"]
    for path, make, share in ((files[0], _kubelet_line, 2), (files[1], _crio_line, 1)):
        rnd = random.Random(start * 7 + share)
        n = lines * share // 3
        first = start * share // 3
        with open(path, "a", encoding="utf-8") as out:
            for base in range(first, first + n, 10000):
                chunk = [make(rnd, i) for i in range(base, min(base + 10000, first + n))]
                out.write("\n".join(chunk) + "\n")
    return files


CLASSIFY_HSL = """
import sys, json
sys.path.insert(0, {root!r})
from collectors.triage.classify import Classifier
c = Classifier()
for path, unit in {files!r}:
    c.feed_file(path, host="", source=unit, fmt="journal-text", origin=path)
out = c.findings()
print(json.dumps({{"groups": len(out["findings"]), "open": len(c.open), **out["summary"]}}))
"""


def classifier_hsl(files: list[Path]) -> tuple[float, float, dict]:
    pairs = [(str(f), f.name.replace("_service.log", ".service")) for f in files]
    code = CLASSIFY_HSL.format(root=str(ROOT), files=pairs)
    wall, rss, out = measure([sys.executable, "-c", code])
    return wall, rss, json.loads(out.strip().splitlines()[-1])


def grep_files(files: list[Path], patterns: Path) -> tuple[float, float]:
    """``grep -v -E -f`` over several files at once, into a file."""
    argv = ["grep", "-h", "-v", "-E", "-f", str(patterns), *map(str, files)]
    with tempfile.TemporaryFile() as sink:
        wall, rss, _ = measure(argv, stdout=sink)
    return wall, rss


def hsl_run(lines: int, tmp: Path, patterns: Path) -> None:
    """host_service_logs-shaped journal text at 1x, 2x and 5x ``lines``."""
    folder = tmp / "host_service_logs" / "masters"
    print(
        "\nhost_service_logs (journal text, -o short-precise, 3 masters interleaved): "
        "kubelet_service.log + crio_service.log, classified as journal-text"
    )
    print(
        f"{'lines':>12} {'MiB in':>8} {'grep s':>8} {'classify s':>11} {'ratio':>6} "
        f"{'grep RSS':>9} {'RSS MiB':>8} {'examined':>10} {'groups':>7}"
    )
    have = 0
    for factor in (1, 2, 5):
        n = lines * factor
        files = generate_hsl(folder, n - have, start=have)
        have = n
        size = sum(f.stat().st_size for f in files) / 2**20
        gw, grss = grep_files(files, patterns)
        cw, crss, summary = classifier_hsl(files)
        print(
            f"{n:12,} {size:8.0f} {gw:8.2f} {cw:11.2f} {cw / gw:5.1f}x {grss:9.1f} {crss:8.1f} "
            f"{summary['examined']:10,} {summary['groups']:7}"
        )
    print("aim: classify within 3x of grep over the same files; RSS flat as the input grows")


def main() -> None:
    from collectors.triage.catalog import load_catalog

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument(
        "--grow", default="1000000,2000000,5000000", help="line counts for the RSS series"
    )
    ap.add_argument("--only", choices=["json", "hsl"], help="run one of the two inputs")
    ap.add_argument(
        "--baseline",
        default=BASELINE,
        help="commit whose collectors/ runs the no-grep fallback beside this tree's "
        "(default: the previous round's, where the issue measured 4.7 s per 1M lines)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the fallback pair")
    args = ap.parse_args()
    grow = sorted(int(n) for n in args.grow.split(",") if n)
    with tempfile.TemporaryDirectory(prefix="bench-classify-") as tmp:
        data, patterns = Path(tmp) / "journal.json", Path(tmp) / "patterns"
        patterns.write_text("\n".join(load_catalog().patterns()) + "\n")
        if args.only == "hsl":
            hsl_run(args.lines, Path(tmp), patterns)
            return
        t0 = time.perf_counter()
        generate(data, args.lines)
        size = data.stat().st_size / 2**20
        print(
            f"input: {args.lines:,} journal JSON lines, {size:.0f} MiB (generated in"
            f" {time.perf_counter() - t0:.1f}s)"
        )
        print(f"patterns: {len(load_catalog().patterns())} catalog patterns (grep -v -E -f)")
        gw, grss = grep(data, patterns)
        cw, crss, summary = classifier(data)
        base = checkout(args.baseline, Path(tmp) / "base")
        runs: dict[str, list[tuple[float, float]]] = {"this tree": [], args.baseline: []}
        for _ in range(args.repeat):  # interleaved: the machine may be shared
            for label, root in (("this tree", ROOT), (args.baseline, base)):
                w, r, _ = classifier(data, python_only=True, root=root)
                runs[label].append((w, r))
        (pw, prss), (bw, brss) = (min(runs[k]) for k in runs)
        print(f"{'':30} {'wall s':>8} {'peak RSS MiB':>13} {'lines/s':>12}")
        print(f"{'grep -v -E -f':30} {gw:8.2f} {grss:13.1f} {args.lines / gw:12,.0f}")
        print(f"{'classifier (feed_file)':30} {cw:8.2f} {crss:13.1f} {args.lines / cw:12,.0f}")
        print(f"{'classifier, no grep':30} {pw:8.2f} {prss:13.1f} {args.lines / pw:12,.0f}")
        label = f"  same, {args.baseline}"
        print(f"{label:30} {bw:8.2f} {brss:13.1f} {args.lines / bw:12,.0f}")
        print(
            f"no grep, this tree / {args.baseline}: {pw / bw:.2f}x wall, {prss / brss:.2f}x RSS "
            f"(best of {args.repeat}, interleaved; aim: <= 1.0x, i.e. <= 4.7 s and 24 MiB "
            "on the machine the issue measured)"
        )
        print(f"classifier / grep wall time: {cw / gw:.1f}x (aim: within 5x)")
        print(
            f"classifier result: {summary['groups']} finding groups, {summary['open']} open keys, "
            f"{summary['examined']:,} lines examined, {summary['resolved']:,} resolved"
        )
        print("\npeak RSS as the input grows (aim: flat, under 100 MiB)")
        print(f"{'lines':>12} {'MiB in':>8} {'wall s':>8} {'peak RSS MiB':>13}")
        data.unlink()
        have = 0
        for n in grow:
            generate(data, n - have, start=have)
            have = n
            w, rss, _ = classifier(data)
            print(f"{n:12,} {data.stat().st_size / 2**20:8.0f} {w:8.2f} {rss:13.1f}")
        data.unlink()
        if args.only is None:
            hsl_run(args.lines, Path(tmp), patterns)


if __name__ == "__main__":
    main()
