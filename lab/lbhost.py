"""The LB host reached over the lab's real sshd: what ``lb.host`` asks it about haproxy, SELinux,
firewalld and haproxy's journal.

The network part's haproxy runs on this machine; this part's sshd listens on the API VIP
(``lab.port(14)``) and answers as ``load_balancer.ssh``, so ``haproxy.cfg`` is read over it too.
sshd's ``SetEnv PATH`` puts ``bin/`` here first in its sessions: stand-in executables printing
the real outputs (``tests/real/semanage``, ``getsebool``, ``getenforce``, ``firewall-cmd``; for
the clean lab the real format with the lab's ports added, as an admin's ``semanage port -a``
and ``firewall-cmd --permanent`` leave them).

``systemctl`` and ``journalctl`` are stand-ins too, because this machine runs no systemd:
``systemctl`` answers ``is-active haproxy`` and ``show -p InvocationID``; ``journalctl`` is the
real one reading a real journal file (made by systemd-journal-remote, ``lab.journals``) with
``-D``. The journal holds an older invocation of haproxy that failed to bind (before the site
fixed it) and the current one; the bind-failure scenario puts the real ALERT lines
(``tests/real/haproxy-journal``) in the current one.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.bastion import host_access, render_sshd_config
from lab.journals import JOURNAL_REMOTE, T0
from lab.procs import tcp_ready
from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["openssh-server", "openssh-client", "systemd-journal-remote"]
NEEDS = ("network",)
REAL = Path(__file__).resolve().parent.parent / "tests" / "real"
#: the ports the lab's haproxy binds; an admin labelled and opened them
LAB_PORTS = (6443, 22623)
#: firewalld's services as the seed made them (public zone) and the ports each opens
SERVICE_PORTS = {
    "dhcpv6-client": "546/udp",
    "http": "80/tcp",
    "https": "443/tcp",
    "kube-apiserver": "6443/tcp",
    "machine-config": "22623/tcp",
    "ssh": "22/tcp",
}
OLD_INVOCATION = "0f5c2d4e8a7b41c39e6d2a1b5c8f7e90"
INVOCATION = "7d3e1f0a9c2b4d5e8f6a7b8c9d0e1f2a"


@dataclass
class LbHostModel:
    """What the LB host looks like; scenarios change it before start."""

    #: ``systemctl is-active haproxy``
    haproxy_state: str = "active"
    selinux: str = "Enforcing"
    connect_any: bool = False
    #: the admin ran ``semanage port -a -t http_port_t -p tcp`` for 6443 and 22623
    ports_labelled: bool = True
    #: firewalld's services, runtime and permanent
    runtime_services: list[str] = field(default_factory=lambda: sorted(SERVICE_PORTS))
    permanent_services: list[str] = field(default_factory=lambda: sorted(SERVICE_PORTS))
    #: the current invocation of haproxy logged the real bind failure
    bind_failure: bool = False


def model(lab: LabContext) -> LbHostModel:
    """The lab's LB host model, created on first use (scenarios call this)."""
    if lab.lbhost_model is None:
        lab.lbhost_model = LbHostModel()
    return lab.lbhost_model


def semanage_output(m: LbHostModel) -> str:
    """The real ``semanage port -l`` lines; the admin's local 6443/22623 first on http_port_t
    (as ``-l`` lists a type's local definitions with its default ones)."""
    text = (REAL / "semanage" / "port-l-rhel9-rh134-http.txt").read_text()
    text += (REAL / "semanage" / "port-l-rhel9-rh134-ftp.txt").read_text()
    if m.ports_labelled:
        text = text.replace(
            "http_port_t                    tcp      80,",
            f"http_port_t                    tcp      {', '.join(map(str, LAB_PORTS))}, 80,",
        )
    return "SELinux Port Type              Proto    Port Number\n\n" + text


def _script(name: str, cases: dict[str, tuple[str, int]], default_rc: int = 2) -> str:
    """A stand-in: ``"$*"`` -> (what it prints, exit code)."""
    lines = ["#!/bin/sh", 'case "$*" in']
    for args, (text, rc) in cases.items():
        lines.append(f"  {shlex.quote(args)}) printf %s {shlex.quote(text)}; exit {rc};;")
    lines += [f'  *) echo "{name}: unexpected arguments: $*" >&2; exit {default_rc};;', "esac", ""]
    return "\n".join(lines)


def _journal(d: Path, m: LbHostModel) -> Path:
    """A real journal file: an old invocation that failed to bind, and the current one."""
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip().replace("-", "")
    entries: list[tuple[str, str, str]] = []  # invocation, identifier, message
    for line in (
        (REAL / "haproxy-journal" / "docker-library-haproxy-162.txt").read_text().splitlines()
    ):
        entries.append((OLD_INVOCATION, "haproxy", line))
    entries.append((INVOCATION, "haproxy", "[NOTICE]   (4242) : New worker (4244) forked"))
    entries.append((INVOCATION, "haproxy", "[NOTICE]   (4242) : Loading success."))
    if m.bind_failure:
        for line in (REAL / "haproxy-journal" / "whatsapp-proxy-110.txt").read_text().splitlines():
            entries.append((INVOCATION, "haproxy", line))
    out = []
    for i, (inv, ident, message) in enumerate(entries):
        out += [
            f"__REALTIME_TIMESTAMP={T0 + i * 1_000_000}",
            f"__MONOTONIC_TIMESTAMP={1000 + i * 1_000_000}",
            f"_BOOT_ID={boot}",
            "_HOSTNAME=lb",
            "_SYSTEMD_UNIT=haproxy.service",
            f"_SYSTEMD_INVOCATION_ID={inv}",
            f"SYSLOG_IDENTIFIER={ident}",
            "PRIORITY=3" if "[ALERT]" in message else "PRIORITY=5",
            f"MESSAGE={message}",
            "",
        ]
    jdir = d / "journal"
    shutil.rmtree(jdir, ignore_errors=True)
    jdir.mkdir(parents=True)
    target = jdir / "system.journal"
    done = subprocess.run(
        [JOURNAL_REMOTE, "-o", str(target), "-"],
        input=("\n".join(out) + "\n").encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or not target.exists():
        raise RuntimeError(f"{JOURNAL_REMOTE} failed: {done.stderr.decode(errors='replace')}")
    return jdir


def write_tools(lab: LabContext, d: Path) -> Path:
    m = model(lab)
    bindir = d / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    state_rc = 0 if m.haproxy_state == "active" else 3
    tools = {
        "getenforce": _script("getenforce", {"": (f"{m.selinux}\n", 0)}),
        "getsebool": _script(
            "getsebool",
            {
                "haproxy_connect_any": (
                    f"haproxy_connect_any --> {'on' if m.connect_any else 'off'}\n",
                    0,
                )
            },
        ),
        "semanage": _script("semanage", {"port -l": (semanage_output(m), 0)}),
        "systemctl": _script(
            "systemctl",
            {
                "is-active haproxy": (f"{m.haproxy_state}\n", state_rc),
                "show -p InvocationID --value haproxy": (f"{INVOCATION}\n", 0),
            },
        ),
    }
    firewall = {
        "--state": ("running\n", 0),
        "--list-ports": ("\n", 0),
        "--permanent --list-ports": ("\n", 0),
        "--list-services": (" ".join(m.runtime_services) + "\n", 0),
        "--permanent --list-services": (" ".join(m.permanent_services) + "\n", 0),
    }
    for name, port in SERVICE_PORTS.items():
        firewall[f"--permanent --service={name} --get-ports"] = (port + "\n", 0)
    tools["firewall-cmd"] = _script("firewall-cmd", firewall)
    journal = shutil.which("journalctl") or "/usr/bin/journalctl"
    tools["journalctl"] = f'#!/bin/sh\nexec {journal} -D {shlex.quote(str(_journal(d, m)))} "$@"\n'
    for name, text in tools.items():
        exe = bindir / name
        exe.write_text(text)
        exe.chmod(0o755)
    (d / "model.json").write_text(json.dumps(m.__dict__))
    return bindir


def start(lab: LabContext) -> dict[str, Any]:
    d = lab.workdir / "lbhost"
    (d / "home").mkdir(parents=True, exist_ok=True)
    bindir = write_tools(lab, d)
    ip = lab.network.api_vip
    port = lab.port(14)
    ssh = host_access(lab, d, ip, port, "lab-lb-host")
    conf = d / "sshd_config"
    conf.write_text(
        render_sshd_config(d, ip, port).replace(
            f"SetEnv HOME={d}/home", f"SetEnv HOME={d}/home PATH={bindir}:/usr/bin:/bin"
        )
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    subprocess.run(["/usr/sbin/sshd", "-t", "-f", str(conf)], check=True, capture_output=True)
    lab.procs.spawn(
        "lb-sshd",
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(conf)],
        ready=lambda: tcp_ready(ip, port),
    )
    return {"ssh": ssh, "load_balancer": {"ssh": f"root@{ip}:{port}"}}


# --------------------------------------------------------------------------- scenarios

_PARTS = ("network", "lbhost")


@scenario(
    "lbhost-clean",
    "the LB host as it should be: haproxy active, 6443/22623 labelled http_port_t, every port "
    "open permanently in firewalld, no bind failure since haproxy started",
    parts=_PARTS,
)
def _clean(lab: LabContext) -> None:
    model(lab)


@scenario("haproxy-stopped", "systemctl is-active haproxy says inactive", parts=_PARTS)
def _stopped(lab: LabContext) -> None:
    model(lab).haproxy_state = "inactive"


@scenario(
    "selinux-port-unlabelled",
    "SELinux Enforcing, haproxy_connect_any off, and semanage port -l is the stock list (real): "
    "6443 and 22623 are not http_port_t",
    parts=_PARTS,
)
def _unlabelled(lab: LabContext) -> None:
    model(lab).ports_labelled = False


@scenario(
    "firewalld-runtime-only",
    "machine-config (22623) added without --permanent, as the seed did: lost at reboot",
    parts=_PARTS,
)
def _runtime_only(lab: LabContext) -> None:
    m = model(lab)
    m.permanent_services = [s for s in m.permanent_services if s != "machine-config"]


@scenario(
    "haproxy-bind-failure",
    "haproxy's journal since it started holds the real 'cannot bind socket (Permission denied)' "
    "ALERT lines (a reload that could not bind)",
    parts=_PARTS,
)
def _bind_failure(lab: LabContext) -> None:
    model(lab).bind_failure = True
