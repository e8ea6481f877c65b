"""Another commit's code beside this tree's, for benchmarks that print each figure beside its
baseline in one run.

>>> callable(checkout)
True
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def checkout(rev: str, into: Path, folder: str = "collectors") -> Path:
    """``rev``'s ``folder`` extracted under ``into`` (``git archive``: no worktree registered);
    put ``into`` first on ``sys.path`` to run that code."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", rev, folder], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into
