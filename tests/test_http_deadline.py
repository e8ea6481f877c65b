"""http_get against tiny loopback servers: a slow-drip body ends at HTTP_TOTAL_TIMEOUT, a huge
body at HTTP_MAX_BYTES; neither hangs the run."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from collectors import settings
from collectors.install.bastion import http_get


def _serve(body_writer) -> Iterator[str]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    body_writer(conn, stop)
                except OSError:
                    pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/master.ign"
    stop.set()
    srv.close()
    t.join(5)


@pytest.fixture
def drip() -> Iterator[str]:
    def write(conn: socket.socket, stop: threading.Event) -> None:
        while (
            not stop.is_set()
        ):  # one byte every 50 ms, forever: each read is quick, the whole never ends
            conn.sendall(b"x")
            time.sleep(0.05)

    yield from _serve(write)


@pytest.fixture
def flood() -> Iterator[str]:
    def write(conn: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            conn.sendall(b"y" * 65536)

    yield from _serve(write)


def test_slow_drip_ends_at_the_total_deadline(drip: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "HTTP_TOTAL_TIMEOUT", 1.0)
    t0 = time.monotonic()
    answer = http_get(drip, digest=True)
    assert time.monotonic() - t0 < 5
    assert answer.status == 200 and answer.sha256 is None
    assert answer.error.startswith("body not read within 1s")


def test_endless_body_is_capped(flood: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "HTTP_MAX_BYTES", 1 << 20)
    answer = http_get(flood, digest=True)
    assert (
        answer.sha256 is None
        and answer.error == f"body larger than {1 << 20} bytes; not read further"
    )


def test_total_timeout_setting_exists() -> None:
    assert settings.HTTP_TOTAL_TIMEOUT > settings.HTTP_TIMEOUT
