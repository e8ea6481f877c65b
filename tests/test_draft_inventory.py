"""``python -m collectors draft-inventory``: an inventory drafted from the site's own files passes
the loader; on the seed site (the lab's zone files, haproxy.cfg and install-config) its nodes need
no edit; on real UPI files (tests/real/) it finds what a careful reader finds."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.__main__ import main as collectors_main
from collectors.errors import InputError
from collectors.install.draft import Zone, draft_inventory, role_from_name
from collectors.inventory import load_inventory
from tests.suite import ROOT

REAL = ROOT / "tests" / "real"


def draft(tmp_path: Path, *args: str) -> tuple[str, Path]:
    """Run the command as a user does; the draft's text and where it was saved."""
    done = subprocess.run(
        [sys.executable, "-m", "collectors", "draft-inventory", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "site.yaml"
    out.write_text(done.stdout)
    return done.stdout, out


def nodes_of(path: Path) -> list[tuple[str, str, str]]:
    return [(n.name, n.role, n.ip) for n in load_inventory(path).nodes]


def assert_guesses_marked(text: str) -> None:
    """Every value that was guessed says so: node lines and LB addresses carry a comment."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("- {name:") or stripped.split(":")[0] in ("api", "api_int"):
            assert "# guessed from" in line, line


@pytest.mark.lab  # starts the lab's servers
def test_seed_site_draft_loads_and_its_nodes_need_no_edit(start_lab, tmp_path: Path) -> None:  # noqa: ANN001
    lab = start_lab("clean", parts=("registry",))
    w = lab.workdir
    zone = next((w / "ns1").glob("named.*.zone"))
    reverse = next((w / "ns1").glob("*.in-addr.arpa.zone"))
    text, path = draft(
        tmp_path,
        "--install-config", str(w / "install-config.yaml"),
        "--haproxy", str(w / "haproxy" / "haproxy.cfg"),
        "--zone", str(zone), "--zone", str(reverse),
    )  # fmt: skip
    drafted, expected = load_inventory(path), load_inventory(lab.inventory_path)
    assert nodes_of(path) == nodes_of(lab.inventory_path)  # no edit for the nodes
    assert drafted.cluster_domain == expected.cluster_domain == "ocp45.example.localdomain"
    for key in ("api", "api_int", "ingress"):
        assert getattr(drafted.load_balancer, key) == getattr(expected.load_balancer, key)
    assert str(drafted.load_balancer.config) == str(expected.load_balancer.config)
    assert drafted.mirror.registry == expected.mirror.registry
    assert str(drafted.install_config) == str(expected.install_config)
    assert_guesses_marked(text)
    assert "no PTR" not in text and "pullSecret" in text and '"auths"' not in text


@pytest.mark.lab  # starts the lab's servers
def test_the_draft_of_a_lab_site_missing_ptrs_says_which(start_lab, tmp_path: Path) -> None:  # noqa: ANN001
    lab = start_lab("missing-ptr")
    w = lab.workdir
    text, path = draft(
        tmp_path,
        "--zone", str(next((w / "ns1").glob("named.*.zone"))),
        "--zone", str(next((w / "ns1").glob("*.in-addr.arpa.zone"))),
    )  # fmt: skip
    (i1,) = [line for line in text.splitlines() if "name: i1," in line]
    assert "no PTR for it" in i1
    assert nodes_of(path) == nodes_of(lab.inventory_path)  # names alone give the roles here


def test_real_okd45_files_draft_bootstrap_masters_and_workers(tmp_path: Path) -> None:
    text, path = draft(
        tmp_path,
        "--install-config", str(REAL / "install-config/akaronte-okd4.5-none.install-config.yaml"),
        "--haproxy", str(REAL / "haproxy/akaronte-okd4.5-frontend-backend.haproxy.cfg"),
        "--zone", str(REAL / "zones/akaronte-okd4.5-okd.local.zone"),
        "--zone", str(REAL / "zones/akaronte-okd4.5-100.168.192.IN-ADDR.ARPA.zone"),
    )  # fmt: skip
    inv = load_inventory(path)
    assert inv.cluster_domain == "lab.okd.local"
    assert nodes_of(path) == [
        ("okd4-bootstrap", "bootstrap", "192.168.100.3"),
        *[(f"okd4-control-plane-{i}", "master", f"192.168.100.{3 + i}") for i in (1, 2, 3)],
        *[(f"okd4-compute-{i}", "worker", f"192.168.100.{6 + i}") for i in (1, 2, 3)],
    ]
    lb = inv.load_balancer
    assert lb.api == lb.api_int == lb.ingress == "192.168.100.2"
    assert [s.host for s in inv.dns_servers] == ["192.168.100.2"]  # its NS record's address
    assert "etcd" not in text.split("nodes:")[1] and "no PTR" not in text
    assert "no reverse zone" not in text and "# note:" not in text
    assert_guesses_marked(text)


def test_real_okd414_zone_named_for_another_domain_is_noted(tmp_path: Path) -> None:
    """The file is named kube1.okd4... but its records are under kube1.okd...: the draft uses
    the records and says to check the zone's name in named.conf, and that no PTR was seen."""
    text, path = draft(
        tmp_path,
        "--haproxy", str(REAL / "haproxy/akaronte-okd4.14-listen.haproxy.cfg"),
        "--zone", str(REAL / "zones/akaronte-okd4.14-kube1.okd4.piensoluegoinstalo.com.zone"),
    )  # fmt: skip
    inv = load_inventory(path)
    assert inv.cluster_domain == "kube1.okd.piensoluegoinstalo.com"
    assert "# guessed from the record api.kube1.okd.piensoluegoinstalo.com" in text
    roles = [(n, r) for n, r, _ in nodes_of(path)]
    assert roles == [("bootstrap", "bootstrap"), *[(f"master{i}", "master") for i in (1, 2, 3)],
                     *[(f"worker{i}", "worker") for i in (1, 2, 3, 4)]]  # fmt: skip
    assert "does not end with kube1.okd.piensoluegoinstalo.com" in text
    assert "no reverse zone given" in text
    assert "#   okd4-services (192.168.100.2): no role" in text  # left out, but named


def test_real_disconnected_install_config_gives_mirror_and_trust_bundle(tmp_path: Path) -> None:
    ic = REAL / "install-config/jds2001-ocp4.2-none-mirror-trustbundle.install-config.yaml"
    zone = tmp_path / "db.example.local"
    zone.write_text(
        "$TTL 3600\n@ IN SOA ns1 root 1 3600 900 3600000 3600\n  IN NS ns1\nns1 IN A 10.1.0.2\n"
        "api.openshift4poc IN A 10.1.0.5\napi-int.openshift4poc IN A 10.1.0.5\n"
        "*.apps.openshift4poc IN A 10.1.0.6\nmaster-0.openshift4poc IN A 10.1.0.10\n"
    )
    ca = tmp_path / "mirror-ca.pem"
    text, path = draft(
        tmp_path, "--install-config", str(ic), "--zone", str(zone), "--write-ca", str(ca)
    )
    inv = load_inventory(path)
    assert inv.mirror.registry == "registry.local:5000"
    assert Path(inv.mirror.ca_file) == ca and ca.read_text().startswith("-----BEGIN CERTIFICATE")
    assert "REDACTED-BY-CORPUS" not in text and "auths" not in text  # the pullSecret stays out
    assert nodes_of(path) == [("master-0", "master", "10.1.0.10")]
    assert [s.host for s in inv.dns_servers] == ["10.1.0.2"]


def test_a_broken_zone_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / "db.example.com"
    bad.write_text("$ORIGIN example.com.\n@ IN SOA ns1 root 1 1 1 1 1\nm1.c IN A 10.0.0.300\n")
    assert collectors_main(["draft-inventory", "--zone", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: not a zone file: near line 4: " in err  # line 3, or the one after it
    assert collectors_main(["draft-inventory", "--zone", str(tmp_path / "none")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_bundle_command_keeps_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    missing = tmp_path / "none.yaml"
    assert collectors_main(["--inventory", str(missing), "--bundle", str(tmp_path / "b")]) == 2
    assert "bad inventory" in capsys.readouterr().err


ROLE_NAMES = {
    "master": ["master{}", "master-{}", "cp{}", "m{}", "ocp-control-plane-{}"],
    "worker": ["worker{}", "w{}", "compute-{}", "worker-{}"],
    "infra": ["infra{}", "i{}", "infra-{}"],
    "bootstrap": ["bootstrap", "bs"],
}


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(ROLE_NAMES)), st.integers(0, 99), st.integers(1, 254)),
        min_size=1, max_size=12, unique_by=(lambda t: (t[0], t[1]), lambda t: t[2]),
    ),
    st.sampled_from(["ocp4", "c-1", "lab"]),
    st.sampled_from(["example.com", "corp.example.local"]),
    st.booleans(),
)  # fmt: skip
def test_drafted_nodes_round_trip_through_a_zone(nodes, cluster, domain, absolute) -> None:  # noqa: ANN001
    """Names in any of the usual forms, written as a zone (absolute or relative owners), come
    back with their role and address, and the draft passes the loader."""
    import tempfile

    wanted = {}
    for role, number, host in nodes:
        name = ROLE_NAMES[role][number % len(ROLE_NAMES[role])].format(number)
        wanted.setdefault(name, (role, str(ipaddress.ip_address(f"10.0.0.{host}"))))
    lines = [f"$ORIGIN {domain}.", "@ 3600 IN SOA ns1 root 1 1 1 1 1"]
    for name, (_, ip) in wanted.items():
        owner = f"{name}.{cluster}.{domain}." if absolute else f"{name}.{cluster}"
        lines.append(f"{owner} IN A {ip}")
    zone = Zone.parse("\n".join(lines) + "\n", "db.test")
    text = draft_inventory(zones=[zone], cluster=(cluster, domain)).text()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "site.yaml"
        path.write_text(text)
        got = {n.name: (n.role, n.ip) for n in load_inventory(path).nodes}
    assert got == wanted
    assert all(role_from_name(n) == r for n, (r, _) in wanted.items())


def test_a_zone_without_origin_or_telling_name_asks_for_one() -> None:
    with pytest.raises(InputError, match="give it as --zone FILE=ORIGIN"):
        Zone.parse("@ IN SOA ns1 root 1 1 1 1 1\nm1 IN A 10.0.0.1\n", "forward")
