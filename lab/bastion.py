"""The bastion part of the lab: sshd (key-only, its own host key) and nginx serving a web root
with the RHCOS images and the ignition files that ``lab.ignition_files`` generates.

sshd listens on ``lab.ip(101):lab.port(2)`` and nginx on ``lab.ip(101):80``. The web root lives
under ``/tmp/upi-lab-www/slot-N`` (world-traversable, so nginx workers running as nobody can
read it, and a root-owned mode-600 file gets the 403 of the field). SELinux labels are set with
``setfattr``; the kernel does not enforce them but ``stat -c %C`` reads them back.

Scenarios edit :class:`BastionModel` (``model(lab)``) before the part starts.
"""

from __future__ import annotations

import gzip
import random
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.ignition_files import bootstrap_config, installer_certs, pointer_config, write_json
from lab.procs import tcp_ready
from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["openssh-server", "openssh-client", "nginx", "attr"]
BASTION_OCTET = 101
WWW_BASE = Path(tempfile.gettempdir()) / "upi-lab-www"
HTTPD_LABEL = "unconfined_u:object_r:httpd_sys_content_t:s0"
ADMIN_HOME_LABEL = "unconfined_u:object_r:admin_home_t:s0"
RHCOS = "rhcos-4.5.6-x86_64-metal.x86_64.raw.gz"
KERNEL = "rhcos-4.5.6-x86_64-installer-kernel-x86_64"
INITRAMFS = "rhcos-4.5.6-x86_64-installer-initramfs.x86_64.img"


@dataclass
class BastionModel:
    """What the bastion serves and how; scenarios change it before start."""

    #: hours from now until the one-day certificates in bootstrap.ign expire (negative: expired)
    one_day_hours_left: float = 23.5
    #: the host master.ign and worker.ign merge from ("api-int" or a wrong "api")
    pointer_prefix: str = "api-int"
    #: SELinux label per web-root file name (others get httpd_sys_content_t)
    labels: dict[str, str] = field(default_factory=dict)
    #: web-root files written root-owned mode 600 (nginx answers 403)
    private: tuple[str, ...] = ()
    #: ignition files whose web-root copy is an older generation
    stale: tuple[str, ...] = ()
    #: the Ignition spec of every config written (OCP 4.1 to 4.5 wrote 2.2.0)
    spec: str = "3.1.0"
    #: the bastion's sshd stands in for the LB host (load_balancer.ssh; haproxy.cfg read there)
    serves_lb: bool = False


def model(lab: LabContext) -> BastionModel:
    """The lab's bastion model, created on first use."""
    if lab.bastion_model is None:
        lab.bastion_model = BastionModel()
    return lab.bastion_model


# --------------------------------------------------------------------------- content


def write_ignition(
    lab: LabContext,
    folder: Path,
    hours_left: float,
    pointer_prefix: str,
    ssh_pub: str,
    spec: str = "3.1.0",
) -> None:
    """bootstrap.ign, master.ign, worker.ign and metadata.json into ``folder``, in Ignition
    ``spec`` (3.1.0, or 2.2.0 as OCP 4.1 to 4.5 wrote them)."""
    net = lab.network
    folder.mkdir(parents=True, exist_ok=True)
    certs = installer_certs(datetime.now(UTC), hours_left)
    api_int = f"api-int.{net.cluster_domain}"
    write_json(folder / "bootstrap.ign", bootstrap_config(certs, api_int, ssh_pub, spec))
    for role in ("master", "worker"):
        write_json(
            folder / f"{role}.ign",
            pointer_config(role, f"{pointer_prefix}.{net.cluster_domain}", certs.root_ca, spec),
        )
    write_json(
        folder / "metadata.json", {"clusterName": net.cluster, "infraID": f"{net.cluster}-lab"}
    )


def _fake_image(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def fill_web_root(lab: LabContext, root: Path, installdir: Path, ssh_pub: str) -> None:
    """The seed's web root: RHCOS kernel, initramfs and raw.gz, pxeboot.ipxe, the *.ign copies."""
    m = model(lab)
    ip = lab.ip(BASTION_OCTET)
    (root / RHCOS).write_bytes(gzip.compress(_fake_image(1, 256 * 1024), mtime=0))
    (root / KERNEL).write_bytes(_fake_image(2, 32 * 1024))
    (root / INITRAMFS).write_bytes(_fake_image(3, 64 * 1024))
    (root / "pxeboot.ipxe").write_text(
        f"#!ipxe\nkernel http://{ip}/{KERNEL} ip=dhcp rd.neednet=1 initrd={INITRAMFS} "
        f"coreos.inst=yes coreos.inst.install_dev=sda coreos.inst.image_url=http://{ip}/{RHCOS} "
        f"coreos.inst.ignition_url=http://{ip}/bootstrap.ign\ninitrd http://{ip}/{INITRAMFS}\nboot\n"
    )
    for ign in sorted(installdir.glob("*.ign")):
        shutil.copyfile(ign, root / ign.name)
    if m.stale:
        old = root.parent / (root.name + ".old")
        write_ignition(lab, old, m.one_day_hours_left - 30, "api-int", ssh_pub, m.spec)
        for name in m.stale:
            shutil.copyfile(old / name, root / name)
        shutil.rmtree(old)
    for path in sorted(root.iterdir()):
        path.chmod(0o600 if path.name in m.private else 0o644)
        label = m.labels.get(path.name, HTTPD_LABEL)
        subprocess.run(["setfattr", "-n", "security.selinux", "-v", label, str(path)], check=True)


# --------------------------------------------------------------------------- servers


def _keygen(path: Path, comment: str) -> str:
    path.unlink(missing_ok=True)
    path.with_suffix(".pub").unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.with_suffix(".pub").read_text().strip()


def render_sshd_config(d: Path, ip: str, port: int) -> str:
    return "\n".join(
        [
            f"ListenAddress {ip}:{port}",
            f"HostKey {d}/ssh_host_ed25519_key",
            f"PidFile {d}/sshd.pid",
            f"AuthorizedKeysFile {d}/authorized_keys",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            "AllowUsers root",
            "UseDNS no",
            "MaxSessions 64",
            "MaxStartups 64:30:128",
            "LogLevel VERBOSE",
            # tests give a key of their own a PATH (authorized_keys environment="PATH=...") to put
            # stand-in commands, e.g. a journalctl that fails, in front of the real ones
            "PermitUserEnvironment PATH",
            # sessions get a home of the lab's own: bash run by sshd sources ~/.bashrc, and this
            # machine's root dotfiles (a missing ~/.cargo/env, a chatty prompt) must not reach
            # the stderr the tests compare
            f"SetEnv HOME={d}/home",
            "",
        ]
    )


def render_nginx_conf(d: Path, ip: str, root: Path) -> str:
    temps = "\n".join(
        f"    {k}_temp_path {d}/{k}_temp;"
        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""user nobody nogroup;
worker_processes 1;
pid {d}/nginx.pid;
error_log stderr;
events {{ worker_connections 256; }}
http {{
    types {{ application/octet-stream ign gz img; text/plain ipxe; }}
    default_type application/octet-stream;
    access_log {d}/access.log;
{temps}
    server {{
        listen {ip}:80;
        server_name bastion;
        root {root};
        location / {{ }}
    }}
}}
"""


def host_access(lab: LabContext, d: Path, ip: str, port: int, comment: str) -> dict[str, Any]:
    """Let the lab's ssh client into another lab host's sshd (config and keys in ``d``): the
    inventory's key when it has one, else a key of its own; the host key added to known_hosts.
    Returns the ssh settings (user, key, known_hosts, policy) an inventory entry names."""
    ssh = dict(lab.inventory.get("ssh") or {})
    if ssh.get("key"):
        authorized = Path(str(ssh["key"])).with_suffix(".pub").read_text()
        known_hosts = Path(str(ssh["known_hosts"]))
    else:
        key = d / "id_ed25519"
        authorized = _keygen(key, "lab-admin")
        known_hosts = d / "known_hosts"
        known_hosts.write_text("")
        ssh = {"user": "root", "key": str(key), "known_hosts": str(known_hosts)}
        ssh["host_key_policy"] = "strict"
    (d / "authorized_keys").write_text(authorized.strip() + "\n")
    host_pub = _keygen(d / "ssh_host_ed25519_key", comment)
    kind, blob = host_pub.split()[:2]
    with open(known_hosts, "a") as fh:
        fh.write(f"[{ip}]:{port} {kind} {blob}\n")
    return ssh


def trust_bundle(lab: LabContext) -> Path:
    """The bastion's system trust store as its ssh sessions see it (curl reads
    ``CURL_CA_BUNDLE``): this machine's CAs, and the lab registry's CA once the registry part
    adds it (:func:`trust_ca`), as an admin installs the mirror's CA on the bastion."""
    bundle = lab.workdir / "trust" / "ca-bundle.crt"
    if not bundle.exists():
        bundle.parent.mkdir(parents=True, exist_ok=True)
        system = Path("/etc/ssl/certs/ca-certificates.crt")
        bundle.write_bytes(system.read_bytes() if system.is_file() else b"")
    return bundle


def trust_ca(lab: LabContext, pem: bytes) -> None:
    """Add a CA to the bastion's trust store (:func:`trust_bundle`)."""
    with trust_bundle(lab).open("ab") as out:
        out.write(b"\n" + pem)


def start_sshd(lab: LabContext, ip: str, port: int) -> tuple[Path, Path]:
    """sshd for root with the lab's key; returns (client key, known_hosts)."""
    d = lab.workdir / "sshd"
    d.mkdir(parents=True, exist_ok=True)
    (d / "home").mkdir(exist_ok=True)
    host_pub = _keygen(d / "ssh_host_ed25519_key", "lab-bastion-host")
    client_key = d / "id_ed25519"
    (d / "authorized_keys").write_text(_keygen(client_key, "lab-admin") + "\n")
    known_hosts = d / "known_hosts"
    kind, blob = host_pub.split()[:2]
    known_hosts.write_text(f"[{ip}]:{port} {kind} {blob}\n")
    conf = d / "sshd_config"
    bundle = trust_bundle(lab)
    conf.write_text(
        render_sshd_config(d, ip, port).replace(
            f"SetEnv HOME={d}/home", f"SetEnv HOME={d}/home CURL_CA_BUNDLE={bundle}"
        )
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    valid = subprocess.run(
        ["/usr/sbin/sshd", "-t", "-f", str(conf)], capture_output=True, text=True, check=False
    )
    if valid.returncode != 0:
        raise RuntimeError(f"sshd -t -f {conf} failed: {valid.stderr}")
    lab.procs.spawn(
        "sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", str(conf)], ready=lambda: tcp_ready(ip, port)
    )
    return client_key, known_hosts


def web_root(lab: LabContext) -> Path:
    """This slot's web root (recreated empty), readable by nginx workers."""
    WWW_BASE.mkdir(exist_ok=True)
    WWW_BASE.chmod(0o755)
    root = WWW_BASE / f"slot-{lab.slot}" / "html"
    shutil.rmtree(root.parent, ignore_errors=True)
    root.mkdir(parents=True)
    for p in (root.parent, root):
        p.chmod(0o755)
    return root


def start(lab: LabContext) -> dict:
    """Start sshd and nginx, generate ignition; return the bastion's inventory keys."""
    m = model(lab)
    ip, port = lab.ip(BASTION_OCTET), lab.port(2)
    client_key, known_hosts = start_sshd(lab, ip, port)
    ssh_pub = client_key.with_suffix(".pub").read_text().strip()
    installdir = lab.workdir / "installdir"
    write_ignition(lab, installdir, m.one_day_hours_left, m.pointer_prefix, ssh_pub, m.spec)
    root = web_root(lab)
    fill_web_root(lab, root, installdir, ssh_pub)
    nd = lab.workdir / "nginx"
    nd.mkdir(exist_ok=True)
    conf = nd / "nginx.conf"
    conf.write_text(render_nginx_conf(nd, ip, root))
    lab.procs.spawn(
        "nginx",
        ["/usr/sbin/nginx", "-e", "stderr", "-p", f"{nd}/", "-c", str(conf), "-g", "daemon off;"],
        ready=lambda: tcp_ready(ip, 80),
        stop_signal=signal.SIGQUIT,
    )
    fragment = {
        "ssh": {
            "user": "root",
            "key": str(client_key),
            "known_hosts": str(known_hosts),
            "host_key_policy": "strict",
        },
        "bastion": {
            "ssh": f"root@{ip}:{port}",
            "http_root": str(root),
            "http_url": f"http://{ip}/",
        },
        "ignition": {"dir": str(installdir), "min_valid_hours": 2},
    }
    if m.serves_lb:  # the network part's haproxy.cfg is on this machine: read it over SSH
        fragment["load_balancer"] = {"ssh": f"root@{ip}:{port}"}
    return fragment


# --------------------------------------------------------------------------- scenarios

_PARTS = ("network", "bastion")


@scenario(
    "bastion-clean", "the bastion as it should be: served, labeled, fresh ignition", parts=_PARTS
)
def _bastion_clean(lab: LabContext) -> None:
    model(lab)


@scenario("rhcos-mislabeled", f"{RHCOS} carries admin_home_t (copied from /root)", parts=_PARTS)
def _rhcos_mislabeled(lab: LabContext) -> None:
    model(lab).labels[RHCOS] = ADMIN_HOME_LABEL


@scenario(
    "ignition-unreadable",
    "worker.ign in the web root is root-owned mode 600 (nginx: 403)",
    parts=_PARTS,
)
def _ignition_unreadable(lab: LabContext) -> None:
    model(lab).private = ("worker.ign",)


@scenario(
    "ignition-expired", "bootstrap.ign's one-day certificates expired an hour ago", parts=_PARTS
)
def _ignition_expired(lab: LabContext) -> None:
    model(lab).one_day_hours_left = -1


@scenario(
    "ignition-nearly-expired",
    "bootstrap.ign's one-day certificates expire within the hour",
    parts=_PARTS,
)
def _ignition_nearly_expired(lab: LabContext) -> None:
    model(lab).one_day_hours_left = 0.75


@scenario(
    "pointer-at-api", "master.ign and worker.ign merge from api instead of api-int", parts=_PARTS
)
def _pointer_at_api(lab: LabContext) -> None:
    model(lab).pointer_prefix = "api"


@scenario("stale-webroot-ignition", "the web root serves yesterday's bootstrap.ign", parts=_PARTS)
def _stale_webroot(lab: LabContext) -> None:
    model(lab).stale = ("bootstrap.ign",)


@scenario(
    "ignition-spec2",
    "the installer of OCP 4.1 to 4.5: every config in Ignition spec 2.2.0 (pointer configs "
    "append from api-int), served by nginx",
    parts=_PARTS,
)
def _ignition_spec2(lab: LabContext) -> None:
    model(lab).spec = "2.2.0"


def _typo_keyword(text: str) -> str:
    """``balance`` misspelt in the first backend (haproxy: unknown keyword)."""
    head, sep, rest = text.partition("\nbackend ")
    return head + sep + rest.replace("    balance ", "    balanse ", 1)


@scenario(
    "lb-on-bastion",
    "the clean site with the LB host reached over SSH (the bastion's sshd stands in for it)",
    parts=_PARTS,
)
def _lb_on_bastion(lab: LabContext) -> None:
    model(lab).serves_lb = True


@scenario(
    "haproxy-cfg-typo",
    "haproxy.cfg on the LB host (read over SSH) was edited with a misspelt keyword after "
    "haproxy loaded it: haproxy -c there rejects it",
    parts=_PARTS,
)
def _haproxy_cfg_typo(lab: LabContext) -> None:
    lab.network.haproxy_edits.append(_typo_keyword)
    _lb_on_bastion(lab)
