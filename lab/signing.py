"""Release signatures the way Red Hat makes them, with a test key the lab generates (GnuPG 2.2,
Debian's ``gnupg``; recipe in the lab notes): an ed25519 key in a temporary home, the signed
"atomic container signature" JSON in the shape of a real one (``tests/real/signatures/``), as a
binary OpenPGP message (``gpg --sign``, not detached, not armored), and the
``openshift-config-managed/release-verification`` ConfigMap that trusts the key (the shape of
openshift/cluster-update-keys' manifest).

:func:`make_signatures` writes, under ``<dir>``: ``trusted.asc`` (the public key), and per name
``<name>.sig``: ``good`` (the target, by the trusted key), ``other-digest`` (another digest, by
the trusted key), ``untrusted`` (the target, by a key the cluster does not trust).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

PACKAGES = ["gnupg"]
TRUSTED_UID = "UPI lab release key <release@upi-lab.invalid>"
STRANGER_UID = "Someone else <stranger@upi-lab.invalid>"
VERIFICATION_ANNOTATION = "release.openshift.io/verification-config-map"


def atomic_payload(digest: str, reference: str) -> bytes:
    """The signed JSON, key order and spacing as in Red Hat's signatures."""
    doc = {
        "critical": {
            "image": {"docker-manifest-digest": digest},
            "type": "atomic container signature",
            "identity": {"docker-reference": reference},
        },
        "optional": {"creator": "UPI lab Signing Authority 0.0.1"},
    }
    return json.dumps(doc).encode()


def _gpg(home: Path, *args: str, data: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--passphrase", "", *args],
        input=data,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
    return done.stdout


class _Key:
    """A signing key in its own temporary home (short path: gpg-agent's socket lives there)."""

    def __init__(self, uid: str) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="lab-gpg-"))
        os.chmod(self.home, 0o700)
        _gpg(
            self.home,
            "--pinentry-mode",
            "loopback",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "never",
        )
        self.uid = uid

    def public(self) -> bytes:
        return _gpg(self.home, "--armor", "--export")

    def sign(self, payload: bytes) -> bytes:
        return _gpg(self.home, "--pinentry-mode", "loopback", "--sign", "-o", "-", data=payload)

    def close(self) -> None:
        subprocess.run(
            ["gpgconf", "--homedir", str(self.home), "--kill", "all"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        shutil.rmtree(self.home, ignore_errors=True)


def make_signatures(out: Path, digest: str, other_digest: str, reference: str) -> dict[str, Path]:
    """Write the trusted public key and the three signatures (see the module doc) to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    trusted, stranger = _Key(TRUSTED_UID), _Key(STRANGER_UID)
    try:
        files = {"trusted.asc": trusted.public()}
        files["good.sig"] = trusted.sign(atomic_payload(digest, reference))
        files["other-digest.sig"] = trusted.sign(atomic_payload(other_digest, reference))
        files["untrusted.sig"] = stranger.sign(atomic_payload(digest, reference))
    finally:
        trusted.close()
        stranger.close()
    paths = {}
    for name, data in files.items():
        (out / name).write_bytes(data)
        paths[name] = out / name
    return paths


def release_verification(public_key: str) -> dict[str, Any]:
    """``openshift-config-managed/release-verification`` trusting ``public_key`` (armored)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "release-verification",
            "namespace": "openshift-config-managed",
            "annotations": {VERIFICATION_ANNOTATION: ""},
        },
        "data": {
            "store-upi-lab": "https://mirror.upi-lab.invalid/signatures/openshift/release",
            "verifier-public-key-upi-lab": public_key,
        },
    }
