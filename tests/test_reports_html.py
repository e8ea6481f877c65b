"""The HTML report: escaping of anything a site can put in a subject or message, the matrix
layout, the optional Samples and findings sections, and the atomic write."""

from __future__ import annotations

import html
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.html_report import esc, group_checks, render_html
from reports.results import write_text_atomically

#: Every tag and attribute the page itself uses; anything else came from the input unescaped.
TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "div",
    "span",
    "b",
    "i",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "a",
    "br",
    "p",
    "ul",
    "li",
    "dl",
    "dt",
    "dd",
    "footer",
}
ATTRS = {
    "class",
    "id",
    "href",
    "title",
    "data-check",
    "data-subject",
    "style",
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "scope",
    "aria-hidden",
}


class Page(HTMLParser):
    """Tags, attributes and text of a page, as a browser's tokenizer sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: list[str] = []
        self.cells: list[dict[str, str]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = {k: v or "" for k, v in attrs}
        self.attrs.update(values)
        if "href" in values:
            self.hrefs.append(values["href"])
        if "data-check" in values:
            self.cells.append(values)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def record(
    check: str,
    subject: str,
    outcome: str = "failed",
    message: str = "",
    remediation: str = "",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "check": check,
        "subject": subject,
        "outcome": outcome,
        "message": message,
        "remediation": remediation,
        "nodeid": f"checks/x.py::t[{subject}]",
        **extra,
    }


def page_of(results: list[dict[str, Any]], **extra: Any) -> str:
    summary = {
        o: sum(r["outcome"] == o for r in results) for o in ("passed", "failed", "error", "skipped")
    }
    return render_html({"summary": summary, "results": results, **extra})


def assert_only_own_markup(page: str) -> Page:
    parsed = Page(page)
    assert parsed.tags <= TAGS, parsed.tags - TAGS
    assert parsed.attrs <= ATTRS, parsed.attrs - ATTRS
    assert all(h.startswith("#") for h in parsed.hrefs), parsed.hrefs
    return parsed


HOSTILE = st.one_of(
    st.text(),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "'; --",
            "</td></tr></table><h1>x",
            "<!--",
            "]]>",
            "&amp;",
            "w1\u202e.example",
            "ノード１.例え.jp",
            "a" * 5000,
        ]
    ),
    st.builds(
        lambda a, b: f"{a}<{b}>{a}",
        st.text(max_size=20),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz =\"'/", min_size=1, max_size=20),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    subject=HOSTILE,
    message=HOSTILE,
    remediation=HOSTILE,
    check_tail=HOSTILE,
    cluster=HOSTILE,
    detail=HOSTILE,
    outcome=st.sampled_from(["passed", "failed", "error", "skipped"]),
)
def test_no_input_reaches_the_page_as_markup(
    subject: str,
    message: str,
    remediation: str,
    check_tail: str,
    cluster: str,
    detail: str,
    outcome: str,
) -> None:
    check = f"area.{check_tail}"
    results = [
        record(
            check,
            subject,
            outcome,
            f"expected {message}; found {message}",
            remediation,
            details=[detail],
        ),
        record("area.other", subject, "passed"),
    ]
    page = page_of(
        results,
        cluster=cluster,
        checks={check: {"title": message, "subject": subject}},
        samples={"pattern": message, subject or "k": [detail]},
        findings=[{"count": 3, "host": subject, "sample": message, "unit": detail}],
    )
    parsed = assert_only_own_markup(page)
    # legible: what the browser shows is the input itself (controls as \xNN)
    shown = {(c["data-check"], c["data-subject"]) for c in parsed.cells}
    assert (html.unescape(esc(check)), html.unescape(esc(subject))) in shown or subject in (
        "-",
        "cluster",
    )


def test_hostile_subject_is_shown_as_text() -> None:
    subject = '<script>alert("x")</script> & "quotes" \'single\''
    page = page_of(
        [record("dns.reverse", subject, message="expected <b>PTR</b>; found <i>none</i>")]
    )
    assert "<script>" not in page and "<b>PTR" not in page
    parsed = assert_only_own_markup(page)
    assert subject in "".join(parsed.text)
    assert "<b>PTR</b>" in "".join(parsed.text)


def test_non_ascii_and_long_names_survive() -> None:
    long_name = "w" + "x" * 3000 + ".ocp45.example.localdomain"
    results = [
        record("dns.forward", "ノード1.例え.jp", "failed", "expected A 10.0.0.1; found 無し"),
        record("dns.forward", long_name, "passed"),
        record("dns.forward", "emoji-\U0001f680", "passed"),
    ]
    page = page_of(results, cluster="クラスタ.example")
    assert "ノード1.例え.jp" in page and "無し" in page and "クラスタ.example" in page
    assert "\U0001f680" in page and long_name in page
    assert '<meta charset="utf-8">' in page
    assert "overflow-wrap:anywhere" in page  # long names wrap instead of widening the page


def test_control_characters_are_visible_and_surrogates_do_not_break_encoding() -> None:
    page = page_of([record("dns.api", "a\x00b\x1b[31m", "failed", "bad\ud800half")])
    assert "\x00" not in page and "\x1b" not in page
    assert "a\\x00b\\x1b[31m" in page
    page.encode("utf-8")  # no lone surrogate left


def test_page_is_self_contained() -> None:
    page = page_of([record("dns.api", "api", "failed", "expected x; found y", "fix")])
    assert "<script" not in page.lower()
    for needle in ("http://", "https://", "@import", "url(", "<link"):
        assert needle not in page
    assert "default-src 'none'" in page  # the browser itself refuses any load


def test_failure_shows_expected_found_and_remediation() -> None:
    page = page_of(
        [
            record(
                "dns.reverse",
                "w2.ocp",
                "failed",
                "expected PTR w2.ocp; found NXDOMAIN",
                "add the PTR",
                details=["server 1: NXDOMAIN"],
            ),
            record("dns.reverse", "w3.ocp", "error", "timeout talking to 10.0.0.2:53"),
        ]
    )
    text = "".join(Page(page).text)
    assert "PTR w2.ocp" in text and "NXDOMAIN" in text and "add the PTR" in text
    assert "server 1: NXDOMAIN" in text
    assert "error: timeout talking to 10.0.0.2:53" in text


def test_forty_nodes_by_twenty_six_checks_stay_in_grouped_matrices() -> None:
    nodes = [f"n{i}.ocp45.example" for i in range(1, 41)]
    node_checks = [f"nodes.c{j}" for j in range(8)]
    results = [
        record(c, n, "failed" if (i + j) % 17 == 0 else "passed")
        for j, c in enumerate(node_checks)
        for i, n in enumerate(nodes)
    ]
    results += [record(f"lb.p{j}", f"port{j}", "passed") for j in range(10)]
    results += [record(f"files.f{j}", f"file{j}.ign", "passed") for j in range(8)]
    groups = group_checks(results, sorted({r["check"] for r in results}))
    assert (node_checks, True) in [(sorted(g), s) for g, s in groups]
    page = page_of(results)
    parsed = Page(page)
    assert len(parsed.cells) == len(results)
    # one matrix for the node checks: each node is a row once, not once per check
    assert page.count(">n7.ocp45.example</th>") == 1
    failing = {
        (c["data-check"], c["data-subject"]) for c in parsed.cells if "outcome-failed" in c["class"]
    }
    assert failing == {(r["check"], r["subject"]) for r in results if r["outcome"] == "failed"}
    # "only subjects with a failure" (#bad:target, no script) hides the rows marked ok
    assert "#bad:target tr.ok{display:none}" in page
    assert page.count('<tr class="bad">') == len({s for _, s in failing})


def test_samples_and_findings_render_only_when_given() -> None:
    results = [record("samples.registry", "cluster", "failed", "expected a; found b")]
    plain = page_of(results)
    assert 'id="samples"' not in plain and 'id="findings"' not in plain
    page = page_of(
        results,
        samples={
            "pattern": "Managed, no skippedImagestreams: goes Degraded",
            "management_state": "Managed",
            "skipped_imagestreams": [],
            "failing_imagestreams": ["jenkins", "ruby"],
            "degraded": True,
        },
        findings=[
            {"count": n, "host": "bs", "unit": "bootkube", "sample": f"line {n}"} for n in range(30)
        ],
    )
    text = "".join(Page(page).text)
    assert "Managed, no skippedImagestreams: goes Degraded" in text
    assert "jenkins" in text and "ruby" in text
    assert "line 29" in text and "line 9" not in text  # top 20 by count
    assert "10 more in findings.json" in text


def test_write_text_atomically_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    write_text_atomically(target, "old")
    write_text_atomically(target, "new \u00e9")
    assert target.read_text(encoding="utf-8") == "new \u00e9"
    assert os.listdir(target.parent) == ["report.html"]
    assert target.stat().st_mode & 0o044  # readable like any report, not mkstemp's 0600
