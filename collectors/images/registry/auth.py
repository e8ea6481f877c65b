"""Authentication against a registry: ``WWW-Authenticate`` challenges, Basic credentials and
Bearer tokens from the registry's token service, cached per host and scope, never shown in a repr.

>>> parse_challenge('Bearer realm="https://a/token",service="reg",scope="repository:x:pull"')
('bearer', {'realm': 'https://a/token', 'service': 'reg', 'scope': 'repository:x:pull'})

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import json
import re
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from collectors import settings
from collectors.images.pullsecret import Auths, Credential
from collectors.images.registry.errors import RegistryError, tls_reason
from collectors.images.registry.redirects import follow, same_origin, shown
from collectors.transport.httpbody import BodyError, read_body, release

if TYPE_CHECKING:
    import requests

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^",\s]+))')


class _Redacted(str):
    """An Authorization header value that never shows itself in a repr (tracebacks, -l)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``WWW-Authenticate`` -> (scheme in lower case, its parameters)."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    for m in _PARAM.finditer(rest):
        quoted, bare = m.group(2), m.group(3)
        params[m.group(1).lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
    return scheme.lower(), params


class AuthMixin:
    """The authentication half of :class:`~collectors.images.registry.client.RegistryClient`.

    Uses the client's ``auths``, ``session``, ``timeout``, ``verify`` and ``_lock``; caches the
    Basic headers per host, the Bearer tokens per (host, scope) and each Bearer host's challenge.
    """

    auths: Auths
    session: requests.Session
    timeout: float
    verify: str | bool
    _lock: threading.Lock
    _basic: dict[str, str]
    _tokens: dict[tuple[str, str], str]
    _bearer_hosts: dict[str, dict[str, str]]

    def _credential(self, host: str, repository: str | None) -> Credential | None:
        if repository:
            return self.auths.lookup(f"{host}/{repository}")
        return self.auths.for_host(host)

    def _auth_header(self, host: str, scope: str) -> str | None:
        with self._lock:
            return self._tokens.get((host, scope)) or self._basic.get(host)

    def _describe_cred(self, cred: Credential | None) -> str:
        if cred is None:
            return f"no credentials for it in {self.auths.source}"
        return f"user {cred.username!r} from {self.auths.source} (key {cred.key})"

    def _authenticate(
        self, host: str, repository: str | None, scope: str, challenge: str, what: str
    ) -> None:
        import requests

        scheme, params = parse_challenge(challenge)
        cred = self._credential(host, repository)
        if scheme == "basic":
            if cred is None:
                raise RegistryError(
                    f"{what}: HTTP 401 from {host} asking for Basic credentials, and there are "
                    f"{self._describe_cred(cred)}",
                    kind="auth",
                    status=401,
                )
            raw = f"{cred.username}:{cred.password}".encode()
            with self._lock:
                self._basic[host] = _Redacted("Basic " + base64.b64encode(raw).decode())
            del raw
            return
        if scheme != "bearer" or "realm" not in params:
            raise RegistryError(
                f"{what}: HTTP 401 from {host} with an unknown challenge scheme {scheme!r}",
                kind="auth",
                status=401,
            )
        realm = params["realm"]
        if not realm.lower().startswith("https://"):
            who = f"user {cred.username!r}'s credentials" if cred else "a token request"
            raise RegistryError(
                f"{what}: {host} names the token service {realm}, which is not HTTPS: refusing to "
                f"send {who} over it (configure the registry's auth.token.realm as an "
                "https:// URL)",
                kind="auth",
            )
        query = {"service": params.get("service", "")}
        if scope:
            query["scope"] = scope
        elif params.get("scope"):
            query["scope"] = params["scope"]
        resp, final = self._token_request(realm, query, cred, what)
        try:
            status, raw = resp.status_code, b""
            if status == 200:
                raw = read_body(
                    resp,
                    cap=settings.HTTP_SMALL_BODY_BYTES,
                    seconds=self.timeout,
                    what=f"{what}: token service {params['realm']}",
                )
        except BodyError as exc:
            raise RegistryError(str(exc), kind="auth") from None
        except requests.exceptions.RequestException as exc:
            raise RegistryError(
                f"{what}: the token service {params['realm']} reply broke off "
                f"({type(exc).__name__})",
                kind="auth",
            ) from None
        finally:
            release(resp)
        if resp.status_code in (401, 403) and not same_origin(final, params["realm"]):
            raise RegistryError(
                f"{what}: the token service {params['realm']} redirected to {shown(final)}, which "
                f"refused (HTTP {resp.status_code}); the credentials for {host} are not sent to "
                "another host",
                kind="auth",
                status=resp.status_code,
            )
        if resp.status_code in (401, 403):
            raise RegistryError(
                f"{what}: the token service {params['realm']} refused {self._describe_cred(cred)} "
                f"(HTTP {resp.status_code})",
                kind="auth",
                status=resp.status_code,
            )
        if resp.status_code != 200:
            raise RegistryError(
                f"{what}: token service {params['realm']} answered HTTP {resp.status_code}",
                kind="auth",
                status=resp.status_code,
            )
        try:
            body = json.loads(raw)
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError, RecursionError):
            token = None
        if not token:
            raise RegistryError(
                f"{what}: token service {params['realm']} gave no token", kind="auth"
            )
        with self._lock:
            self._tokens[(host, scope)] = _Redacted(f"Bearer {token}")
            self._bearer_hosts[host] = params
        del token

    def _token_request(
        self, realm: str, query: dict[str, str], cred: Credential | None, what: str
    ) -> tuple[requests.Response, str]:
        """``GET realm?query``, with ``cred`` as Basic credentials to the realm's own origin only
        (a redirect elsewhere is followed without them); the reply (body unread) and its URL.
        The realm is the one the registry named in its challenge, over verified https."""
        import requests

        auth = (cred.username, cred.password) if cred else None
        url = realm + ("&" if "?" in realm else "?") + urlencode(query)

        def send(target: str, trusted: bool) -> requests.Response:
            return self.session.get(
                target,
                auth=auth if trusted else None,
                timeout=self.timeout,
                verify=self.verify,
                stream=True,  # the reply is read by the caller, capped and under a deadline
                allow_redirects=False,  # redirects.follow: credentials stay with the realm
            )

        try:
            return follow(send, url, f"{what}: token service {shown(realm)}")
        except requests.exceptions.SSLError as exc:
            raise RegistryError(
                f"{what}: TLS to the token service {realm} failed: {tls_reason(exc)}",
                kind="tls",
            ) from None
        except requests.exceptions.RequestException as exc:
            raise RegistryError(
                f"{what}: token service {realm} unreachable: {type(exc).__name__}",
                kind="connect",
            ) from None
