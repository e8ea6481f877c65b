"""YAML the suite writes and reads back the same whatever the parser (YAML 1.1 or 1.2).

``dump`` quotes every string that a YAML 1.1 (PyYAML) or 1.2 (yaml-rs) reader could take for a
number, bool, null or date; ``Loader`` is PyYAML's safe loader keeping timestamps as strings (as
Kubernetes does).

>>> doc = {"mode": "0o17", "num": "1e3", "flag": "on", "when": "2024-01-02", "ok": True}
>>> print(dump(doc), end="")
mode: "0o17"
num: "1e3"
flag: "on"
when: "2024-01-02"
ok: true
>>> yaml.load("created: 2024-01-02T03:04:05Z", Loader=Loader)
{'created': '2024-01-02T03:04:05Z'}
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Anything that starts like a number in some YAML dialect (0o17, 0x_1, 1_000, .5, +1, 1e3, 12:30,
#: 2024-01-02) and the special words of YAML 1.1 and 1.2 in any case.
_NUMBERISH = re.compile(r"^[-+]?\.?[0-9]")
_WORDS = frozenset(
    {
        "null",
        "~",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        ".inf",
        "+.inf",
        "-.inf",
        ".nan",
        "=",
        "<<",
    }
)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def ambiguous(text: str) -> bool:
    """Whether a plain (unquoted) ``text`` could be read as something other than a string."""
    return not text or bool(_NUMBERISH.match(text)) or text.strip().lower() in _WORDS


class Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """A safe dumper that double-quotes every string :func:`ambiguous` flags."""


def _represent_str(dumper: Any, data: str) -> Any:
    if ambiguous(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_str(data)


Dumper.add_representer(str, _represent_str)


class Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader without the timestamp resolver: dates stay strings."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def dump(obj: Any) -> str:
    """``obj`` as block YAML in key order, read back unchanged by PyYAML (:class:`Loader`) and
    yaml-rs."""
    return yaml.dump(obj, Dumper=Dumper, sort_keys=False, allow_unicode=True)
