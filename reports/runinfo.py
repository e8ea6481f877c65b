"""What ran: the ``run`` object of the result JSON, the HTML header and the JUnit properties.

``run_object(...)`` is pure: the plugin hands it what the run knew; other plugins add keys
(``inventory``, ``cluster_source``) through the ``pytest_upi_run_info`` hook, and ``warnings``
(a list of strings, merged over every plugin into ``run.warnings``).

>>> run = run_object(version="0.1.0", markexpr="preflight", keyword="", host="bastion1",
...     started="2024-05-01T10:00:00+00:00", duration=12.34,
...     extra={"inventory": {"path": "/etc/site.yaml", "sha256": "ab" * 32}})
>>> run["tool"], run["markers"], run["inventory"]["path"], run["duration_s"]
('upi-conformance 0.1.0', 'preflight', '/etc/site.yaml', 12.3)
>>> junit_properties(run)[:3]
[('run.tool', 'upi-conformance 0.1.0'), ('run.markers', 'preflight'), ('run.keyword', '')]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path
from typing import Any

TOOL = "upi-conformance"


def tool_version() -> str:
    """The installed distribution's version, else the checkout's pyproject.toml's, else
    ``unknown``."""
    try:
        return metadata.version(TOOL)
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib

        project = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return str(tomllib.loads(project.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "unknown"


def file_sha256(path: str | Path, limit: int = 64 * 1024 * 1024) -> str:
    """The sha256 of a file's bytes (at most ``limit`` of them), or ``""`` when unreadable."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            digest.update(handle.read(limit))
    except OSError:
        return ""
    return digest.hexdigest()


def run_object(
    *,
    version: str,
    markexpr: str,
    keyword: str,
    host: str,
    started: str,
    duration: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``run`` object, keys in a fixed order (contract §4)."""
    run: dict[str, Any] = {
        "tool": f"{TOOL} {version}",
        "version": version,
        "cluster": None,
        "markers": markexpr,
        "keyword": keyword,
        "inventory": None,
        "cluster_source": None,
        "started": started,
        "duration_s": round(duration, 1),
        "host": host,
    }
    run.update(extra or {})
    return run


def describe_source(source: dict[str, Any] | None) -> str:
    """One line for a cluster source object.

    >>> describe_source({"kind": "live", "kubeconfig": "/k", "context": "admin"})
    'live API, context admin (kubeconfig /k)'
    >>> describe_source({"kind": "snapshot", "path": "/b.tar.gz"})
    'snapshot /b.tar.gz'
    >>> describe_source({"kind": "none", "reason": "postinstall not selected"})
    'none (postinstall not selected)'
    """
    if not source:
        return ""
    kind = source.get("kind")
    if kind == "snapshot":
        return f"snapshot {source.get('path', '')}"
    if kind == "live":
        context = source.get("context") or "(current)"
        return f"live API, context {context} (kubeconfig {source.get('kubeconfig', '')})"
    return f"none ({source.get('reason', '')})"


def run_lines(run: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) pairs for a page header: what ran, in reading order.

    >>> run_lines({"tool": "upi-conformance 0.1.0", "markers": "", "keyword": "dns",
    ...     "inventory": None, "host": "h"})
    [('tool', 'upi-conformance 0.1.0'), ('markers', '(all)'), ('-k', 'dns'), ('host', 'h')]
    """
    if not run:
        return []
    lines = [("tool", str(run.get("tool", "")))]
    lines.append(("markers", run.get("markers") or "(all)"))
    if run.get("keyword"):
        lines.append(("-k", str(run["keyword"])))
    inventory = run.get("inventory")
    if isinstance(inventory, dict):
        sha = str(inventory.get("sha256", ""))
        lines.append(("inventory", f"{inventory.get('path', '')} (sha256 {sha[:12]})"))
    source = describe_source(run.get("cluster_source"))
    if source:
        lines.append(("cluster source", source))
    lines.append(("host", str(run.get("host", ""))))
    return lines


def junit_properties(run: dict[str, Any]) -> list[tuple[str, str]]:
    """The run object flattened to ``run.<key>`` testsuite properties (strings)."""
    props: list[tuple[str, str]] = []
    for key in ("tool", "markers", "keyword", "started", "duration_s", "host"):
        props.append((f"run.{key}", str(run.get(key, ""))))
    inventory = run.get("inventory")
    if isinstance(inventory, dict):
        props.append(("run.inventory", str(inventory.get("path", ""))))
        props.append(("run.inventory_sha256", str(inventory.get("sha256", ""))))
    if run.get("cluster_source"):
        props.append(("run.cluster_source", describe_source(run["cluster_source"])))
    props += [("run.warning", str(text)) for text in run.get("warnings") or []]
    return props
