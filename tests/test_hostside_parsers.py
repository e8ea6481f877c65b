"""The host-side parsers (openshift-install/oc version, df -P, registries.conf) on real outputs
(tests/real/...), on generated ones (hypothesis) and on hostile ones: huge, binary, endless
lines, escape sequences. Bounded, named, and nothing else lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.errors import InputError
from collectors.parsers import df, installer, registriesconf
from collectors.parsers.df import parse_df
from collectors.parsers.installer import parse_installer_version, parse_oc_version
from collectors.parsers.registriesconf import mirrors_for, parse_registries_conf

REAL = Path(__file__).parent / "real"
DIGEST = "sha256:" + "b8307ac0f3ec4ac86c3f3b52846425205022da52c16f56ec31cbe428501001d6"

# --------------------------------------------------------------------------- real files


@pytest.mark.parametrize(
    ("name", "version", "minor", "image"),
    [
        (
            "version-4.1.0.txt",
            "v4.1.0-201905212232-dirty",
            "4.1",
            f"quay.io/openshift-release-dev/ocp-release@{DIGEST}",
        ),
        ("version-okd-4.5.txt", "4.5.0-0.okd-2020-09-18-202631", "4.5", "quay.io/openshift/okd@"),
        ("version-4.2-ci-with-release.txt", "unreleased-master-1740-g0fa1", "4.2", "quay.io/"),
    ],
)
def test_real_installer_versions(name: str, version: str, minor: str, image: str) -> None:
    v = parse_installer_version((REAL / "openshift-install" / name).read_text())
    assert v.binary == "./openshift-install"
    assert v.version.startswith(version) and v.minor == minor
    assert v.release_image.startswith(image) and v.release_digest and len(v.commit) == 40


def test_real_oc_versions() -> None:
    oc = parse_oc_version((REAL / "oc" / "version-client-4.12.txt").read_text())
    assert (oc.client, oc.minor, oc.server) == (
        "4.12.0-202303010941.p0.g846602e.assembly.stream-846602e",
        "4.12",
        "",
    )
    oc = parse_oc_version((REAL / "oc" / "version-4.8.5-crc.txt").read_text())
    assert (oc.client, oc.server, oc.minor) == ("4.8.5", "4.8.5", "4.8")


def test_oc_of_4_5_printed_a_go_struct() -> None:
    text = (
        'Client Version: version.Info{Major:"4", Minor:"5+", GitVersion:"4.5.0-202007240519.p0-'
        'b66f2d3", GitCommit:"b66f2d3a6893be2f2a9bb4e1df7d8e1e5d4b2b7c", GitTreeState:"clean"}'
    )
    assert parse_oc_version(text).minor == "4.5"


def test_real_df() -> None:
    rows = parse_df((REAL / "df" / "df-P-debian12-root-and-proc.txt").read_text())
    assert [(r.mount, r.capacity) for r in rows] == [("/", "23%"), ("/proc", "-")]
    assert rows[0].available_bytes == 81955092 * 1024
    (tmpfs,) = parse_df((REAL / "df" / "df-P-debian12-tmpfs-2m.txt").read_text())
    assert tmpfs.size_bytes == 2 * 1024 * 1024


def test_real_registries_conf() -> None:
    entries = parse_registries_conf(
        (REAL / "registries.conf" / "icsp-docs-example.conf").read_text()
    )
    assert len(entries) == 6 and all(e.digest_only for e in entries)
    assert mirrors_for(entries, "registry.redhat.io/openshift4/ose-cli") == (
        "mirror.example.com/redhat/ose-cli",
    )
    assert mirrors_for(entries, "registry.redhat.io/rhel8/x") == ("mirror.example.com/rhel8/x",)
    assert mirrors_for(entries, "quay.io/openshift-release-dev/ocp-release") == ()
    # a prefix matches whole path components only
    assert mirrors_for(entries, "registry.example.com/examples") == (
        "mirror.example.net/registry-example-com/examples",
    )


# --------------------------------------------------------------------------- generated

_word = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


@given(
    major=st.integers(4, 9),
    minor=st.integers(0, 30),
    patch=st.integers(0, 99),
    digest=st.text("0123456789abcdef", min_size=64, max_size=64),
    noise=st.lists(st.text(max_size=40).filter(lambda t: "\x00" not in t), max_size=3),
)
def test_installer_version_round_trip(major, minor, patch, digest, noise) -> None:  # noqa: ANN001
    text = "\n".join(
        [
            *(n.replace("\n", " ").replace("\r", " ") for n in noise),
            f"/usr/local/bin/openshift-install {major}.{minor}.{patch}",
            "built from commit " + "a" * 40,
            f"release image quay.io/openshift-release-dev/ocp-release@sha256:{digest}",
        ]
    )
    v = parse_installer_version(text)
    assert v.minor == f"{major}.{minor}" and v.release_digest == f"sha256:{digest}"


@given(st.lists(st.tuples(_word, st.integers(0, 2**40), st.integers(0, 2**40), _word), max_size=8))
def test_df_rows_round_trip(rows) -> None:  # noqa: ANN001
    lines = ["Filesystem     1024-blocks  Used Available Capacity Mounted on"]
    lines += [f"{fs} {a + b} {a} {b} 5% /{mount} with space" for fs, a, b, mount in rows]
    parsed = parse_df("\n".join(lines))
    assert [(r.filesystem, r.available, r.mount) for r in parsed] == [
        (fs, b, f"/{mount} with space") for fs, _, b, mount in rows
    ]


@given(st.lists(st.tuples(_word, st.lists(_word, max_size=3)), max_size=6))
def test_registries_conf_round_trip(entries) -> None:  # noqa: ANN001
    text = "".join(
        f'[[registry]]\nlocation = "quay.io/{loc}"\n'
        + "".join(f'[[registry.mirror]]\nlocation = "m.example/{m}"\n' for m in mirrors)
        for loc, mirrors in entries
    )
    parsed = parse_registries_conf(text)
    assert [(e.source, e.mirrors) for e in parsed] == [
        (f"quay.io/{loc}", tuple(f"m.example/{m}" for m in mirrors)) for loc, mirrors in entries
    ]


@given(st.text(max_size=300))
def test_any_text_parses_or_is_named(text: str) -> None:
    for parse in (parse_installer_version, parse_oc_version, parse_df, parse_registries_conf):
        try:
            parse(text)
        except InputError as exc:
            assert str(exc)


# --------------------------------------------------------------------------- hostile


def test_huge_outputs_are_cut_and_what_precedes_is_kept() -> None:
    good = "./openshift-install 4.5.6\nbuilt from commit " + "a" * 40 + "\n"
    v = parse_installer_version(good + "x" * (installer.MAX_CHARS * 4))
    assert v.version == "4.5.6"
    endless = "Filesystem 1024-blocks Used Available Capacity Mounted on\n" + (
        "/dev/x 10 5 5 50% /m\n" * (df.MAX_ROWS * 3)
    )
    assert len(parse_df(endless)) == df.MAX_ROWS
    with pytest.raises(InputError, match="larger than"):
        parse_registries_conf(b"#" * (registriesconf.MAX_BYTES + 1))


def test_binary_and_escape_sequences_are_named_not_echoed() -> None:
    with pytest.raises(InputError, match="binary data"):
        parse_installer_version("\x00\x01ELF" * 100)
    with pytest.raises(InputError) as exc:
        parse_installer_version("\x1b]0;pwned\x07\x1b[2Jhello")
    assert "\x1b" not in str(exc.value)
    with pytest.raises(InputError, match="not TOML"):
        parse_registries_conf(b"\xff\xfe[[registry\x00")
    with pytest.raises(InputError, match="not df -P"):
        parse_df("\x1b[31mFilesystem\n")


def test_deeply_nested_toml_is_refused_not_crashed() -> None:
    with pytest.raises(InputError):
        parse_registries_conf("a = " + "[" * 100000 + "]" * 100000)
