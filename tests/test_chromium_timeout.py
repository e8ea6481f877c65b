"""The Chromium driver cannot hang a test run: a timeout kills Chromium and its forked helpers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests import chromium


def test_forked_helpers_do_not_hold_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "chromium"  # stands in for a Chromium whose helper keeps the pipes open
    fake.write_text("#!/bin/sh\nsleep 30 &\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setattr(chromium, "CHROMIUM", str(fake))
    monkeypatch.setattr(chromium, "TIMEOUT", 0.5)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="did not finish within 0.5s"):
        chromium.render(tmp_path / "page.html")
    assert time.monotonic() - t0 < 15
