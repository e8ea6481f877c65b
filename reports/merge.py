"""Many sites on one page: ``python -m reports merge A.json B.tar.gz ... --html fleet.html``.

Each input is a result JSON (``--report-json``) or a triage bundle holding
``results/report.json``. The page has one row per check and one column per site (worst outcome
and counts in each cell), then each site's failures and errors with their fixes. ``--json`` and
``--junit`` write the merge as JSON (records gain ``site``) and JUnit (one testsuite per site).

Each report is checked against :mod:`reports.report_schema` (types, depth, sizes) before it is
merged, and a bundle is scanned member by member within UPI_MERGE_MAX_MEMBERS and
UPI_MERGE_MAX_ARCHIVE_BYTES. An input that cannot be read or is not a result JSON is named (its
file, the member of a bundle, the field at fault) on stderr and on the page, and skipped; the
others are still merged. Exit status: 0 when every input was merged, 1 when one was skipped, 2
on bad usage or an unwritable output.

>>> a = {"summary": {}, "run": {"cluster": "ocp45.example.com"}, "results": [
...     {"check": "dns.api", "subject": "api", "outcome": "failed", "message": "m",
...      "remediation": "r"}]}
>>> fleet = merge_reports([SiteReport("a.json", a)])
>>> fleet["sites"][0]["site"], fleet["summary"]["failed"], fleet["results"][0]["site"]
('ocp45.example.com', 1, 'ocp45.example.com')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors import settings
from collectors.errors import InputError
from collectors.triage.causes import link, load_rules
from reports import report_schema
from reports.html_report import CSS, GLYPH, esc, format_duration
from reports.results import OUTCOMES, natural_key
from reports.runinfo import run_lines
from reports.start_here import deadline_text

#: Where a bundle keeps the run's result JSON (contract §5).
BUNDLE_REPORT = "results/report.json"
#: Worst first: a cell takes the colour of the worst outcome among its subjects.
SEVERITY = ("failed", "error", "skipped", "passed")
#: Characters XML 1.0 cannot hold; shown as ``\xNN`` in the JUnit file.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value: Any) -> str:
    """Text that XML 1.0 can carry.

    >>> print(_x("a" + chr(0) + "b"))
    a\\x00b
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


class MergeInputError(Exception):
    """An input that is not a readable report: names the file and what is wrong with it."""


@dataclass
class SiteReport:
    """One site's result JSON and where it came from (``source``: the file given)."""

    source: str
    data: dict[str, Any]
    name: str = field(default="")


def _scan_limits() -> tuple[int, int]:
    """(members, uncompressed bytes) a bundle is scanned for its report, read at call time."""
    return settings.MERGE_MAX_MEMBERS, settings.MERGE_MAX_ARCHIVE_BYTES


def _is_report(name: str) -> bool:
    """Whether a member is the bundle's result JSON (at the top or one folder down).

    >>> _is_report("bundle/results/report.json"), _is_report("a/b/results/report.json")
    (True, False)
    """
    parts = Path(name).parts
    return parts[-2:] == tuple(BUNDLE_REPORT.split("/")) and len(parts) <= 3


def _report_from_bundle(path: Path, limit: int) -> tuple[str, bytes]:
    """(member name, bytes) of the bundle's report. Members are read one at a time with
    ``next()`` and forgotten (no member list is built); the scan stops at
    UPI_MERGE_MAX_MEMBERS members or UPI_MERGE_MAX_ARCHIVE_BYTES uncompressed bytes."""
    max_members, max_bytes = _scan_limits()
    seen = 0
    try:
        with tarfile.open(path, "r:gz") as tar:
            while (member := tar.next()) is not None:
                tar.members.clear()  # a stream of a million members stays small
                seen += 1
                if _is_report(member.name):
                    return member.name, _member_bytes(tar, member, path, limit)
                if seen >= max_members:
                    raise MergeInputError(
                        f"{path}: no {BUNDLE_REPORT} in its first {seen} members; not read "
                        "further (set UPI_MERGE_MAX_MEMBERS to raise the cap)"
                    )
                if tar.offset > max_bytes:
                    raise MergeInputError(
                        f"{path}: no {BUNDLE_REPORT} in its first {max_bytes} bytes "
                        f"({seen} members); not read further (set UPI_MERGE_MAX_ARCHIVE_BYTES "
                        "to raise the cap)"
                    )
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise MergeInputError(f"{path}: not a readable .tar.gz bundle: {exc}") from None
    raise MergeInputError(
        f"{path}: the bundle holds no {BUNDLE_REPORT} (was it written by a run with --bundle?)"
    )


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path, limit: int) -> bytes:
    """The report member's bytes, at most ``limit + 1``; a link or an oversized one refused."""
    where = f"{path} (member {member.name})"
    if not member.isfile():
        raise MergeInputError(f"{path}: {member.name} is not a regular file")
    if member.size > limit:
        raise MergeInputError(
            f"{where}: {member.size} bytes, over the cap of {limit} (UPI_SNAPSHOT_MAX_MEMBER_BYTES)"
        )
    handle = tar.extractfile(member)
    assert handle is not None
    return handle.read(limit + 1)


def load_report(path: str | Path, limit: int | None = None) -> SiteReport:
    """A result JSON or a bundle's ``results/report.json``, checked against
    :mod:`reports.report_schema`; MergeInputError names the file (and the member of a bundle)
    and what is wrong.

    >>> load_report("/nonexistent.json")
    Traceback (most recent call last):
    ...
    reports.merge.MergeInputError: /nonexistent.json: cannot read: No such file or directory
    """
    limit = limit if limit is not None else settings.SNAPSHOT_MAX_MEMBER_BYTES
    path = Path(path)
    where = str(path)
    if path.name.endswith((".tar.gz", ".tgz")):
        member, raw = _report_from_bundle(path, limit)
        where = f"{path} (member {member})"
    else:
        try:
            with open(path, "rb") as handle:
                raw = handle.read(limit + 1)
        except OSError as exc:
            raise MergeInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise MergeInputError(f"{where}: over the cap of {limit} bytes")
    try:
        data = report_schema.parse(raw)
        report_schema.validate(data)
    except report_schema.SchemaError as exc:
        raise MergeInputError(f"{where}: {exc}") from None
    return SiteReport(str(path), data)


def site_name(report: SiteReport) -> str:
    """The site's label: the run's cluster, else the inventory file's folder and name, else the
    report's file name.

    >>> site_name(SiteReport("/r/dc1.json", {"run": {"inventory": {"path": "/s/dc1/site.yaml"}}}))
    'dc1/site.yaml'
    >>> site_name(SiteReport("/r/dc1.json", {}))
    'dc1.json'
    """
    run = report.data.get("run") or {}
    if isinstance(run, dict):
        if run.get("cluster"):
            return str(run["cluster"])
        inventory = run.get("inventory")
        if isinstance(inventory, dict) and inventory.get("path"):
            return "/".join(Path(str(inventory["path"])).parts[-2:])
    return Path(report.source).name


def source_kind(report: SiteReport) -> str:
    """Where the run read its cluster: ``live``, ``snapshot``, ``bundle`` (a suite bundle: its
    recorded facts, or the merged input itself) or ``no cluster``.

    >>> source_kind(SiteReport("/r/a.json", {"run": {"cluster_source": {"kind": "live"}}}))
    'live'
    >>> source_kind(SiteReport("/r/b.tar.gz", {"run": {}}))
    'bundle'
    """
    run = report.data.get("run") or {}
    source = run.get("cluster_source") if isinstance(run, dict) else None
    kind = source.get("kind") if isinstance(source, dict) else None
    if kind == "snapshot":
        path = str(source.get("path", ""))
        recorded = source.get("record") or source.get("facts") or "bundle" in Path(path).name
        return "bundle" if recorded else "snapshot"
    if kind == "live":
        return "live"
    if report.source.endswith((".tar.gz", ".tgz")):
        return "bundle"
    return "no cluster"


def run_label(report: SiteReport) -> str:
    """A column's label for a cluster run more than once: cluster, markers, cluster source and
    start time.

    >>> run_label(SiteReport("/r/x.json", {"run": {"cluster": "ocp45.example", "markers":
    ...     "postinstall", "cluster_source": {"kind": "live"},
    ...     "started": "2026-12-06T10:00:05.123+00:00"}}))
    'ocp45.example · postinstall · live · 2026-12-06 10:00:05'
    """
    run = report.data.get("run") or {}
    run = run if isinstance(run, dict) else {}
    markers = str(run.get("markers") or "all checks")
    started = str(run.get("started") or "")[:19].replace("T", " ") or "start unknown"
    return " · ".join([site_name(report), markers, source_kind(report), started])


def _unique_names(reports: list[SiteReport]) -> None:
    """Label each report: its cluster; runs of one cluster (a preflight, a gate, the gate
    offline) by cluster, markers, cluster source and start time, then file name if still alike."""
    counts = Counter(site_name(r) for r in reports)
    for r in reports:
        name = site_name(r)
        r.name = name if counts[name] == 1 else run_label(r)
    labels = Counter(r.name for r in reports)
    for r in reports:
        if labels[r.name] > 1:
            r.name = f"{r.name} ({Path(r.source).name})"
    seen: Counter[str] = Counter()
    for r in reports:  # the same file given twice
        seen[r.name] += 1
        if seen[r.name] > 1:
            r.name = f"{r.name} #{seen[r.name]}"


def merge_reports(reports: list[SiteReport], unreadable: list[str] | None = None) -> dict[str, Any]:
    """The merged JSON: ``summary`` over all sites, ``sites`` (name, source, summary, run),
    ``results`` (each record with its ``site``) and ``unreadable`` (inputs that failed)."""
    _unique_names(reports)
    total = dict.fromkeys(OUTCOMES, 0)
    sites, results = [], []
    for r in reports:
        summary = dict.fromkeys(OUTCOMES, 0)
        for rec in r.data["results"]:
            summary[rec["outcome"]] += 1
            total[rec["outcome"]] += 1
            results.append({"site": r.name, **rec})
        sites.append(
            {
                "site": r.name,
                "source": r.source,
                "summary": summary,
                "run": r.data.get("run"),
                "causes": site_causes(r.data),
            }
        )
    return {"summary": total, "sites": sites, "results": results, "unreadable": unreadable or []}


def site_causes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """A report's root causes: its own ``causes`` when they have the shape the suite writes,
    else worked out from its results (a report of an older version of the suite).

    >>> site_causes({"results": [], "causes": [{"id": "x", "title": "t", "fix": "f",
    ...     "evidence": [], "explains": []}]})[0]["id"]
    'x'
    """
    given = data.get("causes")
    if isinstance(given, list) and all(
        isinstance(c, dict)
        and all(isinstance(c.get(k), str) for k in ("id", "title", "fix"))
        and all(isinstance(c.get(k), list) for k in ("evidence", "explains"))
        for c in given
    ):
        return given
    try:
        return link(load_rules(), list(data.get("results") or []), [])
    except InputError:
        return []


def _worst(outcomes: Counter[str]) -> str:
    return next(o for o in SEVERITY if outcomes.get(o))


def render_fleet_html(fleet: dict[str, Any]) -> str:
    """One self-contained page (inline CSS, no script): checks x sites, then each site's
    failures and errors with their fixes. Every text from the reports is escaped.

    >>> page = render_fleet_html(merge_reports([SiteReport("a.json", {"results": [
    ...     {"check": "dns.api", "subject": "<i>", "outcome": "failed", "message": "<script>"}]})]))
    >>> "<script>" in page, "&lt;script&gt;" in page, 'data-site="a.json"' in page
    (False, True, True)
    """
    sites = [s["site"] for s in fleet["sites"]]
    cells: dict[tuple[str, str], Counter[str]] = {}
    for rec in fleet["results"]:
        cells.setdefault((rec["check"], rec["site"]), Counter())[rec["outcome"]] += 1
    checks = sorted({c for c, _ in cells})
    anchor = {s: f"site-{i}" for i, s in enumerate(sites)}
    head = "".join(
        f'<th data-site="{esc(s)}"><a href="#{anchor[s]}">{esc(s)}</a></th>' for s in sites
    )
    rows = []
    for c in checks:
        tds = []
        for s in sites:
            counts = cells.get((c, s))
            if not counts:
                tds.append('<td class="cell none">&middot;</td>')
                continue
            worst = _worst(counts)
            bad = counts["failed"] + counts["error"]
            text = f"{GLYPH[worst]} {bad}" if bad else GLYPH[worst]
            tip = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
            tds.append(
                f'<td class="cell outcome-{worst}" data-check="{esc(c)}" data-site="{esc(s)}" '
                f'title="{esc(tip)}"><a href="#{anchor[s]}">{esc(text)}</a></td>'
            )
        rows.append(f'<tr><th class="row"><code>{esc(c)}</code></th>{"".join(tds)}</tr>')
    total = fleet["summary"]
    totals = "".join(f'<span class="t-{o}">{total[o]} {o}</span>' for o in OUTCOMES)
    bad_sites = sum(1 for s in fleet["sites"] if s["summary"]["failed"] + s["summary"]["error"])
    verdict = (
        f'<div class="verdict bad">{bad_sites} of {len(sites)} sites need attention</div>'
        if bad_sites
        else f'<div class="verdict good">{len(sites)} sites, no failures and no errors</div>'
    )
    parts = [
        f"<header><h1>UPI conformance: {len(sites)} sites</h1>"
        f'<div class="totals">{totals}</div>{verdict}</header>'
    ]
    if fleet.get("unreadable"):
        items = "".join(f"<li>{esc(u)}</li>" for u in fleet["unreadable"])
        parts.append(
            "<h2>Reports that could not be read and were skipped</h2>"
            f'<ul class="unreadable">{items}</ul>'
        )
    parts.append(
        '<h2 id="matrix">Checks by site</h2><p class="legend">'
        + "".join(f'<span><b class="t-{o}">{GLYPH[o]}</b> {o}</span>' for o in OUTCOMES)
        + "<span>number: failed and errored subjects</span><span>&middot;: not run there</span>"
        f'</p><table class="matrix fleet"><thead><tr><th>check</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    for site in fleet["sites"]:
        parts.append(_site_section(site, fleet["results"], anchor[site["site"]]))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f"<title>UPI conformance: {len(sites)} sites</title><style>{CSS}</style></head><body>"
        + "".join(parts)
        + "<footer>merged by python -m reports merge</footer></body></html>\n"
    )


def _site_section(site: dict[str, Any], results: list[dict[str, Any]], anchor: str) -> str:
    name = site["site"]
    s = site["summary"]
    meta = [f"<span>report <b>{esc(site['source'])}</b></span>"]
    run = site.get("run") if isinstance(site.get("run"), dict) else None
    if run and run.get("started"):
        meta.append(f"<span>started <b>{esc(run['started'])}</b></span>")
    if run and isinstance(run.get("duration_s"), int | float):
        meta.append(
            f"<span>duration <b>{esc(format_duration(float(run['duration_s'])))}</b></span>"
        )
    meta += [f"<span>{esc(label)} <b>{esc(text)}</b></span>" for label, text in run_lines(run)]
    counts = ", ".join(f"{s[o]} {o}" for o in OUTCOMES)
    causes = _site_causes_html(list(site.get("causes") or []))
    bad = sorted(
        (r for r in results if r["site"] == name and r["outcome"] in ("failed", "error")),
        key=lambda r: (r["check"], natural_key(r["subject"])),
    )
    if bad:
        rows = "".join(
            f'<tr class="outcome-{esc(r["outcome"])}"><td><code>{esc(r["check"])}</code></td>'
            f'<td class="subj">{esc(r["subject"])}</td><td>{esc(r["outcome"])}</td>'
            f"<td>{esc(r.get('message', ''))}</td>"
            f'<td class="remedy">{esc(r.get("remediation", ""))}</td></tr>'
            for r in bad
        )
        body = (
            '<table class="failures"><thead><tr><th>check</th><th>subject</th><th>outcome</th>'
            f"<th>message</th><th>fix</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        body = '<p class="verdict good">no failures and no errors</p>'
    return (
        f'<section class="site" id="{anchor}" data-site="{esc(name)}"><h2>{esc(name)}</h2>'
        f'<div class="meta">{"".join(meta)}</div><p>{esc(counts)}</p>{causes}{body}</section>'
    )


def _site_causes_html(causes: list[dict[str, Any]]) -> str:
    """A site's root causes, first in its section: title (deadline), what it explains, fix."""
    if not causes:
        return ""
    items = []
    for cause in causes:
        hours = cause.get("deadline_hours")
        when = f" ({deadline_text(float(hours))})" if isinstance(hours, int | float) else ""
        n = len(cause.get("explains") or [])
        explains = f"; explains {n} failure(s) or finding(s)" if n else ""
        items.append(
            f"<li><b>{esc(cause['title'])}</b>{esc(when)}{esc(explains)}"
            f'<div class="remedy"><b>fix:</b> {esc(cause["fix"])}</div></li>'
        )
    return f'<h3>Start here</h3><ol class="causes">{"".join(items)}</ol>'


def fleet_junit(fleet: dict[str, Any]) -> str:
    """JUnit XML of the merge: one ``testsuite`` per site (named after it), one ``testcase`` per
    record with the ``site``, ``check`` and ``subject`` properties.

    >>> xml = fleet_junit(merge_reports([SiteReport("a.json", {"results": [
    ...     {"check": "dns.api", "subject": "api", "outcome": "error", "message": "m"}]})]))
    >>> '<testsuite name="a.json" tests="1" failures="0" errors="1" skipped="0">' in xml
    True
    """
    root = ET.Element("testsuites", name="upi-conformance fleet")
    for site in fleet["sites"]:
        s = site["summary"]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_x(site["site"]),
            tests=str(sum(s.values())),
            failures=str(s["failed"]),
            errors=str(s["error"]),
            skipped=str(s["skipped"]),
        )
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="source", value=_x(site["source"]))
        for rec in (r for r in fleet["results"] if r["site"] == site["site"]):
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_x(f"{site['site']}.{rec['check']}"),
                name=_x(rec["subject"]),
            )
            cprops = ET.SubElement(case, "properties")
            for key in ("site", "check", "subject"):
                ET.SubElement(cprops, "property", name=key, value=_x(rec[key]))
            text = rec.get("message", "")
            if rec.get("remediation"):
                text += f"\nremediation: {rec['remediation']}"
            if rec["outcome"] in ("failed", "error"):
                tag = "failure" if rec["outcome"] == "failed" else "error"
                ET.SubElement(case, tag, message=_x(rec.get("message", ""))).text = _x(text)
            elif rec["outcome"] == "skipped":
                ET.SubElement(case, "skipped", message=_x(rec.get("message", "")))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
