"""Facts as JSON and back: the dataclasses, exceptions and values a gather function returns.

A live run records what each check gathered; a run over the bundle decodes it and hands the
check the same value, so the check evaluates exactly what the live run evaluated. Only data
comes back: a dataclass or an exception is rebuilt field by field, without calling its
constructor, and only when its class is one of the suite's own (a module under ``collectors``);
anything else in a record is refused with :class:`CodecError` naming where.

>>> from collectors.transport.net import TcpProbe
>>> probe = TcpProbe("10.0.0.5", 6443, False, "connection refused")
>>> decode(json.loads(json.dumps(encode(probe)))) == probe
True
>>> decode(encode({("a", 1): {b"x"}}))
{('a', 1): {b'x'}}
>>> decode({"__dc__": "os:system", "fields": {}})
Traceback (most recent call last):
...
collectors.record.codec.CodecError: $: class os:system is not one of the suite's

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import importlib
import ipaddress
import json
from datetime import date, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any

#: Modules whose classes a record may name.
ALLOWED_PREFIX = "collectors."
_IP_TYPES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
)
#: How deep a recorded value may nest (facts nest a few levels; a hostile record is refused).
MAX_DEPTH = 64


class CodecError(ValueError):
    """A value that cannot be recorded, or a record that does not decode; says where."""


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as plain JSON data (tagged dicts for what JSON lacks)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if _depth > MAX_DEPTH:
        raise CodecError(f"nested deeper than {MAX_DEPTH}")
    d = _depth + 1
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, enum.Enum):
        return {"__enum__": _class_name(type(value)), "value": encode(value.value, d)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name), d) for f in dataclasses.fields(value)}
        return {"__dc__": _class_name(type(value)), "fields": fields}
    if isinstance(value, BaseException):
        return _encode_exception(value, d)
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v, d) for k, v in value.items()}
        return {"__map__": [[encode(k, d), encode(v, d)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v, d) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, d) for v in value]}
    if isinstance(value, set | frozenset):
        items = [encode(v, d) for v in value]
        items.sort(key=lambda x: json.dumps(x, sort_keys=True))
        return {"__frozenset__" if isinstance(value, frozenset) else "__set__": items}
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, timedelta):
        return {"__timedelta__": value.total_seconds()}
    if isinstance(value, PurePath):
        return {"__path__": str(value)}
    if isinstance(value, _IP_TYPES):
        return {"__ip__": type(value).__name__, "text": str(value)}
    if isinstance(value, x509.Certificate):
        der = value.public_bytes(serialization.Encoding.DER)
        return {"__x509__": base64.b64encode(der).decode("ascii")}
    raise CodecError(f"a {type(value).__name__} cannot be recorded")


def _encode_exception(exc: BaseException, depth: int) -> dict[str, Any]:
    attrs = {}
    for name, attr in vars(exc).items():
        if name.startswith("__") or name in ("stdout", "stderr"):
            continue  # a command's output stays out of an error's record
        try:
            attrs[name] = encode(attr, depth)
        except CodecError:
            attrs[name] = str(attr)
    return {
        "__exc__": _class_name(type(exc)),
        "args": [a if isinstance(a, str | int | float) else str(a) for a in exc.args],
        "attrs": attrs,
    }


def _allowed_class(name: object, where: str) -> type:
    if not isinstance(name, str) or ":" not in name:
        raise CodecError(f"{where}: class {name!r} is not named as module:qualname")
    module, qualname = name.split(":", 1)
    if not module.startswith(ALLOWED_PREFIX) and module != "builtins":
        raise CodecError(f"{where}: class {name} is not one of the suite's")
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise CodecError(f"{where}: class {name} does not exist in this version") from None
    if not isinstance(obj, type):
        raise CodecError(f"{where}: {name} is not a class")
    if module == "builtins" and not issubclass(obj, Exception):
        raise CodecError(f"{where}: class {name} is not one of the suite's")
    return obj


def decode(data: Any, where: str = "$", _depth: int = 0) -> Any:
    """The value :func:`encode` gave ``data`` for; CodecError naming the path where it is not."""
    if _depth > MAX_DEPTH:
        raise CodecError(f"{where}: nested deeper than {MAX_DEPTH}")
    d = _depth + 1
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v, f"{where}[{i}]", d) for i, v in enumerate(data)]
    if not isinstance(data, dict):
        raise CodecError(f"{where}: {type(data).__name__} is not JSON data")
    tags = [k for k in data if k.startswith("__")]
    if not tags:
        return {k: decode(v, f"{where}.{k}", d) for k, v in data.items()}
    tag = tags[0]
    body = data[tag]
    try:
        return _decode_tagged(tag, body, data, where, d)
    except CodecError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise CodecError(f"{where}: a malformed {tag} ({type(exc).__name__}: {exc})") from None


def _decode_tagged(tag: str, body: Any, data: dict[str, Any], where: str, d: int) -> Any:
    from cryptography import x509

    if tag == "__dc__":
        cls = _allowed_class(body, where)
        if not dataclasses.is_dataclass(cls):
            raise CodecError(f"{where}: {body} is not a dataclass")
        fields = data.get("fields")
        if not isinstance(fields, dict):
            raise CodecError(f"{where}: {body} has no fields")
        obj = object.__new__(cls)
        for f in dataclasses.fields(cls):
            if f.name in fields:
                value = decode(fields[f.name], f"{where}.{f.name}", d)
            elif f.default is not dataclasses.MISSING:
                value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                raise CodecError(f"{where}: {body} lacks its field {f.name}")
            object.__setattr__(obj, f.name, value)
        return obj
    if tag == "__exc__":
        cls = _allowed_class(body, where)
        if not issubclass(cls, Exception):
            raise CodecError(f"{where}: {body} is not an exception")
        exc = cls.__new__(cls)
        exc.args = tuple(str(a) for a in data.get("args") or ())
        for name, value in (data.get("attrs") or {}).items():
            if isinstance(name, str) and not name.startswith("_"):
                setattr(exc, name, decode(value, f"{where}.{name}", d))
        return exc
    if tag == "__enum__":
        cls = _allowed_class(body, where)
        if not issubclass(cls, enum.Enum):
            raise CodecError(f"{where}: {body} is not an enum")
        return cls(decode(data.get("value"), where, d))
    if tag == "__map__":
        return {_hashable(decode(k, where, d)): decode(v, where, d) for k, v in body}
    if tag == "__tuple__":
        return tuple(decode(v, f"{where}[{i}]", d) for i, v in enumerate(body))
    if tag in ("__set__", "__frozenset__"):
        items = (_hashable(decode(v, where, d)) for v in body)
        return set(items) if tag == "__set__" else frozenset(items)
    if tag == "__bytes__":
        return base64.b64decode(str(body), validate=True)
    if tag == "__datetime__":
        return datetime.fromisoformat(str(body))
    if tag == "__date__":
        return date.fromisoformat(str(body))
    if tag == "__timedelta__":
        return timedelta(seconds=float(body))
    if tag == "__path__":
        return Path(str(body))
    if tag == "__float__":
        return float(str(body))
    if tag == "__ip__":
        kind = {t.__name__: t for t in _IP_TYPES}.get(str(body))
        if kind is None:
            raise CodecError(f"{where}: unknown address kind {body!r}")
        return kind(str(data.get("text")))
    if tag == "__x509__":
        return x509.load_der_x509_certificate(base64.b64decode(str(body), validate=True))
    raise CodecError(f"{where}: unknown tag {tag}")


def _hashable(value: Any) -> Any:
    if isinstance(value, list | dict | set):
        raise CodecError(f"a {type(value).__name__} cannot be a key or a set member")
    return value
