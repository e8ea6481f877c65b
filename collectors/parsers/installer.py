"""What ``openshift-install version`` and ``oc version --client`` print, parsed.

>>> v = parse_installer_version('''./openshift-install 4.5.6
... built from commit 9893a482f310ee72089872f1a4caea3dbec34f28
... release image quay.io/openshift-release-dev/ocp-release@sha256:''' + "a" * 64 + '''
... ''')
>>> v.version, v.minor, v.release_digest == "sha256:" + "a" * 64
('4.5.6', '4.5', True)
>>> parse_oc_version("Client Version: 4.5.6\\nKustomize Version: v4.5.7\\n").minor
'4.5'

Input is cut at :data:`MAX_CHARS`; lines the formats do not have are ignored, so a banner or a
warning printed before them loses nothing.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from collectors.errors import InputError
from collectors.visible import visible_line

#: The most of either output read (a real one is under 400 characters).
MAX_CHARS = 64 * 1024
_MINOR = re.compile(r"^v?(\d+)\.(\d+)(?:[.\-+]|$)")
_DIGEST = re.compile(r"@(sha256:[0-9a-f]{64})$")


def minor_of(version: str) -> str | None:
    """``4.5`` of ``4.5.6``, ``v4.1.0-2019...-dirty`` or ``4.5.0-0.okd-...``; None otherwise.

    >>> minor_of("v4.1.0-201905212232-dirty"), minor_of("unreleased-master-1740-g0fa1")
    ('4.1', None)
    """
    m = _MINOR.match(version)
    return f"{m.group(1)}.{m.group(2)}" if m else None


@dataclass(frozen=True)
class InstallerVersion:
    """The installer's version word, commit, the release image it pins and (newer binaries) the
    release name."""

    binary: str
    version: str
    commit: str = ""
    release_image: str = ""
    release: str = ""

    @property
    def minor(self) -> str | None:
        return minor_of(self.release) or minor_of(self.version)

    @property
    def release_digest(self) -> str | None:
        """The digest the release image is pinned to, when it is pinned by digest."""
        m = _DIGEST.search(self.release_image)
        return m.group(1) if m else None


def _lines(text: str, source: str) -> list[str]:
    if "\x00" in text[:MAX_CHARS]:
        raise InputError(source, "binary data (NUL byte), not a version report")
    return [line.strip() for line in text[:MAX_CHARS].splitlines()]


def parse_installer_version(
    text: str, source: str = "openshift-install version"
) -> InstallerVersion:
    """Parse ``openshift-install version``; InputError when no ``<binary> <version>`` line is
    followed by the lines of the format."""
    lines = _lines(text, source)
    found: dict[str, str] = {}
    head: tuple[str, str] | None = None
    for i, line in enumerate(lines):
        words = line.split()
        if line.startswith("built from commit ") and len(words) == 4:
            found["commit"] = words[3]
            if head is None and i > 0 and len(lines[i - 1].split()) == 2:
                b, v = lines[i - 1].split()
                head = (b, v)
        elif line.startswith("release image ") and len(words) == 3:
            found["release_image"] = words[2]
        elif line.startswith("release ") and len(words) == 2:
            found["release"] = words[1]
    if head is None:
        first = next((line for line in lines if line), "")
        words = first.split()
        if len(words) == 2 and "openshift-install" in words[0]:
            head = (words[0], words[1])
    if head is None:
        shown = visible_line(next((line for line in lines if line), "no output"))[:120]
        raise InputError(source, f"not an openshift-install version report: {shown}")
    return InstallerVersion(head[0], head[1], **found)


@dataclass(frozen=True)
class OcVersion:
    """``oc version --client``: the client's version (and the server's when it printed one)."""

    client: str
    server: str = ""

    @property
    def minor(self) -> str | None:
        return minor_of(self.client)


def parse_oc_version(text: str, source: str = "oc version --client") -> OcVersion:
    """Parse ``oc version [--client]``; InputError without a ``Client Version:`` line.

    oc 4.1 to 4.5 printed a Go struct instead: ``Client Version:
    version.Info{..., GitVersion:"4.5.0-202007240519...", ...}``; its GitVersion is read.
    """
    found: dict[str, str] = {}
    for line in _lines(text, source):
        for key, label in (("client", "Client Version:"), ("server", "Server Version:")):
            if line.startswith(label) and key not in found:
                value = line[len(label) :].strip()
                go = re.search(r'GitVersion:"([^"]+)"', value)
                found[key] = go.group(1) if go else value.split()[0] if value else ""
    if not found.get("client"):
        raise InputError(source, "no 'Client Version:' line")
    return OcVersion(found["client"], found.get("server", ""))
