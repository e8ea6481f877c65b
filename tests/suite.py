"""Run the suite the way a user does (a subprocess from the repository root) and read its report.

>>> SuiteRun(0, "", "", {"summary": {}, "results": [{"check": "dns.api", "subject": "a",
...     "outcome": "passed", "message": ""}]}).outcome("dns.api", "a")
'passed'
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SuiteRun:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]

    @property
    def results(self) -> list[dict[str, Any]]:
        return self.report.get("results", [])

    def record(self, check: str, subject: str) -> dict[str, Any]:
        found = [r for r in self.results if r["check"] == check and r["subject"] == subject]
        assert len(found) == 1, f"{check} [{subject}]: {len(found)} records\n{self.stdout[-3000:]}"
        return found[0]

    def outcome(self, check: str, subject: str) -> str:
        return self.record(check, subject)["outcome"]

    def outcomes(self, check: str) -> dict[str, str]:
        """subject -> outcome for one check."""
        return {r["subject"]: r["outcome"] for r in self.results if r["check"] == check}

    def failing(self) -> set[tuple[str, str]]:
        return {
            (r["check"], r["subject"]) for r in self.results if r["outcome"] in ("failed", "error")
        }


def _clean_environment() -> dict[str, str]:
    """The caller's environment without what would change the inner run's verdicts
    (a KUBECONFIG, timeouts and caps set for another test)."""
    return {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("UPI_")}


def run_suite(
    *args: str,
    inventory: Path | str | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    wrap: tuple[str, ...] = (),
) -> SuiteRun:
    """``python -m pytest <args> [--inventory FILE] --report-json TMP`` from the repository root;
    ``wrap`` goes before it (e.g. ``("unshare", "-n")`` for an inventory of real addresses)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        # the suite's plugin named: an inventory outside the repository, given as two words
        # (--inventory PATH), makes pytest read PATH before the repository's conftest
        # (docs/architecture.md, "Packaging"), which then never loads the suite
        plugin = () if "upi_conformance" in args else ("-p", "upi_conformance")
        argv = [*wrap, sys.executable, "-m", "pytest", *plugin, *args]
        argv += ["--report-json", str(report)]
        if inventory is not None:
            argv += ["--inventory", str(inventory)]
        done = subprocess.run(
            argv,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**_clean_environment(), **(env or {}), "PYTHONDONTWRITEBYTECODE": "1"},
        )
        data = json.loads(report.read_text()) if report.exists() else {}
    return SuiteRun(done.returncode, done.stdout, done.stderr, data)


def collect_bundle(
    inventory: Path | str,
    bundle: Path | str,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    wrap: tuple[str, ...] = (),
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``python -m collectors --inventory FILE --bundle OUT <args>`` from the repository root (the
    triage bundle alone, as a support engineer runs it); ``wrap`` goes before it."""
    argv = [*wrap, sys.executable, "-m", "collectors", "--inventory", str(inventory)]
    return subprocess.run(
        [*argv, "--bundle", str(bundle), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=check,
    )


@contextlib.contextmanager
def check_module(pytester: Any, module: str, inventory: str) -> Iterator[Any]:
    """pytester with a check module (``test_demo.py``) and ``site.yaml``; the checks the module
    registers leave the registry afterwards, so in-process runs do not leak ids."""
    from checks.base import REGISTRY

    before = dict(REGISTRY)
    pytester.makepyfile(test_demo=module)
    pytester.makefile(".yaml", site=inventory)
    try:
        yield pytester
    finally:
        REGISTRY.clear()
        REGISTRY.update(before)


def live_then_offline(
    lab: Any,
    bundle: Path,
    *args: str,
    live: tuple[str, ...] = (),
    offline: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> tuple[SuiteRun, SuiteRun]:
    """The started ``lab`` checked live with ``--bundle``, then stopped (its slot held, so no
    other lab answers at its addresses), then the bundle replayed with no network
    (``unshare -n``); the slot is released after. ``args`` go to both runs, ``live`` and
    ``offline`` to one each."""
    try:
        live_run = run_suite(
            *args, *live, "--bundle", str(bundle), inventory=lab.inventory_path, env=env
        )
    finally:
        lab.stop(keep_slot=True)
    try:
        assert bundle.is_file(), live_run.stdout[-3000:]
        offline_run = run_suite(
            *args, *offline, "--snapshot", str(bundle), inventory=lab.inventory_path, env=env,
            wrap=("unshare", "-n"),
        )  # fmt: skip
    finally:
        lab.release_slot()
    return live_run, offline_run
