"""Registry credentials from an auth.json / pull secret (``{"auths": {KEY: {"auth": b64}}}``).

Keys are ``host[:port]`` or a longer ``host[:port]/namespace[/repo]`` prefix (the containers
auth.json rule: the longest key that matches the repository on a path boundary wins); old
Docker keys such as ``https://index.docker.io/v1/`` are normalised, and a key's registry is read
in ``imageref.registry_key`` form (``host:443`` is ``host``). Passwords never appear in
``repr`` or in any error message.

>>> import base64, json
>>> b = base64.b64encode(b"admin:s3cret").decode()
>>> a = parse_auths(
...     json.dumps({"auths": {"mirror:5000": {"auth": b}, "mirror:5000/ocp4": {"auth": b}}})
... )
>>> a.lookup("mirror:5000/ocp4/openshift4").key, a.lookup("mirror:5000/other").key
('mirror:5000/ocp4', 'mirror:5000')
>>> "s3cret" in repr(a.lookup("mirror:5000/x"))
False

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path

from collectors import localfile
from collectors.errors import InputError
from collectors.images.imageref import registry_key


@dataclass(frozen=True)
class Credential:
    """A username and password (or token) for one auths key; the secret is never shown."""

    key: str
    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credential(key={self.key!r}, username={self.username!r}, password=<redacted>)"


def normalize_key(key: str) -> str:
    """``https://index.docker.io/v1/`` -> ``docker.io``; ``https://h:5000/`` -> ``h:5000``;
    ``H.example:443/ns`` -> ``h.example/ns`` (one registry whatever its port's spelling).

    >>> normalize_key("https://index.docker.io/v1/"), normalize_key("Mirror.Example:443/ocp4")
    ('docker.io', 'mirror.example/ocp4')
    """
    key = key.strip()
    for scheme in ("https://", "http://"):
        if key.lower().startswith(scheme):
            key = key[len(scheme) :]
    key = key.rstrip("/")
    if key.endswith("/v1") or key.endswith("/v2"):
        key = key[:-3]
    host, sep, rest = key.partition("/")
    return registry_key(host) + (sep + rest if rest else "")


@dataclass(frozen=True)
class Auths:
    """Credentials by normalised key; ``source`` names the file for messages."""

    entries: dict[str, Credential]
    source: str = "auth file"

    def lookup(self, name: str) -> Credential | None:
        """The credential for ``host[:port]/repository`` (or a bare host): longest key wins."""
        name = normalize_key(name)
        best: Credential | None = None
        for key, cred in self.entries.items():
            if (name == key or name.startswith(key + "/")) and (
                best is None or len(key) > len(best.key)
            ):
                best = cred
        return best

    def for_host(self, host: str) -> Credential | None:
        """The host's own credential, else the first namespaced one on that host."""
        host = normalize_key(host)
        exact = self.entries.get(host)
        if exact is not None:
            return exact
        return next((c for k, c in self.entries.items() if k.startswith(host + "/")), None)

    def hosts(self) -> list[str]:
        """The keys, without any secret (safe to print)."""
        return list(self.entries)


def parse_auths(text: str, source: str = "auth file") -> Auths:
    """Parse auth.json / pull-secret text; raise InputError naming the key that is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"not valid JSON ({exc.msg})", line=exc.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("auths"), dict):
        raise InputError(
            source, 'must be a JSON object with an "auths" object (auth.json / pull-secret form)'
        )
    entries: dict[str, Credential] = {}
    for raw_key, entry in data["auths"].items():
        key = normalize_key(str(raw_key))
        where = f"auths.{raw_key}"
        if not isinstance(entry, dict):
            raise InputError(source, "must be an object with auth or username/password", key=where)
        user, password = entry.get("username"), entry.get("password")
        if entry.get("auth"):
            try:
                decoded = base64.b64decode(str(entry["auth"]), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise InputError(source, "auth is not base64 of user:password", key=where) from None
            if ":" not in decoded:
                raise InputError(source, "auth does not decode to user:password", key=where)
            user, password = decoded.split(":", 1)
        elif entry.get("identitytoken"):
            user, password = "<token>", str(entry["identitytoken"])
        if not isinstance(user, str) or not isinstance(password, str):
            raise InputError(
                source, "has no auth (base64 user:password) nor username/password", key=where
            )
        entries[key] = Credential(key=key, username=user, password=password)
    return Auths(entries=entries, source=source)


def load_auths(path: str | Path) -> Auths:
    """Read an auth file; a missing or unreadable file is an InputError naming it."""
    return parse_auths(localfile.read_text(path), str(path))


def auth_keys(text: str, source: str) -> tuple[str, ...]:
    """The ``auths`` keys of a pull secret, as written, and nothing else of it: no credential
    is decoded, and no error quotes the text (only where it went wrong).

    >>> auth_keys('{"auths": {"m:5000": {"auth": "eDp5"}, "quay.io": {}}}', "ps")
    ('m:5000', 'quay.io')
    >>> auth_keys('{"auths": [1]}', "ps")
    Traceback (most recent call last):
    ...
    collectors.errors.InputError: ps: must be a JSON object with an "auths" object
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InputError(source, "is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("auths"), dict):
        raise InputError(source, 'must be a JSON object with an "auths" object')
    return tuple(str(k)[:255] for k in data["auths"])
