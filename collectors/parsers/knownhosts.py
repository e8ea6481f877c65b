"""OpenSSH ``known_hosts`` lines as sshd(8) documents them: ``[@marker] hostnames keytype key
[comment]``, where the marker is ``@cert-authority`` (the key is a CA that signs host
certificates) or ``@revoked`` (the key must never be accepted). paramiko's HostKeys reads no
marker (it fails on them with a traceback), so the SSH transport sorts the lines here first.

>>> hosts = parse_known_hosts(
...     "# comment\\n"
...     "a.example.com,192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK9k host\\n"
...     "@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDFP\\n"
...     "@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZd\\n"
...     "@what x ssh-rsa AAAA\\n")
>>> [(e.line, e.marker, e.hosts) for e in hosts.entries]
[(2, '', 'a.example.com,192.0.2.1'), (3, '@revoked', '*'), (4, '@cert-authority', '*.example.com')]
>>> hosts.bad
[(5, 'unknown marker @what (sshd(8) knows @cert-authority and @revoked)')]
>>> host_matches("*.example.com,!bad.example.com", "bad.example.com")
False

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field

REVOKED = "@revoked"
CERT_AUTHORITY = "@cert-authority"
MARKERS = (REVOKED, CERT_AUTHORITY)


@dataclass(frozen=True)
class KnownHost:
    """One key line: where it is, its marker (``""`` for none), host patterns and key."""

    line: int
    marker: str
    hosts: str
    keytype: str
    key: str
    #: The line without its marker, as paramiko's ``HostKeyEntry.from_line`` takes it.
    text: str

    def key_bytes(self) -> bytes | None:
        """The decoded key blob, None when the base64 does not decode.

        >>> KnownHost(1, "", "h", "ssh-ed25519", "AAAA", "h ssh-ed25519 AAAA").key_bytes()
        b'\\x00\\x00\\x00'
        """
        try:
            return base64.b64decode(self.key, validate=True)
        except (binascii.Error, ValueError):
            return None


@dataclass
class KnownHosts:
    """The key lines in file order, and the lines that are not one (line number, why)."""

    entries: list[KnownHost] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)

    def marked(self, marker: str) -> list[KnownHost]:
        """The entries carrying ``marker`` (``""``: the plain ones)."""
        return [e for e in self.entries if e.marker == marker]


def parse_known_hosts(text: str) -> KnownHosts:
    """Every line of a known_hosts file sorted into key lines and bad ones (see the module)."""
    found = KnownHosts()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry = parse_line(line, number)
        if isinstance(entry, str):
            found.bad.append((number, entry))
        else:
            found.entries.append(entry)
    return found


def parse_line(line: str, number: int) -> KnownHost | str:
    """One stripped, non-comment line: its entry, or why it is not one.

    >>> parse_line("@revoked h ssh-rsa AAAA c", 7).marker, parse_line("h ssh-rsa", 8)
    ('@revoked', 'not "hostnames keytype key": 2 fields')
    """
    fields = line.split()
    marker = ""
    if fields[0].startswith("@"):
        marker = fields.pop(0)
        if marker not in MARKERS:
            return f"unknown marker {marker[:40]} (sshd(8) knows @cert-authority and @revoked)"
    if len(fields) < 3:
        return f'not "hostnames keytype key": {len(fields)} fields'
    hosts, keytype, key = fields[:3]
    return KnownHost(number, marker, hosts, keytype, key, " ".join(fields))


def host_matches(patterns: str, name: str) -> bool:
    """Whether ``name`` (``host``, or ``[host]:port`` off port 22) matches a line's comma-separated
    host patterns as ssh does: ``*`` and ``?`` wildcards, ``!`` negation (a negated match wins),
    hashed ``|1|salt|hash`` names, case-insensitive.

    >>> host_matches("[127.0.0.1]:2222", "[127.0.0.1]:2222"), host_matches("*", "x")
    (True, True)
    >>> host_matches("|1|JR81WxEocTP5d7goIRkl8fHBbno=|l6sj6FOsoXxgEZMzn/BnOfPKN68=", "x")
    False
    """
    matched = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        pattern = pattern[1:] if negated else pattern
        if not _pattern_matches(pattern, name):
            continue
        if negated:
            return False
        matched = True
    return matched


def _pattern_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("|1|"):
        return _hashed_matches(pattern, name)
    wild = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    return re.fullmatch(wild, name.lower()) is not None


def _hashed_matches(pattern: str, name: str) -> bool:
    """``|1|base64(salt)|base64(HMAC-SHA1(salt, name))``, as ``ssh-keygen -H`` writes it."""
    parts = pattern.split("|")
    if len(parts) != 4:
        return False
    try:
        salt, digest = base64.b64decode(parts[2]), base64.b64decode(parts[3])
    except (binascii.Error, ValueError):
        return False
    mine = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(mine, digest)
