"""The loops the registry benchmarks compare the suite with, against the lab registry.

- :func:`head_loop`: the floor, 16 threads of keep-alive ``HEAD /v2/<repo>/manifests/<ref>``
  with the credentials preset (no token dance, no parsing);
- :func:`skopeo_loop`: ``skopeo inspect --raw`` one reference after another, as a user's
  script does (timed on a sample, extrapolated by the caller).

Both only talk to the lab's registry on loopback; every request has a timeout.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests


def head_loop(
    host: str, ca: str, user: str, password: str, refs: Sequence[tuple[str, str]], accept: str
) -> tuple[float, list[int]]:
    """Seconds for HEADs of every ``(repository, tag or digest)`` and their status codes."""
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=16))

    def head(ref: tuple[str, str]) -> int:
        return session.head(
            f"https://{host}/v2/{ref[0]}/manifests/{ref[1]}",
            auth=(user, password),
            headers={"Accept": accept},
            verify=ca,
            timeout=10,
        ).status_code

    t = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(head, refs))
    return time.perf_counter() - t, codes


def skopeo_loop(
    work: Path, host: str, ca: str, user: str, password: str, refs: Sequence[str]
) -> float | None:
    """Seconds per reference of serial ``skopeo inspect --raw docker://<host>/<ref>`` (``ref``
    is ``repo:tag`` or ``repo@digest``), or None without skopeo or a sample."""
    if not shutil.which("skopeo") or not refs:
        return None
    certs = work / "skopeo-certs"  # skopeo wants a folder holding only ca.crt
    certs.mkdir(exist_ok=True)
    shutil.copy(ca, certs / "ca.crt")
    t = time.perf_counter()
    for ref in refs:
        subprocess.run(
            [
                "skopeo",
                "inspect",
                "--raw",
                "--cert-dir",
                str(certs),
                "--creds",
                f"{user}:{password}",
                f"docker://{host}/{ref}",
            ],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return (time.perf_counter() - t) / len(refs)
