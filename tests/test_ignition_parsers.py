"""Hypothesis tests for the data URL decoder, the Ignition walker and certificate discovery."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checks.ignition import evaluate_expiry
from collectors.parsers.certs import CertInfo
from collectors.parsers.dataurl import (
    FORMS,
    DataUrlError,
    decode_contents,
    decode_data_url,
    encode_data_url,
)
from collectors.parsers.ignition import IgnitionError, certificates, parse_ignition, walk
from lab.ignition_files import make_ca

payloads = st.binary(max_size=2048)
forms = st.sampled_from(FORMS)
paths = st.from_regex(r"/[a-z0-9_.\-]{1,20}(/[a-z0-9_.\-]{1,20}){0,3}", fullmatch=True)


@settings(deadline=None)
@given(payloads, forms)
def test_data_url_round_trip(data: bytes, form: str) -> None:
    url = encode_data_url(data, form)
    assert decode_contents(url, "gzip" if form == "gzip" else None) == data


@settings(deadline=None)
@given(payloads, st.sampled_from(["", "text/plain", "application/octet-stream;charset=binary"]))
def test_base64_tolerates_whitespace_and_missing_padding(data: bytes, mediatype: str) -> None:
    text = base64.b64encode(data).decode().rstrip("=")
    spaced = "\n".join(text[i : i + 7] for i in range(0, len(text), 7))
    assert decode_data_url(f"data:{mediatype};base64,{spaced}") == data


@settings(deadline=None)
@given(st.text(max_size=200))
def test_decoder_never_fails_unexpectedly(text: str) -> None:
    for candidate in (text, "data:" + text, "data:;base64," + text):
        try:
            assert isinstance(decode_data_url(candidate), bytes)
        except DataUrlError as exc:
            assert str(exc)


@settings(deadline=None)
@given(payloads)
def test_gzip_of_garbage_is_a_clear_error(data: bytes) -> None:
    assume(data and data[:2] != b"\x1f\x8b")  # empty input gunzips to nothing
    with pytest.raises(DataUrlError, match="does not gunzip"):
        decode_contents(encode_data_url(data), "gzip")


files_strategy = st.lists(st.tuples(paths, payloads, forms), max_size=8)


def _config(files: list[tuple[str, bytes, str]]) -> dict:
    entries = []
    for path, data, form in files:
        contents = {"source": encode_data_url(data, form)}
        if form == "gzip":
            contents["compression"] = "gzip"
        entries.append({"path": path, "mode": 420, "contents": contents})
    return {"ignition": {"version": "3.2.0"}, "storage": {"files": entries}}


@settings(deadline=None)
@given(files_strategy)
def test_walker_yields_every_file_in_order(files: list[tuple[str, bytes, str]]) -> None:
    cfg = parse_ignition(json.dumps(_config(files)), "bootstrap.ign")
    assert [(e.path, e.data) for e in walk(cfg)] == [(p, d) for p, d, _ in files]


@settings(deadline=None)
@given(files_strategy.filter(bool), st.data())
def test_walker_names_file_and_json_path_of_a_bad_url(
    files: list[tuple[str, bytes, str]], data: st.DataObject
) -> None:
    doc = _config(files)
    index = data.draw(st.integers(0, len(files) - 1))
    doc["storage"]["files"][index]["contents"] = {
        "source": "data:;base64,!!!!",
        "compression": None,
    }
    cfg = parse_ignition(json.dumps(doc), "bootstrap.ign")
    with pytest.raises(IgnitionError) as err:
        list(walk(cfg))
    assert str(err.value).startswith(
        f"bootstrap.ign: $.storage.files[{index}].contents.source: bad base64"
    )


@settings(deadline=None)
@given(
    st.sampled_from(["1.0.0", "1", "2", "3.x.0", "4.0.0"])
    | st.from_regex(r"[014-9]\.[0-9]\.[0-9]", fullmatch=True)
)
def test_other_specs_are_refused(version: str) -> None:
    with pytest.raises(
        IgnitionError,
        match=r"^x.ign: \$.ignition.version: spec .* is neither Ignition 2.x nor 3.x$",
    ):
        parse_ignition(json.dumps({"ignition": {"version": version}}), "x.ign")


@settings(deadline=None)
@given(
    st.from_regex(r"[23]\.[0-9]\.[0-9](-experimental)?", fullmatch=True),
    st.lists(
        st.from_regex(r"https://[a-z.\-]{1,30}:[0-9]{1,5}/config/[a-z]{1,8}", fullmatch=True),
        max_size=3,
    ),
)
def test_spec_2_appends_and_3_merges_read_alike(version: str, sources: list[str]) -> None:
    """2.x ``config.append[]`` and 3.x ``config.merge[]`` are the same list of sources."""
    key = "append" if version.startswith("2.") else "merge"
    other = "merge" if key == "append" else "append"
    doc = {
        "ignition": {
            "version": version,
            "config": {
                key: [{"source": s, "verification": {}} for s in sources],
                other: [{"source": "https://elsewhere:1/ignored"}],
            },
        }
    }
    cfg = parse_ignition(json.dumps(doc), "x.ign")
    assert (cfg.major, cfg.merge_key, cfg.merge_sources) == (int(version[0]), key, sources)


def test_spec_2_file_append_flag_is_not_a_list_of_contents() -> None:
    """In 2.x ``storage.files[].append`` is a flag (append to the node's file); the contents are
    still walked."""
    doc = {
        "ignition": {"version": "2.2.0"},
        "storage": {
            "files": [
                {
                    "filesystem": "root",
                    "path": "/etc/a",
                    "append": True,
                    "contents": {"source": "data:,hi", "verification": {}},
                }
            ]
        },
    }
    assert [(e.path, e.data) for e in walk(parse_ignition(json.dumps(doc), "x.ign"))] == [
        ("/etc/a", b"hi")
    ]


def test_spec_2_inline_append_config_is_walked() -> None:
    inner = {
        "ignition": {"version": "2.2.0"},
        "storage": {"files": [{"path": "/in", "contents": {"source": "data:,x"}}]},
    }
    doc = {
        "ignition": {
            "version": "2.3.0",
            "config": {"append": [{"source": encode_data_url(json.dumps(inner).encode())}]},
        }
    }
    assert [e.path for e in walk(parse_ignition(json.dumps(doc), "x.ign"))] == ["/in"]


def test_walker_reaches_appends_cas_and_inline_configs() -> None:
    inner = {
        "ignition": {"version": "3.1.0"},
        "storage": {"files": [{"path": "/inner", "contents": {"source": "data:,inner"}}]},
    }
    doc = {
        "ignition": {
            "version": "3.1.0",
            "config": {
                "merge": [
                    {"source": encode_data_url(json.dumps(inner).encode())},
                    {"source": "https://api-int.example:22623/config/master"},
                ]
            },
            "security": {"tls": {"certificateAuthorities": [{"source": "data:,ca"}]}},
        },
        "storage": {
            "files": [
                {
                    "path": "/a",
                    "append": [{"source": "data:,more"}],
                    "contents": {"source": "https://remote/file"},
                }
            ]
        },
    }
    found = [(e.path, e.data) for e in walk(parse_ignition(json.dumps(doc), "x.ign"))]
    assert found == [
        ("/a (append 0)", b"more"),
        ("$.ignition.security.tls.certificateAuthorities[0]", b"ca"),
        ("/inner", b"inner"),
    ]


@settings(max_examples=10, deadline=None)
@given(forms, st.floats(-48, 48))
def test_certificates_found_in_every_form_with_their_path(form: str, hours_left: float) -> None:
    now = datetime.now(UTC)
    ca = make_ca("kubelet-signer", now + timedelta(hours=hours_left), 24)
    pem = ca.cert_pem()
    kubeconfig = f"certificate-authority-data: {base64.b64encode(pem).decode()}\n".encode()
    doc = _config(
        [
            ("/opt/openshift/tls/kubelet-signer.crt", b"junk\n" + pem, form),
            ("/opt/openshift/tls/kubelet-signer.key", ca.key_pem(), "base64"),
            ("/etc/kubernetes/kubeconfig", kubeconfig, form),
        ]
    )
    certs = certificates(
        parse_ignition(gzip.decompress(gzip.compress(json.dumps(doc).encode())), "b.ign")
    )
    assert [c.where for c in certs] == [
        "/opt/openshift/tls/kubelet-signer.crt",
        "/etc/kubernetes/kubeconfig (certificate-authority-data)",
    ]
    assert all(c.subject == "CN=kubelet-signer" and c.is_ca for c in certs)
    assert abs(certs[0].hours_left(now) - hours_left) < 0.01


def test_broken_pem_names_file_and_path_without_content() -> None:
    body = "-----BEGIN CERTIFICATE-----\nQUJDREVGR0g=\n-----END CERTIFICATE-----\n"
    cfg = parse_ignition(
        json.dumps(_config([("/opt/x.crt", body.encode(), "percent")])), "bootstrap.ign"
    )
    with pytest.raises(IgnitionError) as err:
        certificates(cfg)
    assert str(err.value) == (
        "bootstrap.ign: $.storage.files[0].contents: /opt/x.crt: "
        "certificate #1 is not a valid X.509 PEM block"
    )


@settings(deadline=None)
@given(st.lists(st.integers(-6000, 6000), max_size=6), st.integers(0, 48))
def test_expiry_fails_exactly_when_a_certificate_is_short_lived(
    minutes: list[int], minimum: int
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    hours = [m / 60 for m in minutes]
    certs = [
        CertInfo(
            f"/c{i}", "CN=x", "CN=x", now - timedelta(days=5), now + timedelta(minutes=m), True
        )
        for i, m in enumerate(minutes)
    ]
    verdict = evaluate_expiry("b.ign", certs, now, minimum, "regenerate")
    assert verdict.ok == all(h >= minimum for h in hours)
    if not verdict.ok:
        assert len(verdict.details) == sum(1 for h in hours if h < minimum)
        assert verdict.remediation == "regenerate"
