"""Shared fixtures for the project's tests: labs by scenario, and running the suite.

Tests that start the lab's servers (or other real daemons, or build the offline kit) carry the
``lab`` marker; ``pytest tests -m "not lab"`` (``tox -e unit``) runs the others in seconds. A test
without the marker that starts a lab fails, naming the marker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings

from lab import Lab

# Tests run beside real servers on 2 shared cores: hypothesis' 200 ms deadline would only add noise.
settings.register_profile("upi", deadline=None)
settings.load_profile("upi")

LAB_MARKER = "lab: starts the lab's servers or other real daemons (tox -e unit leaves it out)"
_running: dict[str, Any] = {"item": None}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", LAB_MARKER)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running["item"] = item  # before its fixtures, module-scoped labs included, are set up


def _unmarked_lab_start(start: Callable[..., Lab]) -> Callable[..., Lab]:
    @functools.wraps(start)
    def guarded(self: Lab, *args: Any, **kwargs: Any) -> Lab:
        item = _running["item"]
        if item is not None and item.get_closest_marker("lab") is None:
            raise RuntimeError(f"{item.nodeid} starts the lab: mark it @pytest.mark.lab")
        return start(self, *args, **kwargs)

    return guarded


Lab.start = _unmarked_lab_start(Lab.start)  # type: ignore[method-assign]


@pytest.fixture
def start_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Lab]]:
    """Start a lab for a scenario; every lab started is stopped (by PID) after the test."""
    labs: list[Lab] = []

    def start(scenario: str = "clean", parts: tuple[str, ...] = ()) -> Lab:
        lab = Lab(
            tmp_path_factory.mktemp(f"lab-{scenario}"), scenario, parts=parts, max_seconds=900
        )
        labs.append(lab)
        return lab.start()

    yield start
    for lab in labs:
        lab.stop()
