"""Does a given CA bundle verify a server's TLS certificate? One handshake, with a timeout.

>>> verify_tls("127.0.0.1", 1, "", timeout=0.5).reachable
False
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from cryptography import x509

from collectors import settings
from collectors.parsers.certs import x509_certificates


@dataclass(frozen=True)
class TlsResult:
    """``verified``: the bundle verifies the chain and the name; else ``error`` says why."""

    host: str
    port: int
    reachable: bool
    verified: bool
    error: str = ""
    issuer: str = ""


def _peer_issuer(host: str, port: int, timeout: float) -> str:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
        return x509.load_der_x509_certificate(der).issuer.rfc4514_string() if der else ""
    except (OSError, ValueError):
        return ""


def verify_tls(
    host: str, port: int, bundle: str | None, *, timeout: float | None = None
) -> TlsResult:
    """Handshake with ``host:port`` trusting only ``bundle`` (PEM), or the system store if None.

    A corrupt block in ``bundle`` raises InputError (it is reported, never skipped)."""
    timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT
    ctx = ssl.create_default_context()
    if bundle is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if x509_certificates(bundle, "the CA bundle"):
            ctx.load_verify_locations(cadata=bundle)
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host.strip("[]")),
        ):
            return TlsResult(host, port, True, True)
    except ssl.SSLCertVerificationError as exc:
        return TlsResult(
            host,
            port,
            True,
            False,
            exc.verify_message or str(exc),
            _peer_issuer(host, port, timeout),
        )
    except ssl.SSLError as exc:
        return TlsResult(host, port, True, False, f"TLS handshake failed: {exc.reason or exc}")
    except TimeoutError:
        return TlsResult(host, port, False, False, f"no answer within {timeout:g}s")
    except OSError as exc:
        return TlsResult(host, port, False, False, exc.strerror or type(exc).__name__)
