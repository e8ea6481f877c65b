"""The record for a bundle made alone (``python -m collectors --bundle``): the suite's checks
gather their facts in a child process (``upi-conformance --record-facts DIR``), so the bundle
replays like one made by a run with ``--bundle``.

The child is the suite's own command line, started as a program (this package never imports
the checks): its verdicts are thrown away, only the record folder is kept.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from collectors import settings


def record_facts(
    inventory: str | Path,
    folder: str | Path,
    *,
    kubeconfig: str | None = None,
    snapshot: str | None = None,
    allow_exec: bool = False,
) -> str:
    """Run every check's gather into ``folder``; "" when the run finished, else why not."""
    argv = [
        sys.executable,
        "-m",
        "fixtures.cli",
        "-m",
        "preflight or postinstall",
        "--inventory",
        str(inventory),
        "--record-facts",
        str(folder),
        "-q",
        "-p",
        "no:randomly",
    ]
    if kubeconfig:
        argv += ["--kubeconfig", kubeconfig]
    if snapshot:
        argv += ["--snapshot", snapshot]
    if allow_exec:
        argv.append("--allow-kubeconfig-exec")
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=settings.RECORD_RUN_TIMEOUT,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
    except subprocess.TimeoutExpired:
        return f"the checks did not finish gathering within {settings.RECORD_RUN_TIMEOUT:g} s"
    except OSError as exc:
        return f"cannot run the checks: {exc.strerror or exc}"
    if done.returncode not in (0, 1):  # 1: some check failed, which is not our business here
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        return f"the checks' run ended with exit {done.returncode}: {tail[0][:300]}"
    return ""
