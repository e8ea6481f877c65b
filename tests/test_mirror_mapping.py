"""Mirror mapping: ICSP / imageContentSources / IDMS / ITMS semantics (no servers)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.errors import InputError
from collectors.images.imageref import canonical_name, parse_reference, registry_key
from collectors.images.mirrors import (
    NEVER_CONTACT_SOURCE,
    MirrorRule,
    map_reference,
    rules_from_install_config,
    rules_from_resource,
    source_matches,
)

DIGEST = "sha256:" + "d" * 64
component = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
path = st.lists(component, min_size=1, max_size=4)
mirror_host = st.sampled_from(["mirror:5000", "m2.example.com", "10.0.0.5:443"])

#: Generous under load (2 shared CPUs): no per-example deadline, no too-slow health check.
relaxed = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@relaxed
@given(
    path,
    st.integers(0, 4),
    st.lists(st.tuples(mirror_host, st.lists(component, max_size=2)), min_size=1, max_size=3),
)
def test_mapping_keeps_rest_and_digest_and_order(parts: list[str], cut: int, mirrors: list) -> None:
    """Replacing the matched prefix keeps the rest of the path and the digest; mirrors come in
    order, then the source."""
    cut = min(cut, len(parts) - 1)
    ref = parse_reference(f"quay.io/{'/'.join(parts)}@{DIGEST}")
    source = "/".join(["quay.io", *parts[:cut]])
    targets = list(dict.fromkeys("/".join([h, *p]) for h, p in mirrors))
    rule = MirrorRule(source, tuple(targets))
    got = map_reference(ref, [rule])
    rest = "/".join(parts[cut:])
    # host:443 is the registry host (imageref.registry_key)
    assert [c.name for c in got[:-1]] == [canonical_name(f"{t}/{rest}") for t in targets]
    assert all(c.digest == DIGEST and c.tag is None for c in got)
    assert got[-1] == ref
    assert map_reference(ref, [rule], include_source=False) == got[:-1]


@relaxed
@given(path, path)
def test_longest_prefix_wins(a: list[str], b: list[str]) -> None:
    """Only the most specific matching source applies, whatever the rules' order."""
    ref = parse_reference(f"quay.io/{'/'.join(a + b)}/img@{DIGEST}")
    short = MirrorRule("quay.io/" + a[0], ("short:1/x",))
    long = MirrorRule("quay.io/" + "/".join(a + b[:1]), ("long:1/y",))
    registry = MirrorRule("quay.io", ("reg:1",))
    rest = "/".join([*b[1:], "img"])
    for order in ([short, long, registry], [registry, long, short], [long, registry, short]):
        got = map_reference(ref, order)
        assert [c.name for c in got] == [f"long:1/y/{rest}", ref.name]


@relaxed
@given(component, component)
def test_prefix_only_on_path_boundaries(a: str, extra: str) -> None:
    ref = parse_reference(f"quay.io/{a}{extra}/img@{DIGEST}")
    assert not source_matches(f"quay.io/{a}", ref)
    assert map_reference(ref, [MirrorRule(f"quay.io/{a}", ("m:1/x",))]) == [ref]
    assert source_matches(f"quay.io/{a}{extra}", ref)


@relaxed
@given(path)
def test_digest_only_rules_ignore_tags_and_tag_rules_ignore_digests(parts: list[str]) -> None:
    tagged = parse_reference(f"quay.io/{'/'.join(parts)}:v1")
    pinned = tagged.with_digest(DIGEST)
    digest_rule = MirrorRule("quay.io", ("m:1",), digest_only=True)
    tag_rule = MirrorRule("quay.io", ("t:1",), digest_only=False)
    assert map_reference(tagged, [digest_rule]) == [tagged]
    assert map_reference(pinned, [tag_rule]) == [pinned]
    assert map_reference(tagged, [tag_rule])[0].name == f"t:1/{'/'.join(parts)}"
    assert map_reference(tagged, [tag_rule])[0].tag == "v1"


@relaxed
@given(path, st.booleans())
def test_never_contact_source(parts: list[str], never: bool) -> None:
    ref = parse_reference(f"quay.io/{'/'.join(parts)}@{DIGEST}")
    rule = MirrorRule("quay.io", ("m:1",), source_policy=NEVER_CONTACT_SOURCE if never else "")
    got = map_reference(ref, [rule])
    assert (ref in got) is not never


@relaxed
@given(st.lists(st.lists(mirror_host, min_size=1, max_size=3), min_size=1, max_size=3))
def test_same_source_rules_merge_in_order_without_duplicates(groups: list[list[str]]) -> None:
    ref = parse_reference(f"quay.io/a/b@{DIGEST}")
    rules = [MirrorRule("quay.io/a", tuple(g)) for g in groups]
    got = [c.registry for c in map_reference(ref, rules, include_source=False)]
    want = list(dict.fromkeys(registry_key(h) for g in groups for h in g))
    assert got == want


def test_wildcard_and_exact() -> None:
    ref = parse_reference(f"registry.redhat.io/product/repo@{DIGEST}")
    wild = MirrorRule("*.redhat.io", ("mirror.local/redhat",))
    assert map_reference(ref, [wild])[0].name == "mirror.local/redhat/product/repo"
    exact = MirrorRule("registry.redhat.io", ("exact:1",))
    assert map_reference(ref, [wild, exact])[0].name == "exact:1/product/repo"


def test_seed_icsp_examples() -> None:
    """The ImageContentSourcePolicy examples of seed 003 and the registries.conf they give."""
    icsp = {
        "kind": "ImageContentSourcePolicy",
        "metadata": {"name": "ubi8repo"},
        "spec": {
            "repositoryDigestMirrors": [
                {
                    "mirrors": [
                        "example.io/example/ubi-minimal",
                        "example.com/example/ubi-minimal",
                    ],
                    "source": "registry.access.redhat.com/ubi8/ubi-minimal",
                },
                {
                    "mirrors": ["mirror.example.com/redhat"],
                    "source": "registry.redhat.io/openshift4",
                },
                {"mirrors": ["mirror.example.com"], "source": "registry.redhat.io"},
                {
                    "mirrors": ["mirror.example.net/image"],
                    "source": "registry.example.com/example/myimage",
                },
                {"mirrors": ["mirror.example.net"], "source": "registry.example.com/example"},
                {
                    "mirrors": ["mirror.example.net/registry-example-com"],
                    "source": "registry.example.com",
                },
            ]
        },
    }
    rules = rules_from_resource(icsp)

    def first(text: str) -> str:
        return map_reference(f"{text}@{DIGEST}", rules)[0].name

    assert first("registry.access.redhat.com/ubi8/ubi-minimal") == "example.io/example/ubi-minimal"
    assert [
        c.name
        for c in map_reference(f"registry.access.redhat.com/ubi8/ubi-minimal@{DIGEST}", rules)
    ] == [
        "example.io/example/ubi-minimal",
        "example.com/example/ubi-minimal",
        "registry.access.redhat.com/ubi8/ubi-minimal",
    ]
    assert first("registry.redhat.io/openshift4/ose-cli") == "mirror.example.com/redhat/ose-cli"
    assert first("registry.redhat.io/rhel8/x") == "mirror.example.com/rhel8/x"
    assert first("registry.example.com/example/myimage") == "mirror.example.net/image"
    assert first("registry.example.com/example/other") == "mirror.example.net/other"
    assert first("registry.example.com/z/w") == "mirror.example.net/registry-example-com/z/w"


def test_install_config_and_idms() -> None:
    doc = {
        "imageContentSources": [
            {
                "source": "quay.io/openshift-release-dev/ocp-release",
                "mirrors": ["m:5000/ocp4/openshift4"],
            }
        ],
        "imageDigestSources": [
            {
                "source": "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
                "mirrors": ["m:5000/ocp4/openshift4"],
                "sourcePolicy": "NeverContactSource",
            }
        ],
    }
    rules = rules_from_install_config(doc)
    assert [r.origin for r in rules] == ["imageContentSources[0]", "imageDigestSources[0]"]
    got = map_reference(f"quay.io/openshift-release-dev/ocp-v4.0-art-dev@{DIGEST}", rules)
    assert [c.name for c in got] == ["m:5000/ocp4/openshift4"]
    idms = {
        "kind": "ImageDigestMirrorSet",
        "metadata": {"name": "x"},
        "spec": {
            "imageDigestMirrors": [
                {
                    "source": "quay.io",
                    "mirrors": ["a:1"],
                    "mirrorSourcePolicy": "NeverContactSource",
                }
            ]
        },
    }
    assert rules_from_resource(idms)[0].source_policy == NEVER_CONTACT_SOURCE
    itms = {
        "kind": "ImageTagMirrorSet",
        "metadata": {"name": "x"},
        "spec": {"imageTagMirrors": [{"source": "quay.io", "mirrors": ["a:1"]}]},
    }
    assert rules_from_resource(itms)[0].digest_only is False


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"imageContentSources": "quay.io"}, "imageContentSources"),
        ({"imageContentSources": [{"mirrors": ["a"]}]}, r"imageContentSources\[0\]"),
        (
            {"imageDigestSources": [{"source": "q", "mirrors": "a"}]},
            r"imageDigestSources\[0\].mirrors",
        ),
    ],
)
def test_bad_rules_name_the_key(doc: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        rules_from_install_config(doc, "install-config.yaml")
