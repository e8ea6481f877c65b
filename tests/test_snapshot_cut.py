"""The text-level cut of pod lists (collectors/cluster/slim.py: cut_pod_list): what a snapshot
lists is the same whether the file was cut before parsing or parsed whole and slim after, on real
pods, on generated lists in awkward YAML, and on the shapes the cut leaves to the whole parse;
errors and YAML bombs still name the file."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from collectors import yamlio
from collectors.cluster import resources as R
from collectors.cluster.base import PartialListing
from collectors.cluster.slim import cut_pod_list, slim
from collectors.cluster.snapshot import SnapshotSource
from collectors.errors import FactError

REAL = Path(__file__).parent / "real" / "must-gather" / "resourcewatch-sno-4.13.0-ec.4-none"
PODS = "mg/namespaces/ns1/core/pods.yaml"


def _write(root: Path, text: str) -> Path:
    path = root / PODS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return root / "mg"


def _listed(snap: Path, *, cut: bool) -> Any:
    """What the checks get (cut) or the whole parse slim after; an error as its message (with
    the objects still read, for a partial listing)."""
    source = SnapshotSource(snap, slim=cut)
    try:
        objs = source.list(R.PODS)
    except PartialListing as exc:
        error, objs = f"PartialListing: {exc}", exc.objects
    except FactError as exc:
        return f"{type(exc).__name__}: {exc}"
    else:
        error = ""
    objs = objs if cut else [slim(o, "core", "pods") for o in objs]
    return (error, objs) if error else objs


def _same(text: str) -> tuple[Any, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        snap = _write(Path(tmp), text)
        return _listed(snap, cut=True), _listed(snap, cut=False)


def _as_list(pods: list[str]) -> str:
    """Pod files as ``oc get pods -o yaml`` lists them: each pod's own lines under ``- ``."""
    items = "".join(
        "".join(("- " if i == 0 else "  ") + line + "\n" for i, line in enumerate(p.splitlines()))
        for p in pods
    )
    return f'apiVersion: v1\nitems:\n{items}kind: List\nmetadata:\n  resourceVersion: ""\n'


def test_real_pods_listed_the_way_oc_writes_them_are_cut_and_read_the_same() -> None:
    """Two pods of a real SNO cluster (see tests/real/must-gather/SOURCES.md), one with a block
    scalar in its annotations, as one list."""
    pods = [p.read_text() for p in sorted(REAL.glob("namespaces/*/pods/*/*.yaml"))]
    text = _as_list(pods)
    short = cut_pod_list(text)
    assert short is not None and len(short) < len(text) / 3
    assert "network-status" not in short and "containers" not in short
    got, want = _same(text)
    assert got == want and len(got) == 2
    assert {p["spec"]["nodeName"] for p in got} == {"vrutkovs-sno"}


def test_oc_style_synthetic_list_is_cut_and_reads_the_same() -> None:
    router = next(REAL.glob("namespaces/openshift-ingress/pods/*/*.yaml"))
    pod = yaml.safe_load(router.read_text())
    pods = []
    for i in range(20):
        pod["metadata"]["name"] = f"router-{i}"
        pods.append(yaml.safe_dump(pod))
    text = _as_list(pods)
    assert cut_pod_list(text) is not None
    got, want = _same(text)
    assert got == want and len(got) == 20


# --------------------------------------------------------------------------- left whole

HEAD = "apiVersion: v1\nkind: PodList\nitems:\n"
POD = (
    "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p1\n    annotations:\n      a: b\n"
    "  spec:\n    nodeName: n1\n    containers:\n    - name: c\n  status:\n    phase: Running\n"
)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (HEAD + POD.replace("\n", "\r\n"), "CRLF"),
        (HEAD + POD.replace("    - name: c", "    - name:\tc"), "tab"),
        ("---\n" + HEAD + POD, "document marker"),
        (HEAD + POD + "---\nkind: Other\n", "second document"),
        ("%YAML 1.2\n---\n" + HEAD + POD, "directive"),
        (HEAD + POD.replace("a: b", "a: *x"), "alias"),
        (HEAD + POD.replace("a: b", "a: !!str b"), "tag"),
        (HEAD + POD.replace("  kind: Pod", "  kind: |\n    managedFields: x"), "block scalar"),
        (HEAD + POD.replace("  kind: Pod", '  kind: "Pod\n    managedFields: x"'), "open quote"),
        (HEAD + POD.replace("  kind: Pod", "  kind: [Pod,\n    managedFields]"), "open bracket"),
        (HEAD + POD.replace("  kind: Pod", "  kind: Pod\n    more"), "plain goes on"),
        (HEAD + POD.replace("- apiVersion: v1", "- apiVersion: v1\n    more: x"), "item goes on"),
        (HEAD + "- just text\n  managedFields: x\n" + POD, "scalar item goes on"),
        (HEAD + POD.replace("  kind: Pod", "  kind:\n    managedFields: x"), "kind holds a block"),
        (HEAD + POD.replace("  kind: Pod", "  extra:\n  - a: 1\n    managedFields: x"), "seq"),
        (HEAD + POD.replace("  metadata:\n", "  metadata:\n   labels:\n    app: x\n"), "odd col"),
        (HEAD + POD.replace("- apiVersion", "-   apiVersion"), "wide dash"),
        (HEAD + POD.replace("- apiVersion", '- "apiVersion"'), "quoted item key"),
        ("items: []\n", "no block items"),
        (HEAD + POD + "items:\n" + POD, "two items keys"),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v else "",
)
def test_what_the_cut_cannot_vouch_for_is_parsed_whole(text: str, why: str) -> None:
    assert cut_pod_list(text) is None, why
    got, want = _same(text)
    assert got == want, why


def test_cut_entries_end_where_their_key_does_and_mappings_stay_mappings() -> None:
    text = HEAD + POD.replace(
        "    containers:\n    - name: c\n",
        "    containers:\n    - name: c\n      args: |\n        nodeName: no\n\n"
        "# a comment at column 0\n    volumes: []\n",
    ).replace("    nodeName: n1\n", "")
    short = cut_pod_list(text)
    assert short is not None and "args" not in short and "nodeName" not in short
    got, want = _same(text)
    assert got == want and got[0]["spec"] == {}  # spec kept a mapping, not null
    assert "annotations" not in got[0]["metadata"]


# --------------------------------------------------------------------------- errors and bombs


def test_a_broken_kept_line_is_the_same_error_as_the_whole_parse() -> None:
    text = HEAD + POD.replace("    name: p1", "    name: [p1")
    got, want = _same(text)
    assert "not valid YAML" in str(want) and got == want and PODS in str(got)


def test_a_truncated_list_reads_or_fails_as_the_whole_parse_does() -> None:
    text = HEAD + POD * 3
    for end in range(len(HEAD) + 1, len(text), 7):
        got, want = _same(text[:end])
        if isinstance(want, list) or "not valid YAML" not in str(want):
            assert got == want, end


@pytest.mark.parametrize(
    ("inside", "says"),
    [
        (
            "    containers:\n"
            + "".join("    " + "  " * i + f"k{i}:\n" for i in range(1, 120))
            + "    "
            + "  " * 120
            + "v\n",
            "nested deeper than",
        ),
        ("    containers: &a [x, x]\n    volumes: [*a, *a]\n", ""),
    ],
    ids=["deep", "anchors"],
)
def test_yaml_bombs_inside_what_the_cut_drops_are_judged_on_the_whole_text(
    inside: str, says: str
) -> None:
    text = HEAD + POD.replace("    containers:\n    - name: c\n", inside)
    got, want = _same(text)
    assert got == want
    assert says in str(got) and (not says or PODS in str(got))


def test_a_mis_indented_line_inside_a_cut_spec_is_read_and_the_bundle_still_refuses_it(
    tmp_path: Path,
) -> None:
    """The documented limit: cut lines are not parsed. The file is still refused where it is
    parsed whole (the bundle's copy, SnapshotSource.parsed)."""
    text = HEAD + POD.replace("    - name: c\n", "    - name: c\n       image: x\n")
    snap = _write(tmp_path, text)
    assert "not valid YAML" in str(_listed(snap, cut=False))
    (pod,) = SnapshotSource(snap).list(R.PODS)
    assert pod["spec"] == {"nodeName": "n1"}
    source = SnapshotSource(snap)
    with pytest.raises(FactError, match="not valid YAML"):
        source.parsed(source.entries()[0])


# --------------------------------------------------------------------------- generated lists

_WORDS = [
    "x",
    "a b",
    "a: b",
    "#c",
    "a #c",
    "- d",
    "'q'",
    '"dq"',
    "*x",
    "&y",
    "!t",
    "|",
    ">",
    "%p",
    "@a",
    "{}",
    "[]",
    "{a: 1}",
    "",
    " lead",
    "trail ",
    "two\nlines",
    "three\n\nlines\n",
    "ünï",
    "null",
    "yes",
    "0o17",
    "nodeName: evil",
    "    managedFields: x",
    "a long value that a narrow dumper folds over several lines, again and again",
]
_KEYS = st.sampled_from(
    [
        "name",
        "namespace",
        "labels",
        "nodeName",
        "phase",
        "conditions",
        "containerStatuses",
        "state",
        "image",
        "managedFields",
        "annotations",
        "containers",
        "_",
        "a b",
        "#k",
        "- k",
        "k:",
        "",
        "1",
    ]
)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(_WORDS))
_tree = st.recursive(
    _scalar,
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(_KEYS, kids, max_size=3)),
    max_leaves=10,
)


def _part(required: dict[str, Any], optional: dict[str, Any]) -> Any:
    """Mostly the mapping a pod has there, now and then anything."""
    return st.one_of(*[st.fixed_dictionaries(required, optional=optional)] * 4, _tree)


_pod = st.fixed_dictionaries(
    {
        "metadata": _part(
            {"name": st.sampled_from(["p1", "p2", "p3"])},
            {
                "namespace": st.sampled_from(["ns1", "other"]),
                "labels": _tree,
                "annotations": _tree,
                "managedFields": _tree,
                "nodeName": _tree,
                "_": _tree,
            },
        )
    },
    optional={
        "apiVersion": st.one_of(st.just("v1"), _tree),
        "kind": st.one_of(*[st.just("Pod")] * 4, _tree),
        "spec": _part(
            {},
            {"nodeName": _tree, "containers": _tree, "volumes": _tree, "phase": _tree, "_": _tree},
        ),
        "status": _part(
            {},
            {
                "phase": _tree,
                "conditions": _tree,
                "containerStatuses": st.lists(
                    st.dictionaries(st.sampled_from(["name", "ready", "state", "image"]), _tree)
                ),
                "hostIP": _tree,
                "name": _tree,
            },
        ),
        "extra": _tree,
    },
)


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as block scalars, as kubectl writes them."""


_BlockDumper.add_representer(
    str,
    lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None),
)


def _render(doc: dict[str, Any], data: st.DataObject) -> str:
    style = data.draw(st.sampled_from(["oc", "flow-leaves", "narrow", "indent4", "block", "ours"]))
    if style == "ours":
        return yamlio.dump(doc)
    return yaml.dump(
        doc,
        Dumper=_BlockDumper if style == "block" else yaml.SafeDumper,
        default_flow_style=None if style == "flow-leaves" else False,
        width=20 if style == "narrow" else 1000,
        indent=4 if style == "indent4" else 2,
        allow_unicode=data.draw(st.booleans()),
        sort_keys=data.draw(st.booleans()),
    )


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(0, 3))):  # comment lines anywhere, at any column
        at = data.draw(st.integers(0, len(lines)))
        lines.insert(at, " " * data.draw(st.integers(0, 8)) + "# c: nodeName: x")
    text = "\n".join(lines)
    extras = ["---\n", "--- !!map\n", "crlf", "tab", "doc"]
    extra = data.draw(st.sampled_from(extras + [""] * 7))
    if extra == "crlf":
        return text.replace("\n", "\r\n")
    if extra == "tab":
        return text.replace(": ", ":\t", 1)
    if extra == "doc":
        return text + "---\nitems: []\n"
    return extra + text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(*[_pod] * 6, _scalar), max_size=4), st.data())
def test_generated_pod_lists_read_the_same_cut_or_whole(items: list[Any], data: Any) -> None:
    if data.draw(st.booleans()) and items and isinstance(items[0], dict):
        items.append(items[0])  # the same object twice: the dumper writes an anchor and alias
    doc = {"apiVersion": "v1", "items": items, "kind": "PodList", "metadata": {"a": {"b": 1}}}
    text = _mutate(_render(doc, data), data)
    short = cut_pod_list(text)
    event("cut" if short is not None else "whole")
    got, want = _same(text)
    if isinstance(want, str):  # refused whole: the cut may read what only it skips (see above)
        event("refused whole, " + ("refused" if isinstance(got, str) else "read") + " cut")
        if isinstance(got, str):
            assert got == want
        return
    event("read" if isinstance(want, list) else "read in part")
    assert got == want, text


def test_the_generated_lists_are_mostly_cut() -> None:
    """The property above is not vacuous: oc's own style is cut."""
    doc = {"apiVersion": "v1", "items": [{"metadata": {"name": "p"}, "spec": {"a": 1}}]}
    for dumper in (yaml.SafeDumper, _BlockDumper):
        assert cut_pod_list(yaml.dump(doc, Dumper=dumper, default_flow_style=False)) is not None
    assert cut_pod_list(yamlio.dump(doc)) is not None
    assert re.search(r"\n    _:", cut_pod_list(yamlio.dump(doc)) or "")
