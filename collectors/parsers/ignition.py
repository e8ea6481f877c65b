"""Ignition spec 3.x configs: parse, walk every embedded file, find the certificates inside.

Errors name the file and the JSON path, never the content:

>>> cfg = parse_ignition('{"ignition": {"version": "3.1.0"}, "storage": {"files": ['
...     '{"path": "/etc/a", "contents": {"source": "data:,hi"}}]}}', "x.ign")
>>> [(e.path, e.data) for e in walk(cfg)]
[('/etc/a', b'hi')]
>>> try:
...     parse_ignition('{"ignition": {"version": "2.2.0"}}', "master.ign")
... except IgnitionError as e:
...     print(e)
master.ign: $.ignition.version: spec 2.2.0 is not Ignition 3.x
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError
from collectors.parsers.certs import CertInfo, pem_certificates
from collectors.parsers.dataurl import DataUrlError, decode_contents, is_data_url


class IgnitionError(InputError):
    """An Ignition config that is not JSON, not spec 3.x, or carries content that won't decode."""


@dataclass(frozen=True)
class Embedded:
    """One piece of content inside a config: a file's path on the node (or a JSON path) and
    bytes."""

    path: str
    json_path: str
    data: bytes


@dataclass(frozen=True)
class IgnitionConfig:
    """A parsed spec 3.x config; ``name`` is what errors call it (usually the file name)."""

    name: str
    version: str
    doc: dict[str, Any]

    @property
    def merge_sources(self) -> list[str]:
        """``ignition.config.merge[].source``: where a pointer config fetches the real one."""
        merge = _get(self.doc, "ignition", "config", "merge") or []
        return [
            m.get("source")
            for m in merge
            if isinstance(m, dict) and isinstance(m.get("source"), str)
        ]

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
    """Parse a config; :class:`IgnitionError` when it is not JSON or not spec 3.x."""
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
    if not version.startswith("3."):
        raise IgnitionError(name, f"spec {version} is not Ignition 3.x", key="$.ignition.version")
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
    ``ignition.config.merge``/``replace`` are walked too.
    """
    files = _list(cfg, _get(cfg.doc, "storage", "files"), "$.storage.files")
    for i, entry in enumerate(files):
        where = f"$.storage.files[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise IgnitionError(cfg.name, "expected an object with a string path", key=where)
        data = _decode(cfg, entry.get("contents"), f"{where}.contents")
        if data is not None:
            yield Embedded(entry["path"], f"{where}.contents", data)
        for j, extra in enumerate(_list(cfg, entry.get("append"), f"{where}.append")):
            data = _decode(cfg, extra, f"{where}.append[{j}]")
            if data is not None:
                yield Embedded(f"{entry['path']} (append {j})", f"{where}.append[{j}]", data)
    tls = _get(cfg.doc, "ignition", "security", "tls") or {}
    cas_path = "$.ignition.security.tls.certificateAuthorities"
    for i, resource in enumerate(_list(cfg, _get(tls, "certificateAuthorities"), cas_path)):
        data = _decode(cfg, resource, f"{cas_path}[{i}]")
        if data is not None:
            yield Embedded(f"{cas_path}[{i}]", f"{cas_path}[{i}]", data)
    inline = [
        (f"$.ignition.config.merge[{i}]", m)
        for i, m in enumerate(
            _list(cfg, _get(cfg.doc, "ignition", "config", "merge"), "$.ignition.config.merge")
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
