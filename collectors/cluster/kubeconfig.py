"""Which kubeconfig a run reads: the one given, else KUBECONFIG (the first entry that exists, else
its first entry, so a missing file is an error that names it), relative paths from ``base``.

>>> import os, tempfile
>>> d = tempfile.mkdtemp(); real = os.path.join(d, "kc"); _ = open(real, "w").close()
>>> resolve_kubeconfig(None, {"KUBECONFIG": os.pathsep.join(["/nope", real])}) == real
True
>>> resolve_kubeconfig(None, {"KUBECONFIG": "/nope"}), resolve_kubeconfig(None, {})
('/nope', None)
>>> resolve_kubeconfig("kc", {}, base="/work")
'/work/kc'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def resolve_kubeconfig(
    given: str | None, environ: Mapping[str, str] | None = None, base: str | Path | None = None
) -> str | None:
    """The kubeconfig path to open (absolute when ``base`` is given), or None when there is none."""
    env = os.environ if environ is None else environ
    chosen = given
    if not chosen:
        candidates = [p for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
        existing = [p for p in candidates if Path(p).expanduser().is_file()]
        chosen = (existing or candidates or [None])[0]
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    return str(path)


def current_context(path: str | Path, limit: int = 4 * 1024 * 1024) -> str:
    """The kubeconfig's ``current-context`` (what a live run talks to), ``""`` when unreadable.

    Only that one key is read (the file holds credentials: nothing else leaves here).

    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".kc", delete=False)
    >>> _ = f.write("apiVersion: v1\\ncurrent-context: admin\\nusers: []\\n"); f.close()
    >>> current_context(f.name), current_context("/nope")
    ('admin', '')
    """
    import yaml

    from collectors import localfile
    from collectors.errors import InputError

    try:
        with localfile.open_regular(Path(path).expanduser()) as handle:  # never a fifo
            data = yaml.safe_load(handle.read(limit))
    except (OSError, InputError, yaml.YAMLError):
        return ""
    value = data.get("current-context") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""
