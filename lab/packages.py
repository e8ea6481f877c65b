"""Debian packages the lab needs, installed when missing (idempotent, quiet when present)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile

#: package -> a file that proves it is installed
PACKAGES = {
    "bind9": "/usr/sbin/named",
    "bind9-dnsutils": "/usr/bin/dig",
    "haproxy": "/usr/sbin/haproxy",
    "nginx": "/usr/sbin/nginx",
    "openssh-server": "/usr/sbin/sshd",
    "openssh-client": "/usr/bin/ssh-keygen",
    "docker-registry": "/usr/bin/docker-registry",
    "apache2-utils": "/usr/bin/htpasswd",
    "attr": "/usr/bin/setfattr",
    "systemd-journal-remote": "/lib/systemd/systemd-journal-remote",
    "skopeo": "/usr/bin/skopeo",
    "iproute2": "/usr/sbin/ip",
    "curl": "/usr/bin/curl",
    # a namespace where the site is silent (tests/test_verdicts_anywhere.py: packets dropped)
    "iptables": "/usr/sbin/iptables",
    # NTP servers for time.sync (lab/ntp.py); libfaketime runs one 30 s ahead
    "chrony": "/usr/sbin/chronyd",
    "libfaketime": "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    # a site's own dnsmasq config served on loopback (lab/dnsmasq.py, tests/test_dnsmasq_real.py)
    "dnsmasq-base": "/usr/sbin/dnsmasq",
    # release signatures: the lab signs with a test key (lab/signing.py); upgrade.target verifies
    "gnupg": "/usr/bin/gpg",
    # headless browser for the HTML report's rendering test (tests/test_report_lab.py)
    "chromium": "/usr/bin/chromium",
}


LOCK = os.path.join(tempfile.gettempdir(), "upi-lab-apt.lock")


def missing(packages: list[str] | None = None) -> list[str]:
    """Packages among ``packages`` (default: all) whose marker file is absent."""
    names = packages or list(PACKAGES)
    return [p for p in names if not os.path.exists(PACKAGES[p])]


def ensure(packages: list[str] | None = None) -> None:
    """apt-get install whatever is missing; raise RuntimeError with apt's output on failure."""
    if not missing(packages):
        return
    with open(LOCK, "w") as lock:  # parallel labs (pytest -n) must not run apt-get twice at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        todo = missing(packages)
        if todo:
            _install(todo)


def _install(todo: list[str]) -> None:
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"the lab needs Debian packages {todo} and there is no apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *todo],
    ]
    for argv in steps:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=900, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )


if __name__ == "__main__":
    ensure()
    print("lab packages present:", ", ".join(PACKAGES))
