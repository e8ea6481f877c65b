"""What collectors and libraries log reaches the terminal (``--log-cli-level``), a
``--log-file`` and the captured-log sections only through the redaction rules (issue 12)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.suite import check_module

pytest_plugins = ["pytester"]

INVENTORY = "cluster: {name: ocp45, base_domain: example.localdomain}\n"
TOKEN = "sha256~Zm9vYmFyYmF6cXV4cXV1eGNvcmdl"
PASSWORD = "hunter2-correct-horse"

CHECK_MODULE = f'''
import logging

from checks.base import check, expect, passed
from collectors.errors import FactError

log = logging.getLogger("collectors.demo")


def gather(site, subject):
    log.debug("asking with Authorization: Bearer %s", "{TOKEN}")
    log.info("login: podman login -u admin -p %s mirror:5000", "{PASSWORD}")
    try:
        raise RuntimeError("refused password={PASSWORD}")
    except RuntimeError:
        log.exception("the registry said no")
    if subject == "broken":
        raise FactError("it broke")
    return subject


@check("demo.logs", title="demo", markers=["preflight"], subject="a word",
       fails_when="never", remediation="none",
       subjects=lambda site: ["good", "broken"], gather=gather)
def test_logs(facts):
    expect(passed())
'''


@pytest.fixture
def demo(pytester: pytest.Pytester) -> Iterator[pytest.Pytester]:
    """pytester with the demo check module and an inventory; the demo ids leave the registry."""
    with check_module(pytester, CHECK_MODULE, INVENTORY) as ready:
        yield ready


def test_live_logs_log_files_and_captured_logs_are_redacted(demo: pytest.Pytester) -> None:
    factory = logging.getLogRecordFactory()
    log_file = demo.path / "run.log"
    result = demo.runpytest_inprocess(
        "--inventory",
        str(demo.path / "site.yaml"),
        "-o",
        "log_cli=true",
        "--log-cli-level=DEBUG",
        f"--log-file={log_file}",
        "--log-file-level=DEBUG",
        "-rA",
    )
    shown = result.stdout.str() + result.stderr.str()
    written = log_file.read_text()
    for text in (shown, written):
        assert "the registry said no" in text and "RuntimeError" in text  # the lines are there
        assert "REDACTED" in text
        assert TOKEN not in text and PASSWORD not in text
    assert logging.getLogRecordFactory() is factory  # the run put the logging module back
