"""Objects whose fields have the wrong shape (a number where ``status.conditions`` or
``metadata.labels`` should be): the object is named as unreadable with the field's path
(:mod:`collectors.cluster.shape`), its subjects are errors saying so, and no check crashes on it
or judges junk as the site's answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from collectors.cluster import shape
from collectors.cluster.base import UNREADABLE, CachedSource
from collectors.cluster.resources import NODES
from collectors.errors import InputError

#: Fields replaced by junk wherever they appear inside an object (never its top level keys).
JUNK_KEYS = {
    "conditions", "labels", "annotations", "containers", "addresses", "taints", "status",
    "repositoryDigestMirrors", "imageDigestMirrors", "mirrors", "tags", "nodeSelector",
    "ownerReferences", "history", "desired", "nodeInfo", "containerStatuses", "data",
}  # fmt: skip
RAW = re.compile(r"\b(Type|Attribute|Key|Index|Value|Recursion)Error\b")


def spoil(node: Any, junk: Any, depth: int = 0) -> None:
    """Every JUNK_KEYS field below an object's top level becomes ``junk``, in place."""
    if isinstance(node, dict):
        for key in list(node):
            if key in JUNK_KEYS and depth > 1:
                node[key] = junk
            else:
                spoil(node[key], junk, depth + 1)
    elif isinstance(node, list):
        for item in node:
            spoil(item, junk, depth + 1)


class Listed:
    name = "the snapshot mg"

    def __init__(self, objs: list[dict]) -> None:
        self.objs = objs

    def list(self, res: Any, namespace: str | None = None) -> list[dict]:
        return self.objs

    def get(self, res: Any, name: str, namespace: str | None = None) -> dict:
        return next(o for o in self.objs if o["metadata"]["name"] == name)


def test_a_listed_object_of_the_wrong_shape_is_an_unreadable_one_naming_the_field() -> None:
    good = {"metadata": {"name": "m1"}, "status": {"conditions": [{"type": "Ready"}]}}
    bad = {"metadata": {"name": "m2"}, "status": {"conditions": [{"type": "Ready"}, 7]}}
    source = CachedSource(Listed([bad, good]))
    listed = source.list(NODES)
    assert listed[0] is good
    assert listed[1] == {
        "metadata": {"name": "m2"},
        UNREADABLE: "the snapshot mg: Node m2: status.conditions[1] is a number, not an object",
        "file": "",
    }
    with pytest.raises(InputError, match=r"Node m2: status.conditions\[1\] is a number"):
        source.get(NODES, "m2")
    assert source.get(NODES, "m1") is good


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "metadata",
                    "spec",
                    "status",
                    "conditions",
                    "labels",
                    "addresses",
                    "containers",
                    "taints",
                    "mirrors",
                    "imageDigestMirrors",
                    "type",
                    "status",
                    "tags",
                    "items",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),  # fmt: skip
    max_leaves=30,
)


@given(obj=st.dictionaries(st.sampled_from(["metadata", "spec", "status", "data"]), JSON),
       kind=st.sampled_from([*shape.BY_KIND, "Unknown"]))  # fmt: skip
def test_shape_never_raises_and_says_a_path(obj: dict, kind: str) -> None:
    found = shape.problem(obj, kind)
    assert found is None or re.fullmatch(r"[\w.\[\]]+ is an? \w+, not an? \w+", found), found


@pytest.mark.parametrize(
    "junk, said", [(7, "a number"), ("x", "a string")], ids=["number", "string"]
)
def test_checks_over_objects_with_junk_fields(tmp_path: Path, junk: Any, said: str) -> None:
    from lab.cluster_model import seed_cluster, write_must_gather
    from lab.model import seed_model
    from tests.suite import run_suite

    net = seed_model(0)
    mg = write_must_gather(
        seed_cluster(net, "registry.test.example.local:5000"),
        tmp_path / "mg",
        list_files=("core/pods", "core/nodes"),
    )
    for path in mg.rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        spoil(doc, junk)
        path.write_text(yaml.safe_dump(doc))
    inv = tmp_path / "site.yaml"
    nodes = [{"name": n.name, "role": n.role, "ip": n.ip} for n in net.nodes]
    cluster = {"name": net.cluster, "base_domain": net.base_domain}
    inv.write_text(yaml.safe_dump({"cluster": cluster, "nodes": nodes}))
    run = run_suite("-m", "postinstall", "--snapshot", str(mg), inventory=inv, timeout=300)
    assert run.results
    raw = [(r["check"], r["message"]) for r in run.results if RAW.search(r["message"])]
    assert not raw and not RAW.search(run.stdout), raw or run.stdout[-3000:]
    by_check = {r["check"]: r for r in run.results if r["outcome"] == "error"}
    for check in ("nodes.ready", "nodes.names", "nodes.joined", "placement.infra_taints"):
        assert f"is {said}, not an object" in by_check[check]["message"], by_check.get(check)
    assert "could not be read" in by_check["operatorhub.sources"]["message"]
    failed = {r["check"] for r in run.results if r["outcome"] == "failed"}
    # a string is a condition status the cluster may say ("x" is not "True"): judged
    assert failed == (set() if junk == 7 else {"cluster.operators"}), failed
