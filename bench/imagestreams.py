"""Benchmark: 300 imagestreams x 5 tags checked against the lab registry.

    python bench/imagestreams.py [--streams 300] [--tags 5] [--skopeo-sample 20]

Starts a lab with the registry part, pushes the streams' images (10% of the tags left out),
writes a must-gather of the imagestreams with samplesRegistry on the mirror, then times:

- the suite: every stream's tags rewritten, mapped and looked up (``collectors.facts.samples``), one
  parallel batch through issue 4's RegistryClient (what mirror.imagestreams and
  samples.skip_coverage share per run); tags into one repository are answered by one
  ``tags/list`` per repository (issue 13), so it sends fewer requests than there are references
  (the requests are counted and printed);
- the floor: a 16-thread keep-alive ``HEAD`` loop with requests;
- what users script today: ``skopeo inspect`` per reference, timed on a sample and extrapolated.
Aims: at least 10x the skopeo loop; with tag listings, half the floor's time (issue 13).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loops import head_loop, skopeo_loop  # noqa: E402
from collectors.cluster import resources as R  # noqa: E402
from collectors.cluster.access import ClusterAccess  # noqa: E402
from collectors.inventory import load_inventory  # noqa: E402
from collectors.site import Site  # noqa: E402
from lab import Lab  # noqa: E402
from lab.cluster_model import ClusterModel, _imagestream, _obj, write_must_gather  # noqa: E402
from lab.imagebuild import DOCKER_MANIFEST, Pusher, build_image, tar_layer  # noqa: E402
from lab.registry import model_of  # noqa: E402


def push_all(lab: Lab, host: str, refs: list[tuple[str, str]]) -> None:
    reg = model_of(lab)
    ca = str(lab.workdir / "registry" / "certs" / "ca.crt")
    image = build_image([tar_layer({"README": b"bench"})])
    local = threading.local()

    def one(repo_tag: tuple[str, str]) -> None:
        if not hasattr(local, "pusher"):
            local.pusher = Pusher(host, reg.user, reg.password, ca)
        local.pusher.image(repo_tag[0], image, repo_tag[1])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, refs))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--skopeo-sample", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-imagestreams-"))
    lab = Lab(work / "lab", "clean", parts=("registry",), max_seconds=900)
    try:
        lab.start()
        host = lab.inventory["mirror"]["registry"]
        all_refs = [
            (f"bench/app-{i:03d}", f"t{k}") for i in range(args.streams) for k in range(args.tags)
        ]
        present = [r for n, r in enumerate(all_refs) if n % 10 != 7]
        t = time.perf_counter()
        push_all(lab, host, present)
        print(
            f"pushed {len(present)} of {len(all_refs)} tags to {host} "
            f"in {time.perf_counter() - t:.1f} s"
        )

        model = ClusterModel(host)
        model.add(
            R.SAMPLES_CONFIGS,
            _obj(
                R.SAMPLES_CONFIGS,
                "cluster",
                spec={"managementState": "Managed", "samplesRegistry": host},
            ),
        )
        for i in range(args.streams):
            _imagestream(
                model,
                f"app-{i:03d}",
                {f"t{k}": f"registry.redhat.io/bench/app-{i:03d}:t{k}" for k in range(args.tags)},
                "true",
            )
        snapshot = write_must_gather(model, work / "must-gather")

        # --- the suite
        import collectors.facts.samples as samples

        site = Site(
            load_inventory(lab.inventory_path), cluster=ClusterAccess(str(snapshot), None, True)
        )
        client = site.registry
        sent: list[str] = []
        real_request = client.request

        def counted(method: str, host: str, path: str, **kw: object) -> object:
            sent.append(method)
            return real_request(method, host, path, **kw)  # type: ignore[arg-type]

        client.request = counted  # type: ignore[method-assign]
        t = time.perf_counter()
        facts = samples.all_stream_facts(site)
        suite_s = time.perf_counter() - t
        missing = sum(1 for f in facts.values() for tag in f.tags if not tag.present)
        assert missing == len(all_refs) - len(present), missing

        # --- the floor: 16 threads, keep-alive HEADs, credentials preset
        reg = model_of(lab)
        ca = str(lab.workdir / "registry" / "certs" / "ca.crt")
        floor_s, codes = head_loop(host, ca, reg.user, reg.password, all_refs, DOCKER_MANIFEST)
        assert codes.count(404) == len(all_refs) - len(present)

        # --- skopeo, sampled
        sample = [f"{repo}:{tag}" for repo, tag in present[: args.skopeo_sample]]
        per_ref = skopeo_loop(work, host, ca, reg.user, reg.password, sample)
        skopeo_s = None if per_ref is None else per_ref * len(all_refs)

        n = len(all_refs)
        print(
            f"{args.streams} imagestreams x {args.tags} tags = {n} references, "
            f"{n - len(present)} missing"
        )
        print(
            f"suite (rewrite + map + parallel lookups): {suite_s:6.2f} s  "
            f"{suite_s / n * 1000:6.2f} ms/ref   {len(sent)} requests for {n} references "
            f"({', '.join(f'{m} {sent.count(m)}' for m in sorted(set(sent)))})"
        )
        print(
            f"floor (16-thread keep-alive HEAD loop):   {floor_s:6.2f} s  "
            f"{floor_s / n * 1000:6.2f} ms/ref"
            f"   suite/floor = {suite_s / floor_s:.2f} (aim <= 0.5)"
        )
        if skopeo_s is not None:
            print(
                f"skopeo inspect loop (from {args.skopeo_sample} refs): {skopeo_s:6.1f} s  "
                f"{skopeo_s / n * 1000:6.1f} ms/ref   "
                f"skopeo/suite = {skopeo_s / suite_s:.0f}x (aim >= 10x)"
            )
    finally:
        lab.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
