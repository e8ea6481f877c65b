"""The HTML report: one self-contained page (inline CSS, no script, no network) for an install lead.

``render_html(data)`` is pure: it takes the run's data and returns the page. ``data`` is a dict:

- ``summary``, ``results``: as :meth:`reports.results.Results.as_json` (contract §4); required.
- ``cluster``: the inventory's cluster, e.g. ``ocp45.example.localdomain``; optional.
- ``started``: when the run started (ISO 8601 text); ``duration``: seconds (float); optional.
- ``run``: the result JSON's ``run`` object (tool, markers, -k, inventory, cluster source, host);
  shown in the header; its ``unreachable`` and ``warnings`` lists at the top; optional.
- ``causes``: the root causes (result JSON ``causes``): "Start here" opens the page, and each
  check's failures say the cause that explains them and the log findings that point at it.
- ``checks``: check id -> ``{"title", "markers", "subject", "fails_when", "remediation"}``, from
  :func:`reports.catalog.catalog`; optional (titles and column order come from it).
- ``samples``: the Samples Operator pattern, a dict with any of ``pattern`` (which of the four
  managementState x skippedImagestreams patterns, as text), ``management_state``,
  ``skipped_imagestreams`` (list), ``samples_registry``, ``degraded`` (will it go Degraded, text or
  bool), ``failing_imagestreams`` (list), ``note``; other keys are shown as they are. Optional.
- update readiness: when ``results`` hold ``upgrade.*`` records, one verdict for a change board
  is drawn from them (``update_readiness``): ready, or the list of what blocks the update.
- ``findings``: log findings (the bundle's findings.json entries), each a dict with any of
  ``count``, ``host``, ``unit``, ``pattern``, ``key``, ``first``, ``last``, ``sample``; the
  ``findings_limit`` (default 20) with the highest count are shown. Optional.
- ``snapshot``: the ``--snapshot`` read, a dict with ``path``, ``layouts`` (root -> kind),
  ``skipped`` (list of ``{"path", "reason"}``), ``skipped_count``, ``damaged``: shown as
  warnings. Optional.

Every text from the data is escaped; control characters are shown as ``\\xNN``.

>>> page = render_html({"summary": {"passed": 0, "failed": 1, "error": 0, "skipped": 0},
...     "results": [{"check": "dns.api", "subject": "<b>api</b>", "outcome": "failed",
...                  "message": "expected A 1.2.3.4; found NXDOMAIN", "remediation": "add it"}]})
>>> "<b>api</b>" in page, "&lt;b&gt;api&lt;/b&gt;" in page
(False, True)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from collectors.visible import visible
from reports.results import OUTCOMES, natural_key
from reports.runinfo import run_lines
from reports.start_here import deadline_text

NO_SUBJECT = "-"  # checks.base.NO_SUBJECT, repeated so this module imports nothing of the suite
#: Subjects that name the whole site; they never tie checks together into one matrix.
SITE_SUBJECTS = {NO_SUBJECT, "cluster"}
GLYPH = {"passed": "\u2713", "failed": "\u2717", "error": "!", "skipped": "\u2013"}
FINDINGS_LIMIT = 20


CSS = """
:root{--pass:#2e7d32;--fail:#c62828;--err:#ef6c00;--skip:#9e9e9e;--bg:#fff;--fg:#1a1a1a;
--muted:#5f6368;--line:#dadce0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:var(--fg);background:var(--bg);margin:0;padding:0 24px 48px}
header{border-bottom:1px solid var(--line);padding:16px 0 12px;margin-bottom:8px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted)}.meta span{margin-right:18px}
.totals{margin-top:8px}.totals span{display:inline-block;margin-right:8px;padding:2px 10px;
border-radius:12px;color:#fff;font-weight:600}
.t-passed{background:var(--pass)}.t-failed{background:var(--fail)}.t-error{background:var(--err)}
.t-skipped{background:var(--skip)}
.verdict{font-size:16px;font-weight:600;margin-top:6px}.verdict.bad{color:var(--fail)}
.verdict.good{color:var(--pass)}
table{border-collapse:collapse;margin:4px 0 12px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top;
overflow-wrap:anywhere;word-break:break-word}
th{background:#f1f3f4;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.overview td.id,.failures td.subj{white-space:nowrap}
.bar{display:flex;width:160px;height:12px;border-radius:3px;overflow:hidden;background:#eee}
.bar i{display:block;height:100%}
.matrix{font-size:13px}.matrix thead th{position:sticky;top:0;z-index:1;max-width:9em;
font-size:12px}
.matrix th.row{max-width:32em;font-weight:500;background:#fafafa}
.cell{text-align:center;min-width:2.6em;font-weight:700;color:#fff}
.cell a{color:#fff;text-decoration:none;display:block}
.chip{display:inline-block;margin:2px 4px 2px 0;padding:1px 8px;border-radius:3px;
font-weight:600;font-size:12.5px;max-width:100%;overflow-wrap:anywhere}
.chip a{display:inline}.chips{max-width:60em}
.cell.outcome-passed{background:var(--pass)}.cell.outcome-failed{background:var(--fail)}
.cell.outcome-error{background:var(--err)}.cell.outcome-skipped{background:var(--skip)}
.cell.none{background:#fff;color:#bbb;font-weight:400}
#bad:target tr.ok{display:none}.filter a{margin-right:12px}
.legend span{margin-right:14px}.legend b{display:inline-block;width:1.4em;text-align:center;
color:#fff;border-radius:3px}
.remedy{background:#fff8e1;border-left:4px solid #ffb300;padding:6px 10px;margin:4px 0 8px;
white-space:pre-wrap;overflow-wrap:anywhere}td.remedy{border-left:1px solid var(--line);margin:0}
.failures th{white-space:nowrap}.failures td{max-width:48em}
.failures ul{margin:4px 0;padding-left:18px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:12.5px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}
dl.kv dt{font-weight:600}dl.kv dd{margin:0;overflow-wrap:anywhere}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{.matrix thead th{position:static}}
"""


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; control characters become ``\\xNN``.

    >>> esc('<a href="x">\\x00')
    '&lt;a href=&quot;x&quot;&gt;\\\\x00'
    """
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    text = visible(text)
    return html.escape(text, quote=True)


def area_of(check_id: str) -> str:
    """The check's area: the part of its id before the first dot (``dns.reverse`` -> ``dns``)."""
    return check_id.split(".", 1)[0]


def split_message(message: str) -> tuple[str, str]:
    """(expected, found) out of a ``expected X; found Y`` message, else ("", message).

    >>> split_message("expected PTR w2; found NXDOMAIN")
    ('PTR w2', 'NXDOMAIN')
    >>> split_message("connection refused")
    ('', 'connection refused')
    """
    if message.startswith("expected ") and "; found " in message:
        expected, found = message[len("expected ") :].split("; found ", 1)
        return expected, found
    return "", message


# --------------------------------------------------------------------------- grouping


def group_checks(results: list[dict[str, Any]], order: list[str]) -> list[tuple[list[str], bool]]:
    """Checks grouped for display, as (checks, shared): checks sharing a subject go together
    (union-find) and are drawn as one matrix (``shared``); checks that share no subject are put
    together by area and drawn one row each. Groups keep the check ``order``.

    >>> rs = [{"check": c, "subject": s} for c, s in [("dns.forward", "m1"), ("dns.reverse", "m1"),
    ...       ("nodes.ready", "m1"), ("lb.port", "api:6443"), ("lb.backends", "6443")]]
    >>> group_checks(rs, ["dns.forward", "dns.reverse", "lb.port", "lb.backends", "nodes.ready"])
    [(['dns.forward', 'dns.reverse', 'nodes.ready'], True), (['lb.port', 'lb.backends'], False)]
    """
    subjects: dict[str, set[str]] = defaultdict(set)
    for rec in results:
        if rec["subject"] not in SITE_SUBJECTS:
            subjects[rec["check"]].add(rec["subject"])
    checks = [c for c in order if c in subjects]
    parent = {c: c for c in checks}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    owner: dict[str, str] = {}
    for c in checks:
        for s in subjects[c]:
            if s in owner:
                parent[find(c)] = find(owner[s])
            else:
                owner[s] = c
    groups: dict[str, list[str]] = defaultdict(list)
    for c in checks:
        groups[find(c)].append(c)
    merged: dict[str, tuple[list[str], bool]] = {}
    for root, members in groups.items():
        shared = len(members) > 1
        key = root if shared else "area:" + area_of(root)
        merged.setdefault(key, ([], shared))[0].extend(members)
    position = {c: i for i, c in enumerate(order)}
    return sorted(
        ((sorted(g, key=position.__getitem__), shared) for g, shared in merged.values()),
        key=lambda g: position[g[0][0]],
    )


# --------------------------------------------------------------------------- sections


def _bar(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    parts = "".join(
        f'<i class="t-{o}" style="width:{100 * counts[o] / total:.1f}%"></i>'
        for o in OUTCOMES
        if counts.get(o)
    )
    return f'<div class="bar" aria-hidden="true">{parts}</div>'


def _header(data: dict[str, Any]) -> str:
    summary = {o: int(data.get("summary", {}).get(o, 0)) for o in OUTCOMES}
    cluster = data.get("cluster") or "(no inventory)"
    meta = [f"<span>cluster <b>{esc(cluster)}</b></span>"]
    if data.get("started"):
        meta.append(f"<span>started {esc(data['started'])}</span>")
    if data.get("duration") is not None:
        meta.append(f"<span>duration {esc(format_duration(float(data['duration'])))}</span>")
    ran = "".join(
        f'<span data-run="{esc(label)}">{esc(label)} <b>{esc(text)}</b></span>'
        for label, text in run_lines(data.get("run"))
    )
    totals = "".join(f'<span class="t-{o}">{summary[o]} {o}</span>' for o in OUTCOMES)
    bad = summary["failed"] + summary["error"]
    if bad:
        verdict = (
            f'<div class="verdict bad">{summary["failed"]} failed and {summary["error"]} '
            f"errors need attention</div>"
        )
    else:
        verdict = '<div class="verdict good">no failures and no errors</div>'
    return (
        f"<header><h1>UPI conformance report: {esc(cluster)}</h1>"
        f'<div class="meta">{"".join(meta)}</div>'
        + (f'<div class="meta run">{ran}</div>' if ran else "")
        + f'<div class="totals">{totals}</div>'
        f"{verdict}</header>"
    )


def format_duration(seconds: float) -> str:
    """``83.2`` -> ``1 min 23 s``; under a minute with one decimal.

    >>> format_duration(83.2), format_duration(4.25)
    ('1 min 23 s', '4.2 s')
    """
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s"


def _overview(
    by_check: dict[str, list[dict[str, Any]]], order: list[str], checks: dict[str, dict[str, Any]]
) -> str:
    rows = []
    for cid in order:
        recs = by_check.get(cid, [])
        counts = {o: sum(r["outcome"] == o for r in recs) for o in OUTCOMES}
        title = checks.get(cid, {}).get("title", "")
        note = ""
        if recs and counts["skipped"] == len(recs):
            note = f'<br><span class="meta">skipped: {esc(recs[0].get("message", ""))}</span>'
        cells = "".join(f'<td class="n">{counts[o] or ""}</td>' for o in OUTCOMES)
        rows.append(
            f'<tr><td class="id"><code>{esc(cid)}</code></td><td>{esc(title)}{note}</td>'
            f"{cells}<td>{_bar(counts)}</td></tr>"
        )
    head = "".join(f"<th>{o}</th>" for o in OUTCOMES)
    return (
        '<h2 id="overview">Checks</h2><table class="overview"><thead><tr><th>check</th>'
        f"<th>what it checks</th>{head}<th></th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table>"
    )


def _legend() -> str:
    items = "".join(f'<span><b class="t-{o}">{GLYPH[o]}</b> {o}</span>' for o in OUTCOMES)
    return f'<p class="legend">{items}<span>blank: not a subject of that check</span></p>'


def _cell(rec: dict[str, Any], i: int, anchors: dict[int, str], text: str, extra: str = "") -> str:
    """One coloured cell (td or chip) carrying data-check, data-subject and the message as tip."""
    o = rec["outcome"]
    tip = f"{rec['check']} [{rec['subject']}]: {o}" + (
        f" - {rec['message']}" if rec.get("message") else ""
    )
    body = f'<a href="#{anchors[i]}">{text}</a>' if i in anchors else text
    tag = "span" if "chip" in extra else "td"
    return (
        f'<{tag} class="cell outcome-{o}{extra}" data-check="{esc(rec["check"])}" '
        f'data-subject="{esc(rec["subject"])}" title="{esc(tip)}">{body}</{tag}>'
    )


def _rows_per_check(
    group: list[str],
    results: list[dict[str, Any]],
    checks: dict[str, dict[str, Any]],
    anchors: dict[int, str],
) -> str:
    """Checks whose subjects are their own (ports, names, files): one row per check, one chip per
    subject, coloured by outcome."""
    rows = []
    for c in group:
        recs = sorted(
            (
                (i, r)
                for i, r in enumerate(results)
                if r["check"] == c and r["subject"] not in SITE_SUBJECTS
            ),
            key=lambda ir: natural_key(ir[1]["subject"]),
        )
        chips = "".join(
            _cell(r, i, anchors, f"{GLYPH[r['outcome']]} {esc(r['subject'])}", " chip")
            for i, r in recs
        )
        what = checks.get(c, {}).get("subject", "")
        rows.append(
            f'<tr><td class="id"><code>{esc(c)}</code><br><span class="meta">{esc(what)}'
            f'</span></td><td class="chips">{chips}</td></tr>'
        )
    return (
        f'<h3>{esc(area_of(group[0]))}</h3><table class="matrix bycheck"><thead><tr>'
        f"<th>check</th><th>subjects</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _matrices(
    results: list[dict[str, Any]],
    order: list[str],
    checks: dict[str, dict[str, Any]],
    anchors: dict[int, str],
) -> str:
    cell: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    for i, rec in enumerate(results):
        cell[(rec["check"], rec["subject"])] = (i, rec)
    out = [
        '<h2 id="matrix">Checks by subject</h2>',
        _legend(),
        '<p class="filter">show: <a href="#bad">only subjects with a failure or error</a> '
        '<a href="#matrix">all subjects</a></p><div id="bad">',
    ]
    for group, shared in group_checks(results, order):
        if not shared:
            out.append(_rows_per_check(group, results, checks, anchors))
            continue
        kinds = list(dict.fromkeys(checks.get(c, {}).get("subject", "") for c in group))
        label = "; ".join(k for k in kinds if k) or ", ".join(group)
        subjects = sorted(
            {
                r["subject"]
                for r in results
                if r["check"] in group and r["subject"] not in SITE_SUBJECTS
            },
            key=natural_key,
        )
        head = "".join(
            f'<th scope="col" title="{esc(checks.get(c, {}).get("title", c))}">'
            f"<code>{esc(c)}</code></th>"
            for c in group
        )
        body = []
        for subj in subjects:
            tds = []
            bad = False
            for c in group:
                found = cell.get((c, subj))
                if found is None:
                    tds.append('<td class="cell none"></td>')
                    continue
                i, rec = found
                bad = bad or rec["outcome"] in ("failed", "error")
                tds.append(_cell(rec, i, anchors, GLYPH[rec["outcome"]]))
            body.append(
                f'<tr class="{"bad" if bad else "ok"}"><th scope="row" class="row mono">'
                f"{esc(subj)}</th>{''.join(tds)}</tr>"
            )
        out.append(
            f'<h3>{esc(label)}</h3><table class="matrix"><thead><tr><th>subject</th>'
            f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    site_wide = [
        (i, r)
        for i, r in enumerate(results)
        if r["subject"] in SITE_SUBJECTS and r["outcome"] != "skipped"
    ]
    if site_wide:
        rows = "".join(
            f'<tr><td><code>{esc(r["check"])}</code></td><td class="mono">{esc(r["subject"])}</td>'
            f"{_cell(r, i, anchors, GLYPH[r['outcome']])}<td>{esc(r.get('message', ''))}</td></tr>"
            for i, r in site_wide
        )
        out.append(
            '<h3>site-wide checks</h3><table class="matrix"><thead><tr><th>check</th>'
            f"<th>subject</th><th>outcome</th><th>message</th></tr></thead><tbody>{rows}"
            "</tbody></table>"
        )
    out.append("</div>")
    return "".join(out)


def _failures(
    results: list[dict[str, Any]],
    order: list[str],
    checks: dict[str, dict[str, Any]],
    anchors: dict[int, str],
    findings: list[dict[str, Any]] | None = None,
    causes: list[dict[str, Any]] | None = None,
) -> str:
    bad: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for i, rec in enumerate(results):
        if rec["outcome"] in ("failed", "error"):
            bad[rec["check"]].append((i, rec))
    if not bad:
        return '<h2 id="failures">Failures</h2><p>None.</p>'
    for recs in bad.values():
        recs.sort(key=lambda ir: natural_key(ir[1]["subject"]))
    out = ['<h2 id="failures">Failures</h2>']
    for cid in [c for c in order if c in bad]:
        spec = checks.get(cid, {})
        title = f" \u2014 {esc(spec['title'])}" if spec.get("title") else ""
        out.append(f"<h3><code>{esc(cid)}</code>{title}</h3>")
        remedies = list(
            dict.fromkeys(r.get("remediation", "") for _, r in bad[cid] if r.get("remediation"))
        )
        per_row = len(remedies) > 1  # remedies name their subject: show each beside its failure
        if not per_row:
            out.extend(f'<div class="remedy"><b>remediation:</b> {esc(r)}</div>' for r in remedies)
        rows = []
        for i, rec in bad[cid]:
            expected, found = split_message(rec.get("message", ""))
            if rec["outcome"] == "error":
                expected, found = "", "error: " + rec.get("message", "")
            details = rec.get("details") or []
            detail = (
                "<ul>" + "".join(f"<li>{esc(d)}</li>" for d in details) + "</ul>" if details else ""
            )
            rows.append(
                f'<tr id="{anchors[i]}" class="failure outcome-{rec["outcome"]}">'
                f'<td class="subj mono">{esc(rec["subject"])}</td><td>{esc(expected)}</td>'
                f"<td>{esc(found)}{detail}</td>"
                + (f'<td class="remedy">{esc(rec.get("remediation", ""))}</td>' if per_row else "")
                + "</tr>"
            )
        remedy_head = "<th>remediation</th>" if per_row else ""
        out.append(
            '<table class="failures"><thead><tr><th>subject</th><th>expected</th>'
            f"<th>found</th>{remedy_head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
        out.append(_beside(cid, bad[cid], findings or [], causes or []))
    return "".join(out)


UPGRADE_PREFIX = "upgrade."
#: What to do first, for a change board: take the backup, then clear what blocks the target,
#: then what would stop the nodes from draining. (group title, the checks in it, in order)
UPDATE_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("First, the backup to restore from", ("upgrade.etcd_backup",)),
    (
        "Then, what blocks the target release",
        ("upgrade.target", "upgrade.pull_secret", "upgrade.apis", "upgrade.operators"),
    ),
    ("Then, what would stop the nodes from draining", ("upgrade.readiness",)),
)
_KIND_ORDER = ("machineconfigpool/", "machinehealthcheck/", "poddisruptionbudget/")


def update_step(rec: dict[str, Any]) -> tuple[int, int, int, str]:
    """Where a blocker goes in the list: its step, its check within the step, then pools before
    health checks before budgets, then its subject.

    >>> update_step({"check": "upgrade.etcd_backup", "subject": "m1"})
    (0, 0, 0, 'm1')
    >>> update_step({"check": "upgrade.readiness", "subject": "poddisruptionbudget/a/b"})[:3]
    (2, 0, 2)
    """
    check_id, subject = str(rec.get("check", "")), str(rec.get("subject", ""))
    for step, (_, checks) in enumerate(UPDATE_STEPS):
        if check_id in checks:
            kind = next((i for i, k in enumerate(_KIND_ORDER) if subject.startswith(k)), 0)
            return step, checks.index(check_id), kind, subject
    return len(UPDATE_STEPS), 0, 0, f"{check_id} {subject}"


def update_readiness(results: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]] | None:
    """The update verdict from the ``upgrade.*`` records: ``("ready", [])``, ``("blocked",
    blocking records)`` or ``("not assessed", skipped records)``; None without any.

    >>> recs = [{"check": "upgrade.readiness", "subject": "mcp/worker", "outcome": "passed"},
    ...         {"check": "upgrade.target", "subject": "m/r@sha256:1", "outcome": "skipped"}]
    >>> update_readiness(recs)[0], update_readiness(recs[:1])[0]
    ('not assessed', 'not assessed')
    >>> recs[1]["outcome"] = "failed"
    >>> update_readiness(recs)[0], [r["check"] for r in update_readiness(recs)[1]]
    ('blocked', ['upgrade.target'])
    """
    mine = [r for r in results if str(r.get("check", "")).startswith(UPGRADE_PREFIX)]
    if not mine:
        return None
    blocking = [r for r in mine if r["outcome"] in ("failed", "error")]
    if blocking:
        return "blocked", blocking
    skipped = [r for r in mine if r["outcome"] == "skipped"]
    target = any(r["check"] == "upgrade.target" and r["outcome"] == "passed" for r in mine)
    if skipped or not target:
        return "not assessed", skipped
    return "ready", []


def _update(results: list[dict[str, Any]], anchors: dict[int, str]) -> str:
    verdict = update_readiness(results)
    if verdict is None:
        return ""
    state, recs = verdict
    head = '<h2 id="update">Update readiness</h2>'
    if state == "ready":
        target = next(r for r in results if r["check"] == "upgrade.target")
        return (
            f'{head}<p class="verdict good">Ready to update: {esc(target.get("message", ""))}</p>'
        )
    index = {id(r): i for i, r in enumerate(results)}
    items = []
    steps: dict[int, list[str]] = {}
    for rec in sorted(recs, key=update_step):
        _, found = split_message(rec.get("message", ""))
        text = found if rec["outcome"] == "failed" else rec.get("message", "")
        link = anchors.get(index.get(id(rec), -1))
        subject = esc(rec["subject"])
        if link:
            subject = f'<a href="#{link}">{subject}</a>'
        fix = rec.get("remediation", "")
        item = (
            f"<li><code>{esc(rec['check'])}</code> {subject} ({esc(rec['outcome'])}): "
            f"{esc(text)}"
            + (f'<div class="remedy"><b>fix:</b> {esc(fix)}</div>' if fix else "")
            + "</li>"
        )
        items.append(item)
        steps.setdefault(update_step(rec)[0], []).append(item)
    if state == "blocked":
        groups = "".join(
            f"<li><b>{esc(UPDATE_STEPS[step][0] if step < len(UPDATE_STEPS) else 'Other')}"
            f"</b><ul>{''.join(lines)}</ul></li>"
            for step, lines in steps.items()
        )
        return (
            f'{head}<p class="verdict bad">Not ready to update: {len(recs)} blocker(s), in '
            f"the order to clear them</p><ol>{groups}</ol>"
        )
    why = "".join(items) or (
        "<li><code>upgrade.target</code> did not run: give --to-image or upgrade.to_image</li>"
    )
    return f'{head}<p class="verdict">Not assessed</p><ul>{why}</ul>'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "<br>".join(f"{esc(k)}: {esc(v)}" for k, v in value.items()) or "(none)"
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        items = [f"<code>{esc(v)}</code>" for v in value]
        return ", ".join(items) or "(none)"
    return esc(value)


SAMPLES_KEYS = (
    "pattern",
    "management_state",
    "skipped_imagestreams",
    "samples_registry",
    "degraded",
    "failing_imagestreams",
    "note",
)


def _samples(samples: dict[str, Any]) -> str:
    keys = [k for k in SAMPLES_KEYS if k in samples] + [k for k in samples if k not in SAMPLES_KEYS]
    rows = "".join(
        f"<dt>{esc(k.replace('_', ' '))}</dt><dd>{_value(samples[k])}</dd>" for k in keys
    )
    return f'<h2 id="samples">Samples Operator</h2><dl class="kv">{rows}</dl>'


FINDING_COLUMNS = ("count", "host", "unit", "pattern", "key", "first", "last", "sample")


def _beside(
    check_id: str,
    recs: list[tuple[int, dict[str, Any]]],
    findings: list[dict[str, Any]],
    causes: list[dict[str, Any]],
) -> str:
    """Under a check's failures: the causes that explain them and the log findings that point
    at the check (the catalog's ``points_to``)."""
    parts: list[str] = []
    subjects = {str(r["subject"]) for _, r in recs}
    for cause in causes:
        hit = [
            e["subject"]
            for e in cause.get("explains", [])
            if e.get("check") == check_id and str(e.get("subject")) in subjects
        ]
        if hit:
            parts.append(
                f'<div class="remedy"><b>cause:</b> <a href="#cause-{esc(cause["id"])}">'
                f"{esc(cause['title'])}</a> ({esc(', '.join(map(str, hit)))})</div>"
            )
    pointing = [f for f in findings if check_id in (f.get("points_to") or [])]
    if pointing:
        items = "".join(
            f'<li><span class="mono">{esc(f.get("id", ""))}</span> x{esc(f.get("count", ""))} '
            f"{esc(f.get('host', ''))}/{esc(f.get('unit', ''))}: "
            f'<span class="mono">{esc(str(f.get("sample", ""))[:200])}</span></li>'
            for f in pointing[:10]
        )
        parts.append(f"<p>Log findings this check proves or disproves:</p><ul>{items}</ul>")
    return "".join(parts)


def _start_here(causes: list[dict[str, Any]]) -> str:
    """The top of the page: the root causes, deadlines first, each with what shows it, what
    it explains and its fix."""
    if not causes:
        return ""
    items = []
    for cause in causes:
        hours = cause.get("deadline_hours")
        when = f" ({deadline_text(float(hours))})" if hours is not None else ""
        shown = ", ".join(_cause_item(i) for i in cause.get("evidence", []))
        explains = ", ".join(_cause_item(i) for i in cause.get("explains", []))
        items.append(
            f'<li id="cause-{esc(cause["id"])}"><b>{esc(cause["title"])}</b>{esc(when)} '
            f'<span class="mono">[{esc(cause["id"])}]</span><br>shown by: {shown}'
            + (f"<br>explains: {explains}" if explains else "")
            + f'<div class="remedy"><b>fix:</b> {esc(cause.get("fix", ""))}</div></li>'
        )
    return (
        '<section id="start-here"><h2>Start here</h2><p>The root causes this run names, the '
        "most urgent first; the failures they explain point back here.</p>"
        f"<ol>{''.join(items)}</ol></section>"
    )


def _cause_item(item: dict[str, Any]) -> str:
    if "check" in item:
        return f'<span class="mono">{esc(item["check"])} [{esc(item.get("subject", ""))}]</span>'
    return f'<span class="mono">log finding {esc(item.get("finding", ""))}</span>'


def _findings(findings: list[dict[str, Any]], limit: int) -> str:
    def count(f: dict[str, Any]) -> int:
        try:
            return int(f.get("count", 1))
        except (TypeError, ValueError):
            return 1

    top = sorted(findings, key=lambda f: -count(f))[:limit]
    cols = [c for c in FINDING_COLUMNS if any(c in f for f in top)]
    head = "".join(f"<th>{c}</th>" for c in cols)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if c == "count" else "mono" if c == "sample" else ""}">'
            f"{esc(f.get(c, ''))}</td>"
            for c in cols
        )
        + "</tr>"
        for f in top
    )
    more = (
        f"<p>{len(findings) - len(top)} more in findings.json.</p>"
        if len(findings) > len(top)
        else ""
    )
    return (
        f'<h2 id="findings">Top log findings</h2><p>{len(findings)} groups of log lines that '
        f"are not known to be benign, most frequent first.</p><table><thead><tr>{head}</tr>"
        f"</thead><tbody>{rows}</tbody></table>{more}"
    )


def _snapshot(snap: dict[str, Any]) -> str:
    """The snapshot read (``--snapshot``): its layouts and every entry skipped, with why."""
    layouts = ", ".join(f"{k}: {v}" for k, v in dict(snap.get("layouts") or {}).items())
    skipped = list(snap.get("skipped") or [])
    count = int(snap.get("skipped_count") or len(skipped))
    rows = "".join(
        f'<tr><td class="mono">{esc(s.get("path", ""))}</td><td>{esc(s.get("reason", ""))}</td>'
        "</tr>"
        for s in skipped
    )
    parts = [f'<h2 id="snapshot">Snapshot</h2><p class="mono">{esc(snap.get("path", ""))}</p>']
    if layouts:
        parts.append(f"<p>Layouts read: {esc(layouts)}</p>")
    if snap.get("damaged"):
        parts.append(f'<p class="verdict bad">Warning: {esc(snap["damaged"])}</p>')
    if count:
        parts.append(
            f'<p class="verdict bad">Warning: {count} entries skipped and not read (outside '
            "the snapshot, not a regular file, or over a cap).</p><table><thead><tr>"
            f"<th>entry</th><th>why</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        if count > len(skipped):
            parts.append(f"<p>{count - len(skipped)} more not listed.</p>")
    return "".join(parts)


def _unreachable(causes: list[dict[str, Any]]) -> str:
    """The top of the page: each source this machine could not reach, said once."""
    if not causes:
        return ""
    rows = "".join(
        f"<li><b>{esc(str(c.get('source')))}</b>: {esc(str(c.get('reason')))}; stopped "
        f"{esc(str(c.get('checks')))} check(s), {esc(str(c.get('subjects')))} subject(s)</li>"
        for c in causes
    )
    fix = esc(str(causes[0].get("remediation", "")))
    return (
        '<section id="unreachable"><h2>Not reachable from this machine</h2>'
        "<p>These errors are about where the suite ran, not about the site.</p>"
        f"<ul>{rows}</ul><p>Fix: {fix}</p></section>"
    )


def _warnings(said: list[Any]) -> str:
    """The run warnings (``run.warnings``): what a reader must know about this run's inputs.

    >>> _warnings(["kubeconfig /k: <insecure>"])[-55:]
    '<li>kubeconfig /k: &lt;insecure&gt;</li></ul></section>'
    """
    if not said:
        return ""
    rows = "".join(f"<li>{esc(str(text))}</li>" for text in said)
    return f'<section id="warnings"><h2>Run warnings</h2><ul>{rows}</ul></section>'


def render_html(data: dict[str, Any]) -> str:
    """The whole page as text (see the module doc for ``data``)."""
    results = list(data.get("results", []))
    checks: dict[str, dict[str, Any]] = dict(data.get("checks") or {})
    seen = list(dict.fromkeys(r["check"] for r in results))
    order = [c for c in checks if c in seen] + sorted(c for c in seen if c not in checks)
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in results:
        by_check[rec["check"]].append(rec)
    anchors = {i: f"f{i}" for i, r in enumerate(results) if r["outcome"] in ("failed", "error")}
    cluster = data.get("cluster") or ""
    causes = list(data.get("causes") or [])
    parts = [
        _header(data),
        _start_here(causes),
        _unreachable(list((data.get("run") or {}).get("unreachable") or [])),
        _warnings(list((data.get("run") or {}).get("warnings") or [])),
        _overview(by_check, order, checks),
        _update(results, anchors),
    ]
    if results:
        parts.append(_matrices(results, order, checks, anchors))
    parts.append(
        _failures(results, order, checks, anchors, list(data.get("findings") or []), causes)
    )
    if data.get("samples"):
        parts.append(_samples(dict(data["samples"])))
    if data.get("snapshot"):
        parts.append(_snapshot(dict(data["snapshot"])))
    if data.get("findings"):
        parts.append(
            _findings(list(data["findings"]), int(data.get("findings_limit", FINDINGS_LIMIT)))
        )
    parts.append(
        "<footer>Written by the UPI conformance suite. Self-contained: no script, "
        "no network.</footer>"
    )
    csp = "default-src 'none'; style-src 'unsafe-inline'"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>UPI conformance report{': ' + esc(cluster) if cluster else ''}</title>"
        f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n"
    )
