"""The adapter behind ``mirror.resolve_via_site_dns``: connect to the address the site DNS gives
while TLS keeps the name (in its own module so that requests loads with the first client, not
with the registry package).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from collectors.images.registry.adapter import LeanAdapter


class PinnedAdapter(LeanAdapter):
    """An adapter that connects to the address ``resolve(name)`` gives for the names in
    ``names`` (the site DNS's answer for the mirror, ``mirror.resolve_via_site_dns``) while
    TLS keeps the name: SNI, hostname verification and the Host header all say ``name``.

    >>> PinnedAdapter({"mirror.example"}, lambda n: "127.0.0.1").address("other.example")
    """

    def __init__(self, names: set[str], resolve: Callable[[str], str], **kw: Any) -> None:
        super().__init__(**kw)
        self.names = {n.lower() for n in names}
        self._resolve = resolve
        self._addresses: dict[str, str] = {}
        self._pin_lock = threading.Lock()

    def address(self, name: str | None) -> str | None:
        """The address to connect to for ``name``, or None to resolve as usual."""
        if not name or name.lower() not in self.names:
            return None
        with self._pin_lock:
            known = self._addresses.get(name.lower())
        if known is None:
            known = self._resolve(name)  # FactError when the site DNS has no answer
            with self._pin_lock:
                self._addresses[name.lower()] = known
        return known

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # type: ignore[no-untyped-def]
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        name = host_params.get("host")
        ip = self.address(name)
        if ip is not None:
            host_params = {**host_params, "host": ip}
            pool_kwargs = {**pool_kwargs, "server_hostname": name, "assert_hostname": name}
        return host_params, pool_kwargs

    def send(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(request.url)
        if self.address(parts.hostname) is not None:
            request.headers["Host"] = parts.netloc
        return super().send(request, *args, **kwargs)
