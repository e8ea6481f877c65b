"""Redirects followed by hand, so credentials stay where they belong: a hop to another origin
(scheme, host, effective port) is sent without them, a hop from https to http is refused, and
at most :data:`MAX_REDIRECTS` hops are followed (Go's http.Client default, which docker and
podman use).

>>> same_origin("https://mirror.example/v2/", "https://MIRROR.example:443/v2/x")
True
>>> same_origin("https://mirror.example/v2/", "https://mirror.example:5000/v2/")
False
>>> shown("https://user:pw@blobs.example/b/1?X-Amz-Signature=abc")
'https://blobs.example/b/1'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from collectors.images.registry.errors import RegistryError
from collectors.transport.httpbody import release

if TYPE_CHECKING:
    import requests

#: The most redirects followed for one request.
MAX_REDIRECTS = 10
#: The statuses that carry a Location to follow.
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"https": 443, "http": 80}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host in lower case, effective port) of ``url``.

    >>> origin("https://Mirror.example./v2/")
    ('https', 'mirror.example', 443)
    >>> origin("http://[::1]:8080/")
    ('http', '::1', 8080)
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin nothing else matches
        return scheme, f"{parts.netloc} (bad port)", None
    host = (parts.hostname or "").rstrip(".")
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme)


def same_origin(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` have the same scheme, host and effective port (a URL is its own
    origin: the request that was not redirected is not parsed again)."""
    return a == b or origin(a) == origin(b)


def netloc(url: str) -> str:
    """The host[:port] of ``url`` as written, without any user or password.

    >>> netloc("https://u:p@blobs.example:8443/x")
    'blobs.example:8443'
    """
    return urlsplit(url).netloc.rpartition("@")[2]


def shown(url: str) -> str:
    """``url`` fit for a message: no user, password, query (a signed URL's signature lives
    there) or fragment."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{netloc(url)}{parts.path}"


def next_url(url: str, location: str | None, hops: int, what: str) -> str:
    """The URL a redirect from ``url`` to ``location`` leads to, after ``hops`` earlier ones;
    RegistryError (kind ``protocol``) when it has no Location, leads from https to http, or is
    one too many.

    >>> next_url("https://m/v2/a", "/v2/b", 0, "GET")
    'https://m/v2/b'
    >>> next_url("https://m/v2/a", "http://m/v2/b", 0, "GET")
    Traceback (most recent call last):
    ...
    collectors.images.registry.errors.RegistryError: GET: https://m/v2/a redirects from https \
to plain http (http://m/v2/b): refused
    """
    if not location:
        raise RegistryError(f"{what}: {shown(url)} redirects without a Location", kind="protocol")
    target = urljoin(url, location.strip())
    if urlsplit(url).scheme.lower() == "https" and urlsplit(target).scheme.lower() != "https":
        raise RegistryError(
            f"{what}: {shown(url)} redirects from https to plain http ({shown(target)}): refused",
            kind="protocol",
        )
    if hops >= MAX_REDIRECTS:
        raise RegistryError(
            f"{what}: more than {MAX_REDIRECTS} redirects (the last from {shown(url)} to "
            f"{shown(target)})",
            kind="protocol",
        )
    return target


def follow(
    send: Callable[[str, bool], requests.Response], url: str, what: str
) -> tuple[requests.Response, str]:
    """``send(url, trusted)`` and each redirect after it; ``trusted`` is whether the URL has
    ``url``'s origin (credentials may go there). Returns the last response (not a redirect,
    body unread) and its URL."""
    current, hops = url, 0
    while True:
        resp = send(current, same_origin(current, url))
        if resp.status_code not in REDIRECTS:
            return resp, current
        location = resp.headers.get("Location")
        release(resp)
        current = next_url(current, location, hops, what)
        hops += 1
