"""The CPython interpreters on this machine, for the tests that install the kit with each one.

They are looked for as ``pythonX.Y`` in every folder on PATH and in pyenv's versions
($PYENV_ROOT/versions, default /root/.pyenv/versions), and kept once per real interpreter: a
pyenv shim counts as the version it runs (a shim for a version pyenv does not select fails to
run and is left out), a symlink as what it points to.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PYENV = Path(os.environ.get("PYENV_ROOT") or "/root/.pyenv") / "versions"

_PROBE = (
    "import os, platform, sys; "
    "print(platform.python_implementation(), '%d.%d' % sys.version_info[:2], "
    "os.path.realpath(sys.executable))"
)


def candidates(version: str) -> list[Path]:
    """Where a CPython ``version`` ("3.12") may be: PATH's folders in order, then pyenv's."""
    name = f"python{version}"
    found = [Path(d) / name for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    found += sorted(PYENV.glob(f"{version}*/bin/{name}"))
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        found.insert(0, Path(sys.executable))
    return [p for p in found if p.is_file() and os.access(p, os.X_OK)]


def find(version: str) -> list[str]:
    """The real path of every CPython ``version`` that runs here, each once, in the order of
    :func:`candidates`."""
    real: list[str] = []
    for path in candidates(version):
        try:
            done = subprocess.run(
                [str(path), "-I", "-c", _PROBE],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        words = done.stdout.strip().split(maxsplit=2)
        if done.returncode != 0 or len(words) != 3 or words[:2] != ["CPython", version]:
            continue
        if words[2] not in real:
            real.append(words[2])
    return real
