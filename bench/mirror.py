"""Benchmark: looking up release components in the lab mirror (not a test; prints figures).

    python -m bench.mirror [--refs 2000] [--skopeo-sample 40] [--repeat 2]

Pushes ``--refs`` small images by digest into the lab registry (TLS + htpasswd, as the suite
sees it), plus two release images whose image-references name 12 and 12 + refs components,
then measures in one run:

1. the suite's marginal time per reference: ``pytest -m preflight -k mirror.release`` on the big
   release minus the small one, divided by the difference in components (best of --repeat);
2. a serial ``skopeo inspect`` loop, what users script today (a sample, extrapolated);
3. a 16-thread keep-alive HEAD loop with pre-set Basic auth: the floor on this machine.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402, F401 - the children it starts keep a bytecode cache
from collectors.images.registry import ACCEPT  # noqa: E402
from lab import Lab  # noqa: E402
from lab.core import start_alone  # noqa: E402
from lab.imagebuild import Pusher, build_image, tar_layer  # noqa: E402
from lab.registry import LOCAL_REPOSITORY, image_references, model_of, release_image  # noqa: E402


def push_many(pusher: Pusher, n: int) -> dict[str, str]:
    """n distinct OCI images sharing one layer and config (they differ by an annotation)."""
    layer = tar_layer({"usr/bin/bench": b"#!/bin/sh\n"})
    base = build_image([layer], oci=True)
    pusher.image(LOCAL_REPOSITORY, base)

    def one(i: int) -> tuple[str, str]:
        img = build_image([layer], oci=True, annotations={"bench.index": str(i)})
        return f"bench-{i:05d}", pusher.manifest(
            LOCAL_REPOSITORY, img.digest, img.manifest, img.media_type
        )

    with ThreadPoolExecutor(16) as pool:
        return dict(pool.map(one, range(n)))


def push_release(pusher: Pusher, components: dict[str, str], tag: str) -> None:
    refs = json.dumps(image_references(components)).encode()
    pusher.image(LOCAL_REPOSITORY, release_image(refs), tag)


def time_suite(inventory: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-m",
                "preflight",
                "-k",
                "mirror.release",
                "-q",
                "-p",
                "no:randomly",
                "--inventory",
                str(inventory),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"suite run failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        best = min(best, elapsed)
    return best


def skopeo_loop(host: str, digests: list[str], auth_file: Path, ca_file: Path) -> float:
    cert_dir = Path(tempfile.mkdtemp(prefix="bench-certs-"))
    shutil.copy(ca_file, cert_dir / "ca.crt")  # skopeo's cert dir must hold only the CA
    start = time.perf_counter()
    for d in digests:
        done = subprocess.run(
            [
                "skopeo",
                "inspect",
                "--authfile",
                str(auth_file),
                "--cert-dir",
                str(cert_dir),
                f"docker://{host}/{LOCAL_REPOSITORY}@{d}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if done.returncode != 0:
            raise SystemExit(f"skopeo inspect failed: {done.stderr[-500:]}")
    elapsed = time.perf_counter() - start
    shutil.rmtree(cert_dir, ignore_errors=True)
    return elapsed


def head_floor(
    host: str, digests: list[str], user: str, password: str, ca_file: Path, threads: int = 16
) -> float:
    local = threading.local()
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def session() -> requests.Session:
        s = getattr(local, "s", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False
            s.verify = str(ca_file)
            local.s = s
        return s

    def head(d: str) -> int:
        r = session().head(
            f"https://{host}/v2/{LOCAL_REPOSITORY}/manifests/{d}",
            headers={"Accept": ACCEPT, "Authorization": auth},
            timeout=30,
        )
        return r.status_code

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(head, digests[:threads]))  # warm the connections
        start = time.perf_counter()
        codes = list(pool.map(head, digests))
        elapsed = time.perf_counter() - start
    if set(codes) != {200}:
        raise SystemExit(f"HEAD loop saw statuses {sorted(set(codes))}")
    return elapsed


def netem_available() -> bool:
    """Whether tc netem works here (it needs the sch_netem kernel module)."""
    ns = f"upibench{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True, check=False).returncode != 0:
        return False
    try:
        done = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                ns,
                "tc",
                "qdisc",
                "add",
                "dev",
                "lo",
                "root",
                "netem",
                "delay",
                "10ms",
            ],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def latency_demo(lab: Lab, digests: list[str], delay: float = 0.020) -> tuple[float, float, float]:
    """Per-reference time through a proxy that holds every request ``delay`` seconds:
    (serial, 16 in flight, 16 in flight with no delay) using the suite's RegistryClient."""
    from collectors.images.pullsecret import Auths, Credential
    from collectors.images.registry import RegistryClient
    from lab.registry import _tls_ready, write_proxy_rules

    mirror = lab.inventory["mirror"]
    ip, port = mirror["registry"].rsplit(":", 1)
    certs = lab.workdir / "registry" / "certs"
    proxy_port = lab.port(6)
    rules = lab.workdir / "registry" / "proxy.json"
    rules.write_text(
        json.dumps(
            {
                "listen": [ip, proxy_port],
                "upstream": [ip, int(port)],
                "cert": str(certs / "domain.crt"),
                "key": str(certs / "domain.key"),
                "ca": str(certs / "ca.crt"),
                "rules": [{"path": "", "delay": delay}],
            }
        )
    )
    lab.procs.spawn(
        "bench-latency-proxy",
        [sys.executable, str(ROOT / "lab" / "registry_proxy.py"), str(rules)],
        ready=lambda: _tls_ready(ip, proxy_port, certs / "ca.crt"),
    )
    via = f"{ip}:{proxy_port}"
    model = model_of(lab)
    auths = Auths({via: Credential(via, model.user, model.password)}, "bench credentials")
    refs = [f"{via}/{LOCAL_REPOSITORY}@{d}" for d in digests]
    out = []
    for workers, rule_delay in ((1, delay), (16, delay), (16, 0.0)):
        write_proxy_rules(lab, rules=[{"path": "", "delay": rule_delay}])
        with RegistryClient(auths, ca_file=certs / "ca.crt", max_workers=workers) as client:
            client.ping(via)
            start = time.perf_counter()
            answers = (
                client.has_manifests(refs)
                if workers > 1
                else {r: client.has_manifest(r) for r in refs}
            )
            out.append((time.perf_counter() - start) / len(refs))
        if set(answers.values()) != {True}:
            raise SystemExit("latency demo: some lookups failed")
    return out[0], out[1], out[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--refs", type=int, default=2000)
    parser.add_argument("--skopeo-sample", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--latency-refs", type=int, default=300, help="refs for the 20 ms latency run (0: skip)"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-mirror-"))
    lab = Lab(workdir, "mirror-clean", max_seconds=3600)
    print(f"starting the lab's registry in {workdir} ...", flush=True)
    start_alone(lab)
    try:
        model = model_of(lab)
        mirror = lab.inventory["mirror"]
        host = mirror["registry"]
        ca_file = Path(mirror["ca_file"])
        pusher = Pusher(host, model.user, model.password, str(ca_file))
        t = time.perf_counter()
        many = push_many(pusher, args.refs)
        print(f"pushed {len(many)} images by digest in {time.perf_counter() - t:.1f}s", flush=True)
        small = json.loads((workdir / "registry" / "payload.json").read_text())
        push_release(pusher, small, "bench-small")
        push_release(pusher, {**small, **many}, "bench-big")
        inv_small = lab.write_inventory(
            workdir / "small.yaml",
            mirror={"release_image": f"{host}/{LOCAL_REPOSITORY}:bench-small"},
        )
        inv_big = lab.write_inventory(
            workdir / "big.yaml", mirror={"release_image": f"{host}/{LOCAL_REPOSITORY}:bench-big"}
        )

        t_small = time_suite(inv_small, args.repeat)
        t_big = time_suite(inv_big, args.repeat)
        suite_per_ref = (t_big - t_small) / len(many)

        digests = list(many.values())
        sample = digests[: args.skopeo_sample]
        t_skopeo = skopeo_loop(host, sample, Path(mirror["auth_file"]), ca_file)
        skopeo_per_ref = t_skopeo / len(sample)

        t_floor = head_floor(host, digests, model.user, model.password, ca_file)
        floor_per_ref = t_floor / len(digests)

        cpus = os.cpu_count()
        load = os.getloadavg()[0]
        print()
        print(
            f"mirror lookup benchmark: {len(many)} references, lab registry {host} "
            f"(TLS, htpasswd/bcrypt), {cpus} CPUs, load average {load:.1f}"
        )
        print(
            f"  suite (pytest -k mirror.release): {t_small:.2f}s with {len(small)} components, "
            f"{t_big:.2f}s with {len(small) + len(many)} (best of {args.repeat})"
        )
        print(f"  suite marginal time per reference:   {suite_per_ref * 1000:8.2f} ms")
        print(
            f"  serial skopeo inspect per reference: {skopeo_per_ref * 1000:8.2f} ms  "
            f"(measured on {len(sample)} refs, extrapolated to {len(many)}: "
            f"{skopeo_per_ref * len(many):.0f}s)"
        )
        print(
            f"  16-thread keep-alive HEAD floor:     {floor_per_ref * 1000:8.2f} ms  "
            f"({t_floor:.2f}s for {len(digests)})"
        )
        print(f"  suite vs skopeo: {skopeo_per_ref / suite_per_ref:6.1f}x faster (aim >= 10x)")
        print(f"  suite vs floor:  {suite_per_ref / floor_per_ref:6.2f}x the floor (aim <= 1.5x)")
        if args.latency_refs:
            serial, hidden, no_delay = latency_demo(lab, digests[: args.latency_refs])
            how = (
                "tc netem is available but this run used"
                if netem_available()
                else "tc netem is not available on this kernel (no sch_netem), so this run used"
            )
            print(
                f"  20 ms per request ({how} a loopback proxy holding each request 20 ms), "
                f"{args.latency_refs} refs through the suite's client:"
            )
            print(f"    serial:        {serial * 1000:8.2f} ms per reference")
            print(
                f"    16 in flight:  {hidden * 1000:8.2f} ms per reference "
                f"(same proxy without delay: {no_delay * 1000:.2f} ms) -> concurrency hides "
                f"{max(0.0, 1 - (hidden - no_delay) / 0.020) * 100:.0f}% of the 20 ms"
            )
    finally:
        lab.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
