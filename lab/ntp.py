"""The time part of the lab: real chrony NTP servers on loopback (``chronyd -d -x``: they never
touch this machine's clock), serving their own clock at ``local stratum 8``.

Servers: ``ntp1`` at ``lab.ip(123):lab.port(10)``; scenarios add ``ntp-off`` (the same chrony
under libfaketime, ``FAKETIME=+30s``: a real NTP server whose clock is 30 s ahead) at
``lab.port(11)`` and ``ntp-silent`` (an address and port where nothing answers) at
``lab.port(12)``. Returns the inventory's ``ntp`` keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["chrony", "libfaketime"]
CHRONYD = "/usr/sbin/chronyd"
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
OFF_BY = "+30s"


@dataclass
class NtpModel:
    """What the time part starts; scenarios add servers that are off or silent."""

    off: bool = False
    silent: bool = False
    max_offset_s: float = 1.0


def model_of(lab: LabContext) -> NtpModel:
    """The lab's time model, created on first use (scenarios call this)."""
    if lab.ntp_model is None:
        lab.ntp_model = NtpModel()
    return lab.ntp_model


def render_chrony_conf(directory: Path, address: str, port: int) -> str:
    """chrony.conf for a server on loopback only, files in ``directory``, and no command access:
    neither the UDP port nor the Unix socket (``bindcmdaddress /``), which would otherwise be the
    host's /run/chrony/chronyd.sock, so that ``chronyc tracking`` on this machine (time.sync's
    ``localhost``) would read a lab server as the host's own synchronised chronyd."""
    return "\n".join(
        [
            f"port {port}",
            f"bindaddress {address}",
            "allow 127.0.0.0/8",
            "local stratum 8",
            "cmdport 0",
            "bindcmdaddress /",
            f"pidfile {directory}/chronyd.pid",
            f"driftfile {directory}/chrony.drift",
            "",
        ]
    )


def _answers(address: str, port: int) -> bool:
    import ntplib

    try:
        ntplib.NTPClient().request(address, port=port, version=4, timeout=0.3)
        return True
    except (ntplib.NTPException, OSError):
        return False


def start_chrony(lab: LabContext, name: str, port: int, fake: str | None = None) -> str:
    """Start one chronyd (under libfaketime with ``fake``); return its ``host:port``."""
    address = lab.ip(123)
    d = lab.workdir / name
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o777)  # chronyd drops to _chrony and writes its pid and drift files here
    conf = d / "chrony.conf"
    conf.write_text(render_chrony_conf(d, address, port))
    argv = [CHRONYD, "-d", "-x", "-f", str(conf)]
    if fake:
        argv = ["env", f"LD_PRELOAD={LIBFAKETIME}", f"FAKETIME={fake}", *argv]
    lab.procs.spawn(name, argv, ready=lambda: _answers(address, port))
    return f"{address}:{port}"


def start(lab: LabContext) -> dict[str, Any]:
    model = model_of(lab)
    servers = [start_chrony(lab, "ntp1", lab.port(10))]
    if model.off:
        servers.append(start_chrony(lab, "ntp-off", lab.port(11), OFF_BY))
    if model.silent:
        servers.append(f"{lab.ip(123)}:{lab.port(12)}")  # nothing listens there
    return {"ntp": {"servers": servers, "max_offset_s": model.max_offset_s}}


@scenario("time-clean", "a real chrony NTP server on loopback: time.sync passes", parts=("time",))
def _time_clean(lab: LabContext) -> None:
    model_of(lab)


@scenario(
    "time-server-off",
    "a second NTP server (chrony under libfaketime) is 30 s ahead",
    parts=("time",),
)
def _time_off(lab: LabContext) -> None:
    model_of(lab).off = True


@scenario(
    "time-server-silent", "a second NTP server address where nothing answers", parts=("time",)
)
def _time_silent(lab: LabContext) -> None:
    model_of(lab).silent = True
