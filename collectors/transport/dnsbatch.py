"""Many DNS questions to one server over one UDP socket, a window of them in flight at a time.

Asking one question at a time costs a socket, a system call round and a wait per question; a
thread pool on two cores adds lock hand-offs on top. Here the next questions are sent while the
server answers the previous ones, and each reply is matched to its question by id. The caller
reads the replies (and keeps only those that answer the question, untruncated); a question whose
reply did not come within the timeout is left out, so the caller asks it again one by one on its
ordinary path (UDP, TCP on truncation, the dead-source rules), as if there had been no batch.

>>> ask_batch("127.0.0.1", 9, [], timeout=0.1)
{}

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence

#: Questions in flight at once: enough to keep a server busy, few enough for its socket buffer.
WINDOW = 32


def ask_batch(
    address: str,
    port: int,
    requests: Sequence[tuple[int, bytes]],
    timeout: float,
    window: int = WINDOW,
) -> dict[int, bytes]:
    """Send each ``(query id, wire)`` of ``requests`` to ``address``:``port``; return the reply
    datagrams by request index.

    Each request waits at most ``timeout`` after it was sent; a socket error ends the batch
    (what was answered until then is returned).
    """
    if not requests:
        return {}
    import dns.inet  # dnspython on first use (start-up)

    family = dns.inet.af_for_address(address)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((address, port))  # replies from any other source are not delivered
        except OSError:
            return {}
        return _exchange(sock, requests, timeout, max(1, window))


def _exchange(
    sock: socket.socket,
    requests: Sequence[tuple[int, bytes]],
    timeout: float,
    window: int,
) -> dict[int, bytes]:
    """The send/receive loop of :func:`ask_batch` on a connected socket."""
    replies: dict[int, bytes] = {}
    pending: dict[int, tuple[int, float]] = {}  # query id -> (request index, deadline)
    following = 0
    try:
        while following < len(requests) or pending:
            following = _send_more(sock, requests, following, pending, window, timeout)
            _expire(pending)
            if pending:
                _receive(sock, pending, replies)
    except OSError:
        pass  # e.g. an ICMP port unreachable: the rest are asked one by one
    return replies


def _send_more(
    sock: socket.socket,
    requests: Sequence[tuple[int, bytes]],
    following: int,
    pending: dict[int, tuple[int, float]],
    window: int,
    timeout: float,
) -> int:
    """Fill the window; a request whose id is already in flight is skipped (asked later, one by
    one). Returns the index of the next request to send."""
    while following < len(requests) and len(pending) < window:
        qid, wire = requests[following]
        if qid not in pending:
            sock.send(wire)
            pending[qid] = (following, time.monotonic() + timeout)
        following += 1
    return following


def _expire(pending: dict[int, tuple[int, float]]) -> None:
    """Give up on the requests whose reply is overdue."""
    now = time.monotonic()
    for qid in [qid for qid, (_, deadline) in pending.items() if deadline <= now]:
        del pending[qid]


def _receive(
    sock: socket.socket,
    pending: dict[int, tuple[int, float]],
    replies: dict[int, bytes],
) -> None:
    """Wait for one datagram (until the earliest deadline); keep it under its request's index
    when its id is one in flight."""
    wait = min(deadline for _, deadline in pending.values()) - time.monotonic()
    if wait <= 0:
        return
    sock.settimeout(wait)
    try:
        wire = sock.recv(65535)
    except TimeoutError:
        return
    found = pending.pop(int.from_bytes(wire[:2], "big"), None) if len(wire) >= 12 else None
    if found is not None:
        replies[found[0]] = wire
