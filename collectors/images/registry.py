"""A Docker Registry HTTP API v2 client: TLS with a given CA or the system store, credentials
from an auth.json / pull secret, Basic and Bearer challenges, manifests of every common media
type, blobs verified against their digest, one keep-alive connection pool, bounded
concurrency, a timeout on every call and retries (with backoff) only on 5xx and 429.

The API the checks (and other helpers) use::

    client = client_for(site)                        # the run's shared client (memoised on the Site)
    client = RegistryClient.from_inventory(inv)      # or a new one: mirror.auth_file + mirror.ca_file
    client.ping("mirror:5000")                       # GET /v2/ -> Ping (raises FactError)
    client.has_manifest("mirror:5000/ocp4/openshift4@sha256:...")   # True/False, or FactError
    client.has_manifests(refs)                       # {ref: True | False | FactError}, in parallel
    client.image_manifest(ref)                       # the single-image manifest (index followed)
    client.read_file(ref, "release-manifests/image-references")     # bytes from the layers

Where a reference is pulled from under mirror rules: ``collectors.images.mirrors.map_reference(ref,
rules)`` with rules from ``rules_from_install_config(doc)`` or ``rules_from_resource(icsp_or_idms)``.

Every failure other than "not there" (404) raises :class:`RegistryError` (a FactError) whose
message names the reference and the registry's answer, never a password or token.

>>> parse_challenge('Bearer realm="https://a/token",service="reg",scope="repository:x:pull"')
('bearer', {'realm': 'https://a/token', 'service': 'reg', 'scope': 'repository:x:pull'})
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import ssl
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from collectors import settings
from collectors.errors import FactError, InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference
from collectors.images.layers import LayerError, find_in_tar
from collectors.images.pullsecret import Auths, Credential, load_auths

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_TYPES = (DOCKER_LIST, OCI_INDEX)
IMAGE_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))

#: Largest manifest read (a manifest is a few kB; a list of hundreds stays far below this).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


class RegistryError(FactError):
    """The registry could not answer: TLS, connection, timeout, 401/403, 5xx, garbage.

    ``status`` is the HTTP status when there was one; ``kind`` one of ``tls``, ``connect``,
    ``timeout``, ``auth``, ``denied``, ``server``, ``protocol``, ``integrity``, ``http``.
    """

    def __init__(self, message: str, *, kind: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class Ping:
    """The answer to ``GET /v2/`` after authenticating: status, auth scheme and who we were."""

    host: str
    status: int
    scheme: str = ""
    username: str | None = None
    api_version: str = ""


@dataclass(frozen=True)
class Manifest:
    """A manifest as served: media type, digest (verified when asked by digest), parsed JSON."""

    ref: ImageRef
    media_type: str
    digest: str
    data: dict[str, Any] = field(repr=False)

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES or "manifests" in self.data

    @property
    def layers(self) -> list[dict[str, Any]]:
        return list(self.data.get("layers") or [])


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


def _tls_reason(exc: BaseException) -> str:
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


def _sha256_ok(digest: str, body: bytes) -> bool:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256":
        return True  # other algorithms are not checked (none is in use on these registries)
    return hashlib.sha256(body).hexdigest() == hexpart


class RegistryClient:
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
    ) -> None:
        self.auths = auths or Auths({}, "no auth file")
        self.ca_file = str(ca_file) if ca_file else None
        self.verify: str | bool = self.ca_file or system_ca()
        self.timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT
        self.retries = retries if retries is not None else settings.HTTP_RETRIES
        self.backoff = backoff if backoff is not None else settings.HTTP_BACKOFF
        self.max_workers = max(1, max_workers or settings.MAX_CONCURRENCY)
        self.session = requests.Session()
        self.session.trust_env = False  # no REQUESTS_CA_BUNDLE, no .netrc replacing our auth
        adapter = HTTPAdapter(
            pool_connections=8, pool_maxsize=self.max_workers, pool_block=True, max_retries=0
        )
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
        return cls(auths, ca_file=mirror.ca_file)

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.session.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
                f"{what}: {host} names the token service {realm}, which is not HTTPS: refusing to send "
                f"{who} over it (configure the registry's auth.token.realm as an https:// URL)",
                kind="auth",
            )
        query = {"service": params.get("service", "")}
        if scope:
            query["scope"] = scope
        elif params.get("scope"):
            query["scope"] = params["scope"]
        auth = (cred.username, cred.password) if cred else None
        try:
            resp = self.session.get(
                params["realm"], params=query, auth=auth, timeout=self.timeout, verify=self.verify
            )
        except requests.exceptions.SSLError as exc:
            raise RegistryError(
                f"{what}: TLS to the token service {params['realm']} failed: {_tls_reason(exc)}",
                kind="tls",
            ) from None
        except requests.exceptions.RequestException as exc:
            raise RegistryError(
                f"{what}: token service {params['realm']} unreachable: {type(exc).__name__}",
                kind="connect",
            ) from None
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
            body = resp.json()
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise RegistryError(
                f"{what}: token service {params['realm']} gave no token", kind="auth"
            )
        with self._lock:
            self._tokens[(host, scope)] = _Redacted(f"Bearer {token}")
            self._bearer_hosts[host] = params
        del token

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
        """One API call with auth, retries on 5xx/429 and a timeout; returns a response whose
        status is in ``ok`` (or 404), else raises RegistryError naming ``what``."""
        what = what or f"{method} https://{host}{path}"
        scope = f"repository:{repository}:pull" if repository else ""
        url = f"https://{host}{path}"
        authed = False
        attempt = 0
        while True:
            hdrs = dict(headers or {})
            auth = self._auth_header(host, scope)
            if auth:
                hdrs["Authorization"] = auth
            try:
                resp = self.session.request(
                    method,
                    url,
                    headers=hdrs,
                    timeout=self.timeout,
                    verify=self.verify,
                    stream=stream,
                    allow_redirects=True,
                )
            except requests.exceptions.SSLError as exc:
                trust = f"CA file {self.ca_file}" if self.ca_file else "the system trust store"
                raise RegistryError(
                    f"{what}: TLS to {host} failed ({_tls_reason(exc)}); verified against {trust}",
                    kind="tls",
                ) from None
            except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
                raise RegistryError(
                    f"{what}: {host} did not answer within {self.timeout:g}s", kind="timeout"
                ) from None
            except requests.exceptions.ConnectionError as exc:
                reason = (
                    "connection refused" if "refused" in str(exc).lower() else type(exc).__name__
                )
                if "timed out" in str(exc).lower():
                    raise RegistryError(
                        f"{what}: {host} did not answer within {self.timeout:g}s", kind="timeout"
                    ) from None
                raise RegistryError(
                    f"{what}: cannot connect to {host} ({reason})", kind="connect"
                ) from None
            except requests.exceptions.RequestException as exc:
                raise RegistryError(
                    f"{what}: {type(exc).__name__} talking to {host}", kind="protocol"
                ) from None
            status = resp.status_code
            if status == 401 and not authed and resp.headers.get("WWW-Authenticate"):
                challenge = resp.headers["WWW-Authenticate"]
                resp.close()
                self._authenticate(host, repository, scope, challenge, what)
                authed = True
                continue
            if (status >= 500 or status == 429) and attempt < self.retries:
                delay = self.backoff * (2**attempt)
                retry_after = resp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = min(float(retry_after), self.backoff * 4 * (2**attempt))
                resp.close()
                attempt += 1
                time.sleep(delay)
                continue
            if status in ok or status == 404:
                return resp
            resp.close()
            raise self._status_error(status, host, repository, what, attempt)

    def _status_error(
        self, status: int, host: str, repository: str | None, what: str, attempt: int
    ) -> RegistryError:
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
            resp.close()

    def _as_ref(self, ref: ImageRef | str) -> ImageRef:
        if isinstance(ref, ImageRef):
            return ref
        try:
            return parse_reference(ref)
        except ImageRefError as exc:
            raise InputError(str(ref), str(exc)) from None

    def head_manifest(self, ref: ImageRef | str) -> tuple[str, str] | None:
        """(media type, digest) of the manifest, or None when the registry says 404."""
        ref = self._as_ref(ref)
        resp = self.request(
            "HEAD",
            ref.api_host,
            f"/v2/{ref.repository}/manifests/{ref.reference}",
            repository=ref.repository,
            what=str(ref),
            headers={"Accept": ACCEPT},
        )
        resp.close()
        if resp.status_code == 404:
            return None
        return resp.headers.get("Content-Type", ""), resp.headers.get(
            "Docker-Content-Digest", ref.digest or ""
        )

    def has_manifest(self, ref: ImageRef | str) -> bool:
        """Whether the registry has the manifest; raises RegistryError when it cannot tell."""
        return self.head_manifest(ref) is not None

    def has_manifests(self, refs: Iterable[ImageRef | str]) -> dict[ImageRef, bool | FactError]:
        """``has_manifest`` for many references at once, at most ``max_workers`` in flight."""
        parsed = list(dict.fromkeys(self._as_ref(r) for r in refs))

        def one(r: ImageRef) -> bool | FactError:
            try:
                return self.has_manifest(r)
            except FactError as exc:
                return exc

        return dict(zip(parsed, self.map(one, parsed), strict=True))

    def map(self, fn: Any, items: list[Any]) -> list[Any]:
        """Run ``fn`` over ``items`` on the client's bounded thread pool, results in order."""
        if len(items) <= 1:
            return [fn(i) for i in items]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="registry")
        return list(self._pool.map(fn, items))

    def get_manifest(self, ref: ImageRef | str) -> Manifest | None:
        """The manifest (any media type), parsed; None on 404. A manifest asked for by digest
        must hash to it."""
        ref = self._as_ref(ref)
        resp = self.request(
            "GET",
            ref.api_host,
            f"/v2/{ref.repository}/manifests/{ref.reference}",
            repository=ref.repository,
            what=str(ref),
            headers={"Accept": ACCEPT},
            stream=True,
        )
        try:
            if resp.status_code == 404:
                return None
            body = _read_limited(resp, MAX_MANIFEST_BYTES, str(ref))
        finally:
            resp.close()
        media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if ref.digest and not _sha256_ok(ref.digest, body):
            raise RegistryError(
                f"{ref}: the manifest served does not hash to {ref.digest} (got {digest})",
                kind="integrity",
            )
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise RegistryError(
                f"{ref}: the manifest is not JSON (Content-Type {media or 'none'}, "
                f"{len(body)} bytes)",
                kind="protocol",
            ) from None
        if not isinstance(data, dict):
            raise RegistryError(f"{ref}: the manifest is JSON but not an object", kind="protocol")
        media = data.get("mediaType") or media
        if data.get("schemaVersion") == 1:
            raise RegistryError(
                f"{ref}: schema 1 manifest (unsupported; re-push it as schema 2)", kind="protocol"
            )
        return Manifest(
            ref, media, ref.digest or resp.headers.get("Docker-Content-Digest") or digest, data
        )

    def image_manifest(
        self, ref: ImageRef | str, platform: tuple[str, str] = ("linux", "amd64")
    ) -> Manifest | None:
        """The single-image manifest for ``ref``, following a manifest list / index to the entry
        for ``platform`` (else its first entry). None when ``ref`` itself is missing."""
        ref = self._as_ref(ref)
        manifest = self.get_manifest(ref)
        if manifest is None or not manifest.is_index:
            return manifest
        entries = manifest.data.get("manifests") or []
        if not entries:
            raise RegistryError(f"{ref}: the manifest list is empty", kind="protocol")
        pick = next(
            (
                m
                for m in entries
                if (m.get("platform") or {}).get("os") == platform[0]
                and (m.get("platform") or {}).get("architecture") == platform[1]
            ),
            entries[0],
        )
        child = ref.with_digest(str(pick.get("digest", "")))
        inner = self.get_manifest(child)
        if inner is None:
            raise RegistryError(
                f"{ref}: its manifest list names {child.digest}, which the registry lacks",
                kind="protocol",
            )
        return inner

    def open_blob(
        self,
        ref: ImageRef | str,
        digest: str,
        *,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> IO[bytes]:
        """Download a blob into a temporary file, verifying its digest; returns the file at 0.

        The whole download must finish within ``deadline`` seconds (settings.HTTP_TOTAL_TIMEOUT)
        and stay under ``max_bytes`` (settings.BLOB_MAX_BYTES): each read returns what has arrived,
        so a server dripping bytes is cut off too.
        """
        ref = self._as_ref(ref)
        limit = max_bytes if max_bytes is not None else settings.BLOB_MAX_BYTES
        budget = deadline if deadline is not None else settings.HTTP_TOTAL_TIMEOUT
        what = f"{ref.name}@{digest} (blob)"
        started = time.monotonic()
        resp = self.request(
            "GET",
            ref.api_host,
            f"/v2/{ref.repository}/blobs/{digest}",
            repository=ref.repository,
            what=what,
            stream=True,
        )
        out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - returned
        try:
            if resp.status_code == 404:
                raise RegistryError(
                    f"{what}: HTTP 404 (the manifest names a blob the registry lacks)",
                    kind="http",
                    status=404,
                )
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise RegistryError(
                    f"{what}: {declared} bytes, larger than the {limit} allowed "
                    "(UPI_BLOB_MAX_BYTES)",
                    kind="protocol",
                )
            hasher = hashlib.sha256()
            total = 0
            try:
                while True:
                    if time.monotonic() - started > budget:
                        raise RegistryError(
                            f"{what}: download not finished within {budget:g}s after {total} "
                            "bytes (UPI_HTTP_TOTAL_TIMEOUT)",
                            kind="timeout",
                        )
                    chunk = resp.raw.read1(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        raise RegistryError(
                            f"{what}: larger than the {limit} bytes allowed (UPI_BLOB_MAX_BYTES)",
                            kind="protocol",
                        )
                    hasher.update(chunk)
                    out.write(chunk)
            except (
                requests.exceptions.RequestException,
                urllib3.exceptions.HTTPError,
                OSError,
            ) as exc:
                raise RegistryError(
                    f"{what}: download broke off ({type(exc).__name__})", kind="timeout"
                ) from None
        except BaseException:
            out.close()
            raise
        finally:
            resp.close()
        got = "sha256:" + hasher.hexdigest()
        if digest.startswith("sha256:") and got != digest:
            out.close()
            raise RegistryError(
                f"{what}: content hashes to {got}, not to its digest", kind="integrity"
            )
        out.seek(0)
        return out

    def read_file(self, ref: ImageRef | str, path: str) -> bytes | None:
        """A file's bytes from the image's layers (top layer first), or None if no layer has it.

        Layers must be tar archives, gzip-compressed or not; anything else raises RegistryError.
        """
        ref = self._as_ref(ref)
        manifest = self.image_manifest(ref)
        if manifest is None:
            return None
        wanted = path.strip("/")
        layers = manifest.layers
        if not layers:
            raise RegistryError(f"{ref}: the manifest has no layers", kind="protocol")
        for layer in reversed(layers):
            digest = str(layer.get("digest", ""))
            with self.open_blob(ref, digest) as blob:
                try:
                    found = find_in_tar(blob, wanted, f"{ref.name}@{digest} (layer of {ref})")
                except LayerError as exc:
                    raise RegistryError(str(exc), kind="protocol") from None
            if found is not None:
                return found
        return None


def _read_limited(resp: requests.Response, limit: int, what: str) -> bytes:
    buf = io.BytesIO()
    try:
        for chunk in resp.iter_content(65536):
            buf.write(chunk)
            if buf.tell() > limit:
                raise RegistryError(f"{what}: manifest larger than {limit} bytes", kind="protocol")
    except requests.exceptions.RequestException as exc:
        raise RegistryError(
            f"{what}: reading the manifest broke off ({type(exc).__name__})", kind="timeout"
        ) from None
    return buf.getvalue()


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
        lambda: RegistryClient(auths, ca_file=site.inv.mirror.ca_file),
    )
