"""The client itself: one keep-alive pool per run, bounded concurrency, a timeout on every call,
retries (with backoff) only on 5xx and 429, the HTTP status turned into a RegistryError, ``GET
/v2/`` (ping), and the run's shared client (``client_for``). Authentication, manifests and blobs
are in the sibling modules ``auth``, ``manifests`` and ``blobs``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors import settings
from collectors.errors import InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference
from collectors.images.pullsecret import Auths, load_auths
from collectors.images.registry.auth import AuthMixin
from collectors.images.registry.blobs import BlobsMixin
from collectors.images.registry.errors import RegistryError, RegistryUnreachable, tls_reason
from collectors.images.registry.manifests import ManifestsMixin
from collectors.images.registry.redirects import follow, netloc, same_origin, shown
from collectors.images.registry.tags import TagsMixin
from collectors.inventory import split_host_port
from collectors.transport.httpbody import release
from collectors.transport.reach import (
    no_answer,
    refuse_if_silent,
    remember_silent,
    unreachable,
)

if TYPE_CHECKING:
    import requests

#: futures in flight per worker in ``RegistryClient.map``: enough that a slow answer does not
#: leave the workers idle, few enough that memory is that of the window, not of the items
MAP_WINDOW_PER_WORKER = 4


@dataclass(frozen=True)
class Ping:
    """The answer to ``GET /v2/`` after authenticating: status, auth scheme and who we were."""

    host: str
    status: int
    scheme: str = ""
    username: str | None = None
    api_version: str = ""


def system_ca() -> str | bool:
    """The system trust store (not certifi's copy), or True to let requests choose."""
    paths = ssl.get_default_verify_paths()
    for candidate in (
        paths.cafile,
        paths.openssl_cafile,
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return True


def site_dns_resolver(inv: Any) -> Callable[[str], str]:
    """Resolve a name through the inventory's first DNS server (what the nodes use)."""
    from collectors.transport.dns import DnsClient

    client = DnsClient()

    def resolve(name: str) -> str:
        found = client.resolve(inv.dns_servers[0], name)
        if not found:
            raise RegistryError(
                f"{name}: no A/AAAA record on the site DNS {inv.dns_servers[0]} "
                "(mirror.resolve_via_site_dns is true)",
                kind="connect",
            )
        return found[0]

    return resolve


class RegistryClient(AuthMixin, ManifestsMixin, BlobsMixin, TagsMixin):
    """One client per run: a keep-alive pool, cached auth per host and scope, a thread pool."""

    def __init__(
        self,
        auths: Auths | None = None,
        *,
        ca_file: str | Path | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        max_workers: int | None = None,
        pinned: tuple[set[str], Callable[[str], str]] | None = None,
    ) -> None:
        import requests

        self.auths = auths or Auths({}, "no auth file")
        self.ca_file = str(ca_file) if ca_file else None
        self.verify: str | bool = self.ca_file or system_ca()
        self.timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT
        self.retries = retries if retries is not None else settings.HTTP_RETRIES
        self.backoff = backoff if backoff is not None else settings.HTTP_BACKOFF
        self.max_workers = max(1, max_workers or settings.MAX_CONCURRENCY)
        self.session = requests.Session()
        self.session.trust_env = False  # no REQUESTS_CA_BUNDLE, no .netrc replacing our auth
        pool = {
            "pool_connections": 8,
            "pool_maxsize": self.max_workers,
            "pool_block": True,
            "max_retries": 0,
        }

        from collectors.images.registry.adapter import LeanAdapter
        from collectors.images.registry.pinned import PinnedAdapter

        adapter = PinnedAdapter(*pinned, **pool) if pinned else LeanAdapter(**pool)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._lock = threading.Lock()
        self._basic: dict[str, str] = {}  # host -> Authorization header for Basic
        self._tokens: dict[tuple[str, str], str] = {}  # (host, scope) -> Authorization header
        self._bearer_hosts: dict[str, dict[str, str]] = {}  # host -> challenge params
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_inventory(cls, inv: Any) -> RegistryClient:
        """A client for the inventory's mirror: ``mirror.auth_file`` and ``mirror.ca_file``."""
        mirror = inv.mirror
        auths = load_auths(mirror.auth_file) if mirror.auth_file else None
        if mirror.ca_file and not Path(mirror.ca_file).is_file():
            raise InputError(str(mirror.ca_file), "mirror.ca_file does not exist")
        return cls(auths, ca_file=mirror.ca_file, pinned=pinned_mirror(inv))

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.session.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        host: str,
        path: str,
        *,
        repository: str | None = None,
        what: str = "",
        headers: dict[str, str] | None = None,
        stream: bool = False,
        ok: Iterable[int] = (200,),
    ) -> requests.Response:
        """One API call with auth, retries on 5xx/429 and a timeout; returns a streamed response
        (``stream`` is accepted for callers; the body is always left to them, read capped) whose
        status is in ``ok`` (or 404), else raises RegistryError naming ``what``.

        Redirects are followed by hand (``redirects.follow``): credentials go only to ``host``
        itself, never to a host a redirect leads to, and never from https to plain http."""
        what = what or f"{method} https://{host}{path}"
        scope = f"repository:{repository}:pull" if repository else ""
        url = f"https://{host}{path}"
        authed = False
        attempt = 0

        def send(target: str, trusted: bool) -> requests.Response:
            hdrs = dict(headers or {})
            auth = self._auth_header(host, scope) if trusted else None
            if auth:
                hdrs["Authorization"] = auth
            return self._send(method, target, hdrs, what)

        while True:
            resp, final = follow(send, url, what)
            status = resp.status_code
            if not same_origin(final, url) and status in (401, 407):
                release(resp)
                raise self._foreign_auth_error(status, host, final, what)
            if status == 401 and not authed and resp.headers.get("WWW-Authenticate"):
                challenge = resp.headers["WWW-Authenticate"]
                release(resp)
                self._authenticate(host, repository, scope, challenge, what)
                authed = True
                continue
            if (status >= 500 or status == 429) and attempt < self.retries:
                delay = self.backoff * (2**attempt)
                retry_after = resp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = min(float(retry_after), self.backoff * 4 * (2**attempt))
                release(resp)
                attempt += 1
                time.sleep(delay)
                continue
            if status in ok or status == 404:
                return resp
            release(resp)
            where = "" if same_origin(final, url) else f"{shown(final)} (redirected from {host})"
            raise self._status_error(status, host, repository, what, attempt, where=where)

    def _send(self, method: str, url: str, headers: dict[str, str], what: str) -> requests.Response:
        """One HTTP request to ``url`` (no redirect followed), its failures as RegistryError
        naming the host it went to (RegistryUnreachable when no answer came)."""
        import requests

        where = netloc(url)
        name, port = self._host_port(where)
        refuse_if_silent(name, port, what=f"{what}: cannot reach", cls=RegistryUnreachable)
        connect = min(settings.TCP_TIMEOUT, self.timeout)
        try:
            # The session's adapter, without the session's per-request work (cookie jars
            # merged and filled, hooks, environment settings, redirect plumbing: about a
            # fifth of the client's CPU per HEAD), which the suite does not use: no cookies,
            # trust_env off, redirects followed by hand. The session's headers are sent as
            # before. Bodies are read by the caller, capped (ping: never read). The request
            # is prepared without a cookie header and without credentials taken from the URL
            # (``user:pass@`` in a redirect's Location is never sent as Basic auth).
            prepared = requests.PreparedRequest()
            prepared.prepare_method(method)
            prepared.prepare_url(url, None)
            prepared.prepare_headers({**self.session.headers, **headers})
            prepared.prepare_body(None, None)
            return self.session.get_adapter(url).send(
                prepared,
                stream=True,
                timeout=(connect, self.timeout),
                verify=self.verify,
                cert=None,
                proxies={},
            )
        except requests.exceptions.SSLError as exc:
            if why := no_answer(exc):
                raise self._unreachable(where, why, what) from None
            trust = f"CA file {self.ca_file}" if self.ca_file else "the system trust store"
            raise RegistryError(
                f"{what}: TLS to {where} failed ({tls_reason(exc)}); verified against {trust}",
                kind="tls",
            ) from None
        except requests.exceptions.ConnectTimeout:
            remember_silent(name, connect)  # a dead server: its other requests not sent
            why = f"no answer within {connect:g}s"
            raise self._unreachable(where, why, what) from None
        except requests.exceptions.ReadTimeout:
            why = f"no answer within {self.timeout:g}s"
            raise self._unreachable(where, why, what) from None
        except requests.exceptions.ConnectionError as exc:
            if why := no_answer(exc):
                raise self._unreachable(where, why, what) from None
            reason = "connection refused" if "refused" in str(exc).lower() else type(exc).__name__
            if "timed out" in str(exc).lower():
                raise RegistryError(
                    f"{what}: {where} did not answer within {self.timeout:g}s", kind="timeout"
                ) from None
            raise RegistryError(
                f"{what}: cannot connect to {where} ({reason})", kind="connect"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise RegistryError(
                f"{what}: {type(exc).__name__} talking to {where}", kind="protocol"
            ) from None

    @staticmethod
    def _foreign_auth_error(status: int, host: str, url: str, what: str) -> RegistryError:
        """A host reached by a redirect from ``host`` asks for authentication: never answered
        with ``host``'s credentials."""
        return RegistryError(
            f"{what}: {host} redirected to {shown(url)}, which asks for authentication "
            f"(HTTP {status}); the credentials for {host} are not sent to another host",
            kind="auth",
            status=status,
        )

    @staticmethod
    def _host_port(host: str) -> tuple[str, int]:
        try:
            return split_host_port(host, 443)
        except ValueError:
            return host, 443

    @classmethod
    def _unreachable(cls, host: str, why: str, what: str) -> RegistryError:
        name, port = cls._host_port(host)
        return unreachable(  # type: ignore[return-value]
            name,
            port,
            why,
            what=f"{what}: cannot reach",
            cls=RegistryUnreachable,
        )

    def _status_error(
        self,
        status: int,
        host: str,
        repository: str | None,
        what: str,
        attempt: int,
        *,
        where: str = "",
    ) -> RegistryError:
        """The error for ``status`` from ``host`` (or from ``where``, a host a redirect from
        ``host`` led to, which got no credentials)."""
        if where:
            kind = "server" if status >= 500 or status == 429 else "http"
            return RegistryError(f"{what}: HTTP {status} from {where}", kind=kind, status=status)
        cred = self._credential(host, repository)
        if status == 401:
            return RegistryError(
                f"{what}: HTTP 401 Unauthorized from {host}: {self._describe_cred(cred)} "
                "were not accepted",
                kind="auth",
                status=status,
            )
        if status == 403:
            return RegistryError(
                f"{what}: HTTP 403 Forbidden from {host}: {self._describe_cred(cred)} "
                "may not pull this repository",
                kind="denied",
                status=status,
            )
        if status >= 500 or status == 429:
            tries = attempt + 1
            return RegistryError(
                f"{what}: HTTP {status} from {host} ({tries} tr{'y' if tries == 1 else 'ies'})",
                kind="server",
                status=status,
            )
        return RegistryError(f"{what}: HTTP {status} from {host}", kind="http", status=status)

    # ------------------------------------------------------------------ API

    def ping(self, host: str) -> Ping:
        """``GET /v2/`` with credentials; raises RegistryError on TLS, 401, 5xx, timeout."""
        resp = self.request("GET", host, "/v2/", what=f"GET https://{host}/v2/")
        try:
            if resp.status_code == 404:
                raise RegistryError(
                    f"GET https://{host}/v2/: HTTP 404: not a registry v2 API",
                    kind="http",
                    status=404,
                )
            scheme = (
                "bearer" if host in self._bearer_hosts else "basic" if host in self._basic else ""
            )
            cred = self._credential(host, None) if scheme else None
            return Ping(
                host,
                resp.status_code,
                scheme,
                cred.username if cred else None,
                resp.headers.get("Docker-Distribution-API-Version", ""),
            )
        finally:
            release(resp)

    def _as_ref(self, ref: ImageRef | str) -> ImageRef:
        if isinstance(ref, ImageRef):
            return ref
        try:
            return parse_reference(ref)
        except ImageRefError as exc:
            raise InputError(str(ref), str(exc)) from None

    def map(self, fn: Any, items: list[Any]) -> list[Any]:
        """Run ``fn`` over ``items`` on the client's bounded thread pool, results in order; at
        most MAP_WINDOW_PER_WORKER futures per worker exist at a time (``Executor.map`` would
        make one per item at once, a kilobyte or more each), so memory does not grow with
        ``items``. An exception of ``fn`` is raised once the ones before it are done."""
        if len(items) <= 1:
            return [fn(i) for i in items]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="registry")
        pool, window = self._pool, self.max_workers * MAP_WINDOW_PER_WORKER
        out: list[Any] = []
        pending: deque[Future[Any]] = deque()
        try:
            for item in items:
                if len(pending) >= window:
                    out.append(pending.popleft().result())
                pending.append(pool.submit(fn, item))
            while pending:
                out.append(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
        return out


def pinned_mirror(inv: Any) -> tuple[set[str], Callable[[str], str]] | None:
    """With ``mirror.resolve_via_site_dns``: the mirror's host name and a site-DNS resolver."""
    mirror = inv.mirror
    if not getattr(mirror, "resolve_via_site_dns", False) or not mirror.registry:
        return None
    host = mirror.registry.rsplit(":", 1)[0] if mirror.registry.count(":") == 1 else ""
    host = host or mirror.registry
    return {host}, site_dns_resolver(inv)


def client_for(site: Any, auths: Auths | None = None, *, name: str = "") -> RegistryClient:
    """The run's shared client for the inventory's mirror (one pool per process), memoised on
    the Site; a bad auth or CA file raises InputError (each check using it errors).

    With ``auths`` (and a ``name`` for them, e.g. "install-config pullSecret"): one shared client
    using those credentials and ``mirror.ca_file`` instead of ``mirror.auth_file``.
    """
    if auths is None:
        return site.memo("registry.client", lambda: RegistryClient.from_inventory(site.inv))
    return site.memo(
        f"registry.client:{name or auths.source}",
        lambda: RegistryClient(
            auths, ca_file=site.inv.mirror.ca_file, pinned=pinned_mirror(site.inv)
        ),
    )
