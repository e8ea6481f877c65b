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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors import yamlio
from collectors.errors import InputError
from collectors.images.mirrors import MirrorRule, rules_from_install_config
from collectors.images.pullsecret import Auths, parse_auths


def load_install_config(path: str | Path) -> dict[str, Any]:
    """The parsed document; InputError naming the file (and line) when it is not YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    doc = yamlio.load(text, str(path))  # InputError naming the file: bad YAML, alias bomb
    if not isinstance(doc, dict):
        raise InputError(str(path), "must be a YAML mapping (an install-config)")
    return doc


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
        raise InputError(
            where, exc.reason, key="pullSecret" + (f".{exc.key}" if exc.key else "")
        ) from None


@dataclass(frozen=True)
class InstallConfig:
    """What the checks use of an install-config. The pullSecret is parsed into ``auths`` and the
    document dropped, so no frame or cache keeps the secret's text (``pytest -l`` prints locals)."""

    path: Path
    rules: tuple[MirrorRule, ...]
    trust_bundle: str
    auths: Auths | None
    pull_secret_error: InputError | None = None

    def pull_secret(self) -> Auths | None:
        """The pullSecret's credentials (None when absent); InputError naming the key when bad."""
        if self.pull_secret_error is not None:
            raise self.pull_secret_error
        return self.auths


def read_install_config(path: str | Path) -> InstallConfig:
    """Parse ``path`` once into what the checks need.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "install-config.yaml"
    >>> _ = p.write_text("pullSecret: 'not json'\\nadditionalTrustBundle: x\\n")
    >>> ic = read_install_config(p)
    >>> ic.trust_bundle, ic.rules, "not json" in repr(ic), ic.pull_secret_error.key
    ('x', (), False, 'pullSecret')
    """
    path = Path(path)
    where = str(path)
    doc = load_install_config(path)
    secret = {"pullSecret": doc.pop("pullSecret", None)}
    error: InputError | None = None
    auths: Auths | None = None
    try:
        auths = pull_secret_auths(secret, where)
    except InputError as exc:  # a fresh error: no traceback frames holding the secret's text
        error = InputError(where, exc.reason, key=exc.key)
    secret.clear()
    bundle = doc.get("additionalTrustBundle") or ""
    rules = tuple(rules_from_install_config(doc, where))
    return InstallConfig(path, rules, bundle if isinstance(bundle, str) else "", auths, error)


def install_config(site: Any) -> InstallConfig:
    """The inventory's install-config, read once per run (its error too)."""
    path = site.inv.install_config
    if path is None:
        raise InputError("inventory", "no install_config given", key="install_config")
    return site.memo(f"install-config:{path}", lambda: read_install_config(path))
