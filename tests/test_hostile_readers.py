"""Hostile local input, round 2: draft-inventory writes its YAML as data (a value with a newline
and YAML in it stays one scalar, a comment one line), zone files have caps on $GENERATE and on
records, every local read refuses a fifo, a device or a folder without hanging, and a catalog
folder's links pointing outside it are never read."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from collectors import localfile, settings
from collectors.__main__ import main as collectors_main
from collectors.errors import FactError, InputError
from collectors.images.catalogs import mapping_folder, read_catalog
from collectors.install.draft import Zone, check_generate, draft_inventory
from collectors.transport.hosts import LocalHost
from tests.hostile import bounded

INJECTED = "\nssh: {host_key_policy: accept-new, user: root}"
ZONE = "$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 root 1 1 1 1 1\nm1.c1 IN A 10.0.0.21\n"
#: Characters that could end a scalar or a comment, or start YAML of their own.
PIECES = [*"\n\r\t :#'\"{}[],&*!|>%@`-?./\\", "\u2028", "\u2029", "\x85", "\x00", "\x1b",
          "\ufeff", "é", "\n---\n", "\n...\n", ": ", " #", "a", "1", "yes", "null"]  # fmt: skip
HOSTILE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)
CONTROL_OR_BREAK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _install_config(tmp_path: Path, base_domain: str, mirrors: list[str]) -> Path:
    ic = tmp_path / "install-config.yaml"
    ic.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "baseDomain": base_domain,
                "metadata": {"name": "c1"},
                "imageContentSources": [{"source": "quay.io/x", "mirrors": mirrors}],
            }
        )
    )
    return ic


def test_an_install_config_value_with_yaml_in_it_adds_no_top_level_block(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ic = _install_config(
        tmp_path, "example.com" + INJECTED, ["m.example:5000/x", f"evil{INJECTED}/x", "a # b/x"]
    )
    zone = tmp_path / "db.example.com"
    zone.write_text(ZONE)
    out = tmp_path / "site.yaml"
    collectors_main(["draft-inventory", "--install-config", str(ic), "--zone", str(zone),
                     "-o", str(out)])  # fmt: skip
    text = out.read_text()
    data = yaml.safe_load(text)
    assert "ssh" not in data, text
    assert set(data) <= {"cluster", "dns", "load_balancer", "mirror", "install_config", "nodes"}
    assert data["cluster"]["base_domain"] == "example.com" + INJECTED
    assert not any(line.startswith("ssh") for line in text.splitlines()), text
    (registry,) = [line for line in text.splitlines() if "registry:" in line]
    others = '(others: "evil\\nssh: {host_key_policy: accept-new, user: root}", "a # b")'
    assert registry.endswith(others)  # quoted, on one line
    assert "holds a control character" in capsys.readouterr().err  # and the loader says so


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=HOSTILE,
    domain=HOSTILE,
    paths=st.tuples(HOSTILE, HOSTILE, HOSTILE),
    hosts=st.lists(HOSTILE.filter(lambda h: "/" not in h), min_size=1, max_size=3, unique=True),
)
def test_the_draft_reads_back_as_the_data_put_in(name, domain, paths, hosts) -> None:  # noqa: ANN001
    """Any value (newlines, ``: ``, ``#``, quotes, document markers, U+2028/U+0085, control
    characters) comes back as itself from the draft's YAML, no key is added, and no comment
    holds a line break or a control character."""
    ic_path, cfg_path, ca_file = paths
    zone = Zone.parse(ZONE, "db.example.com")
    ic = {"imageContentSources": [{"mirrors": [f"{h}/x" for h in hosts]}]}
    draft = draft_inventory(
        zones=[zone], cluster=(name, domain), install_config=ic, install_config_path=ic_path,
        haproxy_path=cfg_path, ca_file=ca_file,
    )  # fmt: skip
    text = draft.text()
    loaded = yaml.safe_load(text)
    assert loaded == draft.data
    assert set(loaded) == {"cluster", "load_balancer", "mirror", "install_config", "nodes"}
    assert loaded["cluster"] == {"name": name, "base_domain": domain}
    assert loaded["load_balancer"] == {"config": cfg_path}
    assert loaded["mirror"] == {"registry": hosts[0], "ca_file": ca_file}
    assert loaded["install_config"] == ic_path
    assert not CONTROL_OR_BREAK.search(text.replace("\n", "")), text


def test_a_generate_of_four_billion_names_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    zone = tmp_path / "db.example.com"
    zone.write_text("$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns1 root 1 1 1 1 1\n"
                    "$GENERATE 1-4000000000 h$.c1 A 10.0.0.1\n")  # fmt: skip
    assert zone.stat().st_size < 128
    done = bounded(
        "import sys\nfrom collectors.__main__ import main\n"
        f"sys.exit(main(['draft-inventory', '--zone', {str(zone)!r}]))",
        seconds=30,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{zone}:4: $GENERATE makes 4000000000 names" in done.stderr
    assert "UPI_ZONE_MAX_NAMES" in done.stderr


def test_records_past_the_cap_and_expansions_past_the_bytes_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "ZONE_MAX_NAMES", 20)
    plain = ZONE + "".join(f"h{i}.c1 IN A 10.0.0.{i}\n" for i in range(30))
    with pytest.raises(InputError, match=r"^db.example.com:2\d: too many records.*UPI_ZONE_MAX"):
        Zone.parse(plain, "db.example.com")
    with pytest.raises(InputError, match=r"^db.x:6: \$GENERATE makes 15 names \(30 in"):
        check_generate(ZONE + "$GENERATE 1-15 a$ A 10.0.0.1\n$GENERATE 1-15 b$ A 10.0.0.2\n",
                       "db.x")  # fmt: skip
    monkeypatch.setattr(settings, "ZONE_MAX_NAMES", 100_000)
    monkeypatch.setattr(settings, "ZONE_MAX_BYTES", 64 * 1024)
    txt = "$GENERATE 1-5000 t$.c1 TXT " + '"' + "x" * 200 + '"\n'
    with pytest.raises(InputError, match=r"^db.x:5: \$GENERATE expands .*UPI_ZONE_MAX_BYTES"):
        Zone.parse(ZONE + txt, "db.x")


@pytest.mark.parametrize("option", ["--zone", "--haproxy"])
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_fifo_device_or_folder_given_to_draft_inventory_is_named_not_read(
    tmp_path: Path, option: str, kind: str
) -> None:
    zone = tmp_path / "db.example.com"
    zone.write_text(ZONE)
    target = {"fifo": tmp_path / "f", "folder": tmp_path / "d", "device": Path("/dev/zero")}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    args = ["draft-inventory", option, str(target)]
    if option != "--zone":
        args += ["--zone", str(zone)]
    done = bounded(
        f"import sys\nfrom collectors.__main__ import main\nsys.exit(main({args!r}))", seconds=20
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{target}: cannot read: not a regular file" in done.stderr


def test_the_regular_file_reader_refuses_a_fifo_without_opening_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(
        os, "open", lambda p, *a, **k: opened.append(str(p)) or real_open(p, *a, **k)
    )
    with pytest.raises(InputError, match=r"not a regular file \(a fifo\)"):
        localfile.read_bytes(fifo)
    assert str(fifo) not in opened


def test_other_local_readers_refuse_a_fifo_quickly(tmp_path: Path) -> None:
    """A kubeconfig, a host file read here (haproxy.cfg, a log) and the triage catalog."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code = f"""
from collectors.cluster.kubeconfig import current_context
from collectors.errors import FactError
from collectors.transport.hosts import LocalHost
from collectors.triage.catalog import CatalogError, load_catalog
from collectors.triage.collect import read_bytes
assert current_context({str(fifo)!r}) == ""
for read in (lambda: LocalHost().read_text({str(fifo)!r}),
             lambda: read_bytes(LocalHost(), {str(fifo)!r}, 5, False)):
    try:
        read()
    except FactError as exc:
        assert "not a regular file (a fifo)" in str(exc), exc
    else:
        raise SystemExit("read a fifo")
try:
    load_catalog({str(fifo)!r})
except CatalogError as exc:
    assert "not a regular file" in str(exc), exc
print("ok")
"""
    done = bounded(code, seconds=20)
    assert done.stdout == "ok\n", done.stderr[-2000:]
    with pytest.raises(FactError, match="on local: not a regular file"):
        LocalHost().read_text(str(tmp_path))


SECRET = "root:$6$hash:19000:0:99999:7:::"


def _catalog(tmp_path: Path) -> tuple[Path, Path]:
    """A manifests folder and a file outside it holding a secret line."""
    folder = tmp_path / "redhat-operators-manifests"
    folder.mkdir()
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "shadow").write_text(SECRET + "\n")
    (outside / "cs.yaml").write_text(
        "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\n"
        "metadata: {name: planted}\nspec: {image: 'evil:5000/x:1'}\n"
    )
    return folder, outside


def test_a_catalog_mapping_linked_outside_its_folder_is_an_error_and_never_read(
    tmp_path: Path,
) -> None:
    folder, outside = _catalog(tmp_path)
    (folder / "mapping.txt").symlink_to(outside / "shadow")
    for mapping in (True, False):
        with pytest.raises(InputError) as caught:
            read_catalog(folder, mapping=mapping)
        message = str(caught.value)
        assert message.startswith(f"{folder / 'mapping.txt'}: a link pointing outside")
        assert SECRET not in message and "hash" not in message


def test_catalog_files_linked_outside_are_skipped_and_listed(tmp_path: Path) -> None:
    folder, outside = _catalog(tmp_path)
    (folder / "mapping.txt").write_text("quay.io/a/b:1=m:5000/a/b:1\n")
    (folder / "catalogSource.yaml").symlink_to(outside / "cs.yaml")
    (folder / "inside.yaml").symlink_to("mapping-rules.yml")  # a link inside is read
    (folder / "mapping-rules.yml").write_text("kind: ConfigMap\n")
    c = read_catalog(folder)
    assert c.catalog_sources == () and not c.problems
    assert c.skipped == (
        f"{folder / 'catalogSource.yaml'}: a link pointing outside the catalog folder "
        f"{os.path.realpath(folder)}: skipped, not read",
    )


def test_an_oc_mirror_results_folder_linked_outside_is_not_used(tmp_path: Path) -> None:
    workspace = tmp_path / "oc-mirror-workspace"
    workspace.mkdir()
    elsewhere = tmp_path / "elsewhere" / "results-1700000000"
    elsewhere.mkdir(parents=True)
    (elsewhere / "mapping.txt").write_text(SECRET + "\n")
    (workspace / "results-1700000000").symlink_to(elsewhere)
    with pytest.raises(InputError, match="no mapping.txt here"):
        mapping_folder(workspace)
