"""``/etc/containers/registries.conf`` (v2, TOML): where each source is pulled from.

>>> entries = parse_registries_conf('''
... [[registry]]
...   prefix = ""
...   location = "quay.io/openshift-release-dev/ocp-release"
...   mirror-by-digest-only = true
...   [[registry.mirror]]
...     location = "registry.example.com:5000/ocp4/openshift4"
... ''')
>>> entries[0].source, entries[0].mirrors
('quay.io/openshift-release-dev/ocp-release', ('registry.example.com:5000/ocp4/openshift4',))
>>> mirrors_for(entries, "quay.io/openshift-release-dev/ocp-release")
('registry.example.com:5000/ocp4/openshift4',)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError
from collectors.images.imageref import canonical_name

#: The most read: a node's file is a few KiB; an MCO-written one with every ICSP under 1 MiB.
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class RegistryEntry:
    """One ``[[registry]]``: the source it matches (``prefix``, else ``location``), where it
    really is (``location``) and its mirrors, in order."""

    source: str
    location: str
    mirrors: tuple[str, ...]
    digest_only: bool = False


def parse_registries_conf(
    data: str | bytes, source: str = "registries.conf"
) -> list[RegistryEntry]:
    """The ``[[registry]]`` entries; InputError for TOML that does not parse, a file over
    :data:`MAX_BYTES`, or entries that are not tables."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise InputError(source, f"larger than {MAX_BYTES} bytes: not a registries.conf")
    try:
        doc = tomllib.loads(raw.decode("utf-8", "replace"))
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(source, f"not TOML: {str(exc)[:200]}") from None
    registries = doc.get("registry", [])
    if not isinstance(registries, list):
        raise InputError(source, "'registry' is not an array of tables ([[registry]])")
    found: list[RegistryEntry] = []
    for i, reg in enumerate(registries):
        if not isinstance(reg, dict):
            raise InputError(source, f"registry[{i}] is not a table")
        location = _text(reg.get("location"))
        mirrors = tuple(
            _text(m.get("location")) for m in reg.get("mirror") or [] if isinstance(m, dict)
        )
        found.append(
            RegistryEntry(
                _name(_text(reg.get("prefix")) or location),
                _name(location),
                tuple(_name(m) for m in mirrors if m),
                reg.get("mirror-by-digest-only") is True,
            )
        )
    return found


def _name(text: str) -> str:
    """A location in ``imageref.registry_key`` form (``host:443`` is ``host``)."""
    return canonical_name(text) if text else text


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def mirrors_for(entries: list[RegistryEntry], repository: str) -> tuple[str, ...]:
    """The mirrors a pull of ``repository`` tries: the entry whose source is the longest prefix
    of it (a whole path component), its mirrors with the rest of the path appended."""
    best: RegistryEntry | None = None
    for e in entries:
        s = e.source
        matches = s and (repository == s or repository.startswith(s + "/"))
        if matches and (best is None or len(s) > len(best.source)):
            best = e
    if best is None:
        return ()
    rest = repository[len(best.source) :]
    return tuple(m + rest for m in best.mirrors)
