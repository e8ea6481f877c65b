"""Report hooks: collect check records (also from xdist workers) and write them at the end."""

from __future__ import annotations

from typing import Any

import pytest

from reports.results import Results, write_json_atomically
from reports.terminal import failure_summary

RESULTS_KEY = pytest.StashKey[Results]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("upi")
    group.addoption("--report-json", metavar="FILE", help="write one record per check and subject")


def pytest_configure(config: pytest.Config) -> None:
    results = Results()
    config.stash[RESULTS_KEY] = results
    if not hasattr(config, "workerinput"):  # xdist workers forward their reports instead
        config.pluginmanager.register(ResultCollector(config, results), "upi-results")


def results_of(config: pytest.Config) -> Results:
    """The records gathered so far in this (controller) process."""
    return config.stash[RESULTS_KEY]


class ResultCollector:
    """Runs in the controller: every check report, from any worker, lands here once."""

    def __init__(self, config: pytest.Config, results: Results) -> None:
        self.config = config
        self.results = results

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "check_record", None)
        if record is not None:
            self.results.add(report.nodeid, record, report.when)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("--report-json")
        if path:
            write_json_atomically(path, self.results.as_json())

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        data = self.results.as_json()
        if not data["results"]:
            return
        lines = failure_summary(data["results"])
        if lines:
            terminalreporter.write_sep("=", "failures by check")
            for line in lines:
                terminalreporter.write_line(line)
        s = data["summary"]
        terminalreporter.write_line(
            f"checks: {s['passed']} passed, {s['failed']} failed, "
            f"{s['error']} error, {s['skipped']} skipped"
        )
