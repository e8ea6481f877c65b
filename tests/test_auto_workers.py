"""``-n auto`` on two cores or fewer starts no workers (``fixtures.prefetch.auto_workers``): the
preflight is faster serial there. Run as users run it, from the repository with its plugins
found by entry point and conftest, on one CPU (``taskset``), so xdist's own answer (the machine's
CPU count) would start workers if it came first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suite import ROOT, _clean_environment

SITE = """\
cluster: {name: auto, base_domain: example.test}
dns:
  servers: ['127.0.0.1:9']
nodes:
  - {name: m1, role: master, ip: 127.252.0.1}
"""


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) is missing")
def test_n_auto_on_one_cpu_starts_no_worker(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(SITE)
    done = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-m", "pytest", "-n", "auto", "-m", "preflight",
         "-k", "dns.forward", f"--inventory={site}", "-p", "no:randomly"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**_clean_environment(), "UPI_DNS_TIMEOUT": "1"},
    )  # fmt: skip
    assert "dns.forward" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    assert "worker" not in done.stdout and "created:" not in done.stdout, done.stdout
