"""Catalog mirroring inputs: mapping.txt lines (hypothesis round trip, bad lines named by file
and line, the rest read on), the manifests folders of oc adm catalog mirror and oc-mirror, the
real files under tests/real/catalog-mirror and tests/real/oc-mirror, release signatures and
versions, and tag lookups answered per repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from collectors.errors import FactError, InputError
from collectors.facts.upgrade import unmapped_sources
from collectors.images import catalogs
from collectors.images.catalogs import (
    catalog_name,
    mapping_folder,
    read_capped,
    read_catalog,
)
from collectors.images.imageref import parse_reference
from collectors.images.lookup import check_images
from collectors.images.mirrors import map_reference, rules_from_resource
from collectors.images.registry.tags import next_page
from collectors.images.release import read_signature_configmap, version_key
from collectors.parsers.catalogmirror import parse_mapping

REAL = Path(__file__).parent / "real"

component = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,5})?", fullmatch=True)
repo = st.lists(component, min_size=1, max_size=3).map("/".join)
host = st.sampled_from(["registry.redhat.io", "quay.io", "m.example:5000", "127.0.0.1:5000"])
digest = st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda h: f"sha256:{h}")
tag = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,9}", fullmatch=True)


@st.composite
def mapping_lines(draw: st.DrawFn) -> tuple[str, str, str | None, str]:
    source = f"{draw(host)}/{draw(repo)}"
    dest = f"m:5000/{draw(repo)}"
    by = draw(st.one_of(digest, tag))
    dest_tag = draw(tag)
    return source, dest, by, dest_tag


@given(st.lists(mapping_lines(), max_size=20), st.sampled_from(["=", " ", "\t"]))
def test_mapping_lines_round_trip(lines: list[tuple[str, str, str, str]], sep: str) -> None:
    text = ""
    for source, dest, by, dest_tag in lines:
        src = f"{source}@{by}" if by.startswith("sha256:") else f"{source}:{by}"
        text += f"{src}{sep}{dest}:{dest_tag}\n# a comment\n\n"
    m = parse_mapping(text, "mapping.txt")
    assert not m.problems
    assert [e.line for e in m.entries] == [1 + 3 * i for i in range(len(lines))]
    for entry, (source, dest, by, dest_tag) in zip(m.entries, lines, strict=True):
        assert entry.source.name == parse_reference(source).name
        if by.startswith("sha256:"):
            assert str(entry.wanted) == f"{parse_reference(dest).name}@{by}"
        else:
            assert entry.wanted.tag == dest_tag and entry.source.tag == by


@given(st.lists(st.text(max_size=40), max_size=10))
def test_any_text_parses_into_entries_and_problems_never_raises(lines: list[str]) -> None:
    m = parse_mapping("\n".join(lines), "f.txt")
    for p in m.problems:
        assert str(p).startswith("f.txt:") and p.line is not None


def test_bad_lines_are_named_and_the_rest_is_read() -> None:
    text = (
        "quay.io/a/b:1=m:5000/a/b:1\n"
        "just-one-token\n"
        "quay.io/a/B:1=m:5000/a/b:1\n"
        "quay.io/a/c@sha256:1234=m:5000/a/c:x\n"
        "quay.io/a/d:1=file://local/d\n"
        "quay.io/a/e:2=m:5000/a/e:2\n"
    )
    m = parse_mapping(text, "/x/mapping.txt")
    assert [e.line for e in m.entries] == [1, 6]
    messages = [str(p) for p in m.problems]
    assert messages[0] == "/x/mapping.txt:2: not SOURCE=DEST"
    assert messages[1].startswith("/x/mapping.txt:3: bad source:")
    assert "bad digest" in messages[2] and messages[2].startswith("/x/mapping.txt:4:")
    assert "is a local folder, not a registry" in messages[3]


# --------------------------------------------------------------------------- real files


def test_real_oc_adm_catalog_mirror_mapping() -> None:
    path = REAL / "catalog-mirror" / "jds2001-ocp4.3-mapping.txt"
    m = parse_mapping(path.read_text(), str(path))
    assert not m.problems and len(m.entries) == 10
    by_digest = [e for e in m.entries if e.source.digest]
    assert len(by_digest) == 5
    assert all(e.wanted.digest == e.source.digest and e.wanted.tag is None for e in by_digest)
    assert {e.wanted.registry for e in m.entries} == {"registry.test:5000"}
    assert str(m.entries[2].wanted) == "registry.test:5000/amq7/amq-online-1-mqtt-gateway:1.4"
    repos = {e.wanted.name for e in m.entries}
    assert len(repos) == 9


def test_real_per_image_icsp_covers_no_repository() -> None:
    path = REAL / "catalog-mirror" / "jds2001-ocp4.3-imageContentSourcePolicy.yaml"
    rules = rules_from_resource(yaml.safe_load(path.read_text()))
    assert len(rules) == 6
    ref = parse_reference(rules[0].source)  # the source itself carries the digest
    assert ref.digest and map_reference(ref, rules, include_source=False) == []


def test_real_oc_mirror_idms_maps_both_release_sources_and_itms_does_not_count() -> None:
    idms, itms = (
        rules_from_resource(yaml.safe_load((REAL / "oc-mirror" / name).read_text()))
        for name in ("idms-oc-mirror.yaml", "itms-oc-mirror.yaml")
    )
    assert unmapped_sources(idms, "quay.kyndryl.tw") == ()
    assert unmapped_sources(itms, "quay.kyndryl.tw") == (
        "quay.io/openshift-release-dev/ocp-release",
        "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
    )


def test_real_signature_configmap() -> None:
    cm = yaml.safe_load((REAL / "oc-mirror" / "signature-configmap.yaml").read_text())
    sig = read_signature_configmap(cm)
    assert sig.name == "ocpupgrade415416-mirrored-release-signatures"
    assert sig.digests == {
        "sha256:ea0429e14dc9ff007f56d5db2b75209c2510d81e6869194e33a53352d2b6a4fa"
    }
    assert sig.unexpected == ()


def test_the_real_files_are_read_as_a_catalog_folder(tmp_path: Path) -> None:
    folder = tmp_path / "redhat-operators-manifests"
    folder.mkdir()
    src = REAL / "catalog-mirror"
    (folder / "mapping.txt").write_text((src / "jds2001-ocp4.3-mapping.txt").read_text())
    (folder / "imageContentSourcePolicy.yaml").write_text(
        (src / "jds2001-ocp4.3-imageContentSourcePolicy.yaml").read_text()
    )
    c = read_catalog(folder)
    assert (c.layout, len(c.mapping.entries), len(c.rules), c.problems) == (
        "oc adm catalog mirror",
        10,
        6,
        (),
    )
    assert c.rule_files == ("imageContentSourcePolicy.yaml",) and c.catalog_sources == ()


# --------------------------------------------------------------------------- folders


def _results(base: Path, stamp: int, lines: str = "quay.io/a/b:1=m:5000/a/b:1\n") -> Path:
    folder = base / f"results-{stamp}"
    folder.mkdir(parents=True)
    (folder / "mapping.txt").write_text(lines)
    return folder


def test_oc_mirror_workspace_gives_the_newest_results(tmp_path: Path) -> None:
    ws = tmp_path / "oc-mirror-workspace"
    _results(ws, 1700000000)
    newest = _results(ws, 1800000000)
    (ws / "results-1900000000").mkdir()  # no mapping.txt: a run that failed
    assert mapping_folder(tmp_path) == newest == mapping_folder(ws)
    assert catalog_name(tmp_path) == "results-1800000000"
    (newest / "catalogSource-redhat-operator-index.yaml").write_text(
        "kind: CatalogSource\nmetadata: {name: redhat-operator-index}\nspec: {image: m:5000/i:1}\n"
    )
    c = read_catalog(ws)
    assert c.layout == "oc-mirror" and c.catalog_sources[0].namespace == "openshift-marketplace"


def test_unreadable_or_empty_folders_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_catalog(tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"no mapping.txt here nor in a results-\*/ folder"):
        read_catalog(tmp_path)
    assert catalog_name(tmp_path / "nowhere") == "nowhere"
    (tmp_path / "mapping.txt").mkdir()  # a folder where the file should be
    with pytest.raises(InputError, match="no mapping.txt"):
        read_catalog(tmp_path)


def test_bad_yaml_and_bad_objects_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    folder = _results(tmp_path, 1, "quay.io/a/b:1=m:5000/a/b:1\nbroken line here\n")
    (folder / "idms.yaml").write_text("kind: ImageDigestMirrorSet\nspec: {imageDigestMirrors: 3}\n")
    (folder / "bad.yaml").write_text("a: [1, 2\n")
    (folder / "cs.yaml").write_text("kind: CatalogSource\nmetadata: {}\n")
    c = read_catalog(tmp_path)
    text = [str(p) for p in c.problems]
    assert text[0].endswith("mapping.txt:2: not SOURCE=DEST")
    assert any("bad.yaml" in t and "not YAML" in t for t in text)
    assert any("idms.yaml" in t and "spec.imageDigestMirrors" in t for t in text)
    assert any("cs.yaml" in t and "metadata.name" in t for t in text)
    assert len(c.mapping.entries) == 1


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "mapping.txt"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(InputError, match="larger than 1000 bytes"):
        read_capped(big, 1000)
    big.write_bytes(b"\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8"):
        read_capped(big)
    fifo = tmp_path / "catalogSource.yaml"
    os.mkfifo(fifo)  # a YAML file of the folder that never ends must not hang the run
    with pytest.raises(InputError, match="not a regular file"):
        read_capped(fifo)


def test_mapping_lines_streams_a_regular_file_within_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "mapping.txt"
    path.write_bytes(b"quay.io/a/b:1=m:5000/a/b:1\nquay.io/a/c:1=m:5000/a/c:1")
    assert list(catalogs.mapping_lines(path)) == [
        "quay.io/a/b:1=m:5000/a/b:1\n",
        "quay.io/a/c:1=m:5000/a/c:1",
    ]
    with pytest.raises(InputError, match="larger than 10 bytes"):
        list(catalogs.mapping_lines(path, 10))
    path.write_bytes(b"quay.io/a/b:1=m:5000/a/b:1\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"mapping.txt:2: not UTF-8"):
        list(catalogs.mapping_lines(path))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # a mapping.txt that never ends must not hang the run
    with pytest.raises(InputError, match="not a regular file"):
        list(catalogs.mapping_lines(fifo))
    with pytest.raises(InputError, match="cannot read: No such file"):
        list(catalogs.mapping_lines(tmp_path / "absent.txt"))


# --------------------------------------------------------------------------- versions, tags


def test_signature_keys_of_another_shape_are_listed() -> None:
    good = "sha256-" + "a" * 64
    cm = {
        "metadata": {"name": "s"},
        "binaryData": {good: "eA==", good + "-2": "eA==", good + "-0": "eA==", "other": "eA=="},
        "data": {"note": "x"},
    }
    sig = read_signature_configmap(cm)
    assert sig.digests == {"sha256:" + "a" * 64}
    assert sig.unexpected == (
        f"binaryData.{good}-0",
        "binaryData.other",
        "data.note (signatures belong in binaryData)",
    )


versions = st.tuples(
    st.integers(4, 5),
    st.integers(0, 20),
    st.integers(0, 99),
    st.sampled_from(["", "-rc.1", "-ec.2"]),
)


@given(versions, versions)
def test_version_order_is_numeric_and_prereleases_come_first(a: tuple, b: tuple) -> None:
    text = [f"{x[0]}.{x[1]}.{x[2]}{x[3]}" for x in (a, b)]
    if a[:3] != b[:3]:
        assert (version_key(text[0]) < version_key(text[1])) == (a[:3] < b[:3])
    elif a[3] and not b[3]:
        assert version_key(text[0]) < version_key(text[1])


def test_link_headers() -> None:
    assert next_page('<https://m:5000/v2/a/tags/list?n=2&last=b>; rel="next"') == (
        "/v2/a/tags/list?n=2&last=b"
    )
    assert next_page('</v2/a/tags/list?n=2&last=b>; rel="prev"') is None


class CountingClient:
    """check_images' view of the registry client, recording each call."""

    def __init__(self, tags: dict[str, set[str] | None], fail: set[str] = frozenset()) -> None:
        self.tags, self.fail, self.calls = tags, fail, []

    def list_tags(self, ref):  # noqa: ANN001, ANN201
        self.calls.append(("list", ref.name))
        if ref.name in self.fail:
            raise FactError("denied")
        return self.tags.get(ref.name)

    def has_manifests(self, refs):  # noqa: ANN001, ANN201
        refs = list(refs)
        self.calls += [("head", str(r)) for r in refs]
        return {r: r.tag in (self.tags.get(r.name) or ()) or bool(r.digest) for r in refs}

    def map(self, fn, items):  # noqa: ANN001, ANN201
        return [fn(i) for i in items]


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["1", "2", "3"])), max_size=12))
def test_tag_lookups_per_repository_answer_as_heads_would(pairs: list[tuple[str, str]]) -> None:
    tags = {"m:5000/r/a": {"1", "2"}, "m:5000/r/b": {"3"}, "m:5000/r/c": None}
    refs = [parse_reference(f"m:5000/r/{r}:{t}") for r, t in pairs]
    client = CountingClient(tags, fail={"m:5000/r/b"})
    got = check_images(client, refs)
    for ref in refs:
        assert got[ref] == (ref.tag in (tags[ref.name] or ()))
    lists = [c for c in client.calls if c[0] == "list"]
    distinct = set(refs)
    shared = {r.name for r in distinct if sum(x.name == r.name for x in distinct) > 1}
    assert len(lists) == len(shared)
