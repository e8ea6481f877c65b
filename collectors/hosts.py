"""A host's files and commands, wherever the host is: here, over SSH, or in a bundle.

Checks read through :class:`Host` and never know which backend answered.

>>> LocalHost().run(["true"])[0]
0
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Protocol

from collectors import settings
from collectors.errors import FactError


class Host(Protocol):
    """Reads only: a file's text, or a command's output."""

    name: str

    def read_text(self, path: str) -> str: ...

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]: ...


class LocalHost:
    """The machine the suite runs on (the bastion, usually)."""

    name = "local"

    def read_text(self, path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise FactError(f"cannot read {path} on {self.name}: {exc.strerror or exc}") from None

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        timeout = timeout or settings.SSH_COMMAND_TIMEOUT
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise FactError(f"{argv[0]} on {self.name} did not finish within {timeout:g}s") from None
        except OSError as exc:
            raise FactError(f"cannot run {argv[0]} on {self.name}: {exc}") from None
        return done.returncode, done.stdout, done.stderr
