"""The installer that will run: its release and oc's minor match the mirrored release
(``collectors.facts.installer``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.installer import (
    OVERRIDE,
    InstallerFacts,
    gather_installer,
    installer_subjects,
)
from collectors.visible import shell_word, shell_word_or


def _short(digest: str | None) -> str:
    return digest[:19] + "…" if digest else "no digest"


def extract_hint(f: InstallerFacts, command: str) -> str:
    """The command that extracts a matching binary from the mirrored release.

    >>> from collectors.parsers.installer import InstallerVersion
    >>> f = InstallerFacts("/usr/bin/openshift-install", "here", InstallerVersion("x", "4.5.6"),
    ...     "", None, "reg:5000/ocp4/openshift4:4.5.6-x86_64", "sha256:a", auth_file="ps.json")
    >>> extract_hint(f, "oc")
    'oc adm release extract -a ps.json --command=oc reg:5000/ocp4/openshift4:4.5.6-x86_64'
    """
    auth = shell_word_or(f.auth_file, "<pull-secret.json>")
    return f"oc adm release extract -a {auth} --command={command} {shell_word(f.expected)}"


def evaluate_installer(f: InstallerFacts) -> Verdict:
    """The release the installer will install has mirror.release_image's digest, and oc is of
    the same minor version."""
    inst = f.installer
    used = f.override or inst.release_image
    used_digest = f.override_digest if f.override else inst.release_digest
    what = f"{f.path} {inst.version} on {f.where}"
    if f.expected_digest is None:
        return failed(
            expected=f"mirror.release_image {f.expected} in the mirror",
            found="the mirror has no such tag, so no digest to compare the installer with",
            remediation="mirror the release first (see mirror.release), then run this check again",
        )
    if used_digest != f.expected_digest:
        via = (
            f"{OVERRIDE}={f.override}"
            if f.override
            else f"its pinned release image {used or '(none)'}"
        )
        fix = (
            f"unset {OVERRIDE} (or set it to {shell_word(f.expected)})"
            if f.override
            else "extract the installer of the mirrored release: "
            + extract_hint(f, "openshift-install")
        )
        return failed(
            expected=f"the installer to install {f.expected} ({_short(f.expected_digest)})",
            found=f"{what} installs {via} ({_short(used_digest)})",
            remediation=fix,
        )
    minor = inst.minor
    if f.oc is not None and minor and f.oc.minor != minor:
        return failed(
            expected=f"oc of {minor}, like the installer",
            found=f"{f.oc_path} is {f.oc.client} ({f.oc.minor or 'unknown minor'})",
            remediation=f"use the oc of the mirrored release: {extract_hint(f, 'oc')}",
        )
    oc_note = f"; {f.oc_path} {f.oc.client}" if f.oc else f"; {f.oc_error}" if f.oc_error else ""
    over = f" ({OVERRIDE})" if f.override else ""
    return passed(f"{what} installs {f.expected} ({_short(f.expected_digest)}){over}{oc_note}")


@check(
    "installer.release",
    title="The installer and oc are of the mirrored release",
    markers=["preflight"],
    subject="the installer binary's path (installer.path, else openshift-install on PATH)",
    fails_when=(
        f"openshift-install version names a release image (or {OVERRIDE} is set to one) whose "
        "digest differs from mirror.release_image's, or oc is of another minor version"
    ),
    remediation="oc adm release extract --command=openshift-install (and --command=oc) from the "
    "mirrored release",
    subjects=installer_subjects,
    gather=gather_installer,
    requires=("mirror.release_image",),
)
def test_installer_release(facts: InstallerFacts) -> None:
    expect(evaluate_installer(facts))
