"""Hostile HTTP servers on loopback: bodies that never end or drip, against every body the suite
reads (the registry ping, manifests, token replies, the bastion's web root). Each reader runs in
a child under a 1 GiB address-space limit and a wall-clock limit, with the default caps."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collectors.images.registry import RegistryClient, RegistryError
from lab import Lab
from lab.core import start_alone
from lab.registry import write_proxy_rules
from tests.hostile import bounded

pytestmark = pytest.mark.lab  # starts the lab's servers


class _Endless(BaseHTTPRequestHandler):
    """200 with a body that never ends (``/endless``) or drips a byte a second (``/drip``)."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        try:
            while True:
                if self.path == "/drip":
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.5)
                else:
                    self.wfile.write(b"\0" * 65536)
        except OSError:
            return

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endless_http() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_alone(
        Lab(tmp_path_factory.mktemp("hostile-http"), "mirror-faults", max_seconds=900)
    )
    yield lab
    lab.stop()


BASTION_GET = """
import json, sys
from collectors.install.bastion import http_get
answer = http_get(sys.argv[1] if len(sys.argv) > 1 else {url!r}, digest=True)
print(json.dumps({{"status": answer.status, "error": answer.error, "sha": answer.sha256}}))
"""


def test_bastion_endless_body_stops_at_the_cap(endless_http: str) -> None:
    """The default cap (UPI_HTTP_MAX_BYTES) ends an endless body; memory stays under 1 GiB."""
    run = bounded(BASTION_GET.format(url=endless_http + "/endless"), seconds=60)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["sha"] is None and "larger than" in answer["error"], answer


def test_bastion_dripping_body_stops_at_the_deadline(endless_http: str) -> None:
    run = bounded(
        BASTION_GET.format(url=endless_http + "/drip"),
        seconds=30,
        env={"UPI_HTTP_TOTAL_TIMEOUT": "2", "UPI_HTTP_TIMEOUT": "2"},
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert "not read within 2s" in answer["error"], answer


REGISTRY_CALL = """
import json
from collectors.images.registry import RegistryClient, RegistryError
from collectors.inventory import load_inventory

inv = load_inventory({inventory!r})
with RegistryClient.from_inventory(inv) as client:
    try:
        result = repr({call})
    except RegistryError as exc:
        result = "RegistryError: " + str(exc)
print(json.dumps(result))
"""


def _registry(faults: Lab, call: str, seconds: float = 60, **env: str) -> str:
    run = bounded(
        REGISTRY_CALL.format(inventory=str(faults.inventory_path), call=call),
        seconds=seconds,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_registry_ping_never_reads_an_endless_body(faults: Lab) -> None:
    """GET /v2/ answered with a body that never ends: the ping needs only the status."""
    host = faults.inventory["mirror"]["registry"]
    write_proxy_rules(faults, rules=[{"path": "^/v2/$", "endless": True}])
    try:
        started = time.monotonic()
        result = _registry(faults, f"client.ping({host!r}).status")
        took = time.monotonic() - started
    finally:
        write_proxy_rules(faults)
    assert result == "200", result
    assert took < 30, took


def test_registry_manifest_endless_body_is_cut_at_the_cap(faults: Lab) -> None:
    release = faults.inventory["mirror"]["release_image"]
    write_proxy_rules(faults, rules=[{"path": "/manifests/", "endless": True}])
    try:
        result = _registry(faults, f"client.get_manifest({release!r})")
    finally:
        write_proxy_rules(faults)
    assert result.startswith("RegistryError") and "larger than" in result, result
    assert release.split("/")[0] in result or "manifest" in result, result


def test_registry_manifest_drip_is_cut_at_the_deadline(faults: Lab) -> None:
    release = faults.inventory["mirror"]["release_image"]
    write_proxy_rules(faults, rules=[{"path": "/manifests/", "drip": [1, 0.3]}])
    try:
        started = time.monotonic()
        result = _registry(faults, f"client.get_manifest({release!r})", UPI_HTTP_TOTAL_TIMEOUT="2")
        took = time.monotonic() - started
    finally:
        write_proxy_rules(faults)
    assert result.startswith("RegistryError") and "still arriving after 2s" in result, result
    assert took < 20, took


class _EndlessRaw:
    """A token reply's raw stream that never ends (the token service is the lab's own, TLS)."""

    def __init__(self) -> None:
        self.read = 0

    def read1(self, n: int = -1, decode_content: bool = True) -> bytes:
        self.read += 65536
        return b" " * 65536


class _Reply:
    status_code = 200
    headers: dict[str, str] = {}

    def __init__(self) -> None:
        self.raw = _EndlessRaw()
        self.closed = False

    def close(self) -> None:
        self.closed = True


class _Session:
    def __init__(self) -> None:
        self.reply = _Reply()
        self.kwargs: dict[str, object] = {}

    def get(self, url: str, **kwargs: object) -> _Reply:
        self.kwargs = kwargs
        return self.reply


def test_token_reply_is_streamed_and_capped() -> None:
    """A token service that answers without end: refused at UPI_HTTP_SMALL_BODY_BYTES, the
    reply closed, the request made with stream=True (so requests never buffers it whole)."""
    client = RegistryClient()
    session = _Session()
    client.session = session  # type: ignore[assignment]
    challenge = 'Bearer realm="https://127.0.0.1:1/token",service="registry"'
    with pytest.raises(RegistryError, match="larger than 1048576 bytes"):
        client._authenticate("127.0.0.1:5000", None, "", challenge, "GET /v2/")
    assert session.kwargs.get("stream") is True and session.reply.closed
    assert session.reply.raw.read <= 2 * 1024 * 1024


def test_bounded_child_really_has_the_memory_limit() -> None:
    """The harness itself: a child that allocates 2 GiB fails instead of succeeding."""
    run = bounded("b = bytearray(2 * 1024**3)", seconds=30)
    assert run.returncode != 0 and "MemoryError" in run.stderr
