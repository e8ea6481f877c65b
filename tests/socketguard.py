"""A pytest plugin for an inner run that must send no packet: every connect or send raises.

Loaded with ``-p tests.socketguard`` (the repository root is the inner run's folder); the tests of
replayed verdicts run the suite over a bundle with it inside a namespace without network, so a
check that tried the site would error, naming this guard, instead of silently failing to reach.

>>> import socket
>>> install()
>>> try:
...     socket.socket().connect(("127.0.0.1", 9))
... except GuardedSocket as exc:
...     print(exc)
socket guard: connect to ('127.0.0.1', 9) attempted
>>> uninstall()
"""

from __future__ import annotations

import socket
from typing import Any

_SAVED: dict[str, Any] = {}


class GuardedSocket(OSError):
    """A connect or send from a run that promised to send nothing."""


def _refuse(name: str) -> Any:
    def refuse(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        where = args[0] if args and name != "sendto" else (args[-1] if args else "")
        raise GuardedSocket(f"socket guard: {name} to {where} attempted")

    return refuse


def install() -> None:
    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        if name not in _SAVED:
            _SAVED[name] = getattr(socket.socket, name)
            setattr(socket.socket, name, _refuse(name))


def uninstall() -> None:
    for name, original in _SAVED.items():
        setattr(socket.socket, name, original)
    _SAVED.clear()


def pytest_configure(config: Any) -> None:
    install()
