"""YAML made to exhaust its reader, in every path that parses YAML from outside: the inventory,
install-config, snapshot objects (yaml-rs and PyYAML), the catalog; plus hypothesis on the
bounded loader (it reads what the suite writes, and refuses or reads any alias structure fast)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors import yamlio
from collectors.cluster.snapshot import _parse
from collectors.errors import InputError
from collectors.install.installconfig import load_install_config
from collectors.inventory import InventoryError, load_inventory
from collectors.triage.catalog import CatalogError, load_catalog
from tests.hostile import bounded


def bomb(levels: int = 30, top: str = "") -> str:
    """The billion-laughs document: 9**levels strings once expanded, a few hundred bytes."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return top + "\n".join(lines) + "\n"


DEEP = "x:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(150)) + "  " * 151 + "v\n"
CYCLE = "a: &x [1, *x]\n"


@pytest.mark.parametrize(
    ("text", "says"),
    [(bomb(), "alias bomb"), (DEEP, "nested deeper"), (CYCLE, "cycle")],
    ids=["bomb", "deep", "cycle"],
)
def test_inventory_refuses_yaml_bombs_with_file_and_line(tmp_path: Path, text: str, says: str):
    inv = tmp_path / "site.yaml"
    inv.write_text("cluster: {name: c, base_domain: d}\n" + text)
    started = time.monotonic()
    with pytest.raises(InventoryError, match=rf"{inv}:\d+: .*{says}"):
        load_inventory(inv)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("text", [bomb(), DEEP, CYCLE], ids=["bomb", "deep", "cycle"])
def test_install_config_catalog_and_snapshot_refuse_yaml_bombs(tmp_path: Path, text: str):
    ic = tmp_path / "install-config.yaml"
    ic.write_text(text)
    with pytest.raises(InputError, match=str(ic)):
        load_install_config(ic)
    cat = tmp_path / "catalog.yaml"
    cat.write_text(text)
    with pytest.raises(CatalogError, match=str(cat)):
        load_catalog(cat)
    with pytest.raises(InputError, match="nodes/x.yaml"):
        _parse(text.encode(), "nodes/x.yaml")
    deep_json = '{"a":' + "[" * 150 + "]" * 150 + "}"  # valid JSON, nested 151 deep
    with pytest.raises(InputError, match="x.json: nested deeper than 100"):
        _parse(deep_json.encode(), "x.json")


def test_a_bomb_whole_run_stays_under_one_gib(tmp_path: Path) -> None:
    """The inventory loader in a child under RLIMIT_AS 1 GiB: refused, not swapped."""
    inv = tmp_path / "site.yaml"
    inv.write_text("cluster: {name: c, base_domain: d}\n" + bomb(60))
    run = bounded(
        "from collectors.inventory import load_inventory, InventoryError\n"
        f"try:\n    load_inventory({str(inv)!r})\nexcept InventoryError as e:\n    print(e)\n",
        seconds=60,
    )
    assert run.returncode == 0 and "alias bomb" in run.stdout, run.stderr[-2000:]


def test_a_few_honest_aliases_still_read(tmp_path: Path) -> None:
    text = "defaults: &d {user: core, port: 22}\na: *d\nb: *d\n"
    assert yamlio.load(text, "x.yaml") == {
        "defaults": {"user": "core", "port": 22},
        **{k: {"user": "core", "port": 22} for k in "ab"},
    }


_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["0o17", "on", "2024-01-02", "~", "*x", "&y"]),
)
_doc = st.recursive(
    _scalar,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(_doc)
def test_what_the_suite_writes_reads_back_through_both_loaders(doc: Any) -> None:
    text = yamlio.dump(doc)
    assert yamlio.load(text, "x.yaml") == doc
    assert yamlio.load_fast(text, "x.yaml") == doc


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=12), st.integers(1, 9))
def test_any_alias_structure_is_read_or_refused_quickly(refs: list[int], fan: int) -> None:
    """Anchors that refer to earlier anchors in any pattern: linear work either way."""
    lines = ["n0: &n0 [1, 2, 3]"]
    for i, back in enumerate(refs, start=1):
        target = max(0, i - 1 - back)
        lines.append(f"n{i}: &n{i} [" + ", ".join([f"*n{target}", f"*n{i - 1}"] * fan) + "]")
    text = "\n".join(lines) + "\n"
    started = time.monotonic()
    try:
        yamlio.load(text, "x.yaml")
    except yamlio.YAMLLimitError as exc:
        assert "alias bomb" in str(exc) and "x.yaml" in str(exc)
    assert time.monotonic() - started < 2
    assert yaml.compose(text) is not None  # the input itself is valid YAML


def test_local_inputs_refuse_fifos_devices_and_oversize(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The inventory, auth file, install-config and CA file are read through one bounded reader:
    a fifo (which would hang the run), a device (which never ends) and a file over
    UPI_LOCAL_FILE_MAX_BYTES are errors naming the file."""
    import os

    from collectors import localfile, settings
    from collectors.errors import InputError
    from collectors.images.pullsecret import load_auths
    from collectors.install.installconfig import load_install_config
    from collectors.inventory import InventoryError, load_inventory

    fifo = tmp_path / "site.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InventoryError, match="cannot read inventory: not a regular file"):
        load_inventory(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_auths("/dev/zero")
    big = tmp_path / "install-config.yaml"
    big.write_text("a: b\n" * 100)
    monkeypatch.setattr(settings, "LOCAL_FILE_MAX_BYTES", 100)
    with pytest.raises(InputError, match="raise UPI_LOCAL_FILE_MAX_BYTES"):
        load_install_config(big)
    assert localfile.read_text(big, cap=1000) == "a: b\n" * 100
