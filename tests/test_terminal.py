"""The end-of-run summary table by check (units; the lab run is in test_report_lab.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.terminal import _fit, summary_rows, summary_table


def rec(check: str, subject: str, outcome: str) -> dict[str, Any]:
    return {
        "check": check,
        "subject": subject,
        "outcome": outcome,
        "message": "",
        "remediation": "",
    }


RECORDS = [rec("dns.reverse", f"i{i}.ocp45.example.localdomain", "failed") for i in (1, 2, 3)] + [
    rec("dns.reverse", "m1.ocp45.example.localdomain", "passed"),
    rec("lb.port", "api:6443", "error"),
    rec("lb.port", "ingress:80", "passed"),
    rec("mirror.access", "-", "skipped"),
    rec("dns.api", "api.ocp45.example.localdomain", "passed"),
]


def test_counts_and_failing_subjects_by_check() -> None:
    rows = {r["check"]: r for r in summary_rows(RECORDS)}
    assert rows["dns.reverse"]["failed"] == 3 and rows["dns.reverse"]["passed"] == 1
    assert rows["lb.port"]["error"] == 1 and rows["lb.port"]["failing"] == ["api:6443"]
    assert rows["mirror.access"]["skipped"] == 1 and rows["mirror.access"]["failing"] == []


def test_table_columns_line_up_and_colour_follows_the_worst_outcome() -> None:
    table = summary_table(RECORDS, width=80)
    lines = [line for line, _ in table]
    assert lines[0].split()[:5] == ["check", "pass", "fail", "error", "skip"]
    end = lines[0].index("pass") + len("pass")
    assert all(line[end - 1] != " " and line[end] == " " for line in lines), "pass column aligned"
    colours = {line.split()[0]: colour for line, colour in table[1:]}
    assert colours == {
        "dns.api": "green",
        "dns.reverse": "red",
        "lb.port": "yellow",
        "mirror.access": None,
    }
    assert all(len(line) <= 80 for line in lines)
    assert all("\x1b" not in line for line in lines)


def test_quiet_table_keeps_only_checks_with_failures_or_errors() -> None:
    checks = [line.split()[0] for line, _ in summary_table(RECORDS, only_bad=True)[1:]]
    assert checks == ["dns.reverse", "lb.port"]
    assert summary_table([rec("dns.api", "a", "passed")], only_bad=True) == []


@settings(deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=50),
    st.integers(min_value=10, max_value=200),
)
def test_fit_stays_within_width_and_counts_what_it_cut(subjects: list[str], width: int) -> None:
    text = _fit(subjects, width)
    assert len(text) <= width
    if text != ", ".join(subjects):  # cut: says how many subjects it left out, or shows an ellipsis
        assert text.rsplit(" +", 1)[-1].isdigit() or "\u2026" in text


def test_remediations_print_as_pasted() -> None:
    """Continuation lines sit under the first; a backslash-n in a name stays two characters."""
    from checks.base import failed
    from reports.start_here import failure_lines

    v = failed(expected="x", found="y", remediation="add:\n- {mirrors: [m:5000/o], source: q}  ")
    assert v.remediation == "add:\n- {mirrors: [m:5000/o], source: q}"
    named = failed(expected="x", found="y", remediation="oc describe node 'w\\n1'")
    assert named.remediation == "oc describe node 'w\\n1'"
    record = {"check": "a.b", "subject": "s", "outcome": "failed", "message": v.message}
    lines = failure_lines([record | {"remediation": v.remediation}], [])
    assert lines[-2:] == [
        "  fix (s): add:",
        "           - {mirrors: [m:5000/o], source: q}",
    ]


def test_no_check_source_writes_a_literal_backslash_n_into_a_remediation() -> None:
    import re
    from pathlib import Path

    from reports.catalog import load_checks

    root = Path(__file__).resolve().parent.parent / "checks"
    for path in sorted(p for p in root.glob("*.py") if p.name != "base.py"):  # base: as_pasted
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if ">>>" in code or "..." in code.lstrip()[:3]:
                continue
            if "{range " in code:  # oc's own "\\n" escape inside a jsonpath template
                continue
            assert not re.search(r"\\\\n", code), f"{path.name}:{number}: a literal \\n"
    for spec in load_checks():
        assert "\\n" not in spec.remediation and "\n" not in spec.remediation, spec.id
