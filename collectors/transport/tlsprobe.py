"""Does a given CA bundle verify a server's TLS certificate? One handshake, with a timeout.

>>> verify_tls("127.0.0.1", 1, "", timeout=0.5).reachable
False

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collectors import settings
from collectors.errors import FactError, InputError, Unreachable
from collectors.parsers.certs import x509_certificates
from collectors.transport.reach import connect, no_answer, unreachable

if TYPE_CHECKING:
    from cryptography import x509


@dataclass(frozen=True)
class TlsResult:
    """``verified``: the bundle verifies the chain and the name; else ``error`` says why."""

    host: str
    port: int
    reachable: bool
    verified: bool
    error: str = ""
    issuer: str = ""
    #: Why no answer came at all from here (no route, timeout, TLS never started), else "".
    no_answer: str = ""

    def answered(self) -> TlsResult:
        """This result when the server answered (a handshake, an alert, a refusal); else
        Unreachable naming ``host:port``."""
        if self.no_answer:
            raise unreachable(self.host, self.port, self.no_answer)
        return self


def _peer_issuer(host: str, port: int, timeout: float) -> str:
    from cryptography import x509

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with (
            connect(host, port, timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
        return x509.load_der_x509_certificate(der).issuer.rfc4514_string() if der else ""
    except (OSError, ValueError, FactError):
        return ""


def verify_tls(
    host: str,
    port: int,
    bundle: str | None,
    *,
    timeout: float | None = None,
    connect_to: str | None = None,
    check_hostname: bool = True,
) -> TlsResult:
    """Handshake with ``host:port`` trusting only ``bundle`` (PEM), or the system store if None;
    ``connect_to`` is the address to dial (the name still goes in SNI and is verified unless
    ``check_hostname`` is False: then only the chain is).

    A corrupt block in ``bundle`` raises InputError (it is reported, never skipped)."""
    timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT
    ctx = ssl.create_default_context()
    if bundle is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if x509_certificates(bundle, "the CA bundle"):
            ctx.load_verify_locations(cadata=bundle)
    ctx.check_hostname = check_hostname
    try:
        with (
            connect(connect_to or host, port, timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host.strip("[]")),
        ):
            return TlsResult(host, port, True, True)
    except Unreachable as exc:
        return TlsResult(host, port, False, False, exc.reason, no_answer=exc.reason)
    except ssl.SSLCertVerificationError as exc:
        return TlsResult(
            host,
            port,
            True,
            False,
            exc.verify_message or str(exc),
            _peer_issuer(connect_to or host, port, timeout),
        )
    except ssl.SSLError as exc:
        return TlsResult(host, port, True, False, f"TLS handshake failed: {exc.reason or exc}")
    except TimeoutError:
        why = f"no answer within {timeout:g}s (TLS never started)"
        return TlsResult(host, port, False, False, why, no_answer=why)
    except OSError as exc:
        why = no_answer(exc) or ""
        return TlsResult(
            host, port, False, False, exc.strerror or type(exc).__name__, no_answer=why
        )


@dataclass(frozen=True)
class ServedChain:
    """The certificates a server sent in one handshake, leaf first; ``how`` says how they were
    read (the whole chain, or the leaf alone where this Python cannot give the chain)."""

    host: str
    port: int
    certificates: tuple[x509.Certificate, ...]
    how: str


def _chain_ders(tls: ssl.SSLSocket) -> tuple[list[bytes], str]:
    """DER of every certificate the peer sent: ``get_unverified_chain`` (public from 3.13; the
    same method on the C object since 3.10), else the leaf alone."""
    for owner in (tls, getattr(tls, "_sslobj", None)):
        getter = getattr(owner, "get_unverified_chain", None)
        if getter is not None:
            chain = getter() or []
            return [
                c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
                for c in chain
            ], "the chain the server sent"
    der = tls.getpeercert(binary_form=True)
    return ([der] if der else []), "the leaf only (this Python cannot read the served chain)"


def served_chain(
    host: str, port: int, *, timeout: float | None = None, connect_to: str | None = None
) -> ServedChain:
    """Handshake with ``host:port`` (SNI ``host``) without verifying, and return what it sent.

    FactError when it cannot be reached or the handshake fails; InputError when a certificate
    it sent does not parse.
    """
    from cryptography import x509

    timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    where = f"{host}:{port}"
    try:
        with (
            connect(connect_to or host, port, timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host.strip("[]")) as tls,
        ):
            ders, how = _chain_ders(tls)
    except Unreachable as exc:
        raise unreachable(host, port, exc.reason) from None
    except ssl.SSLError as exc:
        raise FactError(f"{where}: TLS handshake failed: {exc.reason or exc}") from None
    except TimeoutError:
        why = f"no answer within {timeout:g}s (TLS never started)"
        raise unreachable(host, port, why) from None
    except OSError as exc:
        why = no_answer(exc)
        if why:
            raise unreachable(host, port, why) from None
        raise FactError(f"{where}: cannot connect ({exc.strerror or type(exc).__name__})") from None
    if not ders:
        raise FactError(f"{where}: the server sent no certificate")
    certs = []
    for i, der in enumerate(ders):
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except ValueError as exc:
            raise InputError(where, f"certificate {i} it sent does not parse: {exc}") from None
    return ServedChain(host, port, tuple(certs), how)
