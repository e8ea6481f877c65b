"""The suite as one pytest plugin, registered only when asked for: ``upi-conformance`` (which
passes ``-p upi_conformance``), ``pytest -p upi_conformance ...``, or the repository's own
conftest.py. Installing the package adds no option, marker or fixture to other projects' pytest
runs (no ``pytest11`` entry point for it; docs/architecture.md, *Packaging*).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest

#: The suite's plugins, registered by pytest under these names (each once).
PLUGINS = (
    "fixtures.plugin",
    "fixtures.ssh",
    "fixtures.cluster",
    "reports.plugin",
    "fixtures.bundle",
)

pytest_plugins = list(PLUGINS)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """``--lf``/``--ff`` remember the checks' last run in the user's cache folder
    (:func:`fixtures.cli.user_cache_dir`). Registered after pytest's cacheprovider, this
    runs before it reads ``cache_dir``."""
    from fixtures.plugin import use_user_cache

    use_user_cache(config)
