"""Release signatures checked with GnuPG, as the cluster-version operator checks them.

A release signature (``oc adm release mirror --release-image-signature-to-dir``, oc-mirror's
``signature-configmap.yaml``, binaryData ``sha256-<hex>-<n>`` of a ConfigMap labelled
``release.openshift.io/verification-signatures``) is a binary OpenPGP message holding a signed
"atomic container signature" JSON document that names the release digest in
``critical.image.docker-manifest-digest``. The keys the cluster trusts are the
``verifier-public-key-*`` entries of ``openshift-config-managed/release-verification`` (armored
keyrings, one verifier each); the CVO accepts a release when every verifier has at least one
signature that verifies with its keyring and names the digest.

No cryptography here: ``gpg`` verifies, in a temporary home per keyring, as a bounded
subprocess (``settings.GPG_TIMEOUT``; input capped at ``settings.SIGNATURE_MAX_BYTES``, keyrings
at ``KEYRING_MAX_BYTES`` and ``KEYRING_MAX_KEYS``; what it writes at ``GPG_MAX_OUTPUT``). This
module parses its ``--status-fd`` lines and the signed JSON (both pure, below).

>>> s = parse_status("[GNUPG:] NEWSIG\\n[GNUPG:] GOODSIG 199E2F91FD431D51 Red Hat\\n"
...                  "[GNUPG:] VALIDSIG 567E 2025-02-28 1740716688 0 4 0 1 8 00 567EFULL\\n")
>>> s.valid, s.good
(('567EFULL',), ('199E2F91FD431D51',))
>>> parse_atomic_signature(b'{"critical": {"type": "atomic container signature",'
...     b' "image": {"docker-manifest-digest": "sha256:ab"},'
...     b' "identity": {"docker-reference": "quay.io/x:1"}}, "optional": {}}', "s").digest
'sha256:ab'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors import settings
from collectors.errors import FactError, InputError

ATOMIC_TYPE = "atomic container signature"
KEY_PREFIX = "verifier-public-key-"
PREFIX = "[GNUPG:] "
#: ERRSIG return codes (GnuPG's doc/DETAILS)
_ERRSIG_RC = {"4": "an unknown algorithm", "9": "a key no trusted keyring holds"}

# --------------------------------------------------------------------------- pure parsers


@dataclass(frozen=True)
class GpgStatus:
    """What ``gpg --status-fd`` said about one message.

    ``valid``: primary-key fingerprints of VALIDSIG lines; ``good``/``bad``: key ids of
    GOODSIG/BADSIG; ``errsig``: (key id, reason) of ERRSIG; ``expired``/``revoked``: key ids of
    EXPSIG/EXPKEYSIG and REVKEYSIG; ``nodata``: NODATA seen (not OpenPGP data); ``failure``:
    FAILURE lines; ``imported``: fingerprints of IMPORT_OK lines.
    """

    valid: tuple[str, ...] = ()
    good: tuple[str, ...] = ()
    bad: tuple[str, ...] = ()
    errsig: tuple[tuple[str, str], ...] = ()
    expired: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()
    nodata: bool = False
    failure: tuple[str, ...] = ()
    imported: tuple[str, ...] = ()
    signatures: int = 0

    @property
    def verified(self) -> bool:
        """A good, valid signature by a key neither expired nor revoked."""
        return bool(self.valid and self.good) and not (self.bad or self.expired or self.revoked)

    def problem(self) -> str:
        """Why the message did not verify, in words ("" when it did).

        >>> GpgStatus(nodata=True).problem()
        'not an OpenPGP message (gpg: NODATA)'
        >>> GpgStatus(errsig=(("ABCD", "9"),)).problem()
        'signed by key ABCD, a key no trusted keyring holds'
        """
        if self.verified:
            return ""
        if self.bad:
            return f"BAD signature by key {', '.join(self.bad)} (the message was altered)"
        if self.expired:
            return f"signature or key {', '.join(self.expired)} expired"
        if self.revoked:
            return f"key {', '.join(self.revoked)} is revoked"
        if self.errsig:
            return "; ".join(
                f"signed by key {k}, {_ERRSIG_RC.get(rc, f'not checkable (gpg rc {rc})')}"
                for k, rc in self.errsig
            )
        if self.nodata or not self.signatures:
            return "not an OpenPGP message (gpg: NODATA)" if self.nodata else "not signed"
        if self.failure:
            return f"gpg failed ({', '.join(self.failure)})"
        return "no valid signature"


def parse_status(text: str) -> GpgStatus:
    """Parse ``gpg --status-fd`` output; lines without the ``[GNUPG:]`` prefix are ignored."""
    out: dict[str, Any] = {k: [] for k in ("valid", "good", "bad", "errsig", "expired")}
    out.update(revoked=[], failure=[], imported=[])
    nodata = False
    signatures = 0
    for raw in text.splitlines():
        if not raw.startswith(PREFIX):
            continue
        words = raw[len(PREFIX) :].split()
        if not words:
            continue
        kw, args = words[0], words[1:]
        if kw == "NEWSIG":
            signatures += 1
        elif kw == "VALIDSIG" and args:
            out["valid"].append(args[9] if len(args) >= 10 else args[0])
        elif kw == "GOODSIG" and args:
            out["good"].append(args[0])
        elif kw == "BADSIG" and args:
            out["bad"].append(args[0])
        elif kw == "ERRSIG" and args:
            out["errsig"].append((args[0], args[5] if len(args) > 5 else "?"))
        elif kw in ("EXPSIG", "EXPKEYSIG") and args:
            out["expired"].append(args[0])
        elif kw == "REVKEYSIG" and args:
            out["revoked"].append(args[0])
        elif kw == "NODATA":
            nodata = True
        elif kw == "FAILURE":
            out["failure"].append(" ".join(args))
        elif kw == "IMPORT_OK" and len(args) >= 2:
            out["imported"].append(args[1])
    if out["good"] or out["bad"] or out["errsig"]:
        signatures = max(signatures, 1)
    return GpgStatus(
        **{k: tuple(dict.fromkeys(v)) for k, v in out.items()},  # type: ignore[arg-type]
        nodata=nodata,
        signatures=signatures,
    )


@dataclass(frozen=True)
class AtomicSignature:
    """The signed claim: the manifest digest and the reference it was signed for."""

    digest: str
    reference: str
    creator: str = ""
    timestamp: int | None = None


def parse_atomic_signature(data: bytes, where: str) -> AtomicSignature:
    """The claim of a signed "atomic container signature" document (containers/image's
    ``docs/containers-signature.5.md``, the CVO's ``verifyAtomicContainerSignature``): type
    exactly ``atomic container signature``, a non-empty identity, a digest. InputError naming
    ``where`` and the key otherwise."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(
            where, f"the signed content is not JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("critical"), dict):
        raise InputError(where, "the signed JSON has no critical object", key="critical")
    critical = doc["critical"]
    if critical.get("type") != ATOMIC_TYPE:
        found = critical.get("type")
        raise InputError(where, f"type is {found!r}, not {ATOMIC_TYPE!r}", key="critical.type")
    image = critical.get("image") if isinstance(critical.get("image"), dict) else {}
    digest = image.get("docker-manifest-digest")
    if not isinstance(digest, str) or not digest:
        raise InputError(where, "names no digest", key="critical.image.docker-manifest-digest")
    identity = critical.get("identity") if isinstance(critical.get("identity"), dict) else {}
    reference = identity.get("docker-reference")
    if not isinstance(reference, str) or not reference:
        raise InputError(
            where, "has no identity (the CVO refuses it)", key="critical.identity.docker-reference"
        )
    optional = doc.get("optional") if isinstance(doc.get("optional"), dict) else {}
    stamp = optional.get("timestamp")
    return AtomicSignature(
        digest,
        reference,
        str(optional.get("creator") or ""),
        stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None,
    )


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Keyring:
    """One verifier the cluster trusts: ``<configmap>/<key>``, its keys' fingerprints, and why
    it cannot be used ("" when it can)."""

    name: str
    fingerprints: tuple[str, ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of the target, checked: where it is, which verifier's keyring verified it
    (with the signing key's fingerprint), what its signed JSON names, and why it does not count
    ("" when it does)."""

    configmap: str
    key: str
    verified_by: str = ""
    fingerprint: str = ""
    digest: str = ""
    reference: str = ""
    problem: str = ""

    @property
    def where(self) -> str:
        return f"ConfigMap {self.configmap} binaryData {self.key}"


# --------------------------------------------------------------------------- running gpg


def gpg_path() -> str:
    """The gpg binary; FactError with how to install it when there is none."""
    found = shutil.which("gpg") or shutil.which("gpg2")
    if not found:
        raise FactError(
            "gpg (GnuPG) is not installed on this machine: release signatures cannot be verified"
        ).with_remediation(
            "install GnuPG where the suite runs: apt-get install gnupg (Debian/Ubuntu) or "
            "dnf install gnupg2 (RHEL/Fedora)"
        )
    return found


def _limit_files() -> None:  # runs in the child, before exec
    import resource

    cap = max(4096, settings.GPG_MAX_OUTPUT)
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


def run_gpg(home: Path, args: list[str], what: str) -> tuple[int, str, bytes]:
    """Run ``gpg --homedir home ... args`` bounded: its own session, killed whole at
    ``settings.GPG_TIMEOUT``, every file it writes (status, plaintext) at most
    ``settings.GPG_MAX_OUTPUT`` bytes. Returns (exit code, status text, plaintext)."""
    status_file, plain_file = home / "status.out", home / "plain.out"
    for f in (status_file, plain_file):
        f.unlink(missing_ok=True)
    argv = [
        gpg_path(),
        "--homedir",
        str(home),
        "--batch",
        "--no-tty",
        "--no-options",
        "--no-autostart",
        "--no-auto-key-retrieve",
        "--trust-model",
        "always",
        "--max-output",
        str(settings.GPG_MAX_OUTPUT),
        "--status-file",
        str(status_file),
        "--output",
        str(plain_file),
        *args,
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(home)}
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=_limit_files,  # noqa: PLW1509 - resource limits only, no threads touched
        )
    except OSError as exc:
        raise FactError(f"cannot run gpg for {what}: {exc}") from None
    try:
        rc = proc.wait(settings.GPG_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
        raise FactError(
            f"gpg did not finish {what} within {settings.GPG_TIMEOUT:g}s "
            "(raise UPI_GPG_TIMEOUT for a slow machine)"
        ) from None
    return rc, _read(status_file).decode("utf-8", "replace"), _read(plain_file)


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(settings.GPG_MAX_OUTPUT)
    except OSError:
        return b""


@dataclass
class Verifier:
    """The keyrings of ``keys`` (verifier name -> armored or binary key data), each imported into
    its own temporary gpg home. Use as a context manager; the homes go at exit.

    A keyring that is too big, holds no key or too many keys, or that gpg rejects is kept with
    its ``problem`` and not used; the others still are."""

    keys: dict[str, str | bytes]
    keyrings: list[Keyring] = field(default_factory=list)
    _homes: dict[str, Path] = field(default_factory=dict)
    _root: Path | None = None

    def __enter__(self) -> Verifier:
        self._root = Path(tempfile.mkdtemp(prefix="upi-gpg-"))
        for i, (name, data) in enumerate(self.keys.items()):
            self.keyrings.append(self._import(i, name, data))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    @property
    def usable(self) -> list[Keyring]:
        return [k for k in self.keyrings if not k.problem]

    def _import(self, i: int, name: str, data: str | bytes) -> Keyring:
        assert self._root is not None
        raw = data.encode() if isinstance(data, str) else data
        if len(raw) > settings.KEYRING_MAX_BYTES:
            return Keyring(
                name,
                problem=f"{len(raw)} bytes, more than UPI_KEYRING_MAX_BYTES="
                f"{settings.KEYRING_MAX_BYTES}: not used",
            )
        home = self._root / f"k{i}"
        home.mkdir(mode=0o700)
        (home / "keys.in").write_bytes(raw)
        rc, status, _ = run_gpg(home, ["--import", str(home / "keys.in")], f"importing {name}")
        parsed = parse_status(status)
        fprs = parsed.imported
        if not fprs:
            why = "not an OpenPGP key" if parsed.nodata or not raw.strip() else f"gpg rc {rc}"
            return Keyring(name, problem=f"holds no public key gpg can import ({why})")
        if len(fprs) > settings.KEYRING_MAX_KEYS:
            return Keyring(
                name,
                fprs[: settings.KEYRING_MAX_KEYS],
                problem=f"holds {len(fprs)} keys, more than UPI_KEYRING_MAX_KEYS="
                f"{settings.KEYRING_MAX_KEYS}: not used",
            )
        self._homes[name] = home
        return Keyring(name, fprs)

    def check(self, configmap: str, key: str, blob: bytes, digest: str) -> SignatureCheck:
        """Verify ``blob`` with each usable keyring; the first that verifies it decides what the
        signed JSON must name (``digest``). Every problem is named, never raised."""
        base = SignatureCheck(configmap, key)
        if len(blob) > settings.SIGNATURE_MAX_BYTES:
            return _with(
                base,
                problem=f"{len(blob)} bytes, more than UPI_SIGNATURE_MAX_BYTES="
                f"{settings.SIGNATURE_MAX_BYTES} (a release signature is under 1 KiB): not read",
            )
        if not self.usable:
            return _with(base, problem="no usable trusted keyring to verify it with")
        first_problem, unknown_key = "", False
        for ring in self.usable:
            home = self._homes[ring.name]
            (home / "sig.in").write_bytes(blob)
            try:
                _, text, plain = run_gpg(
                    home, ["--decrypt", str(home / "sig.in")], f"verifying {key} of {configmap}"
                )
            except FactError as exc:
                return _with(base, problem=str(exc))
            status = parse_status(text)
            if not status.verified:
                first_problem = first_problem or status.problem()
                unknown_key = unknown_key or bool(status.errsig)
                if status.nodata:
                    break  # no keyring makes non-OpenPGP data verify
                continue
            fpr = status.valid[0]
            try:
                claim = parse_atomic_signature(plain, f"{configmap}/{key}")
            except InputError as exc:
                return _with(
                    base,
                    verified_by=ring.name,
                    fingerprint=fpr,
                    problem=f"signed content: {(exc.key + ': ') if exc.key else ''}{exc.reason}",
                )
            problem = ""
            if claim.digest != digest:
                problem = f"signs {claim.digest} ({claim.reference}), not the target {digest}"
            return _with(
                base,
                verified_by=ring.name,
                fingerprint=fpr,
                digest=claim.digest,
                reference=claim.reference,
                problem=problem,
            )
        if not unknown_key:
            return _with(base, problem=first_problem)
        trusted = "; ".join(f"{r.name} ({', '.join(r.fingerprints)})" for r in self.usable)
        return _with(base, problem=f"{first_problem} (the cluster trusts {trusted})")


def _with(base: SignatureCheck, **changes: Any) -> SignatureCheck:
    return SignatureCheck(**{**base.__dict__, **changes})
