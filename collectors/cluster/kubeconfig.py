"""Which kubeconfig a run reads: the one given, else KUBECONFIG (the first entry that exists, else
its first entry, so a missing file is an error that names it), relative paths from ``base``; and
what the run would take from it (:func:`inspect_kubeconfig`), read before the kubernetes client
loads it: a user's ``exec``/``auth-provider`` plugin runs a command on this machine, so it is an
error unless ``--allow-kubeconfig-exec``; ``insecure-skip-tls-verify`` is a run warning.

>>> import os, tempfile
>>> d = tempfile.mkdtemp(); real = os.path.join(d, "kc"); _ = open(real, "w").close()
>>> resolve_kubeconfig(None, {"KUBECONFIG": os.pathsep.join(["/nope", real])}) == real
True
>>> resolve_kubeconfig(None, {"KUBECONFIG": "/nope"}), resolve_kubeconfig(None, {})
('/nope', None)
>>> resolve_kubeconfig("kc", {}, base="/work")
'/work/kc'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.errors import FactError, InputError


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
    from collectors import yamlio
    from collectors.localfile import read_text

    try:  # a regular file only (a fifo would hang the run's header); no alias bomb either
        where = Path(path).expanduser()
        data = yamlio.load(read_text(where, cap=limit, errors="replace"), str(where))
    except FactError:
        return ""
    value = data.get("current-context") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


#: What the error and the README tell a user whose kubeconfig runs a plugin.
EXEC_FIX = (
    "add --allow-kubeconfig-exec to let the suite run it, or give a kubeconfig whose user holds "
    "a token or a client certificate (oc login --token=...; oc config view --minify --flatten "
    "> kubeconfig)"
)


@dataclass(frozen=True)
class KubeconfigUse:
    """What a run takes from a kubeconfig: the context, its cluster and user entries' names, the
    user's credential plugin (``""`` when none) and whether TLS verification is off. Never a
    token, a key or a certificate."""

    path: str
    context: str = ""
    cluster: str = ""
    server: str = ""
    user: str = ""
    plugin: str = ""
    insecure: bool = False


def inspect_kubeconfig(path: str | Path, context: str | None = None) -> KubeconfigUse:
    """Read the kubeconfig (bounded, without the kubernetes client) for what the run would use;
    InputError naming the path when it cannot be read or is not a kubeconfig.

    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".kc", delete=False)
    >>> _ = f.write('''current-context: c
    ... contexts: [{name: c, context: {cluster: k, user: u}}]
    ... clusters: [{name: k, cluster: {server: "https://api:6443", insecure-skip-tls-verify: true}}]
    ... users: [{name: u, user: {exec: {command: aws, args: [token]}}}]
    ... '''); f.close()
    >>> use = inspect_kubeconfig(f.name)
    >>> use.plugin, use.insecure, use.server
    ('exec command "aws"', True, 'https://api:6443')
    """
    where = str(Path(path).expanduser())
    return describe(load_kubeconfig(where), where, context)


def load_kubeconfig(path: str | Path) -> dict[str, Any]:
    """The kubeconfig's data, read once (bounded, by :mod:`collectors.yamlio`): what
    :func:`describe` inspects is what the client then loads, never a second read of a file
    that may have changed in between. Holds credentials: never report it."""
    from collectors.localfile import read_text

    where = str(Path(path).expanduser())
    return _load_yaml(read_text(where, errors="replace"), where)


def describe(doc: dict[str, Any], where: str, context: str | None = None) -> KubeconfigUse:
    """What a run takes from the kubeconfig data ``doc`` (read from ``where``).

    >>> describe({"current-context": "c"}, "/k").context
    'c'
    """
    name = context or _text(doc.get("current-context"))
    ctx = _mapping(_named(doc.get("contexts"), name).get("context"))
    cluster_name, user_name = _text(ctx.get("cluster")), _text(ctx.get("user"))
    cluster = _mapping(_named(doc.get("clusters"), cluster_name).get("cluster"))
    plugins = [plugin_of(_mapping(u.get("user"))) for u in _all_named(doc.get("users"), user_name)]
    return KubeconfigUse(
        path=where,
        context=name,
        cluster=cluster_name,
        server=_text(cluster.get("server")),
        user=user_name,
        plugin=next((p for p in plugins if p), ""),
        insecure=cluster.get("insecure-skip-tls-verify") is True,
    )


def plugin_of(user: dict[str, Any]) -> str:
    """The credential plugin a kubeconfig user entry would run, ``""`` for none; only the
    command (or provider name) is said, never its arguments, environment or config.

    >>> plugin_of({"exec": {"command": "oc", "args": ["--token", "s3cret"]}})
    'exec command "oc"'
    >>> plugin_of({"auth-provider": {"name": "gcp", "config": {"cmd-path": "/bin/gcloud"}}})
    'auth-provider "gcp" (cmd-path "/bin/gcloud")'
    >>> plugin_of({"token": "sha256~x"})
    ''
    """
    if "exec" in user:
        command = _mapping(user["exec"]).get("command")
        return f'exec command "{_shown(command)}"'
    if "auth-provider" in user:
        provider = _mapping(user["auth-provider"])
        cmd = _mapping(provider.get("config")).get("cmd-path")
        extra = f' (cmd-path "{_shown(cmd)}")' if cmd else ""
        return f'auth-provider "{_shown(provider.get("name"))}"{extra}'
    return ""


def plugin_error(use: KubeconfigUse) -> FactError:
    """The error for a kubeconfig whose user would run a plugin the run did not allow.

    >>> str(plugin_error(KubeconfigUse("/k", "admin", user="u", plugin='exec command "aws"')))[:60]
    'kubeconfig /k: user "u" of context "admin" has a credential '
    """
    error = FactError(
        f'kubeconfig {use.path}: user "{_shown(use.user)}" of context "{_shown(use.context)}" '
        f"has a credential plugin, {use.plugin}, which the kubernetes client would run on this "
        f"machine; not run: {EXEC_FIX}"
    )
    return error.with_remediation(EXEC_FIX)


def insecure_warning(use: KubeconfigUse) -> str:
    """The run warning for a cluster entry with ``insecure-skip-tls-verify: true``, else "".

    >>> insecure_warning(KubeconfigUse("/k", "admin", "c", "https://api:6443", insecure=True))[:58]
    'kubeconfig /k: cluster "c" (context "admin") sets insecure'
    """
    if not use.insecure:
        return ""
    return (
        f'kubeconfig {use.path}: cluster "{_shown(use.cluster)}" (context "{_shown(use.context)}") '
        f"sets insecure-skip-tls-verify: true: the API server {_shown(use.server)} is not "
        "authenticated, and the token is sent to whoever answers; put the cluster's CA in "
        "certificate-authority-data and drop insecure-skip-tls-verify"
    )


def _load_yaml(text: str, where: str) -> dict[str, Any]:
    """The kubeconfig's top mapping; InputError naming ``where`` (and the line, never the text).
    Read by :func:`collectors.yamlio.load`: an alias bomb or deep nesting is refused too."""
    from collectors import yamlio

    try:
        doc = yamlio.load(text, where)
    except InputError as exc:
        raise InputError(where, f"not a kubeconfig: {exc.reason}", line=exc.line) from None
    if not isinstance(doc, dict):
        raise InputError(where, f"not a kubeconfig: a YAML {type(doc).__name__}, not a mapping")
    return doc


def _all_named(entries: Any, name: str) -> list[dict[str, Any]]:
    """Every mapping in the list ``entries`` whose ``name`` is ``name``."""
    if not name or not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and e.get("name") == name]


def _named(entries: Any, name: str) -> dict[str, Any]:
    found = _all_named(entries, name)
    return found[0] if found else {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _shown(value: Any, limit: int = 200) -> str:
    r"""A value from the file made one safe line: control characters as ``\xNN``, capped.

    >>> _shown("a\x1b[2Jb"), _shown(None)
    ('a\\x1b[2Jb', '')
    """
    text = "" if value is None else str(value)
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= limit else text[:limit] + "..."
