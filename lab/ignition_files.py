"""Ignition configs as ``openshift-install create ignition-configs`` writes them, with real certs.

bootstrap.ign embeds the installer's certificates at their paths (one-day signers such as
``/opt/openshift/tls/kubelet-signer.crt``, ten-year root CAs) in the three data URL forms
Ignition uses; master.ign and worker.ign are pointer configs that merge from the machine config
server and trust the root CA.

>>> from datetime import UTC, datetime
>>> ca = make_ca("root-ca", datetime.now(UTC), 24)
>>> ca.cert.subject.rfc4514_string()
'CN=root-ca,OU=openshift'
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from collectors.parsers.dataurl import encode_data_url

TEN_YEARS = 24 * 3650


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def make_ca(
    cn: str, not_after: datetime, hours: float, issuer: Issued | None = None, ca: bool = True
) -> Issued:
    """A certificate valid for ``hours`` up to ``not_after``, self-signed unless ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "openshift"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    not_before = not_after - timedelta(hours=hours)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(cert, key)


def _file(path: str, data: bytes, form: str = "base64", mode: int = 0o644) -> dict:
    entry = {
        "path": path,
        "mode": mode,
        "overwrite": True,
        "contents": {"source": encode_data_url(data, form)},
    }
    if form == "gzip":
        entry["contents"]["compression"] = "gzip"
    return entry


def _kubeconfig(server: str, ca: Issued, client: Issued) -> bytes:
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return (
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
        f"    certificate-authority-data: {b64(ca.cert_pem())}\n"
        f"    server: {server}\n  name: cluster\n"
        "users:\n- name: kubelet\n  user:\n"
        f"    client-certificate-data: {b64(client.cert_pem())}\n"
        f"    client-key-data: {b64(client.key_pem())}\n"
        "contexts:\n- context: {cluster: cluster, user: kubelet}\n  name: kubelet\n"
        "current-context: kubelet\n"
    ).encode()


@dataclass(frozen=True)
class InstallerCerts:
    root_ca: Issued
    kubelet_signer: Issued
    aggregator_signer: Issued
    admin_signer: Issued
    kubelet_client: Issued


def installer_certs(now: datetime, one_day_hours_left: float) -> InstallerCerts:
    """The root CA (ten years) and the one-day signers, expiring ``one_day_hours_left`` from now."""
    short_end = now + timedelta(hours=one_day_hours_left)
    root = make_ca("root-ca", now + timedelta(hours=TEN_YEARS - 1), TEN_YEARS)
    return InstallerCerts(
        root_ca=root,
        kubelet_signer=make_ca("kubelet-signer", short_end, 24),
        aggregator_signer=make_ca("aggregator-signer", short_end, 24),
        admin_signer=make_ca(
            "admin-kubeconfig-signer", now + timedelta(hours=TEN_YEARS - 1), TEN_YEARS
        ),
        kubelet_client=make_ca("system:node-bootstrapper", short_end, 24, issuer=root, ca=False),
    )


def bootstrap_config(
    certs: InstallerCerts, api_int: str, ssh_pub: str, spec: str = "3.1.0"
) -> dict:
    """bootstrap.ign: certificates at the installer's paths, in base64, percent and gzip forms
    (spec 2.x files also name their filesystem, ``root``, as the 4.1 to 4.5 installer wrote)."""
    files = [
        _file(
            "/etc/motd",
            b"This is the bootstrap node; it will be destroyed when the master is fully up.\n",
            "percent",
        ),
        _file("/opt/openshift/tls/root-ca.crt", certs.root_ca.cert_pem()),
        _file("/opt/openshift/tls/kubelet-signer.crt", certs.kubelet_signer.cert_pem()),
        _file("/opt/openshift/tls/kubelet-signer.key", certs.kubelet_signer.key_pem(), mode=0o600),
        _file(
            "/opt/openshift/tls/aggregator-signer.crt",
            certs.aggregator_signer.cert_pem(),
            "percent",
        ),
        _file(
            "/opt/openshift/tls/admin-kubeconfig-signer.crt", certs.admin_signer.cert_pem(), "gzip"
        ),
        _file(
            "/opt/openshift/auth/kubeconfig-kubelet",
            _kubeconfig(f"https://{api_int}:6443", certs.root_ca, certs.kubelet_client),
            mode=0o600,
        ),
    ]
    if spec.startswith("2."):
        files = [{"filesystem": "root", **f} for f in files]
    return {
        "ignition": {"version": spec},
        "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": [ssh_pub]}]},
        "storage": {"files": files},
        "systemd": {"units": [{"name": "bootkube.service", "enabled": True}]},
    }


def pointer_config(role: str, api_host: str, root_ca: Issued, spec: str = "3.1.0") -> dict:
    """master.ign / worker.ign: merge (spec 3.x) or append (2.x) the role's config from the
    machine config server."""
    key = "append" if spec.startswith("2.") else "merge"
    return {
        "ignition": {
            "config": {key: [{"source": f"https://{api_host}:22623/config/{role}"}]},
            "security": {
                "tls": {"certificateAuthorities": [{"source": encode_data_url(root_ca.cert_pem())}]}
            },
            "version": spec,
        }
    }


def write_json(path: Path, doc: dict) -> bytes:
    """Write a config compactly, as the installer does; return its bytes."""
    data = json.dumps(doc, separators=(",", ":")).encode()
    path.write_bytes(data)
    return data
