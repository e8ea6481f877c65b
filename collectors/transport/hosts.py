"""A host's files and commands, wherever the host is: here, over SSH, or in a bundle.

Checks read through :class:`Host` and never know which backend answered.

>>> LocalHost().run(["true"])[0]
0
>>> LocalHost().run_bytes(["sh", "-c", "printf hi"])
(0, b'hi', b'')
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import Protocol

from collectors import settings
from collectors.errors import CommandTimeout, FactError


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

    def run_bytes(self, argv: list[str], timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Run ``argv``; returns (exit code, stdout, stderr) as bytes.

        The command runs in its own process group, and a timeout kills the whole group (so
        helpers it forked cannot keep the pipes open) and raises
        :class:`~collectors.errors.CommandTimeout` carrying what it printed until then.
        """
        timeout = timeout or settings.SSH_COMMAND_TIMEOUT
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise FactError(f"cannot run {argv[0]} on {self.name}: {exc}") from None
        try:
            out, err = proc.communicate(timeout=timeout)
            return proc.returncode, out, err
        except subprocess.TimeoutExpired as first:
            out, err = first.stdout or b"", first.stderr or b""
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            try:  # the group is dead: the pipes close; bounded in case something left the group
                more_out, more_err = proc.communicate(timeout=_REAP_SECONDS)
                out, err = more_out or out, more_err or err
            except subprocess.TimeoutExpired as again:
                out, err = again.stdout or out, again.stderr or err
                proc.kill()
                for pipe in (proc.stdout, proc.stderr):
                    if pipe is not None:
                        pipe.close()
                proc.wait(_REAP_SECONDS)
            raise CommandTimeout(
                f"{argv[0]} on {self.name} did not finish within {timeout:g}s", out, err
            ) from None

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        rc, out, err = self.run_bytes(argv, timeout)
        return rc, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")


#: How long to wait for a killed command's pipes to close.
_REAP_SECONDS = 5.0
