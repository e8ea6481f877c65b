"""Many DNS questions to one server over one UDP socket, a window of them in flight at a time.

Asking one question at a time costs a socket, a system call round and a wait per question; a
thread pool on two cores adds lock hand-offs on top. Here the next questions are sent while the
server answers the previous ones, and the replies are matched to their question by id and
question section. Only clean replies are returned: a reply that is truncated, does not parse or
does not match, and a question whose reply did not come within the timeout, are left out, so
the caller asks those again one by one on its ordinary path (UDP, TCP on truncation, the
dead-source rules), exactly as if there had been no batch.

>>> import dns.message
>>> ask_batch("127.0.0.1", 9, [], timeout=0.1)
{}
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence

import dns.exception
import dns.flags
import dns.inet
import dns.message

#: Questions in flight at once: enough to keep a server busy, few enough for its socket buffer.
WINDOW = 32


def ask_batch(
    address: str,
    port: int,
    requests: Sequence[dns.message.Message],
    timeout: float,
    window: int = WINDOW,
) -> dict[int, dns.message.Message]:
    """Send ``requests`` to ``address``:``port``; return the clean replies by request index.

    Each request waits at most ``timeout`` after it was sent; a socket error ends the batch
    (what was answered until then is returned).
    """
    if not requests:
        return {}
    family = dns.inet.af_for_address(address)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((address, port))  # replies from any other source are not delivered
            return _exchange(sock, requests, timeout, max(1, window))
        except OSError:
            return {}


def _exchange(
    sock: socket.socket,
    requests: Sequence[dns.message.Message],
    timeout: float,
    window: int,
) -> dict[int, dns.message.Message]:
    """The send/receive loop of :func:`ask_batch` on a connected socket."""
    replies: dict[int, dns.message.Message] = {}
    pending: dict[int, tuple[int, float]] = {}  # query id -> (request index, deadline)
    following = 0
    try:
        while following < len(requests) or pending:
            following = _send_more(sock, requests, following, pending, window, timeout)
            _expire(pending)
            if pending:
                _receive(sock, requests, pending, replies)
    except OSError:
        pass  # e.g. an ICMP port unreachable: the rest are asked one by one
    return replies


def _send_more(
    sock: socket.socket,
    requests: Sequence[dns.message.Message],
    following: int,
    pending: dict[int, tuple[int, float]],
    window: int,
    timeout: float,
) -> int:
    """Fill the window; a request whose id is already in flight is skipped (asked later, one by
    one). Returns the index of the next request to send."""
    while following < len(requests) and len(pending) < window:
        request = requests[following]
        if request.id not in pending:
            sock.send(request.to_wire())
            pending[request.id] = (following, time.monotonic() + timeout)
        following += 1
    return following


def _expire(pending: dict[int, tuple[int, float]]) -> None:
    """Give up on the requests whose reply is overdue."""
    now = time.monotonic()
    for qid in [qid for qid, (_, deadline) in pending.items() if deadline <= now]:
        del pending[qid]


def _receive(
    sock: socket.socket,
    requests: Sequence[dns.message.Message],
    pending: dict[int, tuple[int, float]],
    replies: dict[int, dns.message.Message],
) -> None:
    """Wait for one datagram (until the earliest deadline) and keep it if it is a clean reply."""
    wait = min(deadline for _, deadline in pending.values()) - time.monotonic()
    sock.settimeout(max(wait, 0.0))
    try:
        wire = sock.recv(65535)
    except TimeoutError:
        return
    try:
        reply = dns.message.from_wire(wire)
    except dns.exception.DNSException:  # truncated or malformed: asked again one by one
        pending.pop(int.from_bytes(wire[:2], "big"), None)
        return
    found = pending.get(reply.id)
    if found is None or not requests[found[0]].is_response(reply):
        return
    del pending[reply.id]
    if not reply.flags & dns.flags.TC:
        replies[found[0]] = reply
