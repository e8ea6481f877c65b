"""Release signatures: GnuPG's status lines and the signed JSON parsed (hypothesis), the real
Red Hat signatures verified with the real release-verification keys (tests/real/signatures/),
and hostile input (not OpenPGP, a compression bomb, a huge blob, keyrings that are junk or hold
too many keys) named as problems while the rest is still checked."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors import settings as S
from collectors.errors import InputError
from collectors.facts.upgrade import verify_signatures
from collectors.images.gpg import (
    ATOMIC_TYPE,
    PREFIX,
    GpgStatus,
    Verifier,
    parse_atomic_signature,
    parse_status,
)
from collectors.images.release import signature_blobs, trusted_keys

REAL = Path(__file__).parent / "real" / "signatures"
RELEASE_KEY = "567E347AD0044ADE55BA8A5F199E2F91FD431D51"
RING = "release-verification/verifier-public-key-redhat"
D1 = "sha256:7039e7bd34fd024ff619df914528c8d85e62b847291f6684096fd4ca8dba2bbd"
D3 = "sha256:ea0429e14dc9ff007f56d5db2b75209c2510d81e6869194e33a53352d2b6a4fa"


def real(name: str) -> dict:
    return yaml.safe_load((REAL / name).read_text())


# --------------------------------------------------------------------------- pure parsers

hexes = st.text("0123456789ABCDEF", min_size=8, max_size=40)
noise = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("VALIDSIG"), hexes),
            st.tuples(st.just("GOODSIG"), hexes),
            st.tuples(st.just("BADSIG"), hexes),
            st.tuples(st.just("ERRSIG"), hexes),
            st.tuples(st.just("NOISE"), noise),
        ),
        max_size=8,
    )
)
def test_status_lines_are_read_whatever_else_is_there(lines: list[tuple[str, str]]) -> None:
    text = []
    for kw, arg in lines:
        if kw == "VALIDSIG":
            text.append(f"{PREFIX}VALIDSIG {arg} 2025-02-28 1 0 4 0 1 8 00 P{arg}")
        elif kw == "GOODSIG":
            text.append(f"{PREFIX}GOODSIG {arg} Someone <a@b>")
        elif kw == "BADSIG":
            text.append(f"{PREFIX}BADSIG {arg} Someone")
        elif kw == "ERRSIG":
            text.append(f"{PREFIX}ERRSIG {arg} 22 8 00 1740716688 9 -")
        else:
            text.append(arg.replace("[GNUPG:]", ""))
    s = parse_status("\n".join(text))
    assert s.valid == tuple(dict.fromkeys(f"P{a}" for k, a in lines if k == "VALIDSIG"))
    assert s.bad == tuple(dict.fromkeys(a for k, a in lines if k == "BADSIG"))
    assert s.errsig == tuple(dict.fromkeys((a, "9") for k, a in lines if k == "ERRSIG"))
    assert s.verified == bool(s.valid and s.good and not s.bad)
    assert (s.problem() == "") == s.verified


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_claim_or_an_input_error(data: bytes) -> None:
    try:
        claim = parse_atomic_signature(data, "cm/key")
    except InputError as exc:
        assert str(exc).startswith("cm/key: ")
    else:
        assert claim.digest and claim.reference


@settings(max_examples=100, deadline=None)
@given(
    st.text(min_size=1, max_size=80),
    st.text(min_size=1, max_size=80),
    st.one_of(st.none(), st.integers(0, 2**40)),
)
def test_a_claim_reads_back_what_was_signed(digest: str, ref: str, stamp: int | None) -> None:
    optional = {"creator": "x"} | ({"timestamp": stamp} if stamp is not None else {})
    doc = {
        "critical": {
            "type": ATOMIC_TYPE,
            "image": {"docker-manifest-digest": digest},
            "identity": {"docker-reference": ref},
        },
        "optional": optional,
    }
    claim = parse_atomic_signature(json.dumps(doc).encode(), "w")
    assert (claim.digest, claim.reference, claim.timestamp) == (digest, ref, stamp)
    doc["critical"]["type"] = "cosign container image signature"
    with pytest.raises(InputError, match="critical.type"):
        parse_atomic_signature(json.dumps(doc).encode(), "w")


def test_an_empty_status_is_not_signed() -> None:
    assert GpgStatus().problem() == "not signed"
    assert parse_status("").verified is False


# --------------------------------------------------------------------------- real files


def test_the_real_keys_are_one_verifier_of_two_keys() -> None:
    keys = trusted_keys([real("release-verification.yaml")])
    assert list(keys) == [RING]
    with Verifier(keys) as v:
        assert v.keyrings[0].fingerprints == (
            RELEASE_KEY,
            "B08B659EE86AF623BC90E8DB938A80CAF21541EB",
        )


def test_the_real_signatures_verify_with_the_real_release_key() -> None:
    cms = [real("release-verification.yaml"), real("signature-configmap.yaml")]
    for key in real("signature-configmap.yaml")["binaryData"]:
        digest = "sha256:" + key.split("-")[1]
        rings, checked = verify_signatures(cms, digest)
        assert [c.key for c in checked] == [key]
        c = checked[0]
        assert (c.verified_by, c.fingerprint, c.digest, c.problem) == (
            RING,
            RELEASE_KEY,
            digest,
            "",
        )
        assert c.reference.startswith("quay.io/openshift-release-dev/ocp-release:4.1")


def test_a_real_signature_under_another_digests_key_names_both() -> None:
    cm = real("signature-configmap.yaml")
    blob = base64.b64decode(cm["binaryData"][f"sha256-{D1[7:]}-2"])
    with Verifier(trusted_keys([real("release-verification.yaml")])) as v:
        c = v.check("mine", f"sha256-{D3[7:]}-1", blob, D3)
    assert c.verified_by == RING and c.digest == D1
    assert c.problem == (
        f"signs {D1} (quay.io/openshift-release-dev/ocp-release:4.15.49-x86_64), "
        f"not the target {D3}"
    )


# --------------------------------------------------------------------------- hostile input


@pytest.fixture(scope="module")
def redhat() -> dict[str, str | bytes]:
    return trusted_keys([real("release-verification.yaml")])


def test_a_blob_that_is_not_openpgp_is_named_and_the_next_still_checked(redhat: dict) -> None:
    good = base64.b64decode(real("signature-configmap.yaml")["binaryData"][f"sha256-{D3[7:]}-1"])
    with Verifier(redhat) as v:
        junk = v.check("cm", "k1", b"this is not OpenPGP\n" * 10, D3)
        nothing = v.check("cm", "k2", b"", D3)
        after = v.check("cm", "k3", good, D3)
    assert junk.problem == "not an OpenPGP message (gpg: NODATA)"
    assert nothing.problem.startswith("not an OpenPGP message")
    assert after.problem == "" and after.verified_by == RING


def test_a_compression_bomb_is_cut_at_the_output_cap(redhat: dict, tmp_path: Path) -> None:
    """An OpenPGP compressed packet of 64 MiB of zeros (64 KiB of input) is never written out
    whole: gpg stops at UPI_GPG_MAX_OUTPUT; the message is not signed."""
    home = tmp_path / "h"
    home.mkdir(mode=0o700)
    bomb = tmp_path / "bomb"
    zeros = tmp_path / "zeros"
    zeros.write_bytes(b"\0" * (64 * 1024 * 1024))
    subprocess.run(
        [
            "gpg",
            "--homedir",
            str(home),
            "--batch",
            "-z",
            "9",
            "--store",
            "-o",
            str(bomb),
            str(zeros),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    data = bomb.read_bytes()
    assert len(data) < S.SIGNATURE_MAX_BYTES
    with Verifier(redhat) as v:
        c = v.check("cm", "bomb", data, D3)
    assert c.problem == "not signed", c


def test_a_huge_blob_is_not_read(redhat: dict) -> None:
    with Verifier(redhat) as v:
        c = v.check("cm", "huge", b"\xa3\x01" + b"x" * S.SIGNATURE_MAX_BYTES, D3)
    assert c.problem.startswith(
        f"{S.SIGNATURE_MAX_BYTES + 2} bytes, more than UPI_SIGNATURE_MAX_BYTES"
    )


def test_bad_keyrings_are_named_and_the_good_one_still_used(
    redhat: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = {
        "rv/verifier-public-key-junk": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n",
        "rv/verifier-public-key-empty": "",
        "rv/verifier-public-key-huge": "x" * (S.KEYRING_MAX_BYTES + 1),
        **redhat,
    }
    good = base64.b64decode(real("signature-configmap.yaml")["binaryData"][f"sha256-{D3[7:]}-1"])
    with Verifier(keys) as v:
        problems = {k.name: k.problem for k in v.keyrings}
        c = v.check("cm", "k", good, D3)
    assert problems["rv/verifier-public-key-junk"].startswith("holds no public key gpg can import")
    assert problems["rv/verifier-public-key-empty"].startswith("holds no public key")
    assert "more than UPI_KEYRING_MAX_BYTES" in problems["rv/verifier-public-key-huge"]
    assert problems[RING] == ""
    assert c.verified_by == RING and c.problem == ""
    # a keyring with more keys than the cap is named and not used
    monkeypatch.setattr(S, "KEYRING_MAX_KEYS", 1)
    with Verifier(redhat) as v:
        assert v.keyrings[0].problem == "holds 2 keys, more than UPI_KEYRING_MAX_KEYS=1: not used"
        assert "no usable trusted keyring" in v.check("cm", "k", good, D3).problem


def test_bad_base64_is_named_not_raised() -> None:
    cm = {"binaryData": {f"sha256-{D3[7:]}-1": "@@not base64@@"}}
    ((key, blob),) = signature_blobs(cm, D3)
    assert isinstance(blob, str) and blob.startswith("not base64")
    cms = [
        real("release-verification.yaml"),
        {
            "metadata": {
                "name": "s",
                "labels": {"release.openshift.io/verification-signatures": ""},
            },
            **cm,
        },
    ]
    _, checked = verify_signatures(cms, D3)
    assert checked[0].problem.startswith("not base64")


def test_no_trusted_keys_runs_no_gpg_and_says_so() -> None:
    cm = {
        "metadata": {"name": "s", "labels": {"release.openshift.io/verification-signatures": ""}},
        "binaryData": {f"sha256-{D3[7:]}-1": base64.b64encode(b"x").decode()},
    }
    rings, checked = verify_signatures([cm], D3)
    assert rings == () and checked[0].problem == "no trusted keyring"


def test_signed_content_nested_past_the_parser_is_named_not_a_traceback() -> None:
    """A signature whose signed content is JSON nested 200,000 deep (a valid signature over a
    hostile document): an error naming where, never a RecursionError."""
    from collectors.errors import InputError
    from collectors.images.gpg import parse_atomic_signature

    with pytest.raises(InputError, match="cm/sha256-x-1: the signed content is not JSON"):
        parse_atomic_signature(b"[" * 200_000, "cm/sha256-x-1")
