"""The journals part of the lab: real journal files, an LB log and an installer log to triage.

Journal files are made by ``systemd-journal-remote`` from export-format text, one folder per
node (read back with ``journalctl -D``). Their lines are the seed's (002_3305a96b10d962d7.txt
sections 7.5, 7.8.2.1, 9.4, 9.5): bootkube manifests that fail and are created on a later pass,
haproxy servers that go DOWN while nodes reboot and come UP again, the installer waiting for the
API. Some trouble stays unresolved, as the one line that matters on a real site:

- bootstrap ``bs``: manifest ``cluster-ingress-02-config.yml`` never gets created;
- master ``m2``: the kubelet never registers its node; ``m1``'s crio cannot pull an image;
- the LB log: ``machine_config/m3`` goes DOWN and never comes back.

>>> text = export_text([JournalLine(0, "bs", "bootkube.service", "bootkube.sh", 6, "hi")])
>>> "MESSAGE=hi" in text and "_SYSTEMD_UNIT=bootkube.service" in text
True
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["systemd-journal-remote"]
#: The journals are read the way a site's are: over SSH (the lab's bastion sshd serves them).
NEEDS = ("bastion",)
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
#: 2020-09-28T13:38:00Z, the seed's bootkube excerpt, in microseconds
T0 = 1601300280_000000


@dataclass(frozen=True)
class JournalLine:
    """One journal entry: seconds after T0, host, unit, program, syslog priority, message."""

    at: float
    host: str
    unit: str
    ident: str
    priority: int
    message: str | bytes


def _boot_id(host: str) -> str:
    return hashlib.md5(host.encode()).hexdigest()  # noqa: S324 - an id, not security


def export_text(lines: Iterable[JournalLine]) -> str:
    """Journal export format (``KEY=value`` lines, a blank line between entries)."""
    out: list[str] = []
    for i, ln in enumerate(lines):
        message = (
            ln.message.decode("utf-8", "replace") if isinstance(ln.message, bytes) else ln.message
        )
        out += [
            f"__REALTIME_TIMESTAMP={T0 + int(ln.at * 1e6)}",
            f"__MONOTONIC_TIMESTAMP={1000 + i + int(ln.at * 1e6)}",
            f"_BOOT_ID={_boot_id(ln.host)}",
            f"_HOSTNAME={ln.host}",
            f"_SYSTEMD_UNIT={ln.unit}",
            f"SYSLOG_IDENTIFIER={ln.ident}",
            f"PRIORITY={ln.priority}",
            f"MESSAGE={message}",
            "",
        ]
    return "\n".join(out) + "\n"


def write_journal(directory: Path, lines: Iterable[JournalLine]) -> Path:
    """Make a real journal file under ``directory`` with systemd-journal-remote."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "system.journal"
    done = subprocess.run(
        [JOURNAL_REMOTE, "-o", str(target), "-"],
        input=export_text(lines).encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or not target.exists():
        raise RuntimeError(
            f"{JOURNAL_REMOTE} -o {target} failed: {done.stderr.decode(errors='replace')}"
        )
    return target


# --------------------------------------------------------------------------- the seed's lines

_NS_MISSING = 'namespaces "openshift-config" not found'
_NS_MANAGED_MISSING = 'namespaces "openshift-config-managed" not found'
_MC = 'no matches for kind "MachineConfig" in version "machineconfiguration.openshift.io/v1"'
#: (manifest, object, namespace) from the seed's bootkube pass #170
MANIFESTS = [
    (
        "configmap-admin-kubeconfig-client-ca.yaml",
        "configmaps.v1./admin-kubeconfig-client-ca",
        "openshift-config",
    ),
    (
        "configmap-csr-controller-ca.yaml",
        "configmaps.v1./csr-controller-ca",
        "openshift-config-managed",
    ),
    (
        "configmap-initial-etcd-serving-ca.yaml",
        "configmaps.v1./initial-etcd-ca",
        "openshift-config",
    ),
    ("etcd-client-secret.yaml", "secrets.v1./etcd-client", "openshift-config"),
    ("openshift-config-secret-pull-secret.yaml", "secrets.v1./pull-secret", "openshift-config"),
    (
        "openshift-install-manifests.yaml",
        "configmaps.v1./openshift-install-manifests",
        "openshift-config",
    ),
]
STUCK_MANIFEST = "cluster-ingress-02-config.yml"


def bootstrap_lines() -> list[JournalLine]:
    """bootkube and release-image on the bootstrap: passes #170 and #171 of the seed."""

    def bk(at: float, msg: str, prio: int = 6) -> JournalLine:
        return JournalLine(at, "bs", "bootkube.service", "bootkube.sh", prio, msg)

    release = "registry.test.example.local:5000/ocp4/openshift4:4.5.6-x86_64"
    lines = [
        JournalLine(
            0,
            "bs",
            "release-image.service",
            "release-image-download.sh",
            6,
            f"Pulling {release}...",
        ),
        JournalLine(
            9, "bs", "release-image.service", "release-image-download.sh", 6, "Pulled " + release
        ),
        bk(
            24,
            'Failed to create "openshift-install-manifests.yaml" '
            f"configmaps.v1./openshift-install-manifests -n openshift-config: {_NS_MISSING}",
        ),
        bk(24, "[#170] failed to create some manifests:"),
    ]
    for name in ("99-master-ssh", "99-worker-ssh"):
        f = f"99_openshift-machineconfig_{name}.yaml"
        lines.append(bk(24, f'"{f}": unable to get REST mapping for "{f}": {_MC}'))
    for f, obj, ns in MANIFESTS:
        missing = _NS_MANAGED_MISSING if ns.endswith("managed") else _NS_MISSING
        lines.append(bk(24, f'"{f}": failed to create {obj} -n {ns}: {missing}'))
    lines.append(
        bk(
            24,
            f'"{STUCK_MANIFEST}": failed to create ingresses.v1.config.openshift.io/cluster: '
            "the server could not find the requested resource",
        )
    )
    for i, (f, obj, ns) in enumerate(MANIFESTS):
        lines.append(bk(24 + i * 0.5, f'Created "{f}" {obj} -n {ns}'))
    lines.append(bk(27, "[#171] failed to create some manifests:"))
    lines.append(
        bk(
            27,
            f'"{STUCK_MANIFEST}": failed to create ingresses.v1.config.openshift.io/cluster: '
            "the server could not find the requested resource",
        )
    )
    for name in ("99-master-ssh", "99-worker-ssh"):
        lines.append(
            bk(
                27.5,
                f'Created "99_openshift-machineconfig_{name}.yaml" '
                f"machineconfigs.v1.machineconfiguration.openshift.io/{name} -n",
            )
        )
    return lines


def master_lines(name: str, fqdn: str, registers: bool, pull_fails: bool) -> list[JournalLine]:
    """kubelet and crio on a master: node not found until it registers (or never)."""

    def kl(at: float, msg: str, prio: int = 6) -> JournalLine:
        return JournalLine(at, name, "kubelet.service", "hyperkube", prio, msg)

    lines = [
        kl(
            100 + i,
            f'E0928 13:39:{40 + i}.000000    1520 kubelet.go:2268] node "{fqdn}" not found',
            3,
        )
        for i in range(5)
    ]
    if registers:
        lines += [
            kl(
                106,
                "I0928 13:39:46.000000    1520 kubelet_node_status.go:70] "
                "Attempting to register node " + fqdn,
            ),
            kl(
                107,
                "I0928 13:39:47.000000    1520 kubelet_node_status.go:73] "
                "Successfully registered node " + fqdn,
            ),
        ]
    lines.append(
        JournalLine(
            101,
            name,
            "crio.service",
            "crio",
            6,
            "Started container 3f2a9c: openshift-etcd/etcd-" + fqdn,
        )
    )
    if pull_fails:
        image = "registry.test.example.local:5000/ocp4/openshift4@sha256:" + "ab" * 32
        lines.append(
            JournalLine(
                120,
                name,
                "crio.service",
                "crio",
                4,
                f"Error pulling image {image}: manifest unknown: manifest unknown",
            )
        )
    return lines


def _lines(*lines: str) -> str:
    """A log's text: ``lines``, each ended by a newline."""
    return "".join(f"{line}\n" for line in lines)


#: The LB's log in syslog form (seed section 9.5), after the clock of the bootstrap excerpt.
HAPROXY_LOG = _lines(
    "Sep 29 16:02:59 localhost haproxy[69855]: Connect from 172.16.0.23:55618 to "
    "172.16.0.110:22623 (machineconfig/TCP)",
    "Sep 29 16:03:08 localhost haproxy[69855]: Server machine_config/bs is UP, reason: "
    "Layer4 check passed, check duration: 0ms. 1 active and 0 backup servers online. 0 "
    "sessions requeued, 0 total in queue.",
    "Sep 29 16:03:15 localhost haproxy[69855]: Server kube_api/bs is DOWN, reason: Layer4 "
    'connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 '
    "backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
    "Sep 29 16:03:15 localhost haproxy[69855]: backend kube_api has no server available!",
    "Sep 29 16:03:17 localhost haproxy[69855]: Connect from 192.168.124.201:58072 to "
    "192.168.124.110:6443 (kubeapi/TCP)",
    "Sep 29 16:04:40 localhost haproxy[69855]: Server kube_api/bs is UP, reason: Layer4 "
    "check passed, check duration: 0ms. 1 active and 0 backup servers online. 0 sessions "
    "requeued, 0 total in queue.",
    "Sep 29 16:20:02 localhost haproxy[69855]: Server kube_api/m1 is DOWN, reason: Layer4 "
    'connection problem, info: "Connection refused", check duration: 0ms. 1 active and 0 '
    "backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
    "Sep 29 16:21:30 localhost haproxy[69855]: Server kube_api/m1 is UP, reason: Layer4 "
    "check passed, check duration: 0ms. 2 active and 0 backup servers online. 0 sessions "
    "requeued, 0 total in queue.",
    "Sep 29 16:22:11 localhost haproxy[69855]: Server machine_config/m3 is DOWN, reason: "
    "Layer4 timeout, check duration: 2001ms. 2 active and 0 backup servers left. 0 "
    "sessions active, 0 requeued, 0 remaining in queue.",
)

#: The installer's log in ignition.dir (seed sections 7.5 and 7.8.2.1).
INSTALLER_LOG = _lines(
    'time="2020-09-23T04:18:08-04:00" level=debug msg="OpenShift Installer 4.5.5"',
    'time="2020-09-23T04:18:08-04:00" level=debug msg="Built from commit '
    '01f5643a02f154246fab0923f8828aa9ae3b76fb"',
    'time="2020-09-23T04:18:08-04:00" level=info msg="Waiting up to 20m0s for the '
    'Kubernetes API at https://api.ocp45.example.localdomain:6443..."',
    'time="2020-09-23T04:18:08-04:00" level=debug msg="Still waiting for the Kubernetes '
    "API: Get https://api.ocp45.example.localdomain:6443/version?timeout=32s: http: "
    'server gave HTTP response to HTTPS client"',
    'time="2020-09-23T04:18:38-04:00" level=debug msg="Still waiting for the Kubernetes '
    "API: Get https://api.ocp45.example.localdomain:6443/version?timeout=32s: http: "
    'server gave HTTP response to HTTPS client"',
    'time="2020-09-23T04:19:08-04:00" level=debug msg="Still waiting for the Kubernetes '
    "API: Get https://api.ocp45.example.localdomain:6443/version?timeout=32s: http: "
    'server gave HTTP response to HTTPS client"',
    'time="2020-09-23T04:24:21-04:00" level=info msg="API v1.18.3+b0068a8 up"',
    'time="2020-09-23T04:24:21-04:00" level=info msg="Waiting up to 40m0s for '
    'bootstrapping to complete..."',
)


#: The LB's haproxy journal (used when the inventory names no load_balancer.log).
def haproxy_journal_lines() -> list[JournalLine]:
    out = []
    for i, line in enumerate(HAPROXY_LOG.splitlines()):
        msg = line.split(": ", 1)[1]
        out.append(
            JournalLine(
                200 + i, "lb", "haproxy.service", "haproxy", 5 if " is DOWN" in msg else 6, msg
            )
        )
    return out


def build(root: Path, fqdn: dict[str, str]) -> dict[str, Any]:
    """Write every journal folder and log under ``root``; returns their paths by name."""
    paths: dict[str, Any] = {"journal_dir": {}}
    per_host = {
        "bs": bootstrap_lines(),
        "m1": master_lines("m1", fqdn["m1"], registers=True, pull_fails=True),
        "m2": master_lines("m2", fqdn["m2"], registers=False, pull_fails=False),
        "m3": master_lines("m3", fqdn["m3"], registers=True, pull_fails=False),
        "lb": haproxy_journal_lines(),
    }
    for host, lines in per_host.items():
        write_journal(root / host, lines)
        paths["journal_dir"][host] = str(root / host)
    (root / "haproxy.log").write_text(HAPROXY_LOG)
    paths["haproxy_log"] = str(root / "haproxy.log")
    return paths


def start(lab: LabContext) -> dict[str, Any]:
    """Write the journals; give each bootstrap and master node its ``journal_dir``, the LB its
    log, ignition.dir the installer's log."""
    root = lab.workdir / "journals"
    fqdn = {n.name: n.fqdn for n in lab.network.nodes}
    paths = build(root, fqdn)
    lab.journals = paths  # for tests: lb journal, haproxy.log
    nodes = [dict(n) for n in lab.inventory.get("nodes", [])] or [
        {"name": n.name, "role": n.role, "ip": n.ip} for n in lab.network.nodes
    ]
    reader = (lab.inventory.get("bastion") or {}).get("ssh")
    if not reader:
        raise RuntimeError(
            "the journals part reads its journals over SSH: start it with the bastion part"
        )
    for node in nodes:
        if node["name"] in paths["journal_dir"]:
            node["journal_dir"] = paths["journal_dir"][node["name"]]
            node["ssh"] = reader  # the node's journal files live here, behind the lab's sshd
    installdir = Path(lab.inventory.get("ignition", {}).get("dir") or lab.workdir / "installdir")
    installdir.mkdir(parents=True, exist_ok=True)
    (installdir / ".openshift_install.log").write_text(INSTALLER_LOG)
    # the LB's log to triage: the seed's lines (the lab's haproxy logs no state change)
    return {
        "nodes": nodes,
        "ignition": {"dir": str(installdir)},
        "load_balancer": {"log": paths["haproxy_log"]},
    }


@scenario(
    "install-logs",
    "the seed's install logs to triage: journals (bootstrap, masters, LB), "
    "haproxy and installer logs, some failures resolved and some not",
    parts=("network", "bastion", "journals"),
)
def _install_logs(lab: LabContext) -> None:
    pass
