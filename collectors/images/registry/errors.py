"""What a registry call raises when the registry cannot answer, and the one-line reason a TLS
failure is reported with.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

from collectors.errors import FactError, Unreachable


class RegistryError(FactError):
    """The registry could not answer: TLS, connection, timeout, 401/403, 5xx, garbage.

    ``status`` is the HTTP status when there was one; ``kind`` one of ``tls``, ``connect``,
    ``timeout``, ``auth``, ``denied``, ``server``, ``protocol``, ``integrity``, ``http``.
    """

    def __init__(self, message: str, *, kind: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


class RegistryUnreachable(Unreachable, RegistryError):
    """No answer from the registry from this machine (kind ``unreachable``): an error about
    reaching it, never a verdict on the mirror."""

    def __init__(self, target: str, reason: str, *, group: str = "", what: str = "") -> None:
        Unreachable.__init__(self, target, reason, group=group, what=what)
        self.kind = "unreachable"
        self.status = None


def tls_reason(exc: BaseException) -> str:
    text = str(exc)
    for pattern in (
        r"certificate verify failed: ([^(')\]]+)",
        r"(hostname '[^']+' doesn't match[^)'\"]*)",
        r"(IP address mismatch[^)'\"]*)",
        r"(wrong version number)",
        r"(\[SSL[^\]]*\][^)'\"]*)",
    ):
        m = re.search(pattern, text)
        if m:
            return m.group(1).strip()
    return text[:200]
