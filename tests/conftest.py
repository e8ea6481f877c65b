"""Shared fixtures for the project's tests: labs by scenario, and running the suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings

from lab import Lab

# Tests run beside real servers on 2 shared cores: hypothesis' 200 ms deadline would only add noise.
settings.register_profile("upi", deadline=None)
settings.load_profile("upi")


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
