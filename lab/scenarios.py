"""Named scenarios: each breaks one thing in the lab, the way sites break in the field.

A scenario is a function that edits the lab's models before the servers start. A part declares
one with ``@scenario("name", "what it breaks", parts=(...))`` beside the code it breaks; the lab
registers the declared scenarios of every part explicitly, in the order of ``lab.core.PARTS``
(``register``), then composes whole sites from them (``compose``).

>>> import lab.network
>>> [s.name for s in declared(lab.network)][:2]
['clean', 'missing-ptr']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lab.part import LabContext


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    parts: tuple[str, ...]
    apply: Callable[[LabContext], None]


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, description: str, parts: tuple[str, ...] = ("network",)) -> Callable:
    """Declare ``fn`` a scenario; ``register`` of its module adds it to SCENARIOS."""

    def declare(fn: Callable[[LabContext], None]) -> Callable[[LabContext], None]:
        fn.lab_scenario = Scenario(name, description, parts, fn)  # type: ignore[attr-defined]
        return fn

    return declare


def declared(module: ModuleType) -> list[Scenario]:
    """The scenarios ``module`` declares, in the order it defines them."""
    found = []
    for obj in vars(module).values():
        s = getattr(obj, "lab_scenario", None)
        if isinstance(s, Scenario) and getattr(obj, "__module__", None) == module.__name__:
            found.append(s)
    return found


def register(module: ModuleType) -> None:
    """Add the scenarios ``module`` declares to SCENARIOS (a name taken by another fails)."""
    for s in declared(module):
        if SCENARIOS.get(s.name, s) is not s:
            raise ValueError(f"scenario {s.name!r} of {module.__name__} is already registered")
        SCENARIOS[s.name] = s


def compose(name: str, description: str, *names: str) -> Scenario:
    """Register a scenario that applies several registered ones, each breaking its own part."""
    parts = tuple(dict.fromkeys(p for n in names for p in SCENARIOS[n].parts))

    def apply(lab: LabContext) -> None:
        for n in names:
            SCENARIOS[n].apply(lab)

    SCENARIOS[name] = Scenario(name, description, parts, apply)
    return SCENARIOS[name]
