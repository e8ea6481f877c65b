"""checks/installconfig.py: installconfig.mirrors, installconfig.networks, installconfig.site
(made documents and the real files under tests/real/install-config/)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.installconfig import (
    covering_network,
    evaluate_install_config,
    evaluate_networks,
    evaluate_site,
)
from collectors.errors import FactError, InputError, NotApplicable
from collectors.facts.installconfig import (
    REQUIRED_SOURCES,
    HostFacts,
    InstallConfigFacts,
    NetworksFacts,
    SiteFacts,
    gather_install_config,
)
from collectors.install.installconfig import networking_of, read_install_config, site_settings_of
from collectors.site import Site
from collectors.transport.tlsprobe import TlsResult
from tests.checks import inventory

HOST = "mirror.example:5000"
OK_TLS = TlsResult("mirror.example", 5000, True, True)


def facts(*hosts: HostFacts, coverage: dict | None = None) -> InstallConfigFacts:  # type: ignore[type-arg]
    covered = {s: (f"{HOST}/ocp4/openshift4",) for s in REQUIRED_SOURCES}
    return InstallConfigFacts(
        "install-config.yaml",
        (),
        coverage if coverage is not None else covered,
        1,
        hosts,
        HOST,
        True,
    )


def test_covered_verified_and_logged_in_passes() -> None:
    v = evaluate_install_config(facts(HostFacts(HOST, OK_TLS, None, True)))
    assert v.ok
    assert v.message == (
        f"both release sources mirrored to {HOST}/ocp4/openshift4; trust bundle and pull secret fit"
    )


def test_uncovered_source_gives_the_image_content_sources_entry() -> None:
    coverage = {REQUIRED_SOURCES[0]: (f"{HOST}/ocp4/openshift4",), REQUIRED_SOURCES[1]: ()}
    v = evaluate_install_config(facts(HostFacts(HOST, OK_TLS, None, True), coverage=coverage))
    assert not v.ok
    assert f"no imageContentSources/imageDigestSources entry mirrors {REQUIRED_SOURCES[1]}" in (
        v.message
    )
    assert v.remediation.startswith(
        f'add "- {{mirrors: [{HOST}/<repository>], source: {REQUIRED_SOURCES[1]}}}" '
        "under imageContentSources"
    )
    assert "\\n" not in v.remediation and "\n" not in v.remediation


def test_bundle_that_does_not_verify_and_missing_credentials() -> None:
    bad_tls = TlsResult("mirror.example", 5000, True, False, "self-signed certificate", "CN=lab-ca")
    v = evaluate_install_config(facts(HostFacts(HOST, bad_tls, None, False)))
    assert not v.ok
    assert (
        f"additionalTrustBundle (1 certificate(s)) does not verify {HOST}: self-signed "
        "certificate (its certificate is issued by CN=lab-ca)" in v.message
    )
    assert f"pullSecret has no auths entry for {HOST}" in v.message
    assert "sed -e 's/^/  /' /opt/registry/certs/domain.crt >> install-config.yaml" in v.remediation
    assert f"podman login --authfile pull-secret.json {HOST}" in v.remediation


def test_refused_login_and_offline_bundle_mismatch() -> None:
    v = evaluate_install_config(
        facts(HostFacts(HOST, None, False, True, "HTTP 401: the registry refused user 'x'"))
    )
    assert not v.ok
    assert "additionalTrustBundle lacks the CA in mirror.ca_file" in v.message
    assert f"pullSecret credentials for {HOST} do not work (HTTP 401" in v.message
    assert f"refresh the entry for {HOST} in pullSecret" in v.remediation


CONNECTED = """apiVersion: v1
baseDomain: example.localdomain
metadata: {name: ocp45}
pullSecret: 'not json'
"""


def test_connected_install_is_skipped_and_disconnected_is_not(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "install-config.yaml").write_text(CONNECTED)
    site = Site(inventory(f"install_config: {tmp_path / 'install-config.yaml'}\n"))
    with pytest.raises(NotApplicable, match="^a connected install: install-config.yaml has no"):
        gather_install_config(site, "install-config.yaml")
    site = Site(
        inventory(
            f"install_config: {tmp_path / 'install-config.yaml'}\n"
            "mirror: {registry: '127.0.0.1:9'}\n"
        )
    )
    with pytest.raises(FactError):  # a mirror is wanted: the check runs (here: a bad pullSecret)
        gather_install_config(site, "install-config.yaml")


# --------------------------------------------------------------------------- installconfig.networks

REAL = Path(__file__).resolve().parent.parent / "real" / "install-config"
NODES = tuple((f"node m{i}", f"10.0.0.{20 + i}") for i in (1, 2, 3)) + (("node w1", "10.0.0.31"),)
LB = (("load_balancer.api", "10.0.0.111"), ("load_balancer.api_int", "10.0.0.110"))


def networks(doc: dict, nodes=NODES, others=()) -> NetworksFacts:  # type: ignore[no-untyped-def]
    return NetworksFacts(
        "install-config.yaml",
        networking_of(doc, "install-config.yaml"),
        nodes,
        (("node bs", "10.0.0.11"),),
        LB,
        tuple(others),
    )


GOOD = {
    "networking": {
        "machineNetwork": [{"cidr": "10.0.0.0/24"}],
        "clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}],
        "serviceNetwork": ["172.30.0.0/16"],
    }
}


def test_networks_that_fit_the_site_pass() -> None:
    v = evaluate_networks(networks(GOOD, others=[("dns.servers[0]", "10.0.0.2")]))
    assert v.ok and "room for 512 nodes" in v.message


def test_a_node_outside_the_machine_network_fails_with_the_covering_cidr() -> None:
    v = evaluate_networks(networks(GOOD, nodes=(*NODES, ("node w2", "10.0.1.32"))))
    assert not v.ok
    assert "machineNetwork 10.0.0.0/24 misses node w2 10.0.1.32" in v.message
    assert "machineNetwork: [{cidr: 10.0.0.0/23}]" in v.remediation


def test_a_far_off_node_is_named_as_wrong_never_a_cidr_swallowing_the_service_network() -> None:
    seed = {"networking": {**GOOD["networking"], "machineNetwork": [{"cidr": "172.16.0.0/24"}]}}
    site = tuple((f"node m{i}", f"172.16.0.{20 + i}") for i in (1, 2, 3))
    lb = (("load_balancer.api", "172.16.0.111"),)
    facts = NetworksFacts(
        "install-config.yaml",
        networking_of(seed, "install-config.yaml"),
        (*site, ("node w2", "192.168.0.32")),
        (("node bs", "172.16.0.11"),),
        lb,
        (),
    )
    v = evaluate_networks(facts)
    assert not v.ok
    assert "128.0.0.0/1" not in v.remediation and "cidr: 0.0.0.0" not in v.remediation
    assert "node w2 192.168.0.32 looks wrong" in v.remediation
    assert "machineNetwork: [{cidr: 172.16.0.0/25}] holds the rest" in v.remediation


@pytest.mark.parametrize(
    ("ips", "expected"),
    [
        (["10.0.0.21", "10.0.1.32"], "10.0.0.0/23"),
        (["172.16.0.11", "172.31.255.1"], None),  # the cover 172.16.0.0/12 holds 172.30.0.0/16
        (["10.0.0.1", "11.0.0.1"], None),  # wider than /8: no site's machine network
    ],
)
def test_suggested_machine_network_is_the_smallest_that_overlaps_nothing(ips, expected) -> None:  # noqa: ANN001
    from checks.installconfig import suggest_machine_network

    avoid = [ipaddress.ip_network("10.128.0.0/14"), ipaddress.ip_network("172.30.0.0/16")]
    net, suspects = suggest_machine_network([(f"node n{i}", ip) for i, ip in enumerate(ips)], avoid)
    assert (str(net) if net else None) == expected
    if expected is None:
        assert suspects  # which address looks wrong
        assert all(not n.overlaps(a) for n in [net] if n for a in avoid)


def test_service_network_overlapping_the_dns_server_fails_and_offers_a_free_range() -> None:
    v = evaluate_networks(networks(GOOD, others=[("dns.servers[1]", "172.30.0.10")]))
    assert not v.ok
    assert "serviceNetwork 172.30.0.0/16 overlaps dns.servers[1] 172.30.0.10" in v.message
    assert "e.g. 172.31.0.0/16" in v.remediation


def test_cluster_network_overlapping_the_machine_network_fails() -> None:
    doc = {"networking": {**GOOD["networking"], "clusterNetwork": [{"cidr": "10.0.0.0/14"}]}}
    v = evaluate_networks(networks(doc))
    assert not v.ok and "clusterNetwork 10.0.0.0/14 overlaps machineNetwork 10.0.0.0/24" in (
        v.message
    )


def test_host_prefix_without_room_for_the_nodes_fails() -> None:
    doc = {
        "networking": {
            **GOOD["networking"],
            "clusterNetwork": [{"cidr": "10.128.0.0/22", "hostPrefix": 23}],
        }
    }
    v = evaluate_networks(networks(doc))
    assert not v.ok and "gives 2 node subnet(s) (2^(hostPrefix - prefix)) for 4 nodes" in v.message


@pytest.mark.parametrize(
    ("networking", "key"),
    [
        ({"clusterNetwork": [{"cidr": "10.128.0.0/33"}]}, "networking.clusterNetwork[0].cidr"),
        ({"serviceNetwork": ["172.30.0/16x"]}, "networking.serviceNetwork[0]"),
        ({"machineNetwork": [{"cidr": 17}]}, "networking.machineNetwork[0].cidr"),
        (
            {"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": "23"}]},
            "networking.clusterNetwork[0].hostPrefix",
        ),
    ],
)
def test_a_cidr_that_does_not_parse_is_an_input_error_naming_the_key(
    networking: dict, key: str
) -> None:
    with pytest.raises(InputError) as caught:
        networking_of({"networking": networking}, "ic.yaml")
    assert caught.value.key == key and str(caught.value).startswith(f"ic.yaml: {key}: ")


@given(
    st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=20),
)
def test_covering_network_holds_every_address(ips: list[str]) -> None:
    net = covering_network(ips)
    assert net is not None and all(ipaddress.ip_address(i) in net for i in ips)
    if net.prefixlen < 32:  # and one bit longer would not
        halves = list(net.subnets(prefixlen_diff=1))
        assert not any(all(ipaddress.ip_address(i) in h for i in ips) for h in halves)


def test_real_akaronte_default_machine_network_misses_the_authors_nodes() -> None:
    config = read_install_config(REAL / "akaronte-okd4.5-none.install-config.yaml")
    nodes = tuple((f"node m{i}", f"192.168.100.{10 + i}") for i in (1, 2, 3))
    facts = NetworksFacts("install-config.yaml", config.networking(), nodes, (), (), ())
    v = evaluate_networks(facts)
    assert not v.ok
    assert "machineNetwork 10.0.0.0/16 (installer default) misses node m1 192.168.100.11" in (
        v.message
    )
    assert "overlaps" not in v.message


def test_real_jds2001_deprecated_cluster_networks_are_read() -> None:
    config = read_install_config(
        REAL / "jds2001-ocp4.2-none-mirror-trustbundle.install-config.yaml"
    )
    n = config.networking()
    assert [(str(c), p) for c, p in n.cluster] == [("10.128.0.0/14", 23)]
    facts = NetworksFacts("install-config.yaml", n, NODES, (), LB, ())
    assert evaluate_networks(facts).ok


# --------------------------------------------------------------------------- installconfig.site


def site_facts(doc: dict, masters: int = 3, platform: str = "none") -> SiteFacts:
    return SiteFacts(
        "install-config.yaml",
        site_settings_of(doc),
        "ocp45",
        "example.localdomain",
        masters,
        platform,
        "api-int.ocp45.example.localdomain",
        "registry.example.localdomain",
        ("10.0.0.0/24",),
    )


SITE = {
    "metadata": {"name": "ocp45"},
    "baseDomain": "example.localdomain",
    "controlPlane": {"name": "master", "replicas": 3},
    "compute": [{"name": "worker", "replicas": 0}],
    "platform": {"none": {}},
    "sshKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDlabkeyonlyforthelab lab",
}


def test_install_config_naming_this_site_passes() -> None:
    v = evaluate_site(site_facts(SITE))
    assert v.ok and "sshKey ssh-ed25519, no proxy" in v.message


@pytest.mark.parametrize(
    ("change", "found", "fix"),
    [
        ({"metadata": {"name": "ocp46"}}, "metadata.name 'ocp46'", "set metadata.name: ocp45"),
        ({"baseDomain": "example.com"}, "baseDomain 'example.com'", "baseDomain: example"),
        ({"controlPlane": {"replicas": 1}}, "controlPlane.replicas 1 for 3", "replicas: 3"),
        ({"compute": [{"name": "worker", "replicas": 3}]}, "compute worker replicas 3", ": 0"),
        ({"platform": {"baremetal": {}}}, "platform baremetal", "platform: {none: {}}"),
        ({"sshKey": ""}, "no sshKey", "sshKey: '<contents"),
    ],
)
def test_each_site_field_fails_for_its_reason(change: dict, found: str, fix: str) -> None:
    v = evaluate_site(site_facts({**SITE, **change}))
    assert not v.ok and found in v.message and fix in v.remediation


def test_proxy_without_the_mirror_and_machine_network_in_no_proxy_fails() -> None:
    proxy = {
        "httpProxy": "http://proxy.example:3128",
        "noProxy": "api-int.ocp45.example.localdomain,.cluster.local,.svc",
    }
    v = evaluate_site(site_facts({**SITE, "proxy": proxy}))
    assert not v.ok
    assert "proxy.noProxy misses 10.0.0.0/24, registry.example.localdomain" in v.message
    assert "add to proxy.noProxy: 10.0.0.0/24,registry.example.localdomain" in v.remediation
    ok = {**proxy, "noProxy": proxy["noProxy"] + ",10.0.0.0/16,example.localdomain"}
    assert evaluate_site(site_facts({**SITE, "proxy": ok})).ok


def test_real_jds2001_compute_replicas_one_fails_only_for_that() -> None:
    config = read_install_config(
        REAL / "jds2001-ocp4.2-none-mirror-trustbundle.install-config.yaml"
    )
    assert config.site is not None
    facts = SiteFacts(
        "install-config.yaml",
        config.site,
        "openshift4poc",
        "example.local",
        3,
        "none",
        "api-int.openshift4poc.example.local",
        "registry.local",
        (),
    )
    v = evaluate_site(facts)
    assert not v.ok
    assert v.message.split("; found ")[1] == (
        "compute worker replicas 1 (UPI boots workers by hand: the installer would wait for "
        "machines it cannot make)"
    )


def test_real_akaronte_placeholder_ssh_key_fails() -> None:
    config = read_install_config(REAL / "akaronte-okd4.5-none.install-config.yaml")
    assert config.site is not None
    facts = SiteFacts(
        "install-config.yaml",
        config.site,
        "lab",
        "okd.local",
        3,
        "none",
        "api-int.lab.okd.local",
        None,
        (),
    )
    v = evaluate_site(facts)
    assert not v.ok
    assert v.message.endswith("found sshKey is not an OpenSSH public key (a placeholder?)")
