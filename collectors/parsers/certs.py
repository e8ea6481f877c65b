"""X.509 certificates found in text: PEM blocks and kubeconfig ``*-data:`` fields.

Only metadata leaves this module (subject, issuer, validity); never a certificate body.

>>> pem_certificates(b"no certificate here", "/etc/motd")
[]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from collectors.errors import InputError

if TYPE_CHECKING:
    from cryptography import x509

#: A block up to its END line, or to the end of the text when the END line is missing (then it
#: does not parse and is reported).
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.*?(?:-----END CERTIFICATE-----|\Z)", re.DOTALL)
_KUBECONFIG_DATA = re.compile(
    rb"(certificate-authority-data|client-certificate-data):\s*([A-Za-z0-9+/=]{40,})"
)


@dataclass(frozen=True)
class CertInfo:
    """Where a certificate was found and what it says about itself."""

    where: str
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    is_ca: bool

    def hours_left(self, now: datetime) -> float:
        """Hours until notAfter (negative once expired)."""
        return (self.not_after - now).total_seconds() / 3600


def _name(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        return f"CN={cns[0].value}"
    return name.rfc4514_string() or "(empty name)"


def cert_info(cert: x509.Certificate, where: str) -> CertInfo:
    """The metadata of one parsed certificate."""
    from cryptography import x509

    try:
        is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        is_ca = False
    return CertInfo(
        where=where,
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        is_ca=is_ca,
    )


def x509_certificates(data: bytes | str, where: str) -> list[x509.Certificate]:
    """Every PEM certificate block in ``data`` (a CA bundle), parsed.

    A block that does not parse raises :class:`InputError` naming ``where`` (not the block):

    >>> pem = "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"
    >>> x509_certificates(pem, "bundle")
    Traceback (most recent call last):
    collectors.errors.InputError: bundle: certificate #1 is not a valid X.509 PEM block
    """
    from cryptography import x509

    if isinstance(data, str):
        data = data.encode()
    found: list[x509.Certificate] = []
    for number, match in enumerate(_PEM.finditer(data), 1):
        try:
            found.append(x509.load_pem_x509_certificate(match.group(0)))
        except ValueError:
            raise InputError(
                where, f"certificate #{number} is not a valid X.509 PEM block"
            ) from None
    return found


def pem_certificates(data: bytes, where: str) -> list[CertInfo]:
    """Every PEM certificate in ``data``, plus those base64-embedded in kubeconfig fields.

    A block that does not parse raises :class:`InputError` naming ``where`` (not the block).
    """
    found = [cert_info(cert, where) for cert in x509_certificates(data, where)]
    for match in _KUBECONFIG_DATA.finditer(data):
        key = match.group(1).decode()
        try:
            inner = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(where, f"{key} is not valid base64") from None
        found += pem_certificates(inner, f"{where} ({key})")
    return found
