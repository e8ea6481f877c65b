"""The triage bundle alone: ``python -m collectors --inventory site.yaml --bundle OUT.tar.gz``.

Exit status: 0 when every source was collected, 1 when the bundle is incomplete (see its
manifest.json), 2 on bad usage or a bad inventory. A bundle is written in both first cases.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from collectors.cluster.kubeconfig import resolve_kubeconfig
from collectors.inventory import InventoryError, load_inventory
from collectors.site import Site
from collectors.transport.ssh import SshPool
from collectors.triage.bundle import write_bundle
from collectors.triage.cluster_dump import cluster_collector


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m collectors", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--inventory", required=True, metavar="FILE", help="site inventory (YAML)")
    parser.add_argument(
        "--bundle", required=True, metavar="OUT.tar.gz", help="where to write the bundle"
    )
    parser.add_argument(
        "--snapshot", metavar="PATH", help="cluster objects from a must-gather or bundle"
    )
    parser.add_argument(
        "--kubeconfig", metavar="FILE", help="cluster objects from the live API (else KUBECONFIG)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no per-host progress")
    args = parser.parse_args(argv)
    try:
        inv = load_inventory(args.inventory)
    except InventoryError as exc:
        print(f"bad inventory:\n{exc}", file=sys.stderr)
        return 2
    pool = SshPool()
    site = Site(inv, ssh=pool.host)

    lock = threading.Lock()

    def progress(msg: str) -> None:
        if not args.quiet:
            with lock:
                sys.stderr.write(f"collect {msg}\n")
                sys.stderr.flush()

    try:
        manifest = write_bundle(
            Path(args.bundle),
            site,
            progress=progress,
            cluster=cluster_collector(
                site, snapshot=args.snapshot, kubeconfig=resolve_kubeconfig(args.kubeconfig)
            ),
            command=["python", "-m", "collectors", *(argv if argv is not None else sys.argv[1:])],
        )
    except OSError as exc:
        print(f"cannot write the bundle {args.bundle}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        pool.close()
    print(f"bundle written: {args.bundle} ({manifest['status']})")
    return 0 if manifest["status"] == "complete" else 1


if __name__ == "__main__":
    sys.exit(main())
