"""Headless Chromium (Debian's package) driven from its command line: the DOM after load, a
screenshot, and every console message the page produced. No extra Python dependency.

>>> console_messages('[1:1:1122/060544.9:INFO:CONSOLE:1] "boom", source: file:///x.html (1)'
...                  '\\nother')
['"boom", source: file:///x.html (1)']
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
#: Flags known to work here as root with no network (the machine notes' "Known to work").
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\))?:?\d*\]\s*(.*)")
TIMEOUT = 90.0


@dataclass
class Rendered:
    dom: str
    console: list[str]
    screenshot: Path | None


def console_messages(stderr: str) -> list[str]:
    """The page's console messages (log, warning, error, CSP, load failures) in Chromium's log."""
    return [m.group(1).strip() for m in map(_CONSOLE.search, stderr.splitlines()) if m]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (./run setup)")
    profile = tempfile.mkdtemp(prefix="upi-chromium-")
    argv = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    # its own session: a timeout kills Chromium and every helper it forked (they hold the pipes)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=10)
            raise RuntimeError(
                f"chromium did not finish within {TIMEOUT:g}s:\n{(err or '')[-3000:]}"
            ) from None
        return subprocess.CompletedProcess(argv, proc.returncode, out, err)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def render(
    page: Path, screenshot: Path | None = None, size: tuple[int, int] = (1280, 2000)
) -> Rendered:
    """Load ``page`` (a local file): its DOM, its console messages, and optionally a PNG."""
    url = page.resolve().as_uri()
    dumped = _run(["--dump-dom", url])
    if dumped.returncode != 0:
        raise RuntimeError(
            f"chromium --dump-dom exited {dumped.returncode}:\n{dumped.stderr[-3000:]}"
        )
    console = console_messages(dumped.stderr)
    if screenshot is not None:
        shot = _run([f"--window-size={size[0]},{size[1]}", f"--screenshot={screenshot}", url])
        if shot.returncode != 0 or not screenshot.exists():
            raise RuntimeError(f"chromium --screenshot failed:\n{shot.stderr[-3000:]}")
        console += console_messages(shot.stderr)
    return Rendered(dumped.stdout, console, screenshot)
