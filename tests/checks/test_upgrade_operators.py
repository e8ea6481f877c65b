"""upgrade.operators evaluated directly, and the olm.maxOpenShiftVersion reader."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.upgrade import evaluate_operator
from collectors.errors import InputError
from collectors.facts.upgrade import OperatorFacts, TargetRelease, is_copied
from collectors.parsers.olmproperties import MaxVersion, max_openshift_version

TARGET = TargetRelease("t", "4.10.3", "1.23.3", "4.9.20")
ANN = "operatorframework.io/properties"


def props(value: object, *, wrap: bool = True, name: str = ANN) -> dict[str, str]:
    items = [
        {"type": "olm.package", "value": {"packageName": "x"}},
        {"type": "olm.maxOpenShiftVersion", "value": value},
    ]
    return {name: json.dumps({"properties": items} if wrap else items)}


def facts(annotations: dict[str, str]) -> OperatorFacts:
    found = max_openshift_version(annotations, "ns/csv")
    return OperatorFacts("openshift-operators/etcdoperator.v0.9.4", "etcd", found, TARGET)


def test_an_operator_capped_below_the_target_fails() -> None:
    v = evaluate_operator(facts(props("4.9")))
    assert not v.ok
    assert "olm.maxOpenShiftVersion 4.9 (annotation operatorframework.io/properties)" in v.message
    assert "oc -n openshift-operators delete csv etcdoperator.v0.9.4" in v.remediation


def test_an_operator_allowing_the_target_or_uncapped_passes() -> None:
    assert evaluate_operator(facts(props("4.10"))).ok
    assert evaluate_operator(facts(props("4.11.2"))).ok
    assert evaluate_operator(facts({})).ok


def test_both_shapes_both_annotations_and_number_values() -> None:
    for ann in (props("4.9", wrap=False), props(4.9), props("4.9", name="olm.properties")):
        found = max_openshift_version(ann, "ns/csv")
        assert found is not None and found.minor == (4, 9)


@pytest.mark.parametrize(
    ("annotations", "said"),
    [
        ({ANN: "{not json"}, "is not JSON"),
        ({ANN: '{"properties": 3}'}, "neither"),
        (props("four"), "'four' is not a version"),
        (props(None), "is not a version"),
        (
            {
                ANN: json.dumps(
                    [
                        {"type": "olm.maxOpenShiftVersion", "value": "4.8"},
                        {"type": "olm.maxOpenShiftVersion", "value": "4.9"},
                    ]
                )
            },
            "set twice",
        ),
        ({ANN: "[" * 100_000}, "is not JSON"),
    ],
)
def test_malformed_properties_are_an_error_naming_the_csv(annotations: dict, said: str) -> None:
    with pytest.raises(InputError) as err:
        max_openshift_version(annotations, "clusterserviceversion ns/csv")
    assert said in str(err.value) and "clusterserviceversion ns/csv" in str(err.value)


def test_copied_csvs_are_recognised_by_reason_or_label() -> None:
    assert is_copied({"metadata": {"name": "a"}, "status": {"reason": "Copied"}})
    assert is_copied(
        {"metadata": {"name": "a", "labels": {"olm.copiedFrom": "openshift-operators"}}}
    )
    assert not is_copied({"metadata": {"name": "a"}, "status": {"reason": "InstallSucceeded"}})


@settings(deadline=None, max_examples=100)
@given(
    st.integers(1, 9),
    st.integers(0, 40),
    st.sampled_from(["", ".0", ".17"]),
    st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["olm.package", "olm.gvk"]), "value": st.text(max_size=5)}
        ),
        max_size=4,
    ),
    st.booleans(),
)
def test_the_property_is_found_among_any_others(
    major: int, minor: int, patch: str, others: list, wrap: bool
) -> None:
    value = f"{major}.{minor}{patch}"
    items = [*others, {"type": "olm.maxOpenShiftVersion", "value": value}, *others]
    doc = {"properties": items} if wrap else items
    found = max_openshift_version({ANN: json.dumps(doc)}, "x")
    assert found == MaxVersion(value, (major, minor), ANN)


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=60))
def test_any_annotation_text_gives_a_version_none_or_an_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        max_openshift_version({ANN: text}, "x")
