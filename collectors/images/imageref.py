"""Container image references: ``host[:port]/path[:tag][@digest]`` with Docker Hub defaults.

The grammar follows the distribution ``reference`` package: the first path component is a
registry only if it holds a ``.`` or a ``:`` or is ``localhost``; otherwise the image is on
Docker Hub (``docker.io``) and a one-component name gets the ``library/`` namespace.

>>> r = parse_reference("registry.example.com:5000/ocp4/openshift4:4.5.6-x86_64")
>>> r.registry, r.repository, r.tag, r.digest
('registry.example.com:5000', 'ocp4/openshift4', '4.5.6-x86_64', None)
>>> str(parse_reference("busybox"))
'docker.io/library/busybox:latest'
>>> parse_reference("quay.io/a/b@sha256:" + "0" * 64).reference == "sha256:" + "0" * 64
True

One registry whatever its spelling: ``Registry.Example:443`` is ``registry.example`` (https's
default port dropped, the host lower-cased) in every reference, mirror rule, auth key, trust key
and the inventory; :func:`registry_key` is the one function that says so.

>>> parse_reference("Registry.Example:443/ocp4/openshift4:4.5").registry
'registry.example'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

DOCKER_HUB = "docker.io"
#: Where Docker Hub's v2 API really answers.
DOCKER_HUB_API = "registry-1.docker.io"
#: The port a registry named without one is reached at (https).
DEFAULT_PORT = 443
_DOCKER_HUB_ALIASES = ("index.docker.io", "registry-1.docker.io")

_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_SHA256 = re.compile(r"^sha256:[a-f0-9]{64}$")
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-fA-F:.]+\])(?::[0-9]{{1,5}})?$")


class ImageRefError(ValueError):
    """An image reference that does not parse; the message says which part is wrong."""


@dataclass(frozen=True, order=True, slots=True)
class ImageRef:
    """A parsed image reference. ``name`` is ``registry/repository``; ``str()`` is canonical.
    Slotted (no ``__dict__``): a mapping of 80,000 lines holds thousands of them at a time."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """``registry/repository``, e.g. ``quay.io/openshift-release-dev/ocp-release``."""
        return f"{self.registry}/{self.repository}"

    @property
    def reference(self) -> str:
        """What goes after ``/manifests/`` in the API: the digest, else the tag, else ``latest``."""
        return self.digest or self.tag or "latest"

    @property
    def api_host(self) -> str:
        """The host[:port] that serves this registry's v2 API (Docker Hub's is different)."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    def with_digest(self, digest: str) -> ImageRef:
        """The same repository pinned to ``digest`` (the tag is dropped)."""
        return ImageRef(self.registry, self.repository, None, digest)

    def with_name(self, name: str) -> ImageRef:
        """The same tag/digest in another ``registry/repository``."""
        other = parse_reference(name)
        return replace(self, registry=other.registry, repository=other.repository)

    def __str__(self) -> str:
        text = self.name
        if self.tag or not self.digest:
            text += f":{self.tag or 'latest'}"
        if self.digest:
            text += f"@{self.digest}"
        return text


@functools.lru_cache(maxsize=4096)
def registry_key(host: str) -> str:
    """The one spelling of a registry ``host[:port]``, used wherever two registries are compared:
    scheme and trailing ``/`` dropped, the host lower-cased, the port written without leading
    zeros and left out when it is https's default (443), Docker Hub's aliases as ``docker.io``.
    A trust-bundle key ``host..port`` reads as ``host:port``.

    >>> registry_key("Registry.Example:443"), registry_key("https://m.example:05000/")
    ('registry.example', 'm.example:5000')
    >>> registry_key("[::1]:443"), registry_key("mirror.example..443")
    ('[::1]', 'mirror.example')
    >>> registry_key("index.docker.io")
    'docker.io'
    """
    text = host.strip()
    lowered = text.lower()
    for scheme in ("docker://", "https://", "http://"):
        if lowered.startswith(scheme):
            text, lowered = text[len(scheme) :], lowered[len(scheme) :]
    text = lowered.rstrip("/")
    if ".." in text and not text.startswith("["):
        name, _, port = text.rpartition("..")
        if port.isdigit() and name:
            text = f"{name}:{port}"
    if text.startswith("["):
        name, close, rest = text.partition("]")
        name, port = name + close, rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        name, _, port = text.partition(":")
    else:
        name, port = text, ""
    if port.isdigit() and port.isascii():
        number = int(port)
        text = name if number == DEFAULT_PORT else f"{name}:{number}"
    if text in _DOCKER_HUB_ALIASES:
        text = DOCKER_HUB
    return text


def same_registry(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name one registry (see :func:`registry_key`).

    >>> same_registry("registry.example", "REGISTRY.example:443"), same_registry("m:5000", "m")
    (True, False)
    """
    return registry_key(a) == registry_key(b)


@functools.lru_cache(maxsize=4096)
def canonical_name(name: str) -> str:
    """``host[:port][/path]`` (a mirror rule's source or mirror, an auth key, a registries.conf
    location) with its registry in :func:`registry_key` form; a wildcard ``*.domain`` lower-cased;
    a name without a registry (Docker Hub's short form) unchanged.

    >>> canonical_name("Registry.Example:443/ocp4/openshift4"), canonical_name("*.Example.COM")
    ('registry.example/ocp4/openshift4', '*.example.com')
    """
    name = name.strip()
    if name.startswith("*."):
        return name.lower()
    for scheme in ("docker://", "https://", "http://"):
        if name.lower().startswith(scheme):
            name = name[len(scheme) :]
    first, sep, rest = name.partition("/")
    if not sep:
        is_host = "." in first or ":" in first or first == "localhost"
        return registry_key(first) if is_host else name
    registry, path = split_registry(name)
    if registry is None:
        return name
    return f"{registry_key(registry)}/{path}"


def under_registry(name: str, host: str) -> bool:
    """Whether ``name`` (``host[:port][/path]``) lies on the registry ``host``.

    >>> under_registry("registry.example:443/ocp4/x", "registry.example")
    True
    >>> under_registry("m:5000", "m")
    False
    """
    key = registry_key(host)
    canon = canonical_name(name)
    return canon == key or canon.startswith(key + "/")


def split_registry(name: str) -> tuple[str | None, str]:
    """Split off the registry if the first component names one.

    >>> split_registry("localhost/a"), split_registry("library/a"), split_registry("h:5000/a")
    (('localhost', 'a'), (None, 'library/a'), ('h:5000', 'a'))
    """
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return None, name


def parse_reference(text: str) -> ImageRef:
    """Parse an image reference, applying Docker Hub defaults; raise ImageRefError if bad."""
    if not isinstance(text, str) or not text.strip():
        raise ImageRefError("empty image reference")
    original = text
    text = text.strip()
    for scheme in ("docker://", "https://", "http://"):
        text = text.removeprefix(scheme)
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
        if not _DIGEST.match(digest):
            raise ImageRefError(f"{original!r}: bad digest {digest!r} (want algorithm:hex)")
        if digest.startswith("sha256:") and not _SHA256.match(digest):
            raise ImageRefError(f"{original!r}: a sha256 digest has 64 lower-case hex digits")
    registry, path = split_registry(text)
    tag = None
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = path.rsplit(":", 1)
        if not _TAG.match(tag):
            raise ImageRefError(f"{original!r}: bad tag {tag!r}")
    if registry is None:
        registry = DOCKER_HUB
    elif not _HOST.match(registry):
        raise ImageRefError(f"{original!r}: bad registry host {registry!r}")
    registry = registry_key(registry)
    if not path:
        raise ImageRefError(f"{original!r}: no repository name")
    components = path.split("/")
    for part in components:
        if not _COMPONENT.match(part):
            raise ImageRefError(
                f"{original!r}: bad repository component {part!r} (lower-case letters, digits, "
                "and . _ __ - between them)"
            )
    if registry == DOCKER_HUB and len(components) == 1:
        path = f"library/{path}"
    if len(registry) + 1 + len(path) > 255:
        raise ImageRefError(f"{original!r}: name longer than 255 characters")
    return ImageRef(registry=registry, repository=path, tag=tag, digest=digest)
