"""mirror.from_nodes and mirror.capacity evaluate functions on made facts (no servers)."""

from __future__ import annotations

from dataclasses import replace

from checks.mirror import evaluate_capacity, evaluate_from_node
from collectors.facts.mirror import CapacityFacts, FromNodeFacts, NodeRegistriesConf

REG = "registry.example.com:5000"
NODE = FromNodeFacts("m1", "core@10.0.0.21:22", REG, ("10.0.0.5",), False, 0, "401", "")


def test_a_node_that_resolves_trusts_and_gets_401_passes() -> None:
    v = evaluate_from_node(NODE)
    assert v.ok and "registry.example.com -> 10.0.0.5" in v.message and "GET /v2/ 401" in v.message


def test_a_name_the_node_cannot_resolve_fails_naming_getent() -> None:
    v = evaluate_from_node(replace(NODE, resolved=()))
    assert not v.ok and "getent hosts registry.example.com" in v.remediation


def test_untrusted_tls_points_at_the_trust_store() -> None:
    bad = replace(
        NODE, curl_rc=60, http_code="000", curl_error="curl: (60) SSL certificate problem"
    )
    v = evaluate_from_node(bad)
    assert not v.ok and "does not verify with the host's trust store" in v.message
    assert "update-ca-trust" in v.remediation


def test_no_connection_and_a_500_are_failures_with_their_reason() -> None:
    v = evaluate_from_node(replace(NODE, curl_rc=7, http_code="000", curl_error="refused"))
    assert not v.ok and "could not connect" in v.message and "firewall-cmd" in v.remediation
    v = evaluate_from_node(replace(NODE, http_code="500"))
    assert not v.ok and "answered 500" in v.message


def test_registries_conf_must_map_both_release_sources_to_the_mirror() -> None:
    good = NodeRegistriesConf("/etc/containers/registries.conf", (f"{REG}/ocp4/o",), (f"{REG}/x",))
    assert evaluate_from_node(replace(NODE, registries_conf=good)).ok
    half = replace(good, content_mirrors=("other.example/x",))
    v = evaluate_from_node(replace(NODE, registries_conf=half))
    assert not v.ok and "ocp-v4.0-art-dev to other.example/x" in v.message
    absent = NodeRegistriesConf("", error="No such file or directory")
    assert evaluate_from_node(replace(NODE, registries_conf=absent)).ok


CAP = CapacityFacts(
    "reg", "root@reg:22", "/opt/registry/data", "/dev/sdb1", "/opt", 200 * 2**30, 500 * 2**30, 100.0
)


def test_capacity_passes_at_and_above_the_minimum_and_fails_below() -> None:
    assert evaluate_capacity(CAP).ok
    assert evaluate_capacity(replace(CAP, available_bytes=100 * 2**30)).ok
    v = evaluate_capacity(replace(CAP, available_bytes=3 * 2**30, data_dir="/opt/my data"))
    assert not v.ok and "3 GiB free of 500 GiB" in v.message
    assert "'/opt/my data'" in v.remediation
