"""The triage bundle alone: ``python -m collectors --inventory site.yaml --bundle OUT.tar.gz``.

Exit status: 0 when every source was collected, 1 when the bundle is incomplete (see its
manifest.json), 2 on bad usage or a bad inventory. A bundle is written in both first cases.

``python -m collectors draft-inventory --install-config F --haproxy F --zone F ... > site.yaml``
drafts an inventory from the site's files (see :mod:`collectors.install.draft`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from collectors.cluster.kubeconfig import resolve_kubeconfig
from collectors.inventory import InventoryError, load_inventory
from collectors.site import Site
from collectors.transport.ssh import SshPool
from collectors.triage.bundle import write_bundle
from collectors.triage.cluster_dump import cluster_collector
from collectors.visible import visible


def _read(path: str, cap: int | None = None) -> str:
    """A site file's text through the bounded local reader (a regular file only, never a fifo
    or a device, at most ``cap`` bytes); InputError naming it otherwise."""
    from collectors import localfile

    return localfile.read_text(path, cap)


def _stdout_file() -> str:
    """The file stdout is redirected to (``> site.yaml``), else "" (a terminal or a pipe)."""
    import os
    import stat

    try:
        if stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode):
            return os.readlink(f"/proc/self/fd/{sys.stdout.fileno()}")
    except (OSError, ValueError, AttributeError):
        pass
    return ""


def draft_main(
    argv: list[str],
    prog: str = "python -m collectors draft-inventory",
    checks: list[tuple[str, tuple[str, ...]]] | None = None,
) -> int:
    """``draft-inventory``: the draft on stdout; 2 naming the file when an input is bad. Its
    warnings and what it could not fill go to stderr too; ``checks`` (check id, the keys it
    requires), handed in by the command line layer (collectors never import the checks), say
    which checks skip for each key not filled."""
    from collectors import settings, yamlio
    from collectors.errors import InputError
    from collectors.install.draft import Zone, draft_inventory, trust_bundle
    from collectors.install.installconfig import load_install_config
    from collectors.install.nodetable import TableNode, agent_config_hosts, parse_nodes_csv
    from collectors.inventory import InventoryError, load_inventory
    from collectors.parsers.haproxy import parse_haproxy

    parser = argparse.ArgumentParser(
        prog=prog,
        description="draft a site inventory from install-config.yaml, haproxy.cfg, zone files, a "
        "node table and agent-config.yaml",
    )
    parser.add_argument("--install-config", metavar="FILE", help="install-config.yaml")
    parser.add_argument("--haproxy", metavar="FILE", help="the load balancer's haproxy.cfg")
    parser.add_argument(
        "--zone", action="append", default=[], metavar="FILE[=ORIGIN]",
        help="a BIND zone file, forward or reverse; repeat for each",
    )  # fmt: skip
    parser.add_argument(
        "--nodes", metavar="CSV",
        help="a node table: name,role,ip[,mac] a line (roles master, worker, infra, bootstrap; "
        "dns for a DNS server the nodes ask)",
    )  # fmt: skip
    parser.add_argument(
        "--agent-config", metavar="FILE", help="agent-config.yaml: its hosts' names, roles, IPs"
    )
    parser.add_argument(
        "--write-ca", metavar="FILE", help="save additionalTrustBundle there as mirror.ca_file"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    args = parser.parse_args(argv)
    if not (args.zone or args.nodes or args.agent_config):
        parser.error("give --zone, --nodes or --agent-config (each as many as the site has)")
    try:
        ic: dict = {}
        ic_path = ""
        if args.install_config:
            ic_path = str(Path(args.install_config).resolve())
            ic = load_install_config(ic_path)
            ic.pop("pullSecret", None)  # never carried further
        zones = []
        for spec in args.zone:
            path, _, origin = spec.partition("=")
            text = _read(path, settings.ZONE_MAX_BYTES)
            zones.append(Zone.parse(text, str(Path(path).resolve()), origin or None))
        cfg = None
        cfg_path = ""
        if args.haproxy:
            cfg_path = str(Path(args.haproxy).resolve())
            cfg = parse_haproxy(_read(cfg_path), cfg_path)
        table: list[TableNode] = []
        if args.nodes:
            nodes_path = str(Path(args.nodes).resolve())
            table += parse_nodes_csv(_read(nodes_path), nodes_path)
        resolvers: tuple[list[str], str] = ([], "")
        agent_notes: list[str] = []
        if args.agent_config:
            agent_path = str(Path(args.agent_config).resolve())
            hosts, servers, agent_notes = agent_config_hosts(
                yamlio.load(_read(agent_path), agent_path), agent_path
            )
            table += hosts
            resolvers = (servers, agent_path)
        ca_file = ""
        if args.write_ca:
            bundle = trust_bundle(ic)
            if not bundle:
                raise InputError(ic_path or "--write-ca", "no additionalTrustBundle to write")
            Path(args.write_ca).write_text(bundle if bundle.endswith("\n") else bundle + "\n")
            ca_file = str(Path(args.write_ca).resolve())
        drafted = draft_inventory(
            zones=zones,
            install_config=ic,
            install_config_path=ic_path,
            haproxy=cfg,
            haproxy_path=cfg_path,
            ca_file=ca_file,
            file_name=args.output or _stdout_file(),
            table=table,
            table_dns=resolvers,
            checks=checks,
        )
        drafted.warnings += agent_notes
        draft = drafted.text()
    except (InputError, OSError) as exc:
        print(f"draft-inventory: {visible(exc)}", file=sys.stderr)
        return 2
    for line in drafted.report():
        print(f"draft-inventory: {visible(line)}", file=sys.stderr)
    if checks is None and drafted.unfilled:
        print("draft-inventory: (`upi-conformance draft-inventory` names the checks that skip)",
              file=sys.stderr)  # fmt: skip
    if args.output:
        Path(args.output).write_text(draft, encoding="utf-8")
        try:
            load_inventory(args.output)
        except InventoryError as exc:  # a bug in the draft: say so, keep the file to look at
            print(f"draft-inventory: the draft does not load:\n{visible(exc)}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(draft)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["draft-inventory"]:
        return draft_main(argv[1:])
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
    parser.add_argument(
        "--allow-kubeconfig-exec",
        action="store_true",
        help="let the kubeconfig's user run its exec or auth-provider credential plugin",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no per-host progress")
    parser.add_argument(
        "--no-facts",
        action="store_true",
        help="leave out facts/ (the record of every check's facts, gathered by running the "
        "checks first), so the bundle cannot be replayed offline",
    )
    args = parser.parse_args(argv)
    try:
        inv = load_inventory(args.inventory)
    except InventoryError as exc:
        print(f"bad inventory:\n{visible(exc)}", file=sys.stderr)
        return 2
    pool = SshPool()
    site = Site(inv, ssh=pool.host)

    lock = threading.Lock()

    def progress(msg: str) -> None:
        if not args.quiet:
            with lock:
                sys.stderr.write(f"collect {visible(msg)}\n")
                sys.stderr.flush()

    facts, problem = (None, "") if args.no_facts else _facts(args, inv, progress)
    try:
        manifest = write_bundle(
            Path(args.bundle),
            site,
            facts=facts,
            problems=[problem] if problem else [],
            progress=progress,
            cluster=cluster_collector(
                site,
                snapshot=args.snapshot,
                kubeconfig=resolve_kubeconfig(args.kubeconfig),
                allow_exec=args.allow_kubeconfig_exec,
            ),
            command=["python", "-m", "collectors", *argv],
        )
    except OSError as exc:
        print(f"cannot write the bundle {args.bundle}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        pool.close()
    print(f"bundle written: {args.bundle} ({manifest['status']})")
    return 0 if manifest["status"] == "complete" else 1


def _facts(args: argparse.Namespace, inv: Any, progress: Any) -> tuple[dict | None, str]:
    """facts/ for the bundle: every check's facts, gathered by the suite in a child process."""
    import shutil
    import tempfile

    from collectors.record.store import bundle_files, inventory_digest, now_text
    from collectors.record.suite_run import record_facts
    from collectors.triage.bundle import tool_version

    folder = tempfile.mkdtemp(prefix="upi-record.")
    try:
        progress("facts: the checks gather theirs (--no-facts skips this)")
        problem = record_facts(
            inv.path,
            folder,
            kubeconfig=resolve_kubeconfig(args.kubeconfig),
            snapshot=args.snapshot,
            allow_exec=args.allow_kubeconfig_exec,
        )
        files = bundle_files(
            folder,
            tool=tool_version(),
            inventory_sha256=inventory_digest(inv.path),
            cluster=inv.cluster_domain,
            created=now_text(),
        )
        return files, (f"recording facts: {problem}" if problem else "")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
