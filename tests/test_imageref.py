"""Image reference parsing, auth.json lookup and image-references parsing (no servers)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.errors import InputError
from collectors.images.imageref import DOCKER_HUB, ImageRef, ImageRefError, parse_reference
from collectors.images.pullsecret import normalize_key, parse_auths
from collectors.images.release import parse_image_references

component = st.from_regex(r"[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,6}){0,2}", fullmatch=True)
label = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)
host = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(label, min_size=1, max_size=3),
    st.sampled_from(["io", "com", "local"]),
)
registry = st.one_of(
    host,
    st.builds(lambda h, p: f"{h}:{p}", host, st.integers(1, 65535)),
    st.builds(lambda p: f"localhost:{p}", st.integers(1, 65535)),
)
tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
digest = st.from_regex(r"sha256:[a-f0-9]{64}", fullmatch=True)

#: Generous under load (2 shared CPUs): no per-example deadline, no too-slow health check.
relaxed = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@relaxed
@given(registry, st.lists(component, min_size=1, max_size=4), st.none() | tag, st.none() | digest)
def test_round_trip(reg: str, path: list[str], t: str | None, d: str | None) -> None:
    text = f"{reg}/{'/'.join(path)}" + (f":{t}" if t else "") + (f"@{d}" if d else "")
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (reg, "/".join(path), t, d)
    assert parse_reference(str(ref)) == (
        ref if t or d else ImageRef(reg, "/".join(path), "latest", None)
    )
    assert ref.reference == (d or t or "latest")


@relaxed
@given(st.lists(component, min_size=1, max_size=3), st.none() | tag)
def test_docker_hub_defaults(path: list[str], t: str | None) -> None:
    if "." in path[0] and len(path) > 1:
        path[0] = path[0].replace(".", "x")  # a dot would make it a registry
    ref = parse_reference("/".join(path) + (f":{t}" if t else ""))
    assert ref.registry == DOCKER_HUB
    want = "/".join(path) if len(path) > 1 else f"library/{path[0]}"
    assert ref.repository == want
    assert ref.api_host == "registry-1.docker.io"


@relaxed
@given(st.text(max_size=80))
def test_garbage_never_crashes(text: str) -> None:
    try:
        ref = parse_reference(text)
    except ImageRefError as exc:
        assert str(exc)
    else:
        assert ref.repository and ref.registry


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("quay.io/UPPER/x", "component"),
        ("quay.io/a@sha256:1234", "digest"),
        ("quay.io/a:bad tag", "tag"),
        ("quay.io/a:-x", "tag"),
        ("quay.io//a", "component"),
        ("bad_host.io:99999999/a", "registry"),
    ],
)
def test_bad_references_say_what(text: str, why: str) -> None:
    with pytest.raises(ImageRefError, match=why):
        parse_reference(text)


def test_examples() -> None:
    r = parse_reference("docker.io/busybox")
    assert str(r) == "docker.io/library/busybox:latest"
    r = parse_reference("index.docker.io/library/ubuntu:22.04")
    assert r.registry == "docker.io"
    r = parse_reference("[::1]:5000/a/b:c")
    assert (r.registry, r.repository, r.tag) == ("[::1]:5000", "a/b", "c")
    r = parse_reference("registry.example.com:5000/ocp4/openshift4:4.5.6-x86_64@sha256:" + "a" * 64)
    assert r.tag == "4.5.6-x86_64" and r.reference.startswith("sha256:")
    assert str(r.with_digest("sha256:" + "b" * 64)).endswith("openshift4@sha256:" + "b" * 64)


# --------------------------------------------------------------------------- auth.json


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_auth_lookup_longest_prefix_on_boundaries() -> None:
    a = parse_auths(
        json.dumps(
            {
                "auths": {
                    "mirror:5000": {"auth": _b64("host:h")},
                    "mirror:5000/ocp4": {"auth": _b64("ns:n")},
                    "https://index.docker.io/v1/": {"auth": _b64("hub:x")},
                    "other.io": {"username": "u", "password": "p"},
                }
            }
        )
    )
    assert a.lookup("mirror:5000/ocp4/openshift4").username == "ns"
    assert a.lookup("mirror:5000/ocp4x/openshift4").username == "host"
    assert a.lookup("mirror:5001/ocp4") is None
    assert a.lookup("docker.io/library/busybox").username == "hub"
    assert a.lookup("other.io/a").password == "p"
    assert a.for_host("mirror:5000").username == "host"
    assert normalize_key("HTTPS://Quay.IO/") == "quay.io"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{", "not valid JSON"),
        ('{"x": 1}', '"auths"'),
        ('{"auths": {"h": {"auth": "!!!"}}}', "auths.h"),
        ('{"auths": {"h": {"auth": "' + _b64("nocolon") + '"}}}', "user:password"),
        ('{"auths": {"h": {"email": "a@b"}}}', "auths.h"),
    ],
)
def test_bad_auth_files_name_the_key_not_the_secret(text: str, where: str) -> None:
    with pytest.raises(InputError, match=where) as info:
        parse_auths(text, "pull-secret.json")
    assert "pull-secret.json" in str(info.value)
    assert "nocolon" not in str(info.value)


@relaxed
@given(
    st.text(min_size=1, max_size=30).filter(lambda s: ":" not in s),
    st.text(min_size=1, max_size=30),
)
def test_credentials_round_trip_and_never_show(user: str, password: str) -> None:
    a = parse_auths(json.dumps({"auths": {"h:1": {"auth": _b64(f"{user}:{password}")}}}))
    cred = a.lookup("h:1/x")
    assert (cred.username, cred.password) == (user, password)
    assert "password=<redacted>" in repr(cred)


# --------------------------------------------------------------------------- image-references


def _stream(tags: list[dict]) -> bytes:
    return json.dumps(
        {
            "kind": "ImageStream",
            "apiVersion": "image.openshift.io/v1",
            "metadata": {"name": "4.5.6"},
            "spec": {"tags": tags},
        }
    ).encode()


def test_image_references_parse() -> None:
    d = "sha256:" + "c" * 64
    refs = parse_image_references(
        _stream(
            [
                {
                    "name": "haproxy-router",
                    "from": {"kind": "DockerImage", "name": f"quay.io/a/b@{d}"},
                },
            ]
        ),
        "rel",
    )
    assert refs.version == "4.5.6" and refs.components["haproxy-router"].digest == d


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x00\x01 not json", "not JSON"),
        (b'{"kind": "ConfigMap"}', "ConfigMap, not an ImageStream"),
        (b"[1, 2]", "not an ImageStream"),
        (b'{"kind": "ImageStream", "spec": {}}', "spec.tags"),
        (
            _stream([{"name": "x", "from": {"kind": "ImageStreamTag", "name": "y:z"}}]),
            "not from a DockerImage",
        ),
        (_stream([{"name": "x", "from": {"kind": "DockerImage", "name": "Bad Ref"}}]), "tag 'x'"),
    ],
)
def test_image_references_bad(data: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        parse_image_references(data, "mirror:5000/ocp4/openshift4:4.5.6")
    assert "mirror:5000/ocp4/openshift4:4.5.6" in str(info.value)


@relaxed
@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), digest, min_size=1, max_size=30
    ),
    st.from_regex(r"4\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
)
def test_image_references_round_trip(components: dict[str, str], version: str) -> None:
    from lab.registry import image_references

    data = json.dumps(image_references(components)).replace("4.5.6", version).encode()
    refs = parse_image_references(data, "rel")
    assert refs.version == version
    assert {k: v.digest for k, v in refs.components.items()} == components
    assert {v.name for v in refs.components.values()} == {
        "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
    }


@relaxed
@given(
    st.sampled_from(["Basic", "Bearer", "bearer"]),
    st.dictionaries(
        st.sampled_from(["realm", "service", "scope", "error"]),
        st.from_regex(r"[A-Za-z0-9:/._,=-]{0,40}", fullmatch=True),
        max_size=4,
    ),
)
def test_challenge_round_trip(scheme: str, params: dict[str, str]) -> None:
    from collectors.images.registry.auth import parse_challenge

    header = scheme + " " + ",".join(f'{k}="{v}"' for k, v in params.items())
    assert parse_challenge(header) == (scheme.lower(), params)


@relaxed
@given(
    st.dictionaries(
        st.from_regex(r"[a-z]{1,8}(?:/[a-z]{1,8}){0,2}", fullmatch=True),
        st.binary(max_size=200),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_find_in_tar(files: dict[str, bytes], whiteout: bool) -> None:
    import io

    from collectors.images.layers import find_in_tar
    from lab.imagebuild import tar_layer

    names = [n for n in files if not any(o.startswith(n + "/") for o in files)]  # files, not dirs
    files = {n: files[n] for n in names}
    target = names[0]
    if whiteout:
        parent, _, base = target.rpartition("/")
        files[f"{parent}/.wh.{base}" if parent else f".wh.{base}"] = b""
        del files[target]
    layer = io.BytesIO(tar_layer(files).data)
    got = find_in_tar(layer, target, "layer")
    assert got == (None if whiteout else files[target])


def test_find_in_tar_garbage() -> None:
    import io

    from collectors.images.layers import LayerError, find_in_tar

    for data, kind in (
        (b"\x1f\x8bnot really gzip", "gzip"),
        (b"plain text, no tar header" * 30, "tar"),
    ):
        with pytest.raises(LayerError, match=f"sha256:x: not a {kind} archive"):
            find_in_tar(io.BytesIO(data), "a/b", "sha256:x")
