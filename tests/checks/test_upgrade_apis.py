"""upgrade.apis evaluated directly, and the APIRequestCount reader: sums per user and agent,
bounded, errors naming the object and key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.upgrade import admin_ack_key, evaluate_api
from collectors.errors import InputError
from collectors.facts.upgrade import ApiFacts, TargetRelease
from collectors.parsers import apirequestcount as arc
from collectors.parsers.apirequestcount import summarize

NAME = "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io"
TARGET = TargetRelease("m:5000/ocp4/openshift4@sha256:" + "a" * 64, "4.9.10", "1.22.3", "4.8.20")


def obj(removed: str = "1.22", total: int | None = 7, hours: list | None = None) -> dict:
    status: dict = {"removedInRelease": removed}
    if total is not None:
        status["requestCount"] = total
    status["last24h"] = (
        hours
        if hours is not None
        else [
            {
                "byNode": [
                    {
                        "nodeName": "m1",
                        "byUser": [
                            {
                                "username": "system:serviceaccount:legacy:tool",
                                "userAgent": "legacy-tool/1.0",
                                "requestCount": 7,
                            }
                        ],
                    }
                ]
            }
        ]
    )
    return {"metadata": {"name": NAME}, "status": status}


def test_an_api_removed_by_the_target_and_in_use_fails_naming_users_and_the_ack() -> None:
    v = evaluate_api(ApiFacts(summarize(obj()), TARGET))
    assert not v.ok
    assert "7 request(s) in the last 24 hours" in v.message
    assert "system:serviceaccount:legacy:tool (legacy-tool/1.0): 7" in v.message
    assert f"oc get apirequestcounts {NAME} -o jsonpath=" in v.remediation
    assert (
        "oc -n openshift-config patch cm admin-acks --patch "
        '\'{"data":{"ack-4.8-kube-1.22-api-removals-in-4.9":"true"}}\' --type=merge'
    ) in v.remediation


def test_an_api_removed_later_or_unused_passes() -> None:
    later = evaluate_api(ApiFacts(summarize(obj(removed="1.25")), TARGET))
    assert later.ok and "still served" in later.message
    idle = evaluate_api(ApiFacts(summarize(obj(total=0, hours=[])), TARGET))
    assert idle.ok and "not requested in the last 24 hours" in idle.message


def test_removed_exactly_at_or_before_the_target_counts() -> None:
    for removed in ("1.22", "1.16"):
        assert not evaluate_api(ApiFacts(summarize(obj(removed=removed)), TARGET)).ok


def test_the_ack_key_follows_the_docs_shape() -> None:
    t = TargetRelease("t", "4.13.0", "1.26.3", "4.12.9")
    assert admin_ack_key(t) == "ack-4.12-kube-1.26-api-removals-in-4.13"
    assert admin_ack_key(TargetRelease("t", "4.9.0", "1.22.1")) == (
        "ack-4.8-kube-1.22-api-removals-in-4.9"
    )


def test_without_request_count_the_hours_are_summed() -> None:
    use = summarize(obj(total=None))
    assert use.requests == 7


users = st.lists(
    st.fixed_dictionaries(
        {
            "username": st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]),
            "userAgent": st.sampled_from(["x/1", "y/2"]),
            "requestCount": st.integers(0, 1000),
        }
    ),
    max_size=6,
)
hours = st.lists(
    st.fixed_dictionaries(
        {"byNode": st.lists(st.fixed_dictionaries({"byUser": users}), max_size=3)}
    ),
    max_size=24,
)


@settings(deadline=None, max_examples=80)
@given(hours)
def test_the_summary_keeps_every_request(last24h: list) -> None:
    """Top users plus the others add up to every request of the hours, largest first."""
    use = summarize(obj(total=None, hours=last24h))
    every = sum(u["requestCount"] for h in last24h for n in h["byNode"] for u in n["byUser"])
    assert use.requests == every
    assert sum(u.requests for u in use.users) + use.other_requests == every
    counts = [u.requests for u in use.users]
    assert counts == sorted(counts, reverse=True) and len(counts) <= arc.TOP


@pytest.mark.parametrize(
    ("status", "key"),
    [
        ({"last24h": {"byNode": []}}, "status.last24h"),
        ({"last24h": [7]}, "status.last24h[0]"),
        (
            {"last24h": [{"byNode": [{"byUser": [{"requestCount": -1}]}]}]},
            "status.last24h[0].byNode[0].byUser[0].requestCount",
        ),
        ({"requestCount": "many"}, "status.requestCount"),
    ],
)
def test_malformed_status_is_an_error_naming_object_and_key(status: dict, key: str) -> None:
    with pytest.raises(InputError) as err:
        summarize({"metadata": {"name": NAME}, "status": status})
    assert err.value.key == key and NAME in str(err.value)


def test_a_huge_last24h_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arc, "MAX_USER_ENTRIES", 100)
    user = {"username": "u", "userAgent": "a", "requestCount": 1}
    huge = [{"byNode": [{"byUser": [user] * 60}]}] * 24
    with pytest.raises(InputError) as err:
        summarize(obj(hours=huge))
    assert "more than 100 byUser entries" in str(err.value) and NAME in str(err.value)
