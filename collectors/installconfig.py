"""install-config.yaml: read once, with errors that name the file and line, never its secrets.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "install-config.yaml"
>>> _ = p.write_text("pullSecret: '{}'\\nimageContentSources: [\\n")
>>> try:
...     load_install_config(p)
... except InputError as e:
...     print(str(e).replace(str(p), "install-config.yaml").split(":")[0:2])
['install-config.yaml', '3']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from collectors.errors import InputError
from collectors.mirrors import MirrorRule, rules_from_install_config
from collectors.pullsecret import Auths, parse_auths


def load_install_config(path: str | Path) -> dict[str, Any]:
    """The parsed document; InputError naming the file (and line) when it is not YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(str(path), f"not valid YAML: {problem}", line=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict):
        raise InputError(str(path), "must be a YAML mapping (an install-config)")
    return doc


def mirror_rules(doc: dict[str, Any], where: str) -> list[MirrorRule]:
    return rules_from_install_config(doc, where)


def pull_secret_auths(doc: dict[str, Any], where: str) -> Auths | None:
    """The pullSecret's auths (None when absent); errors name the key, never the content."""
    value = doc.get("pullSecret")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(where, "must be a JSON string", key="pullSecret")
    try:
        return parse_auths(value, f"{where}: pullSecret")
    except InputError as exc:
        raise InputError(where, exc.reason, key="pullSecret" + (f".{exc.key}" if exc.key else "")) from None
