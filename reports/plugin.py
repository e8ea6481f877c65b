"""Report hooks: collect check records (also from xdist workers) and write them at the end.

Options: ``--report-json FILE``, ``--report-html FILE`` (one self-contained page), and
``--list-checks`` (print the check catalog and exit; honours ``-m`` and ``-k``; no inventory).

Other plugins add sections to the HTML report in either of two ways (later ones win per key):

- implement the hook ``pytest_upi_report_extras(config) -> dict | None``, called once when the
  report is written (at the end of the session, in the controller);
- or put entries into the dict ``reports.plugin.extras_of(config)`` during the run.

Keys understood (see :mod:`reports.html_report`): ``samples`` (the Samples Operator pattern, a
dict), ``findings`` (a list of findings.json entries), ``findings_limit`` (int). A bundle writer
builds the same page with ``render_html(report_data(config) | {"findings": ...})``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import LAST_VERDICT, NO_SUBJECT, CheckFailed, spec_of
from collectors.errors import FactError, InputError
from collectors.runwarnings import RUN_WARNINGS
from collectors.transport.deadsources import DEAD
from collectors.triage.causes import link, load_rules
from collectors.triage.redact import redact_text
from collectors.visible import visible, visible_line
from reports import logredact, terminal_guard, unreachable
from reports.html_report import render_html
from reports.records import record_of
from reports.results import Results, write_json_atomically, write_text_atomically
from reports.runinfo import junit_properties, run_object, tool_version
from reports.start_here import failure_lines, start_here_lines
from reports.terminal import summary_table

RESULTS_KEY = pytest.StashKey[Results]()
_CAUSE_PROBLEMS_KEY = pytest.StashKey[list[str]]()
#: Extra report data other plugins may fill during the run (see the module doc).
EXTRAS_KEY = pytest.StashKey[dict[str, Any]]()
_STARTED_KEY = pytest.StashKey[tuple[datetime, float]]()
_RUN_KEY = pytest.StashKey[dict[str, Any]]()
_DEAD_KEY = pytest.StashKey[list[dict[str, Any]]]()
_DEAD_DIR_KEY = pytest.StashKey[str]()
_WARNINGS_KEY = pytest.StashKey[list[str]]()


class ReportHookspecs:
    @pytest.hookspec
    def pytest_upi_report_extras(self, config: pytest.Config) -> dict[str, Any] | None:
        """Return extra sections for the HTML report, e.g. ``{"samples": {...}}``."""

    @pytest.hookspec
    def pytest_upi_run_info(self, config: pytest.Config) -> dict[str, Any] | None:
        """Return keys of the report's ``run`` object, e.g. ``{"inventory": {...}}``."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(ReportHookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("upi")
    group.addoption("--report-json", metavar="FILE", help="write one record per check and subject")
    group.addoption(
        "--report-html",
        metavar="FILE",
        help="write a self-contained HTML report: checks by subject, failures, remedies",
    )
    group.addoption(
        "--list-checks",
        action="store_true",
        default=False,
        help="list every check (id, markers, subject, what fails it, remediation) "
        "and exit; -m and -k narrow the list; needs no inventory",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--list-checks``: print the catalog and stop before any site is loaded."""
    if not config.getoption("--list-checks"):
        return None
    from reports.catalog import list_checks

    return list_checks(
        config.getoption("markexpr", "") or "", config.getoption("keyword", "") or ""
    )


def pytest_configure(config: pytest.Config) -> None:
    config.add_cleanup(logredact.install())  # live logs, log files, captured logs: redacted
    results = Results()
    config.stash[RESULTS_KEY] = results
    extras_of(config)
    config.stash[_STARTED_KEY] = (datetime.now(UTC), time.monotonic())
    if not hasattr(config, "workerinput"):  # xdist workers forward their reports instead
        config.pluginmanager.register(ResultCollector(config, results), "upi-results")
        config.pluginmanager.register(TopOfSummary(config, results), "upi-start-here")
    else:  # a worker: refuse at once what the controller or another worker waited for
        DEAD.share(config.workerinput.get(_DEAD_DIR, None))


#: The key, in a worker's ``workerinput``, of the folder the run's processes share dead sources in.
_DEAD_DIR = "upi_dead_dir"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: one folder for the run's dead sources, shared with every worker (the
    controller's prefetch may have found some already), removed at the end."""
    config = node.config
    folder = config.stash.get(_DEAD_DIR_KEY, None)
    if folder is None:
        import shutil
        import tempfile

        folder = config.stash[_DEAD_DIR_KEY] = tempfile.mkdtemp(prefix="upi-dead-")
        DEAD.share(folder)
        config.add_cleanup(lambda: (DEAD.share(None), shutil.rmtree(folder, ignore_errors=True)))
    node.workerinput[_DEAD_DIR] = folder


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Everything written to the terminal from here on passes one sanitizer (header, test ids,
    failure texts, the summary): :mod:`reports.terminal_guard`."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        terminal_guard.guard(reporter._tw)


def extras_of(config: pytest.Config) -> dict[str, Any]:
    """The dict of extra report data other plugins may fill (``samples``, ``findings``...)."""
    return config.stash.setdefault(EXTRAS_KEY, {})


def results_of(config: pytest.Config) -> Results:
    """The records gathered so far in this (controller) process."""
    return config.stash[RESULTS_KEY]


def _catalog() -> dict[str, dict[str, Any]]:
    from reports.catalog import catalog

    try:
        return catalog()
    except Exception:  # a broken check module must not cost the report; its tests say why
        from checks.base import REGISTRY

        return {
            s.id: {
                "title": s.title,
                "markers": list(s.markers),
                "subject": s.subject,
                "fails_when": s.fails_when,
                "remediation": s.remediation,
            }
            for s in REGISTRY.values()
        }


def run_of(config: pytest.Config) -> dict[str, Any]:
    """The ``run`` object: what ran, where, from which inventory and cluster source, how long.

    Made once, when the first report asks for it at the end of the run, so the JSON, the JUnit
    properties, the page and a bundle's copy all say the same.
    """
    if _RUN_KEY in config.stash:
        return config.stash[_RUN_KEY]
    started, t0 = config.stash[_STARTED_KEY]
    extra: dict[str, Any] = {}
    said: list[str] = []
    for part in config.hook.pytest_upi_run_info(config=config):
        part = dict(part or {})
        said += list(part.pop("warnings", None) or [])
        extra.update(part)
    extra["dead_sources"] = dead_sources(config)
    extra["warnings"] = run_warnings(config, said)
    extra["unreachable"] = unreachable.group(results_of(config).as_json()["results"])
    config.stash[_RUN_KEY] = run = run_object(
        version=tool_version(),
        markexpr=config.getoption("markexpr", "") or "",
        keyword=config.getoption("keyword", "") or "",
        host=socket.gethostname(),
        started=started.isoformat(timespec="seconds"),
        duration=time.monotonic() - t0,
        extra=extra,
    )
    return run


def dead_sources(config: pytest.Config) -> list[dict[str, Any]]:
    """Sources that did not answer, over this process and every xdist worker: each with its
    timeout, how many requests waited for it until their timeout (``waits``: one in a serial
    run; under xdist one per process that asked before it learned, more when several were
    already waiting at the same moment), and how many requests were then refused at once
    (``refused``)."""
    merged: dict[str, dict[str, Any]] = {}
    for item in [*config.stash.get(_DEAD_KEY, []), *DEAD.report()]:
        entry = merged.setdefault(
            item["source"],
            {"source": item["source"], "timeout_s": item["timeout_s"], "waits": 0, "refused": 0},
        )
        # learned from another process: no wait (a record without ``waits`` is one that did)
        entry["waits"] += item.get("waits", 1 if item.get("waited", True) else 0)
        entry["refused"] += item["refused"]
    return [merged[k] for k in sorted(merged)]


def run_warnings(config: pytest.Config, said: list[str]) -> list[str]:
    """``run.warnings``: what the plugins said, then what this process and every xdist worker
    met (known_hosts lines skipped...), each once, redacted."""
    found = [*said, *RUN_WARNINGS.report(), *config.stash.get(_WARNINGS_KEY, [])]
    return [redact_text(str(text)) for text in dict.fromkeys(found)]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: keep what a finished worker learned about dead sources and its run
    warnings."""
    output = getattr(node, "workeroutput", {})
    node.config.stash.setdefault(_DEAD_KEY, []).extend(output.get("upi_dead_sources", []))
    node.config.stash.setdefault(_WARNINGS_KEY, []).extend(output.get("upi_warnings", []))


def report_findings(config: pytest.Config) -> list[dict[str, Any]]:
    """The log findings the page shows: a bundle's (written this run, or read offline)."""
    data: dict[str, Any] = {}
    for extra in config.hook.pytest_upi_report_extras(config=config):
        if extra:
            data.update(extra)
    data.update(extras_of(config))
    found = data.get("findings")
    return list(found) if isinstance(found, list) else []


def finding_lines(findings: list[dict[str, Any]], limit: int = 5) -> list[str]:
    r"""The first groups as one line each: kind, count, where, the sample line (made visible).

    >>> finding_lines([{"kind": "unknown", "count": 3, "host": "bs", "unit": "bootkube.service",
    ...                 "sample": "x\x1b[2J"}])
    ['unknown x3 bs/bootkube.service: x\\x1b[2J']
    """
    lines = []
    for f in findings[:limit]:
        line = (
            f"{f.get('kind', '?')} x{f.get('count', '?')} {f.get('host', '?')}/"
            f"{f.get('unit', '?')}: {str(f.get('sample', ''))[:160]}"
        )
        lines.append(visible(line))
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more groups (findings.json, the HTML page)")
    return lines


def result_json(config: pytest.Config) -> dict[str, Any]:
    """The result JSON (contract §4): ``summary``, ``run``, ``results`` and ``causes``."""
    data = results_of(config).as_json()
    return {
        "summary": data["summary"],
        "run": run_of(config),
        "results": data["results"],
        "causes": causes_of(config),
    }


def causes_of(config: pytest.Config) -> list[dict[str, Any]]:
    """The run's root causes (:mod:`collectors.triage.causes`) from its records and the log
    findings the page shows; empty when the rules cannot be read (said in the summary)."""
    try:
        rules = load_rules()
    except InputError as exc:
        problems = config.stash.setdefault(_CAUSE_PROBLEMS_KEY, [])
        if str(exc) not in problems:
            problems.append(str(exc))
        return []
    return link(rules, results_of(config).as_json()["results"], report_findings(config))


def report_data(config: pytest.Config) -> dict[str, Any]:
    """Everything the HTML page shows, as :func:`reports.html_report.render_html` takes it."""
    started, t0 = config.stash[_STARTED_KEY]
    data: dict[str, Any] = {
        **result_json(config),
        "cluster": "",
        "started": started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        # the run object's, made once: every copy of the page (a bundle's too) says the same
        "duration": run_of(config)["duration_s"],
        "checks": _catalog(),
    }
    for extra in config.hook.pytest_upi_report_extras(config=config):
        if extra:
            data.update(extra)
    data.update(extras_of(config))
    return data


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The ``run`` object as JUnit testsuite properties (``run.tool``, ``run.inventory``...)."""
    from _pytest.junitxml import xml_key

    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: hand its dead sources on
        config.workeroutput["upi_dead_sources"] = DEAD.report()
        config.workeroutput["upi_warnings"] = RUN_WARNINGS.report()
    xml = config.stash.get(xml_key, None)
    if xml is not None and not hasattr(config, "workerinput"):
        for name, value in junit_properties(run_of(config)):
            xml.add_global_property(name, value)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    LAST_VERDICT.set(None)  # a check that passes without a verdict says nothing


def _outcome(report: pytest.TestReport, exc: BaseException | None) -> str:
    if report.skipped:
        return "skipped"
    if report.failed:
        return "failed" if isinstance(exc, CheckFailed) else "error"
    return "passed"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Attach ``check_record`` (see :mod:`reports.records`) to each report of a check."""
    report: pytest.TestReport = yield
    spec = spec_of(getattr(item, "function", None))
    if spec is None:
        return report
    subject = item.callspec.params.get("subject", NO_SUBJECT)  # type: ignore[attr-defined]
    exc = call.excinfo.value if call.excinfo is not None else None
    outcome = _outcome(report, exc)
    verdict = None
    if isinstance(exc, CheckFailed):
        verdict = exc.verdict
    elif outcome == "passed" and report.when == "call":
        verdict = LAST_VERDICT.get()
    longrepr = report.longrepr
    skip_reason = (
        (longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)) if report.skipped else ""
    )
    if outcome == "error" and exc is None:
        exc = RuntimeError(str(longrepr))
    report.check_record = record_of(
        spec.id,
        subject,
        outcome,
        verdict=verdict,  # type: ignore[attr-defined]
        exc=exc,
        skip_reason=skip_reason,
    )
    if outcome == "error" and isinstance(exc, FactError):
        report.longrepr = f"{spec.id} [{visible_line(subject)}]: {visible(exc)}"
    _redact_report(report)
    return report


def _redact_report(report: pytest.TestReport) -> None:
    """What pytest prints and writes (terminal, JUnit) through the redaction rules and made
    visible (:mod:`collectors.visible`): the failure text, a skip's reason and captured output,
    replaced only where a rule matched or a control character was shown."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        report.longrepr = (longrepr[0], longrepr[1], visible_line(redact_text(str(longrepr[2]))))
    elif longrepr is not None:
        text = str(longrepr)
        clean = visible(redact_text(text))
        if clean != text:
            report.longrepr = clean
    report.sections = [(name, visible(redact_text(body))) for name, body in report.sections]


class TopOfSummary:
    """What to read first, before pytest's own failure sections: "Start here" (the root causes,
    deadlines first) and what this machine could not reach (said once)."""

    def __init__(self, config: pytest.Config, results: Results) -> None:
        self.config = config
        self.results = results

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Any:
        if self.results.as_json()["results"]:
            causes = causes_of(self.config)
            if causes:
                terminalreporter.write_sep("=", f"Start here ({len(causes)} root cause(s))")
                for line in start_here_lines(causes):
                    terminalreporter.write_line(line)
            groups = run_of(self.config)["unreachable"]
            if groups:
                terminalreporter.write_sep("=", "not reachable from this machine (said once)")
                for line in unreachable.terminal_lines(groups):
                    terminalreporter.write_line(line, yellow=True)
        return (yield)


class ResultCollector:
    """Runs in the controller: every check report, from any worker, lands here once."""

    def __init__(self, config: pytest.Config, results: Results) -> None:
        self.config = config
        self.results = results
        self.problems: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "check_record", None)
        if record is not None:
            self.results.add(report.nodeid, record, report.when)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("--report-json")
        if path:
            try:
                write_json_atomically(path, result_json(self.config))
            except OSError as exc:
                self.problems.append(f"could not write --report-json {path}: {exc}")
        path = self.config.getoption("--report-html")
        if path:
            try:
                write_text_atomically(path, render_html(report_data(self.config)))
            except OSError as exc:
                self.problems.append(f"could not write --report-html {path}: {exc}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for problem in [*self.problems, *self.config.stash.get(_CAUSE_PROBLEMS_KEY, [])]:
            terminalreporter.write_line(f"ERROR: {visible(problem)}", red=True)
        data = self.results.as_json()
        if not data["results"]:
            return
        said = run_of(self.config)["warnings"]
        if said:
            terminalreporter.write_sep("=", f"run warnings ({len(said)})")
            for line in said:
                terminalreporter.write_line(f"WARNING: {visible(line)}", yellow=True)
        verbosity = self.config.get_verbosity()
        tw = self.config.get_terminal_writer()
        if verbosity > -2:
            # -q: only the checks that failed; the full table otherwise
            table = summary_table(data["results"], width=tw.fullwidth, only_bad=verbosity < 0)
            if table:
                terminalreporter.write_sep("=", "checks")
                for line, colour in table:
                    # TerminalWriter emits colour only on a TTY (or with --color=yes)
                    markup = {colour: True} if colour and tw.hasmarkup else {}
                    terminalreporter.write_line(line, **markup)
        lines = failure_lines(data["results"], causes_of(self.config))
        if lines:
            terminalreporter.write_sep("=", "failures by check")
            for line in lines:
                terminalreporter.write_line(line)
        findings = report_findings(self.config)
        if findings:
            terminalreporter.write_sep("=", f"top log findings ({len(findings)} groups)")
            for line in finding_lines(findings):
                terminalreporter.write_line(line)
        dead = run_of(self.config)["dead_sources"]
        if dead:
            terminalreporter.write_sep("=", "sources that did not answer (each waited for once)")
            for d in dead:
                terminalreporter.write_line(
                    f"{visible_line(d['source'])}: no answer within {d['timeout_s']:g} s; "
                    f"{d['refused']} later requests not sent"
                )
        s = data["summary"]
        terminalreporter.write_line(
            f"checks: {s['passed']} passed, {s['failed']} failed, "
            f"{s['error']} error, {s['skipped']} skipped"
        )
