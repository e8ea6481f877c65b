"""Who used an API in the last 24 hours, from an APIRequestCount's status (pure, no I/O).

``status.last24h`` holds one entry per hour; each ``byNode[].byUser[]`` gives ``username``,
``userAgent`` and ``requestCount``. They are summed per (user, agent), largest first.
``status.requestCount`` is the 24-hour total the API server keeps; where it is missing, the sum
of the hours stands in. Bounded: more than :data:`MAX_USER_ENTRIES` user entries is an error
naming the object (a reader of a hostile object must not grow without end).

>>> obj = {"metadata": {"name": "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io"},
...        "status": {"removedInRelease": "1.26", "requestCount": 7, "last24h": [
...          {"byNode": [{"nodeName": "m1", "byUser": [
...            {"username": "system:serviceaccount:a:b", "userAgent": "tool/1.0",
...             "requestCount": 5}]}]},
...          {"byNode": [{"byUser": [{"username": "system:serviceaccount:a:b",
...             "userAgent": "tool/1.0", "requestCount": 2}]}]}]}}
>>> use = summarize(obj)
>>> use.removed_in, use.requests, use.users[0]
('1.26', 7, UserUse(username='system:serviceaccount:a:b', user_agent='tool/1.0', requests=7))

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError

#: The most byUser entries read from one object (24 hours x nodes x users; real ones hold a few
#: hundred).
MAX_USER_ENTRIES = 50_000
#: How many users a summary keeps (the rest are counted).
TOP = 5
_TEXT = 200  # a username or agent longer than this is cut (it is only named)


@dataclass(frozen=True)
class UserUse:
    username: str
    user_agent: str
    requests: int


@dataclass(frozen=True)
class ApiUse:
    """One APIRequestCount: the release that removes it, its 24-hour count, the top users."""

    name: str
    removed_in: str
    requests: int
    users: tuple[UserUse, ...] = ()
    #: users beyond the top ones, and their requests
    other_users: int = 0
    other_requests: int = 0


def _count(value: Any, source: str, key: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(source, "is not a count of requests", key=key)
    return value


def _list(value: Any, source: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(source, "is not a list", key=key)
    return value


def _text(value: Any) -> str:
    return str(value)[:_TEXT] if value is not None else ""


def summarize(obj: dict[str, Any], where: str = "") -> ApiUse:
    """The use of one APIRequestCount (see the module doc); InputError naming the object and
    the key for a status that is not of this shape or too large to read."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", "?"))
    source = where or f"apirequestcount {name}"
    status = obj.get("status") or {}
    if not isinstance(status, dict):
        raise InputError(source, "is not an object", key="status")
    removed = status.get("removedInRelease") or ""
    by_user: dict[tuple[str, str], int] = {}
    seen = 0
    hours = _list(status.get("last24h"), source, "status.last24h")
    for h, hour in enumerate(hours):
        if not isinstance(hour, dict):
            raise InputError(source, "is not an object", key=f"status.last24h[{h}]")
        nodes = _list(hour.get("byNode"), source, f"status.last24h[{h}].byNode")
        for n, node in enumerate(nodes):
            key = f"status.last24h[{h}].byNode[{n}]"
            if not isinstance(node, dict):
                raise InputError(source, "is not an object", key=key)
            users = _list(node.get("byUser"), source, f"{key}.byUser")
            seen += len(users)
            if seen > MAX_USER_ENTRIES:
                raise InputError(
                    source,
                    f"holds more than {MAX_USER_ENTRIES} byUser entries; not read "
                    "(oc get apirequestcounts NAME -o yaml shows them)",
                    key="status.last24h",
                )
            for u, user in enumerate(users):
                if not isinstance(user, dict):
                    raise InputError(source, "is not an object", key=f"{key}.byUser[{u}]")
                count = _count(user.get("requestCount"), source, f"{key}.byUser[{u}].requestCount")
                ident = (_text(user.get("username")), _text(user.get("userAgent")))
                by_user[ident] = by_user.get(ident, 0) + count
    total = status.get("requestCount")
    requests = (
        _count(total, source, "status.requestCount") if total is not None else sum(by_user.values())
    )
    ranked = sorted(by_user.items(), key=lambda kv: (-kv[1], kv[0]))
    top = tuple(UserUse(u, a, c) for (u, a), c in ranked[:TOP] if c > 0)
    rest = [c for _, c in ranked[TOP:] if c > 0]
    return ApiUse(name, str(removed), requests, top, len(rest), sum(rest))
