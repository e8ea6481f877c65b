"""oc-mirror v2 workspaces as mirror.catalogs entries (collectors/images/ocmirror2.py): the real
filtered-catalog declarative config and mirroring error log under tests/real/oc-mirror-v2 read
in v2's layout, every image the workspace says it mirrored looked up on the mirror (the registry
answered by a stand-in here: the lookup path is mirror.operators'), missing.txt lines and logged
errors failing naming the image, and hostile workspaces (links out, huge files, YAML bombs, bad
JSON) erroring naming the file while the rest is read; hypothesis over the error-log parser."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from checks.mirror import evaluate_operators
from collectors.errors import FactError, InputError
from collectors.facts import mirror as facts_mod
from collectors.images.ocmirror2 import (
    find_working_dir,
    parse_error_line,
    read_workspace,
    related_images,
)
from collectors.inventory import load_inventory
from collectors.site import Site

REAL = Path(__file__).parent / "real" / "oc-mirror-v2"
MIRROR = "registry.example:8443"
CATALOG_DIR = (
    "operator-catalogs/redhat-operator-index/"
    "3c6a5f7d/filtered-catalogs/9e1b2f0a/catalog-config/node-observability-operator"
)


def workspace(tmp: Path, *, errors: bool = False, missing: bool = False) -> Path:
    """A v2 workspace in v2's layout from the real files: the filtered catalog's
    catalog.json, cluster-resources (an IDMS for the catalog's sources, its CatalogSource and
    ClusterCatalog as v2 names them), and on demand the real mirroring error log and a dry-run
    missing.txt line."""
    root = tmp / "mirror-v2"
    wd = root / "working-dir"
    cat = wd / CATALOG_DIR
    cat.mkdir(parents=True)
    (cat / "catalog.json").write_text(
        (REAL / "node-observability-operator.catalog.json").read_text()
    )
    cr = wd / "cluster-resources"
    cr.mkdir()
    (cr / "idms-oc-mirror.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "config.openshift.io/v1",
                "kind": "ImageDigestMirrorSet",
                "metadata": {"name": "idms-operator-0"},
                "spec": {
                    "imageDigestMirrors": [
                        {"source": "registry.redhat.io/noo", "mirrors": [f"{MIRROR}/noo"]},
                        {
                            "source": "registry.redhat.io/openshift4",
                            "mirrors": [f"{MIRROR}/openshift4"],
                        },
                    ]
                },
            }
        )
    )
    index = f"{MIRROR}/redhat/redhat-operator-index:v4.14"
    (cr / "cs-redhat-operator-index-v4-14.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "operators.coreos.com/v1alpha1",
                "kind": "CatalogSource",
                "metadata": {
                    "name": "cs-redhat-operator-index-v4-14",
                    "namespace": "openshift-marketplace",
                },
                "spec": {"sourceType": "grpc", "image": index},
            }
        )
    )
    (cr / "cc-redhat-operator-index-v4-14.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "olm.operatorframework.io/v1",
                "kind": "ClusterCatalog",
                "metadata": {"name": "cc-redhat-operator-index-v4-14"},
                "spec": {"source": {"type": "Image", "image": {"ref": index}}},
            }
        )
    )
    (wd / "logs").mkdir()
    if errors:
        name = "mirroring_errors_20240725_150922.txt"
        (wd / "logs" / name).write_text((REAL / name).read_text())
    if missing:
        (wd / "dry-run").mkdir()
        d = "sha256:" + "b" * 64
        (wd / "dry-run" / "missing.txt").write_text(
            f"docker://registry.redhat.io/noo/gone@{d}=docker://{MIRROR}/noo/gone:{d[7:]}\n"
        )
    return root


class FakeMirror:
    """What the registry answers: every reference present except ``absent``."""

    def __init__(self, absent: set[str] | None = None) -> None:
        self.absent = absent or set()
        self.asked: list[str] = []

    def check_images(self, client: Any, refs: list[Any]) -> dict[str, Any]:
        self.asked += [str(r) for r in refs]
        return {r: str(r) not in self.absent for r in refs}

    def lookups(self, site: Any, refs: list[Any]) -> dict[str, Any]:
        return {str(r): str(r) not in self.absent for r in refs}


def gather(tmp: Path, folder: Path, fake: FakeMirror, monkeypatch: pytest.MonkeyPatch) -> Any:
    inv = tmp / "site.yaml"
    inv.write_text(
        "cluster: {name: c, base_domain: example.com}\nnodes: []\n"
        f"mirror: {{registry: '{MIRROR}', catalogs: ['{folder}']}}\n"
    )
    monkeypatch.setattr(facts_mod.mirror_lookup, "check_images", fake.check_images)
    monkeypatch.setattr(facts_mod.mirror_lookup, "lookups", fake.lookups)
    monkeypatch.setattr(facts_mod, "client_for", lambda site: None)
    site = Site(load_inventory(inv))
    assert facts_mod.catalog_subjects(site) == [folder.name]
    return facts_mod.gather_operators(site, folder.name)


# --------------------------------------------------------------------------- the real files


def test_real_catalog_reads_as_a_workspace_with_four_images(tmp_path: Path) -> None:
    """The real node-observability-operator catalog: one bundle, five relatedImages of which
    one repeats and one is the bundle itself: four images the run mirrored."""
    ws = read_workspace(workspace(tmp_path))
    assert ws.name == "mirror-v2" and ws.working_dir.name == "working-dir"
    assert ws.problems == () and len(ws.rules) == 2 and len(ws.catalog_sources) == 2
    images = [str(r) for r in related_images(ws)]
    assert len(images) == 4
    assert images[0].startswith("registry.redhat.io/noo/node-observability-operator-bundle-rhel8@")
    assert any("openshift4/ose-kube-rbac-proxy@sha256:e3dad360" in i for i in images)


def test_real_error_log_line_names_the_image() -> None:
    line = (REAL / "mirroring_errors_20240725_150922.txt").read_text().splitlines()[0]
    image, why = parse_error_line(line)  # type: ignore[misc]
    assert image == (
        "registry.redhat.io/3scale-amp2/system-rhel7@sha256:"
        "fe77272021867cc6b6d5d0c9bd06c99d4024ad53f1ab94ec0ab69d0fda74588e"
    )
    assert why.startswith("copying image 1/3 from manifest list") and why.endswith(
        "context deadline exceeded"
    )


# --------------------------------------------------------------------------- the verdicts


def test_a_complete_workspace_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeMirror()
    f = gather(tmp_path, workspace(tmp_path), fake, monkeypatch)
    assert (f.layout, f.total, f.missing, f.not_mirrored_count) == ("oc-mirror v2", 4, (), 0)
    assert all(a.startswith(f"{MIRROR}/") for a in fake.asked)  # looked up on the mirror
    v = evaluate_operators(f)
    assert (
        v.ok
        and "oc-mirror v2: all 4 images and 1 index image(s) (named by 2 catalog resources) "
        "in the mirror"
        in v.message
    )


def test_an_image_missing_from_the_mirror_fails_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = (
        f"{MIRROR}/openshift4/ose-kube-rbac-proxy@sha256:"
        "e3dad360d0351237a16593ca0862652809c41a2127c2f98b9e0a559568efbd10"
    )
    f = gather(tmp_path, workspace(tmp_path), FakeMirror({gone}), monkeypatch)
    v = evaluate_operators(f)
    assert not v.ok and "1 of 4 images missing" in v.message and "ose-kube-rbac-proxy" in v.message
    assert v.remediation.startswith("oc-mirror --v2 -c <imageset-config.yaml> --workspace ")


def test_missing_txt_and_the_error_log_fail_naming_the_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace(tmp_path, errors=True, missing=True)
    f = gather(tmp_path, folder, FakeMirror(), monkeypatch)
    v = evaluate_operators(f)
    assert not v.ok and "the workspace says 2 image(s) were not mirrored" in v.message
    assert "missing.txt:1: registry.redhat.io/noo/gone@sha256:" in v.message
    assert "logs/mirroring_errors_20240725_150922.txt:1: registry.redhat.io/3scale-amp2/" in (
        v.message
    )


def test_postinstall_cluster_resources_not_applied_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace(tmp_path)
    view = facts_mod._ClusterView([], {}, {})
    monkeypatch.setattr(facts_mod, "_cluster_view", lambda site: view)
    f = gather(tmp_path, folder, FakeMirror(), monkeypatch)
    v = evaluate_operators(f)
    assert not v.ok
    assert "no ICSP/IDMS in the cluster maps 4 source repositories" in v.message
    assert "CatalogSource openshift-marketplace/cs-redhat-operator-index-v4-14 is not in" in (
        v.message
    )
    assert "ClusterCatalog cc-redhat-operator-index-v4-14 is not in the cluster" in v.message
    assert "cluster-resources/idms-oc-mirror.yaml" in v.remediation


# --------------------------------------------------------------------------- hostile input


def test_links_out_huge_files_bombs_and_bad_json_are_named_and_the_rest_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace(tmp_path)
    wd = folder / "working-dir"
    secret = tmp_path / "outside.yaml"
    secret.write_text("kind: ImageDigestMirrorSet\n")
    os.symlink(secret, wd / "cluster-resources" / "link-out.yaml")
    (wd / "cluster-resources" / "bomb.yaml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    )
    bad = wd / CATALOG_DIR.replace("node-observability-operator", "broken")
    bad.mkdir(parents=True)
    (bad / "catalog.json").write_text('{"schema": "olm.bundle", "image": ')
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(
        '{"schema": "olm.bundle", "image": "quay.io/secret/op@sha256:' + "e" * 64 + '"}'
    )
    os.symlink(elsewhere, bad / "linked.json")
    monkeypatch.setenv("UPI_CATALOG_FILE_MAX_BYTES", "200000")
    from collectors import settings

    monkeypatch.setattr(settings, "CATALOG_FILE_MAX_BYTES", 200000)
    huge = wd / "logs" / "mirroring_errors_1.txt"
    with huge.open("wb") as fh:
        fh.truncate(300000)
    ws = read_workspace(folder)
    said = [str(p) for p in ws.problems]
    assert any("bomb.yaml" in p and "alias" in p for p in said), said
    assert any("mirroring_errors_1.txt" in p and "larger than" in p for p in said), said
    assert any("link-out.yaml" in s and "outside" in s for s in ws.skipped)
    assert any("linked.json" in s and "outside" in s for s in ws.skipped), ws.skipped
    walked = [p.name for p in ws.catalog_files()]  # walked again, still left out
    assert walked == ["catalog.json", "catalog.json"], walked
    assert not any("secret" in str(r) for r in related_images(ws))
    assert len(ws.rules) == 2  # the real IDMS still read
    with pytest.raises(FactError) as err:
        gather(tmp_path, folder, FakeMirror(), monkeypatch)
    text = str(err.value)
    assert "broken/catalog.json" in text and "bomb.yaml" in text
    assert "the other 4 mapping line(s) were looked up: 0 missing" in text


def test_a_fifo_is_refused_not_read_forever(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    os.mkfifo(folder / "working-dir" / "logs" / "mirroring_errors_2.txt")
    ws = read_workspace(folder)
    assert any("mirroring_errors_2.txt" in str(p) for p in ws.problems)


def test_working_dir_itself_or_its_parent_and_nothing_else(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    assert find_working_dir(folder) == folder / "working-dir"
    assert find_working_dir(folder / "working-dir") == folder / "working-dir"
    assert find_working_dir(tmp_path / "nothing") is None
    with pytest.raises(InputError):
        read_workspace(tmp_path)


@given(
    st.from_regex(r"[a-z0-9.]{1,12}/[a-z0-9/-]{1,20}(:[a-z0-9.]{1,8})?", fullmatch=True),
    st.text(max_size=60).filter(lambda t: "\n" not in t and "\r" not in t),
    st.booleans(),
)
def test_error_lines_round_trip(image: str, why: str, operators: bool) -> None:
    bundles = " (Operator bundles: [a.v1] - Operators: [a])" if operators else ""
    line = f"error mirroring image docker://{image}{bundles} error: {why}"
    got = parse_error_line(line)
    assert got is not None and got[0] == image and got[1] == why.strip()


@given(st.text(max_size=200))
def test_any_line_parses_or_is_none(line: str) -> None:
    got = parse_error_line(line)
    assert got is None or isinstance(got[0], str)


def test_json_stream_of_the_real_file_is_what_declcfg_writes() -> None:
    text = (REAL / "node-observability-operator.catalog.json").read_text()
    decoder = json.JSONDecoder()
    first, _ = decoder.raw_decode(text.lstrip())
    assert first["schema"] == "olm.package"
