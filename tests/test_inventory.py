"""The inventory loader: one test per class of error, relative paths, and hypothesis fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.inventory import Inventory, InventoryError, load_inventory

BASE = """\
cluster:
  name: ocp45
  base_domain: example.localdomain
dns:
  servers: ["172.16.0.102", "172.16.0.103:5353"]
load_balancer:
  api: 172.16.0.111
  api_int: 172.16.0.110
  ingress: 172.16.0.111
  config: lb/haproxy.cfg
nodes:
  - {name: bs, role: bootstrap, ip: 172.16.0.11}
  - {name: m1, role: master, ip: 172.16.0.21}
  - {name: i1, role: infra, ip: 172.16.0.41, ssh: "core@172.16.0.41:2222"}
ssh:
  user: core
  key: keys/id_rsa
ignition:
  dir: installdir
mirror:
  registry: registry.test.example.local:5000
  auth_file: pull-secret.json
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(InventoryError) as info:
        load_inventory(write(tmp_path, text))
    return str(info.value)


def test_good_inventory_loads_with_defaults_and_resolved_paths(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, BASE))
    assert inv.cluster_domain == "ocp45.example.localdomain"
    assert [str(s) for s in inv.dns_servers] == ["172.16.0.102:53", "172.16.0.103:5353"]
    assert inv.load_balancer.ports == {
        "api": 6443,
        "machine_config": 22623,
        "http": 80,
        "https": 443,
    }
    assert inv.load_balancer.config == str(tmp_path / "lb" / "haproxy.cfg")
    assert inv.ignition.dir == tmp_path / "installdir" and inv.ignition.min_valid_hours == 2
    assert inv.mirror.auth_file == tmp_path / "pull-secret.json"
    assert inv.ssh.key == tmp_path / "keys" / "id_rsa"
    i1 = inv.node_by_name("i1")
    assert i1 is not None and i1.fqdn == "i1.ocp45.example.localdomain"
    assert i1.ssh is not None and (i1.ssh.user, i1.ssh.host, i1.ssh.port) == (
        "core",
        "172.16.0.41",
        2222,
    )
    assert [n.name for n in inv.ingress_nodes()] == ["i1"]
    assert inv.has("load_balancer.config") and not inv.has("bastion.http_root")
    assert inv.missing(["dns.servers", "mirror.ca_file"]) == ["mirror.ca_file"]


def test_dns_servers_by_name_and_ipv6_subjects(tmp_path: Path) -> None:
    text = BASE.replace(
        '["172.16.0.102", "172.16.0.103:5353"]', '["ns1.example.localdomain", "::1", "[::1]:5353"]'
    )
    inv = load_inventory(write(tmp_path, text))
    assert [str(s) for s in inv.dns_servers] == [
        "ns1.example.localdomain:53",
        "[::1]:53",
        "[::1]:5353",
    ]


def test_local_lb_log_is_relative_to_the_inventory(tmp_path: Path) -> None:
    text = BASE.replace(
        "  config: lb/haproxy.cfg", "  config: lb/haproxy.cfg\n  log: lb/haproxy.log"
    )
    inv = load_inventory(write(tmp_path, text))
    assert inv.load_balancer.log == str(tmp_path / "lb" / "haproxy.log")


def test_lb_config_over_ssh_is_not_resolved_locally(tmp_path: Path) -> None:
    text = BASE.replace(
        "  config: lb/haproxy.cfg",
        "  config: /etc/haproxy/haproxy.cfg\n  ssh: root@lb1:22\n  log: haproxy.log",
    )
    inv = load_inventory(write(tmp_path, text))
    assert (
        inv.load_balancer.config == "/etc/haproxy/haproxy.cfg"
        and inv.load_balancer.log == "haproxy.log"
    )
    assert str(inv.load_balancer.ssh) == "root@lb1:22"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("  name: ocp45\n", ""), ":1: cluster.name: is required"),
        (lambda t: t.replace("ocp45", "OCP_45"), "cluster.name: must be a lower-case DNS label"),
        (
            lambda t: t.replace("api: 172.16.0.111", "api: 172.16.0.300"),
            ":7: load_balancer.api: must be an IP address",
        ),
        (
            lambda t: t.replace('"172.16.0.103:5353"', '"ns_2!:53"'),
            ":5: dns.servers[1]: must be a host or IP address",
        ),
        (
            lambda t: t.replace('"172.16.0.103:5353"', '"172.16.0.103:99999"'),
            "dns.servers[1]: must be a host or IP address with an optional :port (bad port",
        ),
        (
            lambda t: t + "cluster: {name: again, base_domain: x.y}\n",
            ":23: cluster: appears twice (first at line 1)",
        ),
        (
            lambda t: t.replace("role: master", "role: boss"),
            ":13: nodes[1].role: must be one of bootstrap, master, worker, infra",
        ),
        (
            lambda t: t.replace("ip: 172.16.0.41", "ip: 172.16.0.21"),
            ":14: nodes[2].ip: 172.16.0.21 duplicates nodes[1].ip",
        ),
        (
            lambda t: t.replace("{name: bs, role: bootstrap, ", "{role: bootstrap, "),
            ":12: nodes[0].name: is required",
        ),
        (lambda t: t + "extra: 1\n", ":23: extra: unknown key"),
        (
            lambda t: t.replace("  config: lb/haproxy.cfg", "  config: x\n  prots: {api: 1}"),
            "load_balancer.prots: unknown key",
        ),
        (
            lambda t: t.replace("  user: core", "  user: core\n  host_key_policy: yolo"),
            "ssh.host_key_policy: must be one of strict, accept-new",
        ),
        (
            lambda t: t.replace("dir: installdir", "dir: installdir\n  min_valid_hours: soon"),
            "ignition.min_valid_hours: must be a number",
        ),
        (
            lambda t: t.replace("load_balancer:\n", "load_balancer:\n  ports: {api: 0}\n"),
            "load_balancer.ports.api: must be a port number",
        ),
        (lambda t: t.replace("nodes:\n", "nodes: 3\nold_nodes:\n"), "nodes: must be a list"),
        (
            lambda t: t + "bastion: {http_url: 'ftp://x/'}\n",
            "bastion.http_url: must start with http://",
        ),
        (
            lambda t: t.replace('ssh: "core@172.16.0.41:2222"', "ssh: 5"),
            "nodes[2].ssh: must be a string (got int 5)",
        ),
        (
            lambda t: t.replace("registry: registry.test.example.local:5000", "registry: 5000"),
            "mirror.registry: must be a string",
        ),
        (lambda t: t.replace("  - {name: bs", "  - {name: bs,, "), "not valid YAML"),
        (lambda t: "- just\n- a list\n", ":1: must be a YAML mapping"),
        (
            lambda t: t.replace(
                "cluster:\n  name: ocp45\n  base_domain: example.localdomain\n", ""
            ),
            "cluster: is required",
        ),
    ],
)
def test_each_class_of_error_names_file_key_and_line(tmp_path: Path, edit, expected: str) -> None:  # noqa: ANN001
    message = error_of(tmp_path, edit(BASE))
    assert str(tmp_path / "site.yaml") in message
    assert expected in message, message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("role: master", "role: boss").replace("api: 172.16.0.111", "api: x")
    message = error_of(tmp_path, text)
    assert "nodes[1].role" in message and "load_balancer.api" in message


def test_unreadable_inventory(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read inventory"):
        load_inventory(tmp_path / "missing.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InventoryError):
        load_inventory(tmp_path / "bin.yaml")


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.text(max_size=20),
    st.sampled_from(["172.16.0.1", "master", "ocp45", "1.2.3.4:53", "[::1]:53"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["name", "role", "ip", "servers", "api", "ports", "config", "ssh", "x"]
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
sections = st.dictionaries(
    st.sampled_from(
        [
            "cluster",
            "dns",
            "load_balancer",
            "nodes",
            "ssh",
            "bastion",
            "ignition",
            "mirror",
            "install_config",
            "bogus",
        ]
    ),
    yaml_values,
    max_size=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=sections)
def test_any_structure_gives_an_inventory_or_a_clear_error(tmp_path: Path, data: dict) -> None:
    path = write(tmp_path, yaml.safe_dump(data))
    try:
        assert isinstance(load_inventory(path), Inventory)
    except InventoryError as exc:
        assert str(path) in str(exc) and exc.problems


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_text_gives_an_inventory_or_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes(text.encode("utf-8", "replace"))
    try:
        load_inventory(path)
    except InventoryError as exc:
        assert str(path) in str(exc)


# --------------------------------------------------------------------------- issue 14's keys


def test_deeper_preflight_keys_load_with_defaults(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, BASE))
    assert (inv.mirror.min_valid_days, inv.mirror.resolve_via_site_dns) == (30.0, False)
    assert (inv.ntp.servers, inv.ntp.max_offset_s, inv.platform) == ((), 1.0, "none")
    text = (
        BASE.replace(
            "  auth_file: pull-secret.json\n",
            "  auth_file: pull-secret.json\n  min_valid_days: 60\n  resolve_via_site_dns: true\n",
        )
        + "ntp:\n  servers: [172.16.0.102, 'ntp.example:1123']\n  max_offset_s: 0.5\n"
    )
    inv = load_inventory(
        write(tmp_path, text.replace("  name: ocp45\n", "  name: ocp45\n  platform: vsphere\n"))
    )
    assert (inv.mirror.min_valid_days, inv.mirror.resolve_via_site_dns) == (60.0, True)
    assert inv.ntp.servers == (("172.16.0.102", 123), ("ntp.example", 1123))
    assert (inv.ntp.max_offset_s, inv.platform) == (0.5, "vsphere")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("ntp: {servers: ['bad host!']}\n", "ntp.servers[0]: must be a host or IP"),
        ("ntp: {servers: 172.16.0.102}\n", "ntp.servers: must be a list"),
        ("ntp: {max_offset_s: -1}\n", "ntp.max_offset_s: must be a number of seconds > 0"),
        ("ntp: {server: [x]}\n", "ntp.server: unknown key"),
    ],
)
def test_bad_ntp_keys_name_key_and_line(tmp_path: Path, extra: str, expected: str) -> None:
    message = error_of(tmp_path, BASE + extra)
    assert expected in message and f"{tmp_path / 'site.yaml'}:" in message, message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  min_valid_days: soon\n", "mirror.min_valid_days: must be a number of days >= 0"),
        ("  resolve_via_site_dns: yes-please\n", "mirror.resolve_via_site_dns: must be true or"),
    ],
)
def test_bad_mirror_keys_name_key_and_line(tmp_path: Path, line: str, expected: str) -> None:
    text = BASE.replace("  auth_file: pull-secret.json\n", "  auth_file: pull-secret.json\n" + line)
    assert expected in error_of(tmp_path, text)


def test_resolve_via_site_dns_needs_dns_servers(tmp_path: Path) -> None:
    text = BASE.replace('  servers: ["172.16.0.102", "172.16.0.103:5353"]\n', "  servers: []\n")
    text = text.replace(
        "  auth_file: pull-secret.json\n",
        "  auth_file: pull-secret.json\n  resolve_via_site_dns: true\n",
    )
    assert "mirror.resolve_via_site_dns: needs dns.servers" in error_of(tmp_path, text)
