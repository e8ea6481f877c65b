"""The registry client's adapter (``collectors.images.registry.adapter``) remembers its pools
and keeps no cookies, without changing what is sent or checked: a pool the pool manager closed
is asked for again, a missing CA path is still an error, no cookie is extracted."""

from __future__ import annotations

from typing import Any

import pytest
from requests.models import PreparedRequest
from urllib3 import HTTPResponse

from collectors.images.registry.adapter import MAX_REMEMBERED_POOLS, LeanAdapter


def prepared(url: str) -> PreparedRequest:
    request = PreparedRequest()
    request.prepare(method="HEAD", url=url)
    return request


def test_a_closed_pool_is_not_used_again() -> None:
    """A pool the pool manager closed and let go (urllib3 1.x does so with the pools it evicts)
    is not handed out again: the next request to that host gets the manager's new pool."""
    adapter = LeanAdapter()
    first = adapter.get_connection_with_tls_context(prepared("https://a.example/v2/"), True)
    first.close()
    adapter.poolmanager.clear()
    again = adapter.get_connection_with_tls_context(prepared("https://a.example/v2/"), True)
    assert again is not first and again.pool is not None and again.host == "a.example"
    assert adapter.get_connection_with_tls_context(prepared("https://a.example/x"), True) is again


def test_pools_are_told_apart_by_scheme_host_and_trust() -> None:
    adapter = LeanAdapter()
    get = adapter.get_connection_with_tls_context
    base = get(prepared("https://m.example:5000/v2/"), True)
    assert get(prepared("https://M.example:5000/v2/x"), True) is base  # same origin
    assert get(prepared("https://m.example:5001/v2/"), True) is not base
    assert get(prepared("http://m.example:5000/v2/"), True) is not base
    assert get(prepared("https://m.example:5000/v2/"), False) is not base


def test_the_remembered_pools_are_bounded() -> None:
    adapter = LeanAdapter(pool_connections=MAX_REMEMBERED_POOLS * 2)
    for k in range(MAX_REMEMBERED_POOLS * 3):
        adapter.get_connection_with_tls_context(prepared(f"https://h{k}.example/"), True)
    assert 0 < len(adapter._pools) <= MAX_REMEMBERED_POOLS


def test_a_missing_ca_path_is_still_an_error(tmp_path: Any) -> None:
    adapter = LeanAdapter()
    request = prepared("https://m.example/v2/")
    missing = str(tmp_path / "no-ca.crt")
    pool = adapter.get_connection_with_tls_context(request, True)
    with pytest.raises(OSError, match="invalid path"):
        adapter.cert_verify(pool, str(request.url), missing, None)
    with pytest.raises(OSError, match="invalid path"):  # not remembered as checked
        adapter.cert_verify(pool, str(request.url), missing, None)


def test_a_response_is_built_without_cookie_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """The response carries what the client reads (status, reason, headers, URL) and is built
    without requests' cookie extraction, which would fail here (it runs in requests' own
    ``build_response``)."""
    import requests.adapters

    def no_cookies(*args: Any) -> None:
        raise AssertionError("cookies extracted")

    monkeypatch.setattr(requests.adapters, "extract_cookies_to_jar", no_cookies)
    raw = HTTPResponse(
        body=b"",
        headers={"Set-Cookie": "session=planted; Path=/", "Content-Type": "text/plain"},
        status=200,
        reason="OK",
        preload_content=False,
    )
    response = LeanAdapter().build_response(prepared("https://m.example/v2/"), raw)
    assert response.status_code == 200 and response.reason == "OK"
    assert response.headers["content-type"] == "text/plain"
    assert len(response.cookies) == 0 and response.url == "https://m.example/v2/"
