"""A hostile or misconfigured mirror must not get the client to hand its credentials elsewhere.

Real HTTP(S) servers on loopback (threads, ``http.server``; certificates from ``lab.registry``'s
CA helpers) record every request's headers: the mirror on 127.0.0.1, a second server (blob
storage) on 127.0.0.2, a token service on 127.0.0.3 (and 127.0.0.4 behind a redirect). The
credentials for the mirror may reach the mirror and the token realm the mirror itself names;
never a host a redirect leads to, never plain http. A manifest that does not hash to what it
should is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from collectors.images.pullsecret import Auths, Credential
from collectors.images.registry import RegistryClient, RegistryError
from lab.registry import make_ca, make_server_cert

USER, PASSWORD, TOKEN = "mirror-user", "s3cret-pw-9f1c", "tok-7d2e41"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, TOKEN, BASIC.split()[1])

#: (status, headers, body) for one request.
Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    """One request a server received."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Server:
    """A loopback server answering with ``route`` and recording what it was sent."""

    httpd: ThreadingHTTPServer
    scheme: str
    route: Callable[[Seen], Reply]
    seen: list[Seen] = field(default_factory=list)

    @property
    def netloc(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.netloc}{path}"

    def authorizations(self) -> list[str]:
        return [s.headers["authorization"] for s in self.seen if "authorization" in s.headers]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet; never log a header
        pass

    def _answer(self) -> None:
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        owner: Server = self.server.owner
        owner.seen.append(seen)
        status, headers, body = owner.route(seen)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = _answer


@dataclass
class Loopback:
    """Starts servers on 127.x addresses with certificates from one CA; stops them all."""

    folder: Path
    ca_key: Any
    ca_file: Path
    servers: list[Server] = field(default_factory=list)

    def start(self, ip: str, route: Callable[[Seen], Reply], *, tls: bool = True) -> Server:
        httpd = ThreadingHTTPServer((ip, 0), _Handler)
        httpd.daemon_threads = True
        if tls:
            httpd.socket = self._context(ip).wrap_socket(httpd.socket, server_side=True)
        server = Server(httpd, "https" if tls else "http", route)
        httpd.owner = server  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.servers.append(server)
        return server

    def _context(self, ip: str) -> ssl.SSLContext:
        ca_cert = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        key, cert = make_server_cert(self.ca_key, ca_cert, ip, [])
        pem = self.folder / f"{ip}.pem"
        pem.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pem)
        return ctx

    def stop(self) -> None:
        for server in self.servers:
            server.httpd.shutdown()
            server.httpd.server_close()


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Loopback]:
    key, cert = make_ca("hostile-registry test CA")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    loopback = Loopback(tmp_path, key, ca_file)
    try:
        yield loopback
    finally:
        loopback.stop()


def client_for_mirror(net: Loopback, mirror: Server) -> RegistryClient:
    """A client whose auth file has the mirror's credentials, trusting the test CA."""
    cred = Credential(mirror.netloc, USER, PASSWORD)
    return RegistryClient(
        Auths({mirror.netloc: cred}, "auth.json"), ca_file=net.ca_file, retries=0, timeout=10
    )


def refused(
    net: Loopback,
    mirror: Server,
    call: Callable[[RegistryClient], object],
    match: str | None = None,
) -> RegistryError:
    """The RegistryError ``call(client)`` raises, for a client of ``mirror``."""
    with client_for_mirror(net, mirror) as client, pytest.raises(RegistryError, match=match) as e:
        call(client)
    return e.value


def no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def manifest_bytes(layer: bytes = b"layer") -> bytes:
    digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "layers": [{"digest": digest, "size": len(layer)}],
        }
    ).encode()


def not_found(seen: Seen) -> Reply:
    return 404, {}, b""


def token_service(seen: Seen) -> Reply:
    """A token realm: a token for the mirror's user, 401 for anyone else."""
    if seen.headers.get("authorization") != BASIC:
        return 401, {"WWW-Authenticate": 'Basic realm="token"'}, b""
    return 200, {"Content-Type": "application/json"}, json.dumps({"token": TOKEN}).encode()


def test_redirect_target_bearer_challenge_gets_no_credentials(net: Loopback) -> None:
    """The mirror redirects (anonymously) to another host that challenges with a Bearer realm
    on a third: neither of them sees the mirror's user and password; the error names the host
    that asked. (Before: the mirror's credentials went to the third host's realm.)"""
    realm = net.start("127.0.0.3", token_service)
    storage = net.start(
        "127.0.0.2",
        lambda s: (401, {"WWW-Authenticate": f'Bearer realm="{realm.url("/token")}"'}, b""),
    )
    signed = storage.url("/blobs/m1?X-Signature=abcdef0123")
    mirror = net.start("127.0.0.1", lambda s: (307, {"Location": signed}, b""))
    error = refused(
        net, mirror, lambda client: client.get_manifest(f"{mirror.netloc}/ocp/release:4.16")
    )
    assert realm.seen == [] and storage.authorizations() == []
    message = str(error)
    assert storage.netloc in message and "asks for authentication" in message, message
    assert "X-Signature" not in message  # a signed URL's query is not shown
    no_secret(message + repr(error))


def test_redirect_target_basic_challenge_is_named_not_answered(net: Loopback) -> None:
    """The mirror wants Basic and redirects a blob to storage that wants Basic too: storage gets
    no Authorization, and the error names storage, not the mirror (before: "HTTP 401 from the
    mirror: user ... were not accepted")."""
    storage = net.start("127.0.0.2", lambda s: (401, {"WWW-Authenticate": "Basic"}, b""))

    def mirror_route(seen: Seen) -> Reply:
        if seen.headers.get("authorization") != BASIC:
            return 401, {"WWW-Authenticate": 'Basic realm="mirror"'}, b""
        return 307, {"Location": storage.url("/blobs/x")}, b""

    mirror = net.start("127.0.0.1", mirror_route)
    digest = "sha256:" + hashlib.sha256(b"layer").hexdigest()
    error = refused(
        net, mirror, lambda client: client.open_blob(f"{mirror.netloc}/ocp/release:4.16", digest)
    )
    assert mirror.authorizations() == [BASIC]  # the mirror's own credentials did go to it
    assert storage.authorizations() == [] and len(storage.seen) == 1
    message = str(error)
    assert f"redirected to https://{storage.netloc}/blobs/x" in message, message
    no_secret(message + repr(error))


def test_token_realm_redirect_target_gets_no_credentials(net: Loopback) -> None:
    """The realm the mirror names redirects to a fourth host that refuses: that host sees no
    credentials, and the error names it (before: "the token service refused user ...")."""
    elsewhere = net.start("127.0.0.4", lambda s: (401, {"WWW-Authenticate": "Basic"}, b""))
    realm = net.start("127.0.0.3", lambda s: (302, {"Location": elsewhere.url("/t")}, b""))
    challenge = f'Bearer realm="{realm.url("/token")}",service="mirror"'
    mirror = net.start("127.0.0.1", lambda s: (401, {"WWW-Authenticate": challenge}, b""))
    error = refused(net, mirror, lambda client: client.ping(mirror.netloc))
    assert realm.authorizations() == [BASIC]  # named by the mirror itself, over verified https
    assert elsewhere.authorizations() == [] and len(elsewhere.seen) == 1
    message = str(error)
    assert f"redirected to https://{elsewhere.netloc}/t" in message, message
    no_secret(message + repr(error))


def test_https_to_http_redirect_is_refused(net: Loopback) -> None:
    """A redirect from https to plain http on the same host is not followed; the error names
    both URLs."""
    plain = net.start("127.0.0.1", not_found, tls=False)
    target = plain.url("/v2/ocp/release/manifests/4.16")
    mirror = net.start("127.0.0.1", lambda s: (301, {"Location": target}, b""))
    error = refused(
        net, mirror, lambda client: client.get_manifest(f"{mirror.netloc}/ocp/release:4.16")
    )
    assert plain.seen == []
    message = str(error)
    assert mirror.url("/v2/ocp/release/manifests/4.16") in message and target in message, message
    no_secret(message)


def test_credentials_written_into_a_redirect_location_are_not_sent(net: Loopback) -> None:
    """A mirror redirects to a URL carrying ``user:password@``: the client follows it without
    turning them into a Basic Authorization header (requests' own preparation did), so a
    registry cannot make the client send credentials it chose. (Before: storage saw
    ``Basic`` of the URL's user and password.)"""
    storage = net.start("127.0.0.2", not_found)
    host, port = storage.netloc.split(":")
    target = f"https://planted:pw-from-url@{host}:{port}/blobs/m1"
    mirror = net.start("127.0.0.1", lambda s: (307, {"Location": target}, b""))
    with client_for_mirror(net, mirror) as client:
        assert client.has_manifest(f"{mirror.netloc}/ocp/release:4.16") is False
    assert len(storage.seen) == 1 and storage.authorizations() == []


def test_redirects_are_bounded(net: Loopback) -> None:
    """A mirror that redirects to itself without end: ten hops followed, then an error."""

    def loop(seen: Seen) -> Reply:
        return 302, {"Location": f"/v2/loop/{len(mirror.seen)}"}, b""

    mirror = net.start("127.0.0.1", loop)
    error = refused(
        net, mirror, lambda client: client.ping(mirror.netloc), match="more than 10 redirects"
    )
    assert len(mirror.seen) == 11 and mirror.netloc in str(error)


def _serving(body: bytes, headers: dict[str, str]) -> Callable[[Seen], Reply]:
    media = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    return lambda seen: (200, {**media, **headers}, body)


def test_tag_whose_bytes_do_not_match_its_digest_header_is_refused(net: Loopback) -> None:
    """Asked by tag, the bytes must hash to Docker-Content-Digest: a mismatch names the
    reference and the manifest is not used."""
    other = "sha256:" + hashlib.sha256(manifest_bytes(b"other")).hexdigest()
    mirror = net.start("127.0.0.1", _serving(manifest_bytes(), {"Docker-Content-Digest": other}))
    ref = f"{mirror.netloc}/ocp/release:4.16"
    error = refused(net, mirror, lambda client: client.image_manifest(ref))
    assert error.kind == "integrity"
    assert ref in str(error) and other in str(error), str(error)


def test_tag_whose_bytes_match_its_digest_header_is_used(net: Loopback) -> None:
    """The same with a header that matches (sha512 too): used, with that digest."""
    body = manifest_bytes()
    digest = "sha512:" + hashlib.sha512(body).hexdigest()
    mirror = net.start("127.0.0.1", _serving(body, {"Docker-Content-Digest": digest}))
    with client_for_mirror(net, mirror) as client:
        manifest = client.get_manifest(f"{mirror.netloc}/ocp/release:4.16")
    assert manifest is not None and manifest.digest == digest


@pytest.mark.parametrize(
    "algorithm, width",
    [("sha512", 128), ("sha384", 96)],
    ids=["sha512-mismatch", "unchecked-algorithm"],
)
def test_digest_that_cannot_be_confirmed_is_refused(
    net: Loopback, algorithm: str, width: int
) -> None:
    """Asked by a sha512 digest the bytes do not hash to, or by an algorithm we do not check:
    refused, naming the reference (before: only sha256 was checked, anything else used)."""
    mirror = net.start("127.0.0.1", _serving(manifest_bytes(), {}))
    ref = f"{mirror.netloc}/ocp/release@{algorithm}:{'0' * width}"
    error = refused(net, mirror, lambda client: client.get_manifest(ref))
    assert error.kind == "integrity" and ref in str(error), str(error)


def test_realm_named_by_the_registry_over_verified_https_gets_credentials(net: Loopback) -> None:
    """Not a regression: the realm the mirror's own https challenge names (on another host)
    gets the user and password, the mirror the token, and a blob redirected to storage arrives
    without either."""
    layer = b"layer"
    layer_digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    body = manifest_bytes(layer)
    realm = net.start("127.0.0.3", token_service)
    storage = net.start("127.0.0.2", lambda s: (200, {}, layer))
    challenge = f'Bearer realm="{realm.url("/token")}",service="mirror"'

    def mirror_route(seen: Seen) -> Reply:
        if seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"WWW-Authenticate": challenge}, b""
        if "/blobs/" in seen.path:
            return 307, {"Location": storage.url("/blobs/1?sig=x")}, b""
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        return _serving(body, {"Docker-Content-Digest": digest})(seen)

    mirror = net.start("127.0.0.1", mirror_route)
    ref = f"{mirror.netloc}/ocp/release:4.16"
    with client_for_mirror(net, mirror) as client:
        manifest = client.image_manifest(ref)
        with client.open_blob(ref, layer_digest) as blob:
            assert blob.read() == layer
    assert manifest is not None and manifest.layers[0]["digest"] == layer_digest
    assert BASIC in realm.authorizations()
    assert set(mirror.authorizations()) == {f"Bearer {TOKEN}"}
    assert storage.authorizations() == [] and len(storage.seen) == 1


def test_plain_http_realm_gets_nothing(net: Loopback) -> None:
    """Not a regression: a realm on plain http is refused before anything is sent to it."""
    realm = net.start("127.0.0.3", token_service, tls=False)
    challenge = f'Bearer realm="{realm.url("/token")}",service="mirror"'
    mirror = net.start("127.0.0.1", lambda s: (401, {"WWW-Authenticate": challenge}, b""))
    error = refused(
        net, mirror, lambda client: client.ping(mirror.netloc), match="which is not HTTPS"
    )
    assert realm.seen == []
    no_secret(str(error))
