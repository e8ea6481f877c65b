"""Hostile reports given to ``python -m reports merge`` (hostile input, round 2).

A report nested 100,000 levels deep, fields of the wrong type, a bundle of endless empty members:
each is named (file, member of a bundle, field at fault) and skipped, the other reports are
merged, the page lists what was skipped and the exit status is 1. The archive scan is capped by
members and bytes and its memory stays flat (tracemalloc peak, not timing).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from collectors import settings
from reports.__main__ import main as reports_main
from reports.merge import MergeInputError, load_report
from reports.report_schema import MAX_DEPTH

GOOD = {
    "summary": {"passed": 1, "failed": 0, "error": 0, "skipped": 0},
    "run": {"cluster": "dc1.example.com", "started": "2024-05-01T10:00:00+00:00",
            "duration_s": 12.3, "inventory": {"path": "/s/dc1/site.yaml", "sha256": "ab"},
            "cluster_source": {"kind": "snapshot", "path": "/b.tar.gz"}},
    "results": [{"check": "dns.api", "subject": "api", "outcome": "passed", "message": "",
                 "remediation": "", "details": ["a"], "nodeid": "checks/dns.py::t[api]"}],
}  # fmt: skip


def write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def bundle(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def empty_members(path: Path, count: int, tail: bytes = b"") -> Path:
    """A .tar.gz of ``count`` empty members (one header repeated: made in well under a second),
    then ``tail`` (whole tar blocks) and the end of the archive."""
    header = tarfile.TarInfo("bundle/hosts/empty").tobuf(tarfile.GNU_FORMAT)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(header * count + tail + b"\0" * 1024)
    return path


def merge(tmp_path: Path, *inputs: Path) -> tuple[int, dict[str, Any], str]:
    """Exit status, fleet JSON and page of a merge of ``inputs``."""
    out = tmp_path / "out"
    code = reports_main(
        ["merge", *map(str, inputs), "--html", str(out / "f.html"), "--json", str(out / "f.json")]
    )
    fleet = json.loads((out / "f.json").read_text())
    return code, fleet, (out / "f.html").read_text()


def with_field(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """GOOD with the field at ``path`` set to ``value``."""
    data = json.loads(json.dumps(GOOD))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def test_deep_nesting_is_refused_and_the_rest_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """100,000 levels of ``[`` or ``{"a":``: no RecursionError, each named and skipped."""
    good = write(tmp_path / "good.json", GOOD)
    lists = write(tmp_path / "lists.json", "[" * 100_000)
    objects = write(tmp_path / "objects.json", '{"a":' * 100_000)
    nested = json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)  # with the top and run: too deep
    just_over = write(tmp_path / "over.json", with_field(("run", "x"), nested))
    code, fleet, page = merge(tmp_path, good, lists, objects, just_over)
    assert code == 1
    assert [s["site"] for s in fleet["sites"]] == ["dc1.example.com"]
    err = capsys.readouterr().err
    for path in (lists, objects, just_over):
        line = f"skipped: {path}: nested deeper than {MAX_DEPTH} levels"
        assert line in err, err
        assert f"{path}: nested deeper" in " ".join(fleet["unreadable"])
        assert str(path) in page
    assert "Reports that could not be read and were skipped" in page


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        (("results", 0, "check"), ["dns.api"], "results[0].check: expected a string, found a list"),
        (("results", 0, "subject"), {"a": 1}, "results[0].subject: expected a string, found an"),
        (("results", 0, "outcome"), 1, "results[0].outcome: expected a string, found a number"),
        (("results", 0, "message"), ["m"], "results[0].message: expected a string, found a list"),
        (("results", 0, "details"), "d", "results[0].details: expected a list, found a string"),
        (("results", 0, "unreachable"), "x", "results[0].unreachable: expected an object"),
        (("results", 0), "dns.api", "results[0]: expected an object, found a string"),
        (("results",), {"0": {}}, "no results list"),
        (("summary", "failed"), "1", "summary.failed: expected a count"),
        (("run",), ["dc1"], "run: expected an object, found a list"),
        (("run", "cluster"), {"name": "dc1"}, "run.cluster: expected a string, found an object"),
        (("run", "started"), 12.3, "run.started: expected a string, found a number"),
        (("run", "duration_s"), "2024-05-01", "run.duration_s: expected a number, found a string"),
        (("run", "inventory"), "/s/site.yaml", "run.inventory: expected an object, found a string"),
        (("run", "inventory", "path"), 7, "run.inventory.path: expected a string, found a number"),
        (("run", "cluster_source"), ["snapshot"], "run.cluster_source: expected an object"),
        (("run", "unreachable"), {"a": 1}, "run.unreachable: expected a list, found an object"),
        (("results", 0, "check"), "c" * 5000, "results[0].check: 5000 characters, over the cap"),
    ],
)  # fmt: skip
def test_a_field_of_the_wrong_type_is_named(
    tmp_path: Path, path: tuple[Any, ...], value: Any, says: str
) -> None:
    report = write(tmp_path / "r.json", with_field(path, value))
    with pytest.raises(MergeInputError) as caught:
        load_report(report)
    assert str(caught.value).startswith(f"{report}: "), caught.value
    assert says in str(caught.value), caught.value


def test_wrong_types_never_take_the_page_down(tmp_path: Path) -> None:
    """What crashed the page (a list as check, an object as subject, run fields swapped) is
    skipped with its reason; the good report is on the page; exit status 1."""
    good = write(tmp_path / "good.json", GOOD)
    bad = [
        write(tmp_path / "check.json", with_field(("results", 0, "check"), ["dns.api"])),
        write(tmp_path / "subject.json", with_field(("results", 0, "subject"), {"a": 1})),
        write(tmp_path / "run.json", {**GOOD, "run": {**GOOD["run"], "started": 12.3,  # type: ignore[dict-item]
                                                      "duration_s": "2024-05-01"}}),
    ]  # fmt: skip
    code, fleet, page = merge(tmp_path, good, *bad)
    assert code == 1
    assert [s["source"] for s in fleet["sites"]] == [str(good)]
    assert len(fleet["unreadable"]) == 3
    for path in bad:
        assert str(path) in page
    assert 'data-site="dc1.example.com"' in page


def test_a_bad_report_in_a_bundle_names_the_member(tmp_path: Path) -> None:
    data = json.dumps(with_field(("results", 0, "subject"), {"a": 1})).encode()
    path = bundle(tmp_path / "b.tar.gz", {"bundle/results/report.json": data})
    with pytest.raises(MergeInputError) as caught:
        load_report(path)
    assert str(caught.value) == (
        f"{path} (member bundle/results/report.json): results[0].subject: expected a string, "
        "found an object"
    )
    deep = bundle(tmp_path / "d.tar.gz", {"bundle/results/report.json": b"[" * 100_000})
    with pytest.raises(MergeInputError, match=r"\(member bundle/results/report.json\): nested"):
        load_report(deep)


@pytest.fixture
def member_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(settings, "MERGE_MAX_MEMBERS", 50_000)
    return 50_000


def test_endless_empty_members_stop_at_the_cap_in_flat_memory(
    tmp_path: Path, member_cap: int
) -> None:
    """60,000 empty members and no report: refused at the member cap, naming it; the scan keeps
    no member list (a list of 50,000 TarInfo is ~25 MB; the cap's scan stays under 8 MB)."""
    path = empty_members(tmp_path / "many.tar.gz", 60_000)
    tracemalloc.start()
    try:
        with pytest.raises(MergeInputError) as caught:
            load_report(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (
        f"{path}: no results/report.json in its first {member_cap} members; not read further "
        "(set UPI_MERGE_MAX_MEMBERS to raise the cap)"
    )
    assert peak < 8 * 1024 * 1024, peak


def test_a_report_before_the_cap_is_read_and_one_after_is_not(
    tmp_path: Path, member_cap: int
) -> None:
    data = json.dumps(GOOD).encode()
    info = tarfile.TarInfo("bundle/results/report.json")
    info.size = len(data)
    blocks = info.tobuf(tarfile.GNU_FORMAT) + data + b"\0" * (-len(data) % 512)
    early = empty_members(tmp_path / "early.tar.gz", member_cap - 2, tail=blocks)
    assert load_report(early).data["run"]["cluster"] == "dc1.example.com"
    late = empty_members(tmp_path / "late.tar.gz", member_cap, tail=blocks)
    with pytest.raises(MergeInputError, match="UPI_MERGE_MAX_MEMBERS"):
        load_report(late)


def test_the_archive_byte_cap_stops_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "MERGE_MAX_ARCHIVE_BYTES", 64 * 1024)
    path = bundle(
        tmp_path / "big.tar.gz",
        {f"bundle/hosts/log{i}": b"x" * 8192 for i in range(20)}
        | {"bundle/results/report.json": json.dumps(GOOD).encode()},
    )
    with pytest.raises(MergeInputError) as caught:
        load_report(path)
    assert str(caught.value).startswith(f"{path}: no results/report.json in its first 65536 bytes")
    assert "UPI_MERGE_MAX_ARCHIVE_BYTES" in str(caught.value)
