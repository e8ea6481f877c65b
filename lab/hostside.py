"""The host side of an install: a node ("m1") reached over the lab's real sshd, the mirror
host's disk, and the installer and oc binaries on this machine.

The node's sshd runs in a private mount namespace (``unshare -m``), so its sessions see their
own ``/etc/hosts`` (whether the mirror's name resolves there), their own system trust bundle
bind-mounted over ``/etc/ssl/certs/ca-certificates.crt`` (what ``curl`` trusts there) and a
small tmpfs standing in for the mirror's ``/opt/registry/data`` (``df`` there is real). The same
sshd answers as ``mirror.ssh``.

``openshift-install`` and ``oc`` are stand-in executables (``bin/`` here) printing what the
real binaries print (``tests/real/openshift-install``, ``tests/real/oc``): for the clean lab the
real format with the lab release's version and digest; for the broken ones, a real output
verbatim (the 4.1.0 installer, the 4.12 oc).

Addresses: the node's own address (``m1``), sshd port ``lab.port(13)``.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from lab import registry
from lab.bastion import host_access, render_sshd_config
from lab.procs import tcp_ready
from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["openssh-server", "openssh-client", "curl"]
NEEDS = ("registry",)
REAL = Path(__file__).resolve().parent.parent / "tests" / "real"
NODE = "m1"
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
ACCEPT = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


@dataclass
class HostsideModel:
    """What the host side looks like; scenarios change it before start."""

    #: the installer's output: "lab" (the mirrored release) or a real file's name to print
    installer_output: str = "lab"
    #: oc's output: "lab" (4.5.6) or a real file's name to print
    oc_output: str = "lab"
    #: the node's trust bundle holds the mirror's CA
    node_trusts_mirror: bool = True
    #: the node's /etc/hosts names the mirror (used when the mirror is reached by name)
    node_resolves_mirror: bool = True
    #: the node's registries.conf: "lab" (the release sources mapped to the mirror, as the MCO
    #: writes it) or a real file's name under tests/real/registries.conf
    registries_conf: str = "lab"
    #: the mirror's data disk (MiB) and what is already on it (MiB)
    disk_mb: int = 64
    disk_used_mb: int = 0
    #: mirror.min_free_gb in the inventory (0.01 GiB: about 10 MiB)
    min_free_gb: float = 0.01


def model(lab: LabContext) -> HostsideModel:
    """The lab's host-side model, created on first use (scenarios call this)."""
    if lab.hostside_model is None:
        lab.hostside_model = HostsideModel()
    return lab.hostside_model


def release_digest(lab: LabContext, host: str) -> str:
    """The digest the lab's mirror serves for the release tag."""
    reg = registry.model_of(lab)
    certs = lab.workdir / "registry" / "certs"
    ca = certs / ("lab-chain.crt" if (certs / "lab-chain.crt").exists() else "ca.crt")
    name = host.rsplit(":", 1)
    address = f"{lab.ip(105)}:{name[1]}"
    with requests.Session() as s:
        s.trust_env = False
        resp = s.head(
            f"https://{address}/v2/{registry.LOCAL_REPOSITORY}/manifests/{registry.RELEASE_TAG}",
            auth=(reg.user, reg.password),
            headers={"Accept": ACCEPT},
            verify=str(ca),
            timeout=10,
        )
    resp.raise_for_status()
    return resp.headers["Docker-Content-Digest"]


def _stand_in(bindir: Path, name: str, text: str) -> Path:
    (bindir / f"{name}.out").write_text(text)
    exe = bindir / name
    exe.write_text(f'#!/bin/sh\nexec cat "$(dirname "$0")/{name}.out"\n')
    exe.chmod(0o755)
    return exe


def write_binaries(lab: LabContext, d: Path, digest: str) -> tuple[Path, Path]:
    m = model(lab)
    bindir = d / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    if m.installer_output == "lab":
        text = (
            f"{bindir}/openshift-install {registry.RELEASE_VERSION}\n"
            "built from commit 9893a482f310ee72089872f1a4caea3dbec34f28\n"
            f"release image {registry.RELEASE_SOURCE}@{digest}\n"
        )
    else:
        text = (REAL / "openshift-install" / m.installer_output).read_text()
    oc = (
        f"Client Version: {registry.RELEASE_VERSION}\n"
        if m.oc_output == "lab"
        else (REAL / "oc" / m.oc_output).read_text()
    )
    return _stand_in(bindir, "openshift-install", text), _stand_in(bindir, "oc", oc)


def _mounts(lab: LabContext, d: Path, mirror_host: str) -> tuple[str, Path]:
    """The ``sh -c`` prologue that sets up the node's private mounts; the data dir."""
    m = model(lab)
    data = d / "registry-data"
    data.mkdir(exist_ok=True)
    hosts = d / "hosts"
    lines = ["127.0.0.1 localhost"]
    if m.node_resolves_mirror:
        lines.append(f"{lab.ip(105)} {mirror_host}")
    hosts.write_text("\n".join(lines) + "\n")
    bundle = d / "ca-certificates.crt"
    text = SYSTEM_BUNDLE.read_text() if SYSTEM_BUNDLE.exists() else ""
    if m.node_trusts_mirror:
        text += (lab.workdir / "registry" / "certs" / "ca.crt").read_text()
    bundle.write_text(text)
    conf = d / "registries.conf"
    if m.registries_conf == "lab":
        mirror = f"{lab.inventory['mirror']['registry']}/{registry.LOCAL_REPOSITORY}"
        conf.write_text(
            "".join(
                f'[[registry]]\n  prefix = ""\n  location = "{src}"\n'
                f"  mirror-by-digest-only = true\n\n  [[registry.mirror]]\n"
                f'    location = "{mirror}"\n\n'
                for src in (registry.RELEASE_SOURCE, registry.CONTENT_SOURCE)
            )
        )
    else:
        conf.write_text((REAL / "registries.conf" / m.registries_conf).read_text())
    steps = [
        f"mount --bind {conf} /etc/containers/registries.conf",
        f"mount -t tmpfs -o size={m.disk_mb}m tmpfs {data}",
        f"mount --bind {hosts} /etc/hosts",
        f"mount --bind {bundle} {SYSTEM_BUNDLE}",
    ]
    if m.disk_used_mb:
        steps.append(f"dd if=/dev/zero of={data}/blobs bs=1M count={m.disk_used_mb} 2>/dev/null")
    return " && ".join(steps), data


def start(lab: LabContext) -> dict[str, Any]:
    m = model(lab)
    d = lab.workdir / "hostside"
    (d / "home").mkdir(parents=True, exist_ok=True)
    mirror = lab.inventory["mirror"]
    host = str(mirror["registry"])
    installer, oc = write_binaries(lab, d, release_digest(lab, host))
    node = next(n for n in lab.network.nodes if n.name == NODE)
    port = lab.port(13)
    ssh = host_access(lab, d, node.ip, port, "lab-node-host")
    conf = d / "sshd_config"
    conf.write_text(render_sshd_config(d, node.ip, port))
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    subprocess.run(["/usr/sbin/sshd", "-t", "-f", str(conf)], check=True, capture_output=True)
    prologue, data = _mounts(lab, d, host.rsplit(":", 1)[0])
    lab.procs.spawn(
        "node-sshd",
        [
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            f'{prologue} && exec /usr/sbin/sshd -D -e -f "$0"',
            str(conf),
        ],
        ready=lambda: tcp_ready(node.ip, port),
    )
    target = f"root@{node.ip}:{port}"
    nodes = [dict(n) for n in lab.inventory.get("nodes", [])]
    for n in nodes:
        if n.get("name") == NODE:
            n["ssh"] = target
    return {
        "ssh": ssh,
        "nodes": nodes,
        "mirror": {"ssh": target, "data_dir": str(data), "min_free_gb": m.min_free_gb},
        "installer": {"path": str(installer), "oc_path": str(oc)},
    }


# --------------------------------------------------------------------------- scenarios

_PARTS = ("network", "registry", "hostside")


@scenario(
    "hostside-clean",
    "the installer and oc of the mirrored release; a node that resolves and trusts the mirror; "
    "room on the mirror's disk",
    parts=_PARTS,
)
def _clean(lab: LabContext) -> None:
    model(lab)


@scenario(
    "installer-other-release",
    "openshift-install is the 4.1.0 binary (a real output): another release than the mirror's",
    parts=_PARTS,
)
def _other_release(lab: LabContext) -> None:
    model(lab).installer_output = "version-4.1.0.txt"


@scenario("oc-other-minor", "oc is a 4.12 client (a real output); the release is 4.5", parts=_PARTS)
def _oc_other(lab: LabContext) -> None:
    model(lab).oc_output = "version-client-4.12.txt"


@scenario(
    "node-untrusts-mirror",
    "m1's system trust bundle lacks the mirror's CA (curl there: certificate problem)",
    parts=_PARTS,
)
def _untrusted(lab: LabContext) -> None:
    model(lab).node_trusts_mirror = False


@scenario(
    "node-cannot-resolve-mirror",
    "the mirror is reached by name and m1's /etc/hosts (its resolver) does not hold it",
    parts=_PARTS,
)
def _unresolved(lab: LabContext) -> None:
    registry.model_of(lab).by_name = True
    model(lab).node_resolves_mirror = False


@scenario(
    "node-registries-unmapped",
    "m1's registries.conf is the OpenShift docs' example (real): no mirror for the release sources",
    parts=_PARTS,
)
def _unmapped(lab: LabContext) -> None:
    model(lab).registries_conf = "icsp-docs-example.conf"


@scenario(
    "mirror-disk-full",
    "the mirror's data disk (64 MiB) holds 60 MiB: less free than mirror.min_free_gb",
    parts=_PARTS,
)
def _disk_full(lab: LabContext) -> None:
    model(lab).disk_used_mb = 60
