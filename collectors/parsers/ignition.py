"""Ignition configs of spec 2.x (OCP 4.1 to 4.5) and 3.x (4.6 on): parse, walk every embedded
file, find the certificates inside.

The two specs differ where a pointer config points: 2.x appends (``ignition.config.append[]``),
3.x merges (``ignition.config.merge[]``); both read as :attr:`IgnitionConfig.merge_sources`. The CA
sits at ``ignition.security.tls.certificateAuthorities`` in both. A 2.x file's ``append`` is a
flag (append to the file on disk), a 3.x file's a list of extra contents. Errors name the file
and the JSON path, never the content:

>>> cfg = parse_ignition('{"ignition": {"version": "3.1.0"}, "storage": {"files": ['
...     '{"path": "/etc/a", "contents": {"source": "data:,hi"}}]}}', "x.ign")
>>> [(e.path, e.data) for e in walk(cfg)]
[('/etc/a', b'hi')]
>>> old = parse_ignition('{"ignition": {"version": "2.2.0", "config": {"append": ['
...     '{"source": "https://api-int.c.example:22623/config/master"}]}}}', "master.ign")
>>> old.merge_key, old.merge_sources
('append', ['https://api-int.c.example:22623/config/master'])
>>> try:
...     parse_ignition('{"ignition": {"version": "1.0.0"}}', "master.ign")
... except IgnitionError as e:
...     print(e)
master.ign: $.ignition.version: spec 1.0.0 is neither Ignition 2.x nor 3.x

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError
from collectors.parsers.certs import CertInfo, pem_certificates
from collectors.parsers.dataurl import DataUrlError, decode_contents, is_data_url


class IgnitionError(InputError):
    """An Ignition config that is not JSON, not spec 2.x or 3.x, or carries content that won't
    decode."""


#: The keys spec 2.x and 3.x allow in the ``ignition`` object; Ignition refuses a config with
#: any other (e.g. ``passwd`` nested there by hand instead of at the top level).
IGNITION_KEYS = frozenset({"version", "config", "timeouts", "security", "proxy"})


@dataclass(frozen=True)
class Embedded:
    """One piece of content inside a config: a file's path on the node (or a JSON path) and
    bytes."""

    path: str
    json_path: str
    data: bytes


@dataclass(frozen=True)
class IgnitionConfig:
    """A parsed spec 2.x or 3.x config; ``name`` is what errors call it (usually the file
    name)."""

    name: str
    version: str
    doc: dict[str, Any]

    @property
    def major(self) -> int:
        """The spec's major version: 2 or 3."""
        return int(self.version.split(".", 1)[0])

    @property
    def merge_key(self) -> str:
        """Where this spec lists the configs to fetch: ``merge`` (3.x) or ``append`` (2.x)."""
        return "merge" if self.major >= 3 else "append"

    @property
    def merge_sources(self) -> list[str]:
        """``ignition.config.merge[].source`` (3.x) or ``ignition.config.append[].source``
        (2.x): where a pointer config fetches the real one."""
        merge = _get(self.doc, "ignition", "config", self.merge_key) or []
        if not isinstance(merge, list):
            return []
        return [
            m.get("source")
            for m in merge
            if isinstance(m, dict) and isinstance(m.get("source"), str)
        ]

    @property
    def unknown_ignition_keys(self) -> list[str]:
        """Keys of the ``ignition`` object that the spec does not know (Ignition refuses them).

        >>> cfg = parse_ignition('{"ignition": {"version": "3.2.0", "passwd": {}}}', "x")
        >>> cfg.unknown_ignition_keys
        ['passwd']
        """
        section = self.doc.get("ignition")
        if not isinstance(section, dict):
            return []
        return sorted(k for k in section if k not in IGNITION_KEYS)

    @property
    def certificate_authorities(self) -> list[tuple[str, str]]:
        """``ignition.security.tls.certificateAuthorities``: (JSON path, source) pairs."""
        cas = _get(self.doc, "ignition", "security", "tls", "certificateAuthorities") or []
        return [
            (f"$.ignition.security.tls.certificateAuthorities[{i}].source", ca.get("source"))
            for i, ca in enumerate(cas)
            if isinstance(ca, dict) and isinstance(ca.get("source"), str)
        ]


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def parse_ignition(data: bytes | str, name: str) -> IgnitionConfig:
    """Parse a config; :class:`IgnitionError` when it is not JSON or not spec 2.x or 3.x."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IgnitionError(name, f"not UTF-8 text (byte {exc.start})", key="$") from None
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise IgnitionError(
            name, f"not JSON: {exc.msg} (column {exc.colno})", line=exc.lineno, key="$"
        ) from None
    if not isinstance(doc, dict):
        raise IgnitionError(name, f"expected a JSON object, got {type(doc).__name__}", key="$")
    version = _get(doc, "ignition", "version")
    if not isinstance(version, str):
        raise IgnitionError(
            name, "no ignition.version: not an Ignition config", key="$.ignition.version"
        )
    major = version.split(".", 1)[0]
    if major not in ("2", "3") or not re.fullmatch(r"\d+\.\d+\.\d+(-[A-Za-z0-9.]+)?", version):
        raise IgnitionError(
            name, f"spec {version} is neither Ignition 2.x nor 3.x", key="$.ignition.version"
        )
    return IgnitionConfig(name, version, doc)


def _list(cfg: IgnitionConfig, value: Any, json_path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise IgnitionError(cfg.name, f"expected a list, got {type(value).__name__}", key=json_path)
    return value


def _decode(cfg: IgnitionConfig, resource: Any, json_path: str) -> bytes | None:
    """Bytes of a resource ``{source, compression}``; None when it is remote or absent."""
    if resource is None:
        return None
    if not isinstance(resource, dict):
        raise IgnitionError(
            cfg.name, f"expected an object, got {type(resource).__name__}", key=json_path
        )
    source = resource.get("source")
    if source is None or (isinstance(source, str) and not is_data_url(source)):
        return None
    if not isinstance(source, str):
        raise IgnitionError(cfg.name, "source is not a string", key=f"{json_path}.source")
    try:
        return decode_contents(source, resource.get("compression"))
    except DataUrlError as exc:
        raise IgnitionError(cfg.name, str(exc), key=f"{json_path}.source") from None


def walk(cfg: IgnitionConfig) -> Iterator[Embedded]:
    """Every embedded content: files (and appends) by node path, CAs and inline configs by JSON
    path.

    Remote sources (http, https, tftp, s3) are not fetched. Configs inlined as data URLs in
    ``ignition.config.merge`` (3.x) or ``append`` (2.x) and ``replace`` are walked too.
    """
    files = _list(cfg, _get(cfg.doc, "storage", "files"), "$.storage.files")
    for i, entry in enumerate(files):
        where = f"$.storage.files[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise IgnitionError(cfg.name, "expected an object with a string path", key=where)
        data = _decode(cfg, entry.get("contents"), f"{where}.contents")
        if data is not None:
            yield Embedded(entry["path"], f"{where}.contents", data)
        extras = entry.get("append")
        if cfg.major < 3 and isinstance(extras, bool):  # 2.x: append to the file on the node
            extras = None
        for j, extra in enumerate(_list(cfg, extras, f"{where}.append")):
            data = _decode(cfg, extra, f"{where}.append[{j}]")
            if data is not None:
                yield Embedded(f"{entry['path']} (append {j})", f"{where}.append[{j}]", data)
    tls = _get(cfg.doc, "ignition", "security", "tls") or {}
    cas_path = "$.ignition.security.tls.certificateAuthorities"
    for i, resource in enumerate(_list(cfg, _get(tls, "certificateAuthorities"), cas_path)):
        data = _decode(cfg, resource, f"{cas_path}[{i}]")
        if data is not None:
            yield Embedded(f"{cas_path}[{i}]", f"{cas_path}[{i}]", data)
    merge_path = f"$.ignition.config.{cfg.merge_key}"
    inline = [
        (f"{merge_path}[{i}]", m)
        for i, m in enumerate(
            _list(cfg, _get(cfg.doc, "ignition", "config", cfg.merge_key), merge_path)
        )
    ]
    replace = _get(cfg.doc, "ignition", "config", "replace")
    if replace is not None:
        inline.append(("$.ignition.config.replace", replace))
    for where, resource in inline:
        data = _decode(cfg, resource, where)
        if data is None:
            continue
        nested = parse_ignition(data, f"{cfg.name}: {where}")
        yield from walk(nested)


def certificates(cfg: IgnitionConfig) -> list[CertInfo]:
    """Every X.509 certificate embedded anywhere in the config, with where it sits."""
    found: list[CertInfo] = []
    for item in walk(cfg):
        try:
            found += pem_certificates(item.data, item.path)
        except InputError as exc:
            raise IgnitionError(
                cfg.name, f"{item.path}: {exc.reason}", key=item.json_path
            ) from None
    return found
