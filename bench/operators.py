"""Benchmark: mirror.operators on a catalog mapping of 20,000 images against the lab registry.

    python bench/operators.py [--images 20000] [--per-repo 40] [--skopeo-sample 20] [--rounds 3]

Starts a lab with the registry part, pushes the images by digest (OCI manifests sharing their
blobs, ``--per-repo`` per repository, 2% left out), writes an ``oc adm catalog mirror`` manifests
folder (mapping.txt with digest sources pushed under hash tags, as oc does), then times, in one
run and on the same images:

- the suite: ``collectors.facts.mirror.gather_operators`` (read + parse mapping.txt, one parallel
  batch through the shared RegistryClient), per image, with its peak Python memory
  (tracemalloc) at a quarter of the mapping and at the whole of it;
- the suite on an oc-mirror v2 workspace of the same images (what ``oc-mirror --v2`` leaves in
  ``working-dir/`` after a mirror-to-mirror run: one filtered ``catalog.json`` per package, each
  bundle naming its image and its relatedImages, an ``idms-oc-mirror.yaml`` sending the source
  namespace to the mirror; no dry-run mapping), timed and measured the same way;
- the floor: a 16-thread keep-alive ``HEAD`` loop with requests, credentials preset (the
  "HEAD floor": the same lookups with nothing around them);
- what users script today: ``skopeo inspect`` per image, timed on a sample and extrapolated.

Times are the best of ``--rounds`` rounds, each round running the three (suite on mapping.txt,
suite on the v2 workspace, floor) one after the other, in an order that turns each round, so a
machine shared with other work slows all three alike; the ratios are of the best times. Each
round's own ratios are printed too, with their median: the rounds are minutes apart, and on a
shared machine their times differ by up to a fifth, more than the suite and the floor differ.

Memory is the peak of Python's allocations (tracemalloc, in runs of their own: it slows
allocation) of one gather, at a quarter of the images and at all of them; "per extra image" is
the difference over the images added, so growth with the catalog's size shows there. It counts
what Python allocates (the parsed lines, references, answers, futures, the registry client's
buffers as Python objects), not OpenSSL's own buffers, which do not grow with the catalog.

Aims (issues 13, 20, 21): the suite (mapping.txt and v2 workspace) at most 1.0x the floor, at
least 10x faster than skopeo, memory flat: mapping.txt is streamed and looked up in batches of
1,024 lines, a window of 4 requests per worker in flight; only the missing lines are kept, so
peak memory is that of one batch; a v2 workspace is read one catalog.json at a time, and
remembers each image as an 8-byte hash in a table of fixed size (1 MiB) that spills to a
temporary file past 87,381 images (``collectors/images/seen.py``; ``bench/seen.py`` measures it
to a million). What the report names grows with the images missing (2% here), so memory is also
measured on catalogs of only the pushed images: there nothing should grow.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loops import head_loop, skopeo_loop  # noqa: E402
from collectors.facts.mirror import gather_operators  # noqa: E402
from collectors.images.registry import OCI_MANIFEST  # noqa: E402
from collectors.inventory import load_inventory  # noqa: E402
from collectors.site import Site  # noqa: E402
from lab import Lab  # noqa: E402
from lab.imagebuild import Pusher, build_image, tar_layer  # noqa: E402
from lab.registry import model_of  # noqa: E402


def push_all(lab: Lab, host: str, images: list[tuple[str, bytes]]) -> None:
    """Push each (repository, manifest) with 16 threads; blobs once per repository."""
    reg = model_of(lab)
    ca = str(lab.workdir / "registry" / "certs" / "ca.crt")
    base = build_image([tar_layer({"README": b"bench operator\n"})], oci=True)
    local = threading.local()

    def pusher() -> Pusher:
        if not hasattr(local, "pusher"):
            local.pusher = Pusher(host, reg.user, reg.password, ca)
        return local.pusher

    repos = sorted({r for r, _ in images})
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda r: [pusher().blob(r, b) for b in (*base.layers, base.config)], repos))
        list(
            pool.map(
                lambda im: pusher().manifest(im[0], _digest(im[1]), im[1], OCI_MANIFEST), images
            )
        )


def _digest(body: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(body).hexdigest()


def catalog(n: int, per_repo: int) -> list[tuple[str, bytes]]:
    base = build_image([tar_layer({"README": b"bench operator\n"})], oci=True)
    out = []
    for i in range(n):
        img = build_image(base.layers, oci=True, annotations={"bench/n": str(i)})
        out.append((f"bench/op-{i // per_repo:04d}", img.manifest))
    return out


def write_mapping(folder: Path, host: str, images: list[tuple[str, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for repo, body in images:
        digest = _digest(body)
        lines.append(f"registry.redhat.io/{repo}@{digest}={host}/{repo}:{digest[7:15]}")
    (folder / "mapping.txt").write_text("\n".join(lines) + "\n")


#: images per bundle in the v2 workspace: the bundle image and the next ones as relatedImages
PER_BUNDLE = 4


def write_workspace(folder: Path, host: str, images: list[tuple[str, bytes]]) -> None:
    """An oc-mirror v2 working-dir for ``images`` (see the module doc): per repository one
    package's declarative config (olm.package, olm.channel, olm.bundle per PER_BUNDLE images, the
    bundle itself among its relatedImages as opm renders it) and the IDMS v2 writes."""
    import json

    import yaml

    wd = folder / "working-dir"
    config = wd / "operator-catalogs/bench-index/0a1b2c3d/filtered-catalogs/4e5f6a7b/catalog-config"
    by_repo: dict[str, list[str]] = {}
    for repo, body in images:
        by_repo.setdefault(repo, []).append(f"registry.redhat.io/{repo}@{_digest(body)}")
    for repo, refs in by_repo.items():
        package = repo.rsplit("/", 1)[1]
        docs: list[dict] = [{"schema": "olm.package", "name": package, "defaultChannel": "stable"}]
        bundles = [refs[i : i + PER_BUNDLE] for i in range(0, len(refs), PER_BUNDLE)]
        names = [f"{package}.v0.{i}.0" for i in range(len(bundles))]
        docs.append(
            {
                "schema": "olm.channel",
                "name": "stable",
                "package": package,
                "entries": [{"name": n} for n in names],
            }
        )
        for name, group in zip(names, bundles, strict=True):
            docs.append(
                {
                    "schema": "olm.bundle",
                    "name": name,
                    "package": package,
                    "image": group[0],
                    "properties": [{"type": "olm.package", "value": {"packageName": package}}],
                    "relatedImages": [{"name": "", "image": group[0]}]
                    + [{"name": f"operand-{k}", "image": r} for k, r in enumerate(group[1:])],
                }
            )
        (config / package).mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(d, indent=4) + "\n" for d in docs)
        (config / package / "catalog.json").write_text(text)
    resources = wd / "cluster-resources"
    resources.mkdir(parents=True, exist_ok=True)
    idms = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ImageDigestMirrorSet",
        "metadata": {"name": "idms-operator-0"},
        "spec": {
            "imageDigestMirrors": [
                {"mirrors": [f"{host}/bench"], "source": "registry.redhat.io/bench"}
            ]
        },
    }
    (resources / "idms-oc-mirror.yaml").write_text(yaml.safe_dump(idms, sort_keys=False))


def suite_run(inventory: Path, subject: str, *, memory: bool = False) -> tuple[float, int, int]:
    """(seconds, peak traced bytes or 0, images missing) of one gather on a fresh Site; timed
    without tracemalloc (which slows allocation), measured for memory in a separate run."""
    site = Site(load_inventory(inventory))
    if memory:
        tracemalloc.start()
    t = time.perf_counter()
    facts = gather_operators(site, subject)
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    site.registry.close()
    return seconds, peak, len(facts.missing)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--per-repo", type=int, default=40)
    parser.add_argument("--skopeo-sample", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many, interleaved")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-operators-"))
    limit = 1800 + int(args.images * (args.rounds + 2) * 0.02)  # the lab's lifetime cap
    lab = Lab(work / "lab", "clean", parts=("registry",), max_seconds=limit)
    try:
        lab.start()
        host = lab.inventory["mirror"]["registry"]
        images = catalog(args.images, args.per_repo)
        present = [im for k, im in enumerate(images) if k % 50 != 7]
        t = time.perf_counter()
        push_all(lab, host, present)
        print(f"pushed {len(present)} of {len(images)} images in {time.perf_counter() - t:.1f} s")

        quarter = images[: len(images) // 4]
        kept = present[: len(present) // 4]
        catalogs = {  # name: (folder, images)
            "bench-quarter-manifests": ("quarter", quarter),
            "bench-operators-manifests": ("all", images),
            "bench-v2-quarter": ("v2-quarter", quarter),
            "bench-v2": ("v2-all", images),
            "bench-kept-quarter-manifests": ("kept-quarter", kept),
            "bench-kept-manifests": ("kept-all", present),
            "bench-v2-kept-quarter": ("v2-kept-quarter", kept),
            "bench-v2-kept": ("v2-kept-all", present),
        }
        for name, (sub, some) in catalogs.items():
            write = write_workspace if "v2" in name else write_mapping
            write(work / sub / name, host, some)
        lab.write_inventory(
            mirror={
                **lab.inventory["mirror"],
                "catalogs": [str(work / sub / name) for name, (sub, _) in catalogs.items()],
            }
        )
        peaks = {name: suite_run(lab.inventory_path, name, memory=True)[1] for name in catalogs}
        q_peak, peak, v2_q_peak, v2_peak = (peaks[name] for name in list(catalogs)[:4])

        reg = model_of(lab)
        ca = str(lab.workdir / "registry" / "certs" / "ca.crt")
        refs = [(repo, _digest(body)) for repo, body in images]
        absent = len(images) - len(present)

        def v1() -> float:
            seconds, _, missing = suite_run(lab.inventory_path, "bench-operators-manifests")
            assert missing == absent, missing
            return seconds

        def v2() -> float:
            seconds, _, missing = suite_run(lab.inventory_path, "bench-v2")
            assert missing == absent, missing
            return seconds

        def floor() -> float:
            seconds, codes = head_loop(host, ca, reg.user, reg.password, refs, OCI_MANIFEST)
            assert codes.count(404) == absent
            return seconds

        runs = {"v1": v1, "v2": v2, "floor": floor}
        times: dict[str, list[float]] = {k: [] for k in runs}
        order = list(runs)
        for r in range(args.rounds):
            for name in order[r % 3 :] + order[: r % 3]:
                times[name].append(runs[name]())
            print(
                f"round {r + 1}: " + "  ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
                flush=True,
            )
        suite_s, v2_s, floor_s = (min(times[k]) for k in ("v1", "v2", "floor"))
        paired = {  # each round's own ratio, in round order: a slow spell slows the whole round
            k: [a / b for a, b in zip(times[k], times["floor"], strict=True)] for k in ("v1", "v2")
        }
        missing = absent

        sample = [f"{repo}@{_digest(body)}" for repo, body in present[: args.skopeo_sample]]
        per_ref = skopeo_loop(work, host, ca, reg.user, reg.password, sample)
        skopeo_s = None if per_ref is None else per_ref * len(images)

        n = len(images)
        print(
            f"mapping of {n} images in {n // args.per_repo} repositories, {missing} missing; "
            f"best of {args.rounds} interleaved rounds"
        )
        print(
            f"suite (mirror.operators gather):        {suite_s:7.2f} s  "
            f"{suite_s / n * 1000:6.3f} ms/image"
        )
        print(
            f"floor (16-thread keep-alive HEAD loop): {floor_s:7.2f} s  "
            f"{floor_s / n * 1000:6.3f} ms/image   suite/floor = {suite_s / floor_s:.2f} "
            "(aim <= 1.0)"
        )
        print(
            f"suite on the v2 workspace (same images):  {v2_s:7.2f} s  "
            f"{v2_s / n * 1000:6.3f} ms/image   v2/floor = {v2_s / floor_s:.2f} (aim <= 1.0)"
            f"   v2/v1 = {v2_s / suite_s:.2f}"
        )
        print(
            "per-round ratios to the floor: mapping.txt "
            + ", ".join(f"{r:.2f}" for r in paired["v1"])
            + f" (median {statistics.median(paired['v1']):.2f}); v2 "
            + ", ".join(f"{r:.2f}" for r in paired["v2"])
            + f" (median {statistics.median(paired['v2']):.2f})"
        )
        if skopeo_s is not None:
            print(
                f"skopeo inspect loop (from {args.skopeo_sample}):       {skopeo_s:7.1f} s  "
                f"{skopeo_s / n * 1000:6.2f} ms/image   skopeo/suite = {skopeo_s / suite_s:.0f}x "
                "(aim >= 10x)"
            )
        print(
            f"peak Python memory: {q_peak / 2**20:.1f} MiB for {len(quarter)} images, "
            f"{peak / 2**20:.1f} MiB for {n} "
            f"({(peak - q_peak) / max(1, n - len(quarter)):.0f} bytes per extra mapping line)"
        )
        print(
            f"peak Python memory, v2 workspace: {v2_q_peak / 2**20:.1f} MiB for {len(quarter)} "
            f"images, {v2_peak / 2**20:.1f} MiB for {n} "
            f"({(v2_peak - v2_q_peak) / max(1, n - len(quarter)):.0f} bytes per extra image)"
        )
        extra = max(1, len(present) - len(kept))
        v1_kept = (peaks["bench-kept-quarter-manifests"], peaks["bench-kept-manifests"])
        v2_kept = (peaks["bench-v2-kept-quarter"], peaks["bench-v2-kept"])
        print(
            f"the same with nothing missing (what grows apart from the report's list of missing "
            f"images), {len(kept)} -> {len(present)} images: mapping.txt "
            f"{v1_kept[0] / 2**20:.2f} -> {v1_kept[1] / 2**20:.2f} MiB "
            f"({(v1_kept[1] - v1_kept[0]) / extra:+.1f} bytes per extra line), v2 workspace "
            f"{v2_kept[0] / 2**20:.2f} -> {v2_kept[1] / 2**20:.2f} MiB "
            f"({(v2_kept[1] - v2_kept[0]) / extra:+.1f} bytes per extra image; aim: flat)"
        )
    finally:
        lab.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
