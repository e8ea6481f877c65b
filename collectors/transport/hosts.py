"""A host's files and commands, wherever the host is: here, over SSH, or in a bundle.

Checks read through :class:`Host` and never know which backend answered.

>>> LocalHost().run(["true"])[0]
0
>>> LocalHost().run_bytes(["sh", "-c", "printf hi"])
(0, b'hi', b'')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from typing import Protocol

from collectors import localfile, settings
from collectors.errors import CommandTimeout, FactError, InputError


class Host(Protocol):
    """Reads only: a file's text, or a command's output."""

    name: str

    def read_text(self, path: str) -> str: ...

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]: ...


def _reason(exc: InputError) -> str:
    """Why a local file was not read, without the path the caller names itself.

    >>> _reason(InputError("/x", "cannot read: not a regular file (a fifo)"))
    'not a regular file (a fifo)'
    """
    return exc.reason.removeprefix("cannot read: ")


class LocalHost:
    """The machine the suite runs on (the bastion, usually)."""

    name = "local"

    def read_text(self, path: str) -> str:
        """The file's text; FactError naming it when it cannot be read or is larger than
        settings.SSH_MAX_OUTPUT_BYTES (the cap on what any host read may hold)."""
        cap = settings.SSH_MAX_OUTPUT_BYTES
        try:
            with localfile.open_regular(path) as fh:  # never a fifo or a device: no hang
                data = fh.read(cap + 1)
        except InputError as exc:
            raise FactError(f"cannot read {path} on {self.name}: {_reason(exc)}") from None
        except OSError as exc:
            raise FactError(f"cannot read {path} on {self.name}: {exc.strerror or exc}") from None
        if len(data) > cap:
            raise FactError(
                f"cannot read {path} on {self.name}: larger than {cap} bytes "
                "(raise UPI_SSH_MAX_OUTPUT_BYTES to read it)"
            )
        return data.decode("utf-8", errors="replace")

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
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + timeout
        if _read_capped(proc, deadline, out, err):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.05, deadline - time.monotonic()))
            if proc.returncode is not None:
                return proc.returncode, bytes(out), bytes(err)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        # the group is dead: the pipes close; bounded in case something left the group
        _read_capped(proc, time.monotonic() + _REAP_SECONDS, out, err)
        proc.kill()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait(_REAP_SECONDS)
        raise CommandTimeout(
            f"{argv[0]} on {self.name} did not finish within {timeout:g}s", bytes(out), bytes(err)
        )

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        rc, out, err = self.run_bytes(argv, timeout)
        return rc, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")


#: How long to wait for a killed command's pipes to close.
_REAP_SECONDS = 5.0


def _read_capped(
    proc: subprocess.Popen[bytes], deadline: float, out: bytearray, err: bytearray
) -> bool:
    """Read both pipes until they close (True) or ``deadline`` passes (False), keeping the last
    settings.SSH_MAX_OUTPUT_BYTES of each, as the SSH transport does."""
    cap = max(1, settings.SSH_MAX_OUTPUT_BYTES)
    buffers = {proc.stdout: out, proc.stderr: err}
    with selectors.DefaultSelector() as sel:
        for pipe in buffers:
            if pipe is not None and not pipe.closed:
                sel.register(pipe, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in sel.select(min(left, 0.5)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf = buffers[key.fileobj]  # type: ignore[index]
                buf += chunk
                if len(buf) > cap:
                    del buf[: len(buf) - cap]
    return True
