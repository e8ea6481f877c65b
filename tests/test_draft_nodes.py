"""draft-inventory with the site's own list of machines: a node table (``--nodes CSV``) and an
agent-config.yaml's hosts. The proof is seed 002 (tests/real/seed-002/: a bare-metal UPI
install's node table, BIND zones and haproxy.cfg, as published): its draft needs no edit, names
what it could not fill and the checks that skip, warns about the reverse zone's NS name that no
forward zone holds, and the command it prints collects the checks (``--co``, under
``unshare -n``: the seed's addresses are real-looking, so no packet may leave)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from collectors import settings
from collectors.__main__ import main as collectors_main
from collectors.errors import InputError
from collectors.install.draft import Zone, draft_inventory
from collectors.install.nodetable import NODE_ROLES, agent_config_hosts, parse_nodes_csv
from collectors.inventory import load_inventory
from tests.hostile import bounded
from tests.suite import ROOT

SEED = ROOT / "tests" / "real" / "seed-002"
FORWARD = SEED / "named.example.localdomain.zone"
REVERSE = SEED / "0.16.172.in-addr.arpa.zone"


def _env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("UPI_")}
    out.pop("PYTEST_ADDOPTS", None)
    out.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return out


def upi(
    *args: str, cwd: Path, tmp_path: Path, wrap: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``upi-conformance ARGS`` as the console script runs it (``python -m fixtures.cli``)."""
    return subprocess.run(
        [*wrap, sys.executable, "-m", "fixtures.cli", *args],
        cwd=cwd, env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def no_network() -> tuple[str, ...]:
    """The wrapper that gives a child a network namespace of its own (loopback only)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    for wrap in (("unshare", "-n"), ("unshare", "-rn")):
        if subprocess.run([*wrap, "true"], capture_output=True, check=False).returncode == 0:
            return wrap
    pytest.skip("no network namespace here (unshare -n needs root or user namespaces)")


def table_rows() -> list[tuple[str, str, str]]:
    """The seed's node table: (short name, role, ip) of each node row."""
    rows = parse_nodes_csv((SEED / "nodes.csv").read_text(), "nodes.csv")
    return [(r.name.split(".")[0], r.role, r.ip) for r in rows if r.role in NODE_ROLES]


def test_seed_002_drafts_an_inventory_that_needs_no_edit_and_its_command_collects(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    made = upi(
        "draft-inventory", "--nodes", str(SEED / "nodes.csv"),
        "--haproxy", str(SEED / "haproxy.cfg"),
        "--zone", str(FORWARD), "--zone", str(REVERSE), "-o", "site.yaml",
        cwd=site, tmp_path=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    text = (site / "site.yaml").read_text()
    inv = load_inventory(site / "site.yaml")
    assert inv.cluster_domain == "ocp45.example.localdomain"
    assert [(n.name, n.role, n.ip) for n in inv.nodes] == table_rows()  # every row, as it says
    assert len(inv.nodes) == 10 and {n.role for n in inv.nodes} == set(NODE_ROLES)
    lb = inv.load_balancer
    assert (lb.api, lb.api_int, lb.ingress) == ("172.16.0.111", "172.16.0.110", "172.16.0.111")
    assert Path(lb.config) == SEED / "haproxy.cfg"
    # The zone's NS, ns1.example.localdomain, has no A record: the node table's row gives it;
    # ns2 (built "for redundancy", not set up in the notes) is named by no NS: commented only.
    assert [(s.host, s.port) for s in inv.dns_servers] == [("172.16.0.102", 53)]
    assert "ns2.example.localdomain (172.16.0.103" in text
    (i1,) = [line for line in text.splitlines() if "name: i1," in line]
    assert "no A record for it in the zones given" in i1 and "no PTR for it" in i1
    # what could not be filled, and the checks that skip, on stderr and closing the draft
    err = made.stderr
    for key, check in (("mirror.registry", "mirror.access"), ("bastion.http_url", "http.served"),
                       ("install_config", "installconfig.networks")):  # fmt: skip
        assert f"draft-inventory:   {key}: " in err and check in err
        assert f"#   {key}: " in text
    assert "dns.servers:" not in err and "load_balancer.api:" not in err  # both are filled
    # the reverse zone's NS names ns1.example.local, a name no forward zone holds
    typo = (f"{REVERSE}:8: NS 0.16.172.in-addr.arpa -> ns1.example.local (a typo for "
            "ns1.example.localdomain?): no forward zone given holds that name")  # fmt: skip
    assert typo in err and f"#   {typo}" in text
    assert f"{FORWARD}:9: IN at column 0 read as the record of the name above" in err

    header = [line for line in text.splitlines() if line.startswith("#   upi-conformance ")]
    argv = shlex.split(header[0][1:].strip())
    assert argv == ["upi-conformance", "-m", "preflight", "--inventory", "site.yaml"]
    done = upi(*argv[1:], "--co", "-q", cwd=site, tmp_path=tmp_path, wrap=no_network())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ids = done.stdout
    assert "checks/dns.py::dns.forward[m1.ocp45.example.localdomain]" in ids
    assert "checks/dns.py::dns.reverse[i3.ocp45.example.localdomain]" in ids
    assert "checks/lb.py::" in ids


ZONE = """$ORIGIN example.com.
@ 3600 IN SOA ns1 root 1 1 1 1 1
  IN NS ns1
ns1 IN A 10.0.0.2
api.c1 IN A 10.0.0.5
m1.c1 IN A 10.0.0.21
w1.c1 IN A 10.0.0.31
"""
REVERSE_TYPO = """$ORIGIN 0.0.10.in-addr.arpa.
@ 3600 IN SOA ns1.example.com. root.example.com. 1 1 1 1 1
  IN NS ns1.example.com.
21 IN PTR m1.c1.example.com.
31 IN PTR w1.c1.exmaple.com.
"""


def test_a_ptr_to_a_name_no_forward_zone_holds_is_warned_with_its_file_and_line() -> None:
    zones = [Zone.parse(ZONE, "db.example.com"), Zone.parse(REVERSE_TYPO, "db.10.0.0")]
    draft = draft_inventory(zones=zones, cluster=("c1", "example.com"))
    (warning,) = draft.warnings
    assert warning == (
        "db.10.0.0:5: PTR 31.0.0.10.in-addr.arpa -> w1.c1.exmaple.com (a typo for "
        "w1.c1.example.com?): no forward zone given holds that name"
    )
    assert f"#   {warning}" in draft.text()
    (w1,) = [line for line in draft.nodes if "name: w1," in line]
    assert "no PTR for it" in w1


def test_where_the_table_and_the_zone_disagree_the_draft_keeps_the_table_and_says_so() -> None:
    rows = parse_nodes_csv("m1,master,10.0.0.22,52:54:00:00:00:01\nx9,worker,10.0.0.99\n", "n.csv")
    zones = [Zone.parse(ZONE, "db.example.com")]
    draft = draft_inventory(zones=zones, cluster=("c1", "example.com"), table=rows)
    data = yaml.safe_load(draft.text())
    assert data["nodes"] == [
        {"name": "m1", "role": "master", "ip": "10.0.0.22"},
        {"name": "x9", "role": "worker", "ip": "10.0.0.99"},  # only in the table: still in
        {"name": "w1", "role": "worker", "ip": "10.0.0.31"},  # only in the zone: still in
    ]
    (m1,) = [line for line in draft.nodes if "name: m1," in line]
    assert "from n.csv:1" in m1 and "the zone's A record says 10.0.0.21: check" in m1
    assert "mac 52:54:00:00:00:01" in m1
    assert any(w.startswith("m1: n.csv:1 says 10.0.0.22, the A record of") for w in draft.warnings)
    (x9,) = [line for line in draft.nodes if "name: x9," in line]
    assert "no A record for it in the zones given" in x9
    (w1,) = [line for line in draft.nodes if "name: w1," in line]
    assert "not in the node table" in w1


AGENT = """apiVersion: v1beta1
kind: AgentConfig
metadata: {name: c1}
rendezvousIP: 10.0.0.21
hosts:
  - hostname: m1.c1.example.com
    role: master
    interfaces: [{name: eno1, macAddress: "52:54:00:AA:00:01"}]
    networkConfig:
      interfaces:
        - name: eno1
          type: ethernet
          ipv4: {enabled: true, dhcp: false, address: [{ip: 10.0.0.21, prefix-length: 24}]}
      dns-resolver: {config: {server: [10.0.0.2]}}
  - hostname: worker-7
    networkConfig:
      interfaces:
        - {name: eno1, ipv4: {address: [{ip: 10.0.0.37, prefix-length: 24}]}}
  - hostname: dhcp-host
    role: worker
"""


def test_agent_config_hosts_and_resolvers_fill_nodes_and_dns(tmp_path: Path) -> None:
    (tmp_path / "agent-config.yaml").write_text(AGENT)
    (tmp_path / "db.example.com").write_text(ZONE.replace("  IN NS ns1\n", ""))
    out = tmp_path / "site.yaml"
    agent, zone = str(tmp_path / "agent-config.yaml"), str(tmp_path / "db.example.com")
    args = ["draft-inventory", "--agent-config", agent, "--zone", zone, "-o", str(out)]
    assert collectors_main(args) == 0
    inv = load_inventory(out)
    assert [(n.name, n.role, n.ip) for n in inv.nodes] == [
        ("m1", "master", "10.0.0.21"),
        ("worker-7", "worker", "10.0.0.37"),
        ("w1", "worker", "10.0.0.31"),
    ]  # fmt: skip
    assert [s.host for s in inv.dns_servers] == ["10.0.0.2"]  # no NS: the nodes' resolver
    text = out.read_text()
    assert "role guessed from the name worker-7" in text
    assert "hosts[2] (dhcp-host): no static address in networkConfig: left out" in text


def test_agent_config_of_the_wrong_shape_names_the_key() -> None:
    with pytest.raises(InputError, match=r"a.yaml: hosts\[0\].networkConfig.interfaces must be"):
        agent_config_hosts({"hosts": [{"hostname": "m1", "networkConfig": {"interfaces": 3}}]},
                           "a.yaml")  # fmt: skip
    with pytest.raises(InputError, match=r"a.yaml: role 'infra' is not one of master, worker"):
        agent_config_hosts({"hosts": [{"hostname": "m1", "role": "infra"}]}, "a.yaml")


@pytest.mark.parametrize(
    ("table", "line", "says"),
    [
        ("name,role,ip\nm1,master,10.0.0.1\nm2,mastr,10.0.0.2\n", 3, "role 'mastr' is not one of"),
        ("m1,master\n", 1, "2 fields: a line is name,role,ip[,mac]"),
        ("m1,master,10.0.0.1\nm1,worker,10.0.0.2\n", 2, "m1 is also on line 1"),
        ("m1,master,10.0.0.1\nm2,worker,10.0.0.1\n", 2, "10.0.0.1 is also on line 1"),
        ("\n\nm_1,master,10.0.0.1\n", 3, "name 'm_1' is not a host name"),
        ("m1,master,10.0.0.1,zz:00\n", 1, "mac 'zz:00' is not a MAC address"),
        ('m1,"master,10.0.0.1\n', 1, "not a CSV line"),
    ],
)
def test_a_bad_line_of_the_node_table_is_named_with_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, table: str, line: int, says: str
) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(table)
    assert collectors_main(["draft-inventory", "--nodes", str(nodes),
                            "--zone", str(FORWARD)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"draft-inventory: {nodes}:{line}: {says}" in err, err


PIECES = [*"mw1.,:-# \n\r\t\"'", "\x00", "\u2028", "é", "master", "worker", "infra", "10.0.0.",
          "name,role,ip"]  # fmt: skip
#: Any text, and text made of the pieces a table is made of (so rows that parse come up too).
TEXT = st.one_of(st.text(max_size=80), st.lists(st.sampled_from(PIECES), max_size=30).map("".join))


@hsettings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_parses_or_is_refused_naming_a_line(text: str) -> None:
    try:
        rows = parse_nodes_csv(text, "t.csv")
    except InputError as exc:
        assert exc.source == "t.csv" and exc.line is not None
        assert 1 <= exc.line <= text.count("\n") + 1
        return
    assert len({r.name for r in rows}) == len(rows) == len({r.ip for r in rows})
    assert all(r.role in ("master", "worker", "infra", "bootstrap", "dns") for r in rows)


@hsettings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(NODE_ROLES), st.integers(1, 254)), min_size=1, max_size=20,
             unique_by=lambda t: t[1]),
    st.booleans(), st.booleans(),
)  # fmt: skip
def test_a_table_written_as_csv_reads_back(rows, header, crlf) -> None:  # noqa: ANN001
    wanted = [(f"{role[0]}{n}", role, f"10.0.0.{n}") for role, n in rows]
    lines = (["name,role,ip"] if header else []) + [",".join(r) for r in wanted]
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    assert [(r.name, r.role, r.ip) for r in parse_nodes_csv(text, "t.csv")] == wanted


def test_hostile_node_tables_are_bounded(tmp_path: Path) -> None:
    """A huge table is refused by the local-file cap before it is read whole, binary is named
    as not UTF-8, and a fifo is refused without being opened (nothing hangs)."""
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(settings.LOCAL_FILE_MAX_BYTES + 1)  # sparse: no disk, all NULs
    done = bounded(
        "from collectors.__main__ import main\n"
        f"raise SystemExit(main(['draft-inventory', '--nodes', {str(huge)!r}]))",
        seconds=60,
    )
    assert done.returncode == 2 and "raise UPI_LOCAL_FILE_MAX_BYTES" in done.stderr, done.stderr
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    agent = tmp_path / "agent.yaml"
    agent.write_bytes(b"hosts: [" * 200_000)  # deeper than any YAML read here
    for path, says in ((binary, "not UTF-8"), (fifo, "not a regular file (a fifo)")):
        done = bounded(
            "from collectors.__main__ import main\n"
            f"raise SystemExit(main(['draft-inventory', '--nodes', {str(path)!r}]))",
            seconds=30,
        )
        assert done.returncode == 2 and says in done.stderr, done.stderr
    done = bounded(
        "from collectors.__main__ import main\n"
        f"raise SystemExit(main(['draft-inventory', '--agent-config', {str(agent)!r}]))",
        seconds=60,
    )
    assert done.returncode == 2 and str(agent) in done.stderr, done.stderr
