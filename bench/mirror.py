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

from collectors.registry import ACCEPT  # noqa: E402
from lab import Lab  # noqa: E402
from lab.imagebuild import Pusher, build_image, tar_layer  # noqa: E402
from lab.registry import LOCAL_REPOSITORY, image_references, model_of, release_image  # noqa: E402


def push_many(pusher: Pusher, n: int) -> dict[str, str]:
    """n distinct OCI images sharing one layer and config (they differ by an annotation)."""
    layer = tar_layer({"usr/bin/bench": b"#!/bin/sh\n"})
    base = build_image([layer], oci=True)
    pusher.image(LOCAL_REPOSITORY, base)

    def one(i: int) -> tuple[str, str]:
        img = build_image([layer], oci=True, annotations={"bench.index": str(i)})
        return f"bench-{i:05d}", pusher.manifest(LOCAL_REPOSITORY, img.digest, img.manifest, img.media_type)

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
            [sys.executable, "-m", "pytest", "-m", "preflight", "-k", "mirror.release", "-q", "-p", "no:randomly",
             "--inventory", str(inventory)],
            cwd=ROOT, capture_output=True, text=True, check=False,
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
            ["skopeo", "inspect", "--authfile", str(auth_file), "--cert-dir", str(cert_dir),
             f"docker://{host}/{LOCAL_REPOSITORY}@{d}"],
            capture_output=True, text=True, check=False, timeout=60,
        )
        if done.returncode != 0:
            raise SystemExit(f"skopeo inspect failed: {done.stderr[-500:]}")
    elapsed = time.perf_counter() - start
    shutil.rmtree(cert_dir, ignore_errors=True)
    return elapsed


def head_floor(host: str, digests: list[str], user: str, password: str, ca_file: Path, threads: int = 16) -> float:
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
        r = session().head(f"https://{host}/v2/{LOCAL_REPOSITORY}/manifests/{d}",
                           headers={"Accept": ACCEPT, "Authorization": auth}, timeout=30)
        return r.status_code

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(head, digests[:threads]))  # warm the connections
        start = time.perf_counter()
        codes = list(pool.map(head, digests))
        elapsed = time.perf_counter() - start
    if set(codes) != {200}:
        raise SystemExit(f"HEAD loop saw statuses {sorted(set(codes))}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refs", type=int, default=2000)
    parser.add_argument("--skopeo-sample", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-mirror-"))
    lab = Lab(workdir, "mirror-clean", max_seconds=3600)
    print(f"starting the lab in {workdir} ...", flush=True)
    lab.start()
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
        inv_small = lab.write_inventory(workdir / "small.yaml", mirror={"release_image": f"{host}/{LOCAL_REPOSITORY}:bench-small"})
        inv_big = lab.write_inventory(workdir / "big.yaml", mirror={"release_image": f"{host}/{LOCAL_REPOSITORY}:bench-big"})

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
        print(f"mirror lookup benchmark: {len(many)} references, lab registry {host} (TLS, htpasswd/bcrypt), "
              f"{cpus} CPUs, load average {load:.1f}")
        print(f"  suite (pytest -k mirror.release): {t_small:.2f}s with {len(small)} components, "
              f"{t_big:.2f}s with {len(small) + len(many)} (best of {args.repeat})")
        print(f"  suite marginal time per reference:   {suite_per_ref * 1000:8.2f} ms")
        print(f"  serial skopeo inspect per reference: {skopeo_per_ref * 1000:8.2f} ms  (measured on {len(sample)} "
              f"refs, extrapolated to {len(many)}: {skopeo_per_ref * len(many):.0f}s)")
        print(f"  16-thread keep-alive HEAD floor:     {floor_per_ref * 1000:8.2f} ms  ({t_floor:.2f}s for {len(digests)})")
        print(f"  suite vs skopeo: {skopeo_per_ref / suite_per_ref:6.1f}x faster (aim >= 10x)")
        print(f"  suite vs floor:  {suite_per_ref / floor_per_ref:6.2f}x the floor (aim <= 1.5x)")
        print("  (no network-namespace latency run: loopback only in this benchmark)")
    finally:
        lab.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
