"""The record of facts: values round-trip, and a bundle's facts/ that is truncated, malformed,
oversized, of another format or of another inventory errors the checks it concerns, naming the
file, and nothing else."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.errors import FactError, NotApplicable, Unreachable
from collectors.record import store
from collectors.record.codec import CodecError, decode, encode
from collectors.record.store import FactRecord, Recorder, RecordError, open_record
from collectors.transport.dns import Answer
from collectors.transport.net import TcpProbe

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=20),
)
keys = st.one_of(st.text(max_size=8), st.integers(), st.tuples(st.text(max_size=4)))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(keys, inner, max_size=4),
        st.frozensets(st.text(max_size=5), max_size=3),
        st.builds(
            Answer,
            server=st.text(max_size=10),
            name=st.text(max_size=10),
            rdtype=st.sampled_from(["A", "PTR"]),
            rcode=st.sampled_from(["NOERROR", "REFUSED", "NXDOMAIN"]),
            records=st.tuples(st.text(max_size=6)),
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_every_fact_value_comes_back_equal_through_json(value) -> None:
    assert decode(json.loads(json.dumps(encode(value)))) == value


@given(st.text(max_size=30), st.text(max_size=30))
def test_errors_come_back_with_their_class_message_and_cause(target, reason) -> None:
    error = Unreachable(target, reason, group="10.0.0.0/24")
    back = decode(json.loads(json.dumps(encode(error))))
    assert type(back) is Unreachable and str(back) == str(error)
    assert back.cause == error.cause and back.remediation == error.remediation


@pytest.mark.parametrize(
    "data",
    [
        {"__dc__": "os:system", "fields": {}},
        {"__exc__": "subprocess:CalledProcessError", "args": []},
        {"__dc__": "collectors.transport.net:probe_tcp", "fields": {}},
        {"__dc__": "collectors.transport.net:TcpProbe", "fields": {"host": "x"}},
        {"__bytes__": "not base64!"},
        {"__map__": [[[1], 2]]},
        {"__nope__": 1},
    ],
)
def test_a_record_naming_anything_else_is_refused(data) -> None:
    with pytest.raises(CodecError):
        decode(data)


def test_a_deep_record_is_refused_not_recursed() -> None:
    data: object = 1
    for _ in range(5000):
        data = [data]
    with pytest.raises(CodecError, match="deeper"):
        decode(data)


def test_a_value_that_cannot_be_recorded_is_marked_so(tmp_path) -> None:
    rec = Recorder(tmp_path, "w1")
    rec.fact("x.y", "s", "2026-12-06T00:00:00+00:00", value=object())
    merged = store.merge(tmp_path)
    assert "cannot be recorded" in merged["x.y"]["facts"]["s"]["unrecorded"]


# -- a bundle's facts/ ----------------------------------------------------------------------------


def write_record(root: Path, sha: str = "abc") -> Path:
    rec = Recorder(root / "work", "main")
    (root / "work").mkdir(parents=True, exist_ok=True)
    probe = TcpProbe("10.0.0.5", 6443, True)
    rec.subjects("lb.port", ["api:6443"], None, "t")
    rec.fact("lb.port", "api:6443", "2026-12-06T03:00:00+00:00", value=("api", probe))
    rec.subjects("dns.api", ["api.c.d"], None, "t")
    rec.fact("dns.api", "api.c.d", "t", error=Unreachable("10.0.0.2:53", "no route"))
    rec.subjects("time.sync", ["localhost"], None, "t")
    rec.fact("time.sync", "localhost", "t", error=NotApplicable("no chrony"))
    files = store.bundle_files(
        root / "work", tool="1", inventory_sha256=sha, cluster="c.d", created="t"
    )
    bundle = root / "bundle"
    for rel, data in files.items():
        (bundle / rel).parent.mkdir(parents=True, exist_ok=True)
        (bundle / rel).write_text(json.dumps(data))
    (bundle / "manifest.json").write_text("{}")
    return bundle


def test_a_record_answers_values_errors_and_skips(tmp_path) -> None:
    record = open_record(write_record(tmp_path))
    assert record is not None
    assert record.subjects("lb.port") == (["api:6443"], None)
    answer = record.fact("lb.port", "api:6443")
    assert answer.value == ("api", TcpProbe("10.0.0.5", 6443, True))
    assert answer.time().hour == 3
    assert isinstance(record.fact("dns.api", "api.c.d").problem, Unreachable)
    assert isinstance(record.fact("time.sync", "localhost").problem, NotApplicable)
    assert record.fact("lb.port", "ingress:80") is None
    assert record.fact("mirror.access", "m") is None


def test_an_archive_record_reads_the_same(tmp_path) -> None:
    folder = write_record(tmp_path)
    archive = tmp_path / "b.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="bundle-x")
    record = open_record(archive)
    assert record.fact("lb.port", "api:6443").value[1].port == 6443


def test_no_record_in_a_must_gather(tmp_path) -> None:
    (tmp_path / "cluster-scoped-resources").mkdir()
    assert open_record(tmp_path) is None


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda t: t[: len(t) // 2], "not a JSON record, truncated or damaged"),
        (lambda t: "[" * 100000 + "]" * 100000, "not a JSON record"),
        (lambda t: json.dumps({"check": "lb.port"}), "no 'facts' object"),
        (
            lambda t: json.dumps({"facts": {"api:6443": {"at": "t", "value": {"__dc__": "os:x"}}}}),
            "not one of the suite's",
        ),
    ],
)
def test_a_damaged_check_file_errors_that_check_alone(tmp_path, damage, expected) -> None:
    bundle = write_record(tmp_path)
    path = bundle / "facts" / "lb.port.json"
    path.write_text(damage(path.read_text()))
    record = open_record(bundle)
    with pytest.raises(RecordError, match=expected) as caught:
        record.fact("lb.port", "api:6443")
    assert "facts/lb.port.json" in str(caught.value)
    assert isinstance(record.fact("dns.api", "api.c.d").problem, Unreachable)  # nothing else lost


def test_an_oversized_check_file_is_refused_naming_it(tmp_path, monkeypatch) -> None:
    bundle = write_record(tmp_path)
    (bundle / "facts" / "lb.port.json").write_text(json.dumps({"facts": {}, "pad": "x" * 500}))
    record = open_record(bundle)
    monkeypatch.setattr(store.settings, "RECORD_MAX_BYTES", 200)
    with pytest.raises(RecordError, match="over the 200 read"):
        record.fact("lb.port", "api:6443")


def test_an_index_of_another_format_or_missing_refuses_the_record(tmp_path) -> None:
    bundle = write_record(tmp_path)
    (bundle / "facts" / "index.json").write_text(json.dumps({"format": 99, "checks": {}}))
    with pytest.raises(RecordError, match="format 99"):
        open_record(bundle)
    (bundle / "facts" / "index.json").write_text("{")
    with pytest.raises(RecordError, match="facts/index.json: not a JSON record"):
        open_record(bundle)


def test_a_record_of_another_inventory_refuses_to_answer(tmp_path) -> None:
    record = open_record(write_record(tmp_path, sha="a" * 64))
    record.bind("b" * 64, "other.example")
    with pytest.raises(RecordError, match="another inventory"):
        record.fact("lb.port", "api:6443")
    with pytest.raises(RecordError, match="another inventory"):
        record.subjects("lb.port")


def test_record_errors_are_fact_errors_with_a_remediation() -> None:
    assert issubclass(RecordError, FactError)
    assert FactRecord.__doc__
