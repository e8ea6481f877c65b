"""What installer.release gathers: ``openshift-install version`` and ``oc version --client``
run where the bastion checks run (over ``bastion.ssh`` when set, else on this machine), the
``OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE`` of that session, and the digest of
``mirror.release_image`` (a tag is resolved in the mirror with a manifest HEAD).

Both binaries are found as the session finds them (``command -v``) and named as resolved; the
inventory's ``installer.path``/``installer.oc_path`` are used as given.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.errors import FactError, InputError, NotApplicable, Unreachable
from collectors.images.imageref import ImageRefError, parse_reference
from collectors.images.registry import RegistryError, client_for
from collectors.parsers.installer import (
    InstallerVersion,
    OcVersion,
    parse_installer_version,
    parse_oc_version,
)
from collectors.site import Site

OVERRIDE = "OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE"

#: ``sh -c`` scripts; the binary arrives as ``$1``, never inside the script. Exit 127 with
#: NOT_FOUND when the session has no such command.
INSTALLER_SCRIPT = (
    'p=$(command -v "$1") || { echo NOT_FOUND >&2; exit 127; }; echo "$p"; '
    f'echo "override=${{{OVERRIDE}-}}"; exec "$p" version'
)
OC_SCRIPT = (
    'p=$(command -v "$1") || { echo NOT_FOUND >&2; exit 127; }; echo "$p"; '
    'exec "$p" version --client'
)
#: How long a version command may take (it prints at once; a hung binary is an error).
VERSION_TIMEOUT = 20.0


def installer_subjects(site: Site) -> list[str]:
    return [site.inv.installer.path or "openshift-install"]


@dataclass(frozen=True)
class InstallerFacts:
    """The installer and oc as resolved where they run, and the release they must match."""

    path: str  # the installer as resolved (command -v)
    where: str  # "this machine" or the bastion's ssh target
    installer: InstallerVersion
    override: str  # OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE in that session, "" when unset
    override_digest: str | None
    expected: str  # mirror.release_image
    expected_digest: str | None  # None: a tag the mirror does not hold
    oc_path: str = ""  # "" when no oc was found
    oc: OcVersion | None = None
    oc_error: str = ""  # why oc could not be read ("" when it was)
    auth_file: str = ""


def _run(site: Site, script: str, binary: str) -> tuple[int, list[str], str]:
    host = site.host(site.inv.bastion.ssh)
    rc, out, err = host.run(["sh", "-c", script, "sh", binary], timeout=VERSION_TIMEOUT)
    return rc, out.splitlines(), err


def _digest(site: Site, image: str, key: str) -> str | None:
    """The digest ``image`` names, or (a tag) the one the mirror serves for it; None when the
    mirror has no such tag."""
    try:
        ref = parse_reference(image)
    except ImageRefError as exc:
        raise InputError(key, f"not an image reference: {exc}") from None
    if ref.digest:
        return ref.digest
    try:
        head = client_for(site).head_manifest(ref)
    except Unreachable:
        raise  # no answer from here: no verdict
    except RegistryError as exc:
        raise FactError(f"{key} {image}: cannot resolve the tag in the mirror: {exc}") from None
    return head[1] if head else None


def gather_installer(site: Site, subject: str) -> InstallerFacts:
    where = str(site.inv.bastion.ssh) if site.inv.bastion.ssh else "this machine"
    rc, lines, err = _run(site, INSTALLER_SCRIPT, subject)
    if rc == 127 and "NOT_FOUND" in err:
        hint = (
            "installer.path" if subject != "openshift-install" else "PATH (or set installer.path)"
        )
        raise NotApplicable(f"no {subject} on {where}: {hint}")
    if len(lines) < 2 or not lines[1].startswith("override="):
        raise FactError(f"{subject} version on {where}: exit {rc}, {err.strip()[:200]}")
    path, override = lines[0], lines[1].removeprefix("override=")
    if rc != 0:
        raise FactError(f"{path} version on {where} exited {rc}: {err.strip()[:200]}")
    version = parse_installer_version("\n".join(lines[2:]), f"{path} version on {where}")
    expected = site.inv.mirror.release_image or ""
    expected_digest = _digest(site, expected, "mirror.release_image")
    override_digest = _digest(site, override, OVERRIDE) if override else None
    oc_name = site.inv.installer.oc_path or "oc"
    oc_rc, oc_lines, oc_err = _run(site, OC_SCRIPT, oc_name)
    oc_path, oc, oc_error = "", None, ""
    if oc_rc == 127 and "NOT_FOUND" in oc_err:
        oc_error = f"no {oc_name} on {where}"
    elif oc_rc != 0 or not oc_lines:
        oc_error = f"{oc_name} version --client exited {oc_rc}: {oc_err.strip()[:200]}"
    else:
        oc_path = oc_lines[0]
        oc = parse_oc_version("\n".join(oc_lines[1:]), f"{oc_path} version --client on {where}")
    return InstallerFacts(
        path,
        where,
        version,
        override,
        override_digest,
        expected,
        expected_digest,
        oc_path,
        oc,
        oc_error,
        str(site.inv.mirror.auth_file or ""),
    )
