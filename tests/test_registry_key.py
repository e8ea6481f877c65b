"""One registry whatever its port's spelling: ``host`` and ``host:443`` (https's default) are the
same in the inventory, auth files, ICSP/IDMS/ITMS sources and mirrors, image references,
registries.conf locations and ``host..port`` trust keys (``imageref.registry_key``, the one
normalisation); hypothesis over host names, cases and ports, and the measured false failure
(manifests naming the mirror ``registry.example:443`` against an inventory saying
``registry.example``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from collectors.facts.mirror import _ClusterView
from collectors.images.imageref import (
    canonical_name,
    parse_reference,
    registry_key,
    same_registry,
    under_registry,
)
from collectors.images.mirrors import map_reference, rules_from_resource
from collectors.images.pullsecret import parse_auths
from collectors.inventory import load_inventory
from collectors.parsers.catalogmirror import MappingEntry
from collectors.parsers.registriesconf import mirrors_for, parse_registries_conf

label = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
hostname = st.lists(label, min_size=2, max_size=4).map(".".join)
address = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
host = st.one_of(hostname, address, st.just("[::1]"))
other_port = st.integers(1, 65535).filter(lambda p: p != 443)
cased = st.sampled_from([str.lower, str.upper, str.title])
D = "sha256:" + "e" * 64


@given(host, cased, other_port)
def test_host_and_host_443_are_one_registry_and_other_ports_are_not(
    h: str, case: object, port: int
) -> None:
    spelled = case(h)  # type: ignore[operator]
    key = registry_key(h)
    assert registry_key(f"{spelled}:443") == key == registry_key(spelled)
    assert registry_key(f"https://{spelled}:443/") == key
    assert registry_key(key) == key  # idempotent
    assert registry_key(f"{h}:{port}") == f"{key}:{port}" != key
    assert same_registry(f"{h}:0{port}", f"{h}:{port}")
    # the trust bundle's host..port keys
    if not h.startswith("["):
        assert registry_key(f"{h}..443") == key
        assert registry_key(f"{h}..{port}") == registry_key(f"{h}:{port}")


@given(host, cased, st.sampled_from(["ocp4/openshift4", "olm/index", "a"]))
def test_references_rules_auths_and_registries_conf_agree(h: str, case: object, repo: str) -> None:
    spelled = f"{case(h)}:443"  # type: ignore[operator]
    key = registry_key(h)
    # image references
    assert parse_reference(f"{spelled}/{repo}:1").registry == key
    assert parse_reference(f"{h}/{repo}@{D}") == parse_reference(f"{spelled}/{repo}@{D}")
    # ICSP / IDMS / ITMS sources and mirrors
    for kind, spec, ref in (
        ("ImageDigestMirrorSet", "imageDigestMirrors", f"{h}/{repo}/x@{D}"),
        ("ImageTagMirrorSet", "imageTagMirrors", f"{h}/{repo}/x:1"),
    ):
        obj = {
            "kind": kind,
            "metadata": {"name": "r"},
            "spec": {spec: [{"source": f"{spelled}/{repo}", "mirrors": [f"{spelled}/m"]}]},
        }
        rules = rules_from_resource(obj)
        routed = map_reference(ref, rules, include_source=False)
        assert [c.name for c in routed] == [f"{key}/m/x"]
    # auth file keys, both ways round
    secret = base64.b64encode(b"u:p").decode()
    for written, asked in ((spelled, h), (h, spelled)):
        auths = parse_auths(json.dumps({"auths": {written: {"auth": secret}}}))
        assert auths.lookup(f"{asked}/{repo}") is not None
        assert auths.for_host(asked) is not None
    # registries.conf
    conf = parse_registries_conf(
        f'[[registry]]\nlocation = "{spelled}/{repo}"\n'
        f'[[registry.mirror]]\nlocation = "{spelled}/mirror"\n'
    )
    assert mirrors_for(conf, f"{key}/{repo}") == (f"{key}/mirror",)
    assert under_registry(f"{spelled}/{repo}", h) and canonical_name(f"{spelled}/{repo}") == (
        f"{key}/{repo}"
    )


def test_the_inventory_reads_host_443_as_host(tmp_path: Path) -> None:
    inv = tmp_path / "site.yaml"
    inv.write_text(
        "cluster: {name: c, base_domain: example.com}\nnodes: []\n"
        "mirror: {registry: 'Registry.Example:443'}\n"
    )
    assert load_inventory(inv).mirror.registry == "registry.example"


def test_measured_manifests_naming_the_mirror_with_443_are_covered() -> None:
    """The measured false failure: ICSP mirrors written as registry.example:443, the inventory
    saying registry.example: every source repository was "not covered"."""
    icsp = {
        "kind": "ImageContentSourcePolicy",
        "metadata": {"name": "operator-0"},
        "spec": {
            "repositoryDigestMirrors": [
                {"source": "registry.redhat.io/ocs4", "mirrors": ["registry.example:443/ocs4"]}
            ]
        },
    }
    view = _ClusterView(rules_from_resource(icsp), {}, {})
    entry = MappingEntry(
        parse_reference(f"registry.redhat.io/ocs4/mcg-operator@{D}"),
        parse_reference(f"registry.example:443/ocs4/mcg-operator@{D}"),
        1,
    )
    view.count([entry], registry_key("registry.example"))
    assert view.uncovered == {}
