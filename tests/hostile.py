"""Run a reader of hostile input in a child process under a memory limit, so a regression fails
(MemoryError, a non-zero exit) instead of swapping the machine, and under a time limit.

>>> bounded("print(1 + 1)").stdout
'2\\n'
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The ceiling on the child's address space: the issue's "peak RSS under 1 GB", with margin none.
MEMORY_LIMIT = 1024**3


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def bounded(
    code: str, *, seconds: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with this interpreter from the repository root, under RLIMIT_AS 1 GiB and a
    wall-clock limit (subprocess.TimeoutExpired, the child killed, when it is passed)."""
    child_env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=seconds,
        preexec_fn=_limit,  # noqa: PLW1509 - no threads in the parent between fork and exec
        check=False,
    )
