"""The snapshot backend and the Samples logic, without servers: layouts, bad input, patterns."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.cluster import resources as R
from collectors.cluster import samples as S
from collectors.cluster.base import UNREADABLE, CachedSource, ResourceMissing
from collectors.cluster.snapshot import SnapshotSource, split_layout_path
from collectors.errors import FactError, InputError
from lab.cluster_model import seed_cluster, write_must_gather
from lab.model import seed_model

MIRROR = "127.20.0.105:20005"


@pytest.fixture(scope="module")
def model():
    return seed_cluster(seed_model(0), MIRROR)


def names(objs):
    return [(o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objs]


# --------------------------------------------------------------------------- layouts


def test_folder_tarball_oc_adm_and_list_files_read_the_same(model, tmp_path: Path) -> None:
    plain = SnapshotSource(write_must_gather(model, tmp_path / "plain", list_files=()))
    lists = SnapshotSource(
        write_must_gather(model, tmp_path / "lists", list_files=("core/pods", "core/nodes"))
    )
    oc_adm = SnapshotSource(
        write_must_gather(model, tmp_path / "mg.tar.gz", oc_adm=True, tarball=True)
    )
    for res, ns in (
        (R.NODES, None),
        (R.PODS, None),
        (R.PODS, "openshift-ingress"),
        (R.IMAGESTREAMS, "openshift"),
        (R.CLUSTEROPERATORS, None),
        (R.CSRS, None),
    ):
        want = sorted(names(plain.list(res, ns)))
        assert want and sorted(names(lists.list(res, ns))) == want == sorted(
            names(oc_adm.list(res, ns))
        )
    assert oc_adm.get(R.SAMPLES_CONFIGS, "cluster")["spec"]["samplesRegistry"] == MIRROR
    assert lists.get(R.PODS, "image-registry-58579b74c5-pbwr4", "openshift-image-registry")["spec"][
        "nodeName"
    ].startswith("i2.")


def test_oc_adm_pod_folders_and_several_image_folders_merge(tmp_path: Path) -> None:
    root = tmp_path / "must-gather.local.1"
    pod = {
        "kind": "Pod",
        "metadata": {"name": "router-default-a", "namespace": "openshift-ingress"},
        "spec": {"nodeName": "i1"},
    }
    p = (
        root
        / "img-a"
        / "namespaces"
        / "openshift-ingress"
        / "pods"
        / "router-default-a"
        / "router-default-a.yaml"
    )
    p.parent.mkdir(parents=True)
    p.write_text(yaml.safe_dump(pod))
    node = root / "img-b" / "cluster-scoped-resources" / "core" / "nodes" / "i1.yaml"
    node.parent.mkdir(parents=True)
    node.write_text(yaml.safe_dump({"kind": "Node", "metadata": {"name": "i1"}}))
    src = SnapshotSource(root)
    assert names(src.list(R.PODS, "openshift-ingress")) == [
        ("openshift-ingress", "router-default-a")
    ]
    assert src.get(R.NODES, "i1")["metadata"]["name"] == "i1"
    assert src.roots == {"img-a", "img-b"}


def test_the_suites_own_bundle_reads_as_a_snapshot(model, tmp_path: Path) -> None:
    from lab.cluster_model import layout

    bundle = tmp_path / "bundle.tar.gz"
    files = {f"triage-20201010/{k}": v for k, v in layout(model).items()}
    files.update(
        {
            "triage-20201010/manifest.json": b'{"sources": []}',
            "triage-20201010/results/report.json": b"{}",
            "triage-20201010/hosts/lb1/haproxy.cfg": b"global\n",
            "triage-20201010/findings.json": b"[]",
        }
    )
    with tarfile.open(bundle, "w:gz") as tar:
        for rel, data in files.items():
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    src = SnapshotSource(bundle)
    assert src.roots == {"triage-20201010"}
    assert (
        len(src.list(R.NODES)) == 9
        and src.get(R.OPERATORHUBS, "cluster")["spec"]["disableAllDefaultSources"]
    )


@settings(deadline=None)
@given(
    ns=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    group=st.sampled_from(["core", "config.openshift.io", "image.openshift.io"]),
    plural=st.from_regex(r"[a-z]{1,15}s", fullmatch=True),
    name=st.from_regex(r"[a-z0-9][a-z0-9.-]{0,30}", fullmatch=True),
    prefix=st.sampled_from(["", "must-gather.local.7/quay-io-img-sha256-1/", "bundle/"]),
)
def test_layout_paths_parse(ns: str, group: str, plural: str, name: str, prefix: str) -> None:
    root = prefix.rstrip("/")
    assert split_layout_path(f"{prefix}cluster-scoped-resources/{group}/{plural}/{name}.yaml") == (
        root,
        None,
        group,
        plural,
        name,
    )
    assert split_layout_path(f"{prefix}namespaces/{ns}/{group}/{plural}.yaml") == (
        root,
        ns,
        group,
        plural,
        None,
    )
    if (group, plural) != (
        "core",
        "pods",
    ):  # pods/<pod>/<pod>.yaml is oc adm must-gather's own form
        assert split_layout_path(f"{prefix}namespaces/{ns}/{group}/{plural}/{name}.yaml") == (
            root,
            ns,
            group,
            plural,
            name,
        )
    assert split_layout_path(f"{prefix}namespaces/{ns}/{group}/{plural}/{name}.log") is None


# --------------------------------------------------------------------------- bad input


def test_malformed_yaml_names_file_and_line_others_still_read(model, tmp_path: Path) -> None:
    root = write_must_gather(model, tmp_path / "mg")
    bad = root / "cluster-scoped-resources" / "core" / "nodes" / "w2.ocp45.example.localdomain.yaml"
    bad.write_text("kind: Node\nmetadata:\n  name: w2\n  labels: [unclosed\n")
    with pytest.raises(InputError) as err:  # the source itself: the whole list is partial
        SnapshotSource(root).list(R.NODES)
    assert str(bad) in str(err.value) and ":" in str(err.value).split(str(bad))[1][:4]
    src = CachedSource(SnapshotSource(root))
    listed = src.list(R.NODES)  # errors stay local: the other nodes, and w2 as a placeholder
    readable = [n for n in listed if UNREADABLE not in n]
    assert len(readable) == len(model.objects["core/nodes"]) - 1
    (broken,) = [n for n in listed if UNREADABLE in n]
    assert broken["metadata"]["name"] == "w2.ocp45.example.localdomain"
    assert str(bad) in broken[UNREADABLE]
    assert src.list(R.CLUSTEROPERATORS)  # other resources go on
    assert src.list(R.NODES) is listed  # remembered, not re-parsed differently


def test_wrong_kind_and_unknown_fields(model, tmp_path: Path) -> None:
    root = write_must_gather(model, tmp_path / "mg")
    co = root / "cluster-scoped-resources" / "config.openshift.io" / "clusteroperators" / "dns.yaml"
    co.write_text(yaml.safe_dump({"kind": "Node", "metadata": {"name": "dns"}}))
    with pytest.raises(InputError, match="holds a Node, expected a ClusterOperator"):
        SnapshotSource(root).list(R.CLUSTEROPERATORS)
    node = (
        root / "cluster-scoped-resources" / "core" / "nodes" / "w1.ocp45.example.localdomain.yaml"
    )
    data = yaml.safe_load(node.read_text())
    data["spec"]["someFutureField"] = {"x": 1}
    node.write_text(yaml.safe_dump(data))
    assert any(n["metadata"]["name"].startswith("w1.") for n in SnapshotSource(root).list(R.NODES))


def test_missing_resource_folder_is_resource_missing(model, tmp_path: Path) -> None:
    src = SnapshotSource(write_must_gather(model, tmp_path / "mg"))
    with pytest.raises(
        ResourceMissing, match="imagedigestmirrorsets.config.openshift.io .*not in the snapshot"
    ):
        src.list(R.IDMS)


def test_truncated_tarball_keeps_what_it_had(model, tmp_path: Path) -> None:
    full = write_must_gather(model, tmp_path / "mg.tar.gz", tarball=True)
    data = full.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    src = SnapshotSource(cut)
    assert src.tree.damaged and "truncated or corrupt" in src.tree.damaged
    read = {g_p for g_p in src.index}
    lost = [
        r for r in R.KNOWN.values() if (r.group or "core", r.plural) not in read and r is not R.IDMS
    ]
    assert read and lost, "the cut should keep some resources and lose others"
    with pytest.raises(FactError, match=f"{cut}: archive is truncated"):
        src.list(lost[0])


def test_not_a_snapshot(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FactError, match="no must-gather layout"):
        SnapshotSource(tmp_path)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(FactError, match="junk.tar.gz"):
        SnapshotSource(junk)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("README")
        tar.addfile(info, io.BytesIO(b""))
    (tmp_path / "empty.tar.gz").write_bytes(buf.getvalue())
    with pytest.raises(FactError, match="no must-gather layout"):
        SnapshotSource(tmp_path / "empty.tar.gz")


# --------------------------------------------------------------------------- Samples logic


@pytest.mark.parametrize(
    ("state", "skipped", "number"),
    [
        ("Managed", [], 1),
        ("Managed", ["nodejs"], 2),
        ("Removed", [], 3),
        ("Removed", ["nginx"], 4),
        ("Unmanaged", [], 0),
    ],
)
def test_four_patterns(state: str, skipped: list[str], number: int) -> None:
    pat = S.pattern({"spec": {"managementState": state, "skippedImagestreams": skipped}})
    assert pat.number == number
    assert f"pattern {number or '-'}" in pat.describe()
    assert ("Degraded" in pat.describe()) == (number == 1)


registries = st.sampled_from(["registry.redhat.io", "docker.io", "quay.io:443", "localhost"])
paths = st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), min_size=1, max_size=3).map(
    "/".join
)
tags = st.from_regex(r"[a-z0-9][a-z0-9.]{0,6}", fullmatch=True)


@settings(deadline=None)
@given(
    reg=registries,
    path=paths,
    tag=tags,
    mirror=st.sampled_from(["m:5000", "mirror.example.com"]),
    stream=st.sampled_from(["nginx", "jenkins", "ruby"]),
)
def test_rewrite_is_idempotent_and_keeps_the_repository(
    reg: str, path: str, tag: str, mirror: str, stream: str
) -> None:
    ref = f"{reg}/{path}:{tag}"
    once = S.rewrite_reference(ref, mirror, stream)
    assert S.rewrite_reference(once, mirror, stream) == once
    if stream == "jenkins":
        assert once == ref
    else:
        assert once == f"{mirror}/{path}:{tag}"
        assert S.rewrite_reference(f"{path}:{tag}", mirror, stream) == f"{mirror}/{path}:{tag}"
    assert S.rewrite_reference(ref, "", stream) == ref


def test_import_failures_both_forms_and_unrelated_configmaps() -> None:
    cfg = {
        "status": {
            "conditions": [
                {
                    "type": "ImportImageErrorsExist",
                    "status": "True",
                    "reason": "apicast-gateway httpd jenkins",
                }
            ]
        }
    }
    cms = [
        {
            "metadata": {"name": "ruby", "labels": {S.ERROR_LABEL: "true"}},
            "data": {"2.7": "manifest unknown"},
        },
        {"metadata": {"name": "unrelated", "labels": {}}, "data": {}},
    ]
    found = S.import_failures(cfg, cms)
    assert sorted(found) == ["apicast-gateway", "httpd", "jenkins", "ruby"]
    assert "ImportImageErrorsExist" in found["httpd"] and "manifest unknown" in found["ruby"]
    cfg["status"]["conditions"][0]["status"] = "False"
    assert sorted(S.import_failures(cfg, [])) == []


def test_skip_patch_keeps_existing_entries() -> None:
    cmd = S.skip_patch(("httpd",), "nodejs")
    assert cmd == (
        "oc patch configs.samples.operator.openshift.io/cluster --type merge "
        '--patch \'{"spec":{"skippedImagestreams":["httpd","nodejs"]}}\''
    )


@pytest.mark.parametrize("tarball", [True, False], ids=["tar", "folder"])
def test_file_over_the_size_cap_is_an_error_naming_it(
    model, tmp_path: Path, monkeypatch, tarball: bool
) -> None:
    from collectors import settings

    snap = write_must_gather(model, tmp_path / ("mg.tar.gz" if tarball else "mg"), tarball=tarball)
    node_sizes = [len(yaml.safe_dump(n)) for n in model.objects["core/nodes"]]
    monkeypatch.setattr(settings, "SNAPSHOT_MAX_MEMBER_BYTES", max(node_sizes) - 1)
    src = SnapshotSource(snap)
    with pytest.raises(
        InputError, match=r"nodes/\S+\.yaml: \d+ bytes, larger than the \d+ read from a snapshot"
    ):
        src.list(R.NODES)
    assert (
        src.get(R.SAMPLES_CONFIGS, "cluster")["spec"]["samplesRegistry"] == MIRROR
    )  # small files still read
    if tarball:
        cap = settings.SNAPSHOT_MAX_MEMBER_BYTES  # members over it are never loaded into memory
        assert src.tree.refused and all(len(data) <= cap for data in src.tree.files.values())
