"""What a snapshot keeps of the objects it lists (collectors/cluster/slim.py): the fields the
checks read, the same values as the file; the bundle writer and the lab's API still get whole
objects; the cheap depth scan (yamlio.shallow) never lets a deep document through."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors import yamlio
from collectors.cluster import resources as R
from collectors.cluster.facts import condition, labels, owner_kind
from collectors.cluster.snapshot import SnapshotSource

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "router-default-1",
        "namespace": "openshift-ingress",
        "labels": {"app": "router"},
        "annotations": {"k8s.v1.cni.cncf.io/network-status": '[{"name": "sdn"}]'},
        "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
        "ownerReferences": [{"kind": "ReplicaSet", "name": "router-default"}],
    },
    "spec": {"nodeName": "w1", "containers": [{"name": "router", "image": "r@sha256:1"}]},
    "status": {
        "phase": "Running",
        "hostIP": "10.0.0.1",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [
            {"name": "router", "ready": True, "image": "r", "state": {"running": {}}}
        ],
    },
}


def _snapshot(tmp_path: Path) -> Path:
    pods = tmp_path / "mg" / "namespaces" / "openshift-ingress" / "core" / "pods.yaml"
    pods.parent.mkdir(parents=True)
    pods.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "PodList", "items": [POD]}))
    return tmp_path / "mg"


def test_listed_pods_keep_what_the_checks_read_and_the_file_is_read_whole_elsewhere(
    tmp_path: Path,
) -> None:
    snap = _snapshot(tmp_path)
    source = SnapshotSource(snap)
    (pod,) = source.list(R.PODS, "openshift-ingress")
    assert pod["spec"] == {"nodeName": "w1"}
    assert "annotations" not in pod["metadata"] and "managedFields" not in pod["metadata"]
    assert labels(pod) == {"app": "router"} and owner_kind(pod) == "ReplicaSet"
    assert condition(pod, "Ready") == {"type": "Ready", "status": "True"}
    assert pod["status"]["containerStatuses"] == [
        {"name": "router", "ready": True, "image": "r", "state": {"running": {}}}
    ]
    (entry,) = source.entries()
    assert source.parsed(entry)["items"] == [POD]  # what the bundle writer copies
    (whole,) = SnapshotSource(snap, slim=False).list(R.PODS)
    assert whole == POD


def test_a_namespaces_pod_digests_are_read_from_a_snapshot(tmp_path: Path) -> None:
    """mirror.sigstore's namespaced ImagePolicy covers what the namespace's pods run: on a
    snapshot, whose listed pods keep no spec.containers, the digests come from each container
    status (the running one's imageID, a waiting one's image)."""
    from types import SimpleNamespace

    from collectors.cluster.base import CachedSource
    from collectors.facts.mirror import _pods_digests

    d1, d2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    running = {"name": "a", "image": "q.io/a:1", "imageID": f"q.io/a@{d1}"}
    waiting = {"name": "b", "image": f"q.io/b@{d2}", "imageID": "", "state": {"waiting": {}}}
    pod = {
        **POD,
        "metadata": {**POD["metadata"], "namespace": "apps"},
        "status": {**POD["status"], "containerStatuses": [running, waiting]},
    }
    pods = tmp_path / "mg" / "namespaces" / "apps" / "core" / "pods.yaml"
    pods.parent.mkdir(parents=True)
    pods.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "PodList", "items": [pod]}))
    cached = CachedSource(SnapshotSource(tmp_path / "mg"))
    site = SimpleNamespace(cluster=SimpleNamespace(source=lambda: cached))
    assert _pods_digests(site, "apps") == {d1, d2}


@pytest.mark.parametrize(
    "text",
    [
        "a:\n" + "".join("  " * i + "- k:\n" for i in range(1, 60)) + "  " * 60 + "  v\n",
        "- " * 120 + "x\n",
        "a: " + "[" * 120 + "]" * 120 + "\n",
        "a:\r" + "".join(" " * i + "k:\r" for i in range(1, 120)),
        "a:\n" + "".join("\t" * i + "k:\n" for i in range(1, 120)),
    ],
    ids=["indent", "compact", "flow", "cr", "tabs"],
)
def test_the_cheap_scan_says_maybe_deep_for_deep_text(text: str) -> None:
    assert not yamlio.shallow(text, 100)


_doc = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=5)),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=4), kids, max_size=3)
    ),
    max_leaves=40,
)


def _depth(doc: object) -> int:
    if isinstance(doc, dict):
        return 1 + max(map(_depth, doc.values()), default=0)
    if isinstance(doc, list):
        return 1 + max(map(_depth, doc), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(_doc, st.integers(1, 12), st.sampled_from([None, True, False]))
def test_what_the_scan_calls_shallow_is_shallow(doc: object, limit: int, flow: bool | None) -> None:
    text = yaml.safe_dump(doc, default_flow_style=flow, indent=2)
    if yamlio.shallow(text, limit):
        assert _depth(doc) <= limit, text
