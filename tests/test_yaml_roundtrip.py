"""Snapshot YAML means the same to every parser the suite reads it with (PyYAML, yaml-rs)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors import yamlio
from collectors.cluster import snapshot

try:
    import yaml_rs
except ImportError:  # pragma: no cover - optional speed-up
    yaml_rs = None

READERS = {"pyyaml": lambda text: yaml.load(text, Loader=yamlio.Loader)}  # noqa: S506 - a safe loader
if yaml_rs is not None:
    READERS["yaml-rs"] = lambda text: yaml_rs.loads(text, parse_datetime=False)

#: Strings a YAML 1.1 or 1.2 reader takes for something else when left plain.
TRICKY = [
    "0o17",
    "1e3",
    "on",
    "off",
    "yes",
    "No",
    "Y",
    "0755",
    "0x1F",
    "0b101",
    "1_000",
    ".5",
    "+1",
    "-1",
    ".inf",
    "-.Inf",
    ".NaN",
    "null",
    "NULL",
    "~",
    "true",
    "False",
    "2024-01-02",
    "2024-01-02T03:04:05Z",
    "12:30:00",
    "=",
    "<<",
    "",
    " ",
    "1.0",
    "1e-3",
    "0",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
    | st.sampled_from(TRICKY)
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(TRICKY), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(max_examples=300, deadline=None)
@given(obj=st.dictionaries(st.text(max_size=8) | st.sampled_from(TRICKY), documents, max_size=5))
def test_dump_then_load_is_identity(reader: str, obj: dict[str, Any]) -> None:
    assert READERS[reader](yamlio.dump(obj)) == obj


@pytest.mark.parametrize("reader", sorted(READERS))
def test_tricky_strings_stay_strings(reader: str) -> None:
    doc = {"values": TRICKY, "keys": dict.fromkeys(TRICKY, "x")}
    assert READERS[reader](yamlio.dump(doc)) == doc


def test_snapshot_parser_reads_what_the_bundle_writes() -> None:
    doc = {
        "metadata": {
            "name": "m1",
            "creationTimestamp": "2024-01-02T03:04:05Z",
            "labels": {"v": "0o17"},
        },
        "spec": {"mode": "0755", "flag": "on", "n": "1e3", "count": 3},
    }
    assert snapshot._parse(yamlio.dump(doc).encode(), "m1.yaml") == doc


def test_fallback_reader_keeps_foreign_timestamps_as_strings() -> None:
    assert yaml.load("t: 2024-01-02\nu: 2024-01-02 03:04:05\n", Loader=yamlio.Loader) == {  # noqa: S506
        "t": "2024-01-02",
        "u": "2024-01-02 03:04:05",
    }
