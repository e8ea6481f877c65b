"""The registry part of the lab: Debian's distribution registry (``docker-registry``) with TLS
from a self-signed CA and htpasswd (or a token service), laid out like the seed's
``/opt/registry/{auth,certs,data}``, holding a small OpenShift release payload in the real
image format, mirrored the way ``oc adm release mirror`` leaves it: the release image tagged
``4.5.6-x86_64`` and every component pushed by digest into ``ocp4/openshift4``.

It writes the auth file (pull-secret form), the CA file and ``install-config.yaml`` with
``imageContentSources``, and returns the inventory's ``mirror`` and ``install_config`` keys.
A fault proxy (``registry_proxy.py``) can stand in front of the registry.

Addresses: registry at ``lab.ip(105)``, ports ``lab.port(5)`` (registry), ``lab.port(6)``
(fault proxy), ``lab.port(7)`` (token service).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import secrets
import socket
import ssl
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lab.bastion import trust_ca
from lab.day2_content import push_day2
from lab.imagebuild import Image, Pusher, build_image, manifest_list, raw_blob, tar_layer
from lab.model import Record
from lab.scenarios import scenario
from lab.sigstore import public_pem, push_signatures, signing_key

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES = ["docker-registry", "apache2-utils", "gnupg"]  # gnupg: lab.signing

RELEASE_VERSION = "4.5.6"
RELEASE_TAG = f"{RELEASE_VERSION}-x86_64"
#: The Kubernetes version of the lab's 4.5 payloads (upgrade.apis compares removals with it).
KUBERNETES_VERSION = "1.18.3"
LOCAL_REPOSITORY = "ocp4/openshift4"
RELEASE_SOURCE = "quay.io/openshift-release-dev/ocp-release"
CONTENT_SOURCE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
#: Component tag names in the payload's image-references (a real release has ~150).
COMPONENTS = (
    "cli",
    "haproxy-router",
    "etcd",
    "hyperkube",
    "machine-config-operator",
    "cluster-version-operator",
    "coredns",
    "console",
    "oauth-server",
    "installer",
    "pod",
    "must-gather",
)
#: Extra tags pushed for fault tests: a release whose layer is not a tarball, one whose
#: image-references is not an ImageStream, one without image-references, a manifest list
#: and an OCI index.
BROKEN_LAYER_TAG = "broken-layer"
NOT_IMAGESTREAM_TAG = "not-imagestream"
NO_REFERENCES_TAG = "no-references"
MULTI_TAG = f"{RELEASE_VERSION}-multi"
OCI_INDEX_TAG = f"{RELEASE_VERSION}-oci-index"


@dataclass
class RegistryModel:
    """What the registry part builds; scenarios edit it before the lab starts."""

    user: str = "openshift"
    password: str = field(default_factory=lambda: "pw-" + secrets.token_hex(10))
    #: The password written to the auth file and pull secret (None: the right one).
    auth_password: str | None = None
    #: "own": clients get the CA that signed the registry; "other": an unrelated CA.
    trust: str = "own"
    missing: tuple[str, ...] = ()
    #: "direct", or "proxy" to put the fault proxy in front (every address points at it).
    front: str = "direct"
    proxy_rules: dict[str, Any] = field(default_factory=dict)
    #: "htpasswd" (Basic) or "token" (Bearer, from lab/tokenserver.py).
    auth_mode: str = "htpasswd"
    sources: tuple[str, ...] = (RELEASE_SOURCE, CONTENT_SOURCE)
    components: tuple[str, ...] = COMPONENTS
    #: Components of the next release (lab.day2_content) left unmirrored.
    target_missing: tuple[str, ...] = ()
    #: Images of the redhat-operators catalog left unmirrored (indexes in its mapping).
    operators_missing: tuple[int, ...] = ()
    #: The served certificate: "good"; "no-san" (CN only); "near-expiry" (10 days left);
    #: "intermediate" (signed by an intermediate CA the registry does not send).
    leaf: str = "good"
    #: Address the mirror by its name (in the lab zones) through the site DNS
    #: (mirror.resolve_via_site_dns) instead of by its IP.
    by_name: bool = False
    #: Top-level install-config keys replaced (installconfig.* scenarios), applied last.
    install_config_edits: dict[str, Any] = field(default_factory=dict)
    #: Images pushed without their sigstore ``sha256-<hex>.sig`` tag (lab.sigstore): "release",
    #: a component's name, or "target:<component>" for the next release's.
    sigstore_missing: tuple[str, ...] = ()
    #: Images whose signature tag is signed with another key than the policy trusts (the
    #: ``signer``'s): "release" or a component's name.
    sigstore_wrong_key: tuple[str, ...] = ()
    #: An oc-mirror v2 workspace in mirror.catalogs (lab.ocmirror2_content.MODES): "" none.
    ocmirror2: str = ""
    #: The sigstore signing key (made at start) and the release digest pushed.
    signer: Any = None
    release_digest: str = ""


def model_of(lab: LabContext) -> RegistryModel:
    """The lab's registry model, created on first use (scenarios call this)."""
    if lab.registry_model is None:
        lab.registry_model = RegistryModel()
    return lab.registry_model


# --------------------------------------------------------------------------- PKI


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "upi-lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _write_key(path: Path, key: Any) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(cn: str, path_length: int | None = 0) -> tuple[Any, x509.Certificate]:
    """A self-signed CA (EC P-256), valid for a year."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_intermediate(root_key: Any, root_cert: x509.Certificate) -> tuple[Any, x509.Certificate]:
    """An intermediate CA signed by ``root`` (whose path length must allow one)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("upi-lab registry intermediate CA"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=300))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def make_server_cert(
    ca_key: Any,
    ca_cert: x509.Certificate,
    ip: str,
    dns: list[str],
    *,
    days: float = 90,
    san: bool = True,
) -> tuple[Any, x509.Certificate]:
    """A server certificate for ``ip`` and ``dns`` in its SAN (``san=False``: CN only, as
    ``openssl req -x509`` without ``-addext`` makes it), valid ``days``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(ip))]
    sans += [x509.DNSName(d) for d in dns]
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(dns[0] if dns else ip))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = (
        builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def make_signing_cert() -> tuple[Any, x509.Certificate]:
    """An RSA key and self-signed cert for signing registry tokens (RS256)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("upi-lab-token"))
        .issuer_name(_name("upi-lab-token"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


# --------------------------------------------------------------------------- payload


def image_references(components: dict[str, str]) -> dict[str, Any]:
    """The release's ``release-manifests/image-references``: an ImageStream, one tag per component,
    each ``from`` the art-dev repository by digest (what ``oc adm release new`` writes)."""
    return {
        "kind": "ImageStream",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {
            "name": RELEASE_VERSION,
            "creationTimestamp": None,
            "annotations": {"release.openshift.io/from-image-stream": "ocp/4.5-art-latest"},
        },
        "spec": {
            "lookupPolicy": {"local": False},
            "tags": [
                {
                    "name": name,
                    "annotations": {
                        "io.openshift.build.source-location": f"https://github.com/openshift/{name}",
                        # what a 4.5 payload's hyperkube says (oc adm release info: kubernetes)
                        **(
                            {"io.openshift.build.versions": f"kubernetes={KUBERNETES_VERSION}"}
                            if name == "hyperkube"
                            else {}
                        ),
                    },
                    "from": {"kind": "DockerImage", "name": f"{CONTENT_SOURCE}@{digest}"},
                    "generation": None,
                    "importPolicy": {},
                    "referencePolicy": {"type": ""},
                }
                for name, digest in components.items()
            ],
        },
        "status": {"dockerImageRepository": ""},
    }


def component_image(name: str, index: int) -> Image:
    layer = tar_layer({f"usr/bin/{name}": f"#!/bin/sh\necho {name}\n".encode()})
    return build_image([layer], labels={"io.openshift.build.name": name}, oci=index % 3 == 2)


def release_image(
    references: bytes, base: Image | None = None, version: str = RELEASE_VERSION
) -> Image:
    base_layer = tar_layer(
        {
            "etc/os-release": b'NAME="Red Hat Enterprise Linux CoreOS"\n',
            "usr/bin/cluster-version-operator": b"#!/bin/sh\n",
        }
    )
    metadata = json.dumps(
        {
            "kind": "cincinnati-metadata-v0",
            "version": version,
            "previous": ["4.5.5"],
            "metadata": {},
        }
    ).encode()
    manifests = {
        "release-manifests/release-metadata": metadata,
        "release-manifests/0000_50_cluster-ingress-operator_00-namespace.yaml": (
            b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-ingress-operator\n"
        ),
    }
    if references:
        manifests["release-manifests/image-references"] = references
    top = tar_layer(manifests)
    return build_image([base_layer, top], labels={"io.openshift.release": version})


@contextlib.contextmanager
def _own_push() -> Iterator[None]:
    """The lab's own pushes: an unverified one (the no-san leaf) is set up, not a finding, so
    urllib3's InsecureRequestWarning stays out of the tests' warnings."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unverified HTTPS request")
        yield


def push_payload(pusher: Pusher, model: RegistryModel) -> dict[str, str]:
    """Push components (by digest, minus the missing ones), the release and the fault tags.
    Returns every component's digest by tag name."""
    digests: dict[str, str] = {}
    for i, name in enumerate(model.components):
        img = component_image(name, i)
        digests[name] = img.digest
        if name not in model.missing:
            pusher.image(LOCAL_REPOSITORY, img)
    refs = json.dumps(image_references(digests), indent=2).encode()
    release = release_image(refs)
    pusher.image(LOCAL_REPOSITORY, release, RELEASE_TAG)
    model.release_digest = release.digest
    if model.signer is not None:
        signed = [(f"{RELEASE_SOURCE}:{RELEASE_TAG}", release.digest, "release")]
        signed += [(f"{CONTENT_SOURCE}@{d}", d, n) for n, d in digests.items()]
        kept = [(ref, d, n) for ref, d, n in signed if n not in model.sigstore_missing]
        wrong = set(model.sigstore_wrong_key)
        push_signatures(
            pusher, LOCAL_REPOSITORY, [(r, d) for r, d, n in kept if n not in wrong], model.signer
        )
        if wrong:
            push_signatures(
                pusher, LOCAL_REPOSITORY, [(r, d) for r, d, n in kept if n in wrong], signing_key()
            )
    body, media = manifest_list([(release, "amd64")])
    pusher.manifest(LOCAL_REPOSITORY, MULTI_TAG, body, media)
    oci_component = component_image("oci-index-member", 2)  # an OCI manifest under an OCI index
    pusher.image(LOCAL_REPOSITORY, oci_component)
    body, media = manifest_list([(oci_component, "amd64")], oci=True)
    pusher.manifest(LOCAL_REPOSITORY, OCI_INDEX_TAG, body, media)
    broken = build_image([release.layers[0], raw_blob(b"this is not a tarball, just text\n")])
    pusher.image(LOCAL_REPOSITORY, broken, BROKEN_LAYER_TAG)
    config_map = json.dumps({"kind": "ConfigMap", "apiVersion": "v1", "data": {"x": "y"}}).encode()
    pusher.image(LOCAL_REPOSITORY, release_image(config_map), NOT_IMAGESTREAM_TAG)
    pusher.image(LOCAL_REPOSITORY, release_image(b""), NO_REFERENCES_TAG)
    return digests


# --------------------------------------------------------------------------- files


def render_config(
    data: Path, addr: str, port: int, cert: Path, key: Path, auth: dict[str, Any]
) -> str:
    return yaml.safe_dump(
        {
            "version": 0.1,
            "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(data)},
                "delete": {"enabled": True},
                "cache": {"blobdescriptor": "inmemory"},
            },
            "http": {
                "addr": f"{addr}:{port}",
                "tls": {"certificate": str(cert), "key": str(key)},
                "headers": {"X-Content-Type-Options": ["nosniff"]},
            },
            "auth": auth,
        },
        sort_keys=False,
    )


def pull_secret(host: str, user: str, password: str) -> dict[str, Any]:
    """A pull secret as in the seed: the cloud entries plus the mirror's credentials."""
    import base64

    def entry(u: str, p: str) -> dict[str, str]:
        return {
            "auth": base64.b64encode(f"{u}:{p}".encode()).decode(),
            "email": "lab@example.localdomain",
        }

    return {
        "auths": {
            "cloud.openshift.com": entry("cloud-lab", "cloud-" + secrets.token_hex(6)),
            "quay.io": entry("quay-lab", "quay-" + secrets.token_hex(6)),
            host: entry(user, password),
        }
    }


def render_install_config(
    lab: LabContext, host: str, secret: dict[str, Any], bundle: str, sources: tuple[str, ...]
) -> str:
    net = lab.network
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "baseDomain": net.base_domain,
        "compute": [{"hyperthreading": "Enabled", "name": "worker", "replicas": 0}],
        "controlPlane": {"hyperthreading": "Enabled", "name": "master", "replicas": 3},
        "metadata": {"name": net.cluster},
        "networking": {
            "clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": host_prefix(lab)}],
            "machineNetwork": [{"cidr": machine_network(lab)}],
            "networkType": "OpenShiftSDN",
            "serviceNetwork": ["172.30.0.0/16"],
        },
        "platform": {"none": {}},
        "fips": False,
        "pullSecret": json.dumps(secret, separators=(",", ":")),
        "sshKey": "ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIDlabkeyonlyforthelabxxxxxxxxxxxxxxxxxxxxxxx lab",
        "additionalTrustBundle": bundle,
        "imageContentSources": [
            {"mirrors": [f"{host}/{LOCAL_REPOSITORY}"], "source": s} for s in sources
        ],
    }
    doc.update(model_of(lab).install_config_edits)
    return yaml.safe_dump(doc, sort_keys=False, width=4096)


def host_prefix(lab: LabContext) -> int:
    """23 (the default: 512 node subnets in a /14), or longer for a generated site with more
    nodes (bench/preflight_scale.py), so that every node gets a pod subnet."""
    prefix = 23
    while 2 ** (prefix - 14) < len(lab.network.nodes) and prefix < 28:
        prefix += 1
    return prefix


def machine_network(lab: LabContext) -> str:
    """The slot's /16: every node, VIP and the registry of the lab (127.<20+slot>.0.0/16)."""
    return f"127.{20 + lab.slot}.0.0/16"


def _check_free(host: str, port: int) -> None:
    """Fail at once, with the reason, when another process already holds the address."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise RuntimeError(
                f"{host}:{port} is already in use ({exc.strerror}): a server of another lab on "
                "slot addresses (a 'python -m lab up' left running?) - stop it with "
                "'python -m lab down --dir DIR'"
            ) from None


def _tls_ready(host: str, port: int, ca_file: Path) -> bool:
    """Ready when *our* server answers: a TLS handshake verified by this lab's CA (a stray
    server from another lab on the same address would fail it)."""
    ctx = ssl.create_default_context(cafile=str(ca_file))
    ctx.check_hostname = False  # the chain proves it is ours (a no-SAN scenario has no name)
    try:
        with (
            socket.create_connection((host, port), timeout=0.5) as raw,
            ctx.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ssl.SSLError):
        return False


def write_proxy_rules(lab: LabContext, **rules: Any) -> None:
    """Replace the fault proxy's rules (it re-reads them on the next request)."""
    path = lab.workdir / "registry" / "proxy.json"
    base = json.loads(path.read_text())
    for key in ("fail_first", "fail_status", "rules"):
        base.pop(key, None)
    base.update(rules)
    path.write_text(json.dumps(base, indent=1))


# --------------------------------------------------------------------------- start


def start(lab: LabContext) -> dict[str, Any]:
    """Start the registry (and proxy / token service if the model asks); push the payload."""
    model = model_of(lab)
    root = lab.workdir / "registry"
    auth_dir, certs, data = root / "auth", root / "certs", root / "data"
    for d in (auth_dir, certs, data):
        d.mkdir(parents=True, exist_ok=True)
    ip = lab.ip(105)
    port = lab.port(5)
    for p in (port, lab.port(6), lab.port(7)):
        _check_free(ip, p)
    registry_name = f"registry.{lab.network.base_domain}"

    ca_key, ca_cert = make_ca(
        "upi-lab registry CA", path_length=1 if model.leaf == "intermediate" else 0
    )
    (certs / "ca.crt").write_bytes(_pem(ca_cert))
    trust_ca(lab, _pem(ca_cert))  # the bastion trusts the mirror (mirror.from_nodes [bastion])
    ready_ca = certs / "ca.crt"  # what the lab itself verifies the registry with
    if model.leaf == "intermediate":
        int_key, int_cert = make_intermediate(ca_key, ca_cert)
        key, cert = make_server_cert(int_key, int_cert, ip, [registry_name])
        (certs / "domain.crt").write_bytes(_pem(cert))  # the intermediate is not served
        ready_ca = certs / "lab-chain.crt"
        ready_ca.write_bytes(_pem(int_cert) + _pem(ca_cert))
    else:
        key, cert = make_server_cert(
            ca_key,
            ca_cert,
            ip,
            [registry_name],
            days=10 if model.leaf == "near-expiry" else 90,
            san=model.leaf != "no-san",
        )
        (certs / "domain.crt").write_bytes(_pem(cert) + _pem(ca_cert))
    _write_key(certs / "domain.key", key)
    _, other_cert = make_ca("upi-lab unrelated CA")
    (certs / "other-ca.crt").write_bytes(_pem(other_cert))
    client_ca = certs / ("ca.crt" if model.trust == "own" else "other-ca.crt")

    if model.auth_mode == "token":
        token_port = lab.port(7)
        sign_key, sign_cert = make_signing_cert()
        _write_key(auth_dir / "token.key", sign_key)
        (auth_dir / "token.crt").write_bytes(_pem(sign_cert))
        token_cfg = {
            "listen": [ip, token_port],
            "cert": str(certs / "domain.crt"),
            "key": str(certs / "domain.key"),
            "sign_key": str(auth_dir / "token.key"),
            "sign_cert": str(auth_dir / "token.crt"),
            "issuer": "upi-lab-token",
            "service": "upi-lab-registry",
            "users": {model.user: model.password},
            "max_seconds": lab.max_seconds,
        }
        (auth_dir / "token.json").write_text(json.dumps(token_cfg))
        (auth_dir / "token.json").chmod(0o600)
        lab.procs.spawn(
            "registry-token",
            [
                sys.executable,
                str(Path(__file__).with_name("tokenserver.py")),
                str(auth_dir / "token.json"),
            ],
            ready=lambda: _tls_ready(ip, token_port, certs / "ca.crt"),
        )
        auth: dict[str, Any] = {
            "token": {
                "realm": f"https://{ip}:{token_port}/token",
                "service": "upi-lab-registry",
                "issuer": "upi-lab-token",
                "rootcertbundle": str(auth_dir / "token.crt"),
            }
        }
    else:
        htpasswd = auth_dir / "htpasswd"
        done = subprocess.run(
            ["htpasswd", "-Bbc", str(htpasswd), model.user, model.password],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"htpasswd -Bbc {htpasswd} failed: {done.stderr.strip()}")
        auth = {"htpasswd": {"realm": "Registry Realm", "path": str(htpasswd)}}

    config = root / "config.yml"
    config.write_text(
        render_config(data, ip, port, certs / "domain.crt", certs / "domain.key", auth)
    )
    lab.procs.spawn(
        "registry",
        ["/usr/bin/docker-registry", "serve", str(config)],
        ready=lambda: _tls_ready(ip, port, ready_ca),
    )

    pusher = Pusher(f"{ip}:{port}", model.user, model.password, str(ready_ca))
    if model.leaf == "no-san":
        pusher.session.verify = False  # the lab's own push: the chain is ours, the name absent
    model.signer = signing_key()
    with _own_push():
        digests = push_payload(pusher, model)
    (root / "payload.json").write_text(json.dumps(digests, indent=1))
    (root / "sigstore.pub").write_bytes(public_pem(model.signer))
    (root / "release.json").write_text(json.dumps({"digest": model.release_digest}))

    host = f"{ip}:{port}"
    if model.front == "proxy":
        proxy_port = lab.port(6)
        rules = {
            "listen": [ip, proxy_port],
            "upstream": [ip, port],
            "cert": str(certs / "domain.crt"),
            "key": str(certs / "domain.key"),
            "ca": str(certs / "ca.crt"),
            "max_seconds": lab.max_seconds,
        }
        (root / "proxy.json").write_text(json.dumps({**rules, **model.proxy_rules}, indent=1))
        lab.procs.spawn(
            "registry-proxy",
            [
                sys.executable,
                str(Path(__file__).with_name("registry_proxy.py")),
                str(root / "proxy.json"),
            ],
            ready=lambda: _tls_ready(ip, proxy_port, certs / "ca.crt"),
        )
        host = f"{ip}:{proxy_port}"
    elif model.by_name:
        host = f"{registry_name}:{port}"

    with _own_push():
        day2 = push_day2(lab, pusher, host, model)
    secret = pull_secret(host, model.user, model.auth_password or model.password)
    auth_file = lab.workdir / "pull-secret.json"
    auth_file.write_text(json.dumps(secret, indent=2))
    auth_file.chmod(0o600)
    install_config = lab.workdir / "install-config.yaml"
    install_config.write_text(
        render_install_config(lab, host, secret, client_ca.read_text(), model.sources)
    )
    mirror = {
        "registry": host,
        "auth_file": str(auth_file),
        "ca_file": str(client_ca),
        "release_image": f"{host}/{LOCAL_REPOSITORY}:{RELEASE_TAG}",
        **day2["mirror"],
    }
    if model.by_name:
        mirror["resolve_via_site_dns"] = True
    return {
        "mirror": mirror,
        "install_config": str(install_config),
        "upgrade": day2["upgrade"],
    }


# --------------------------------------------------------------------------- scenarios

_PARTS = ("network", "registry")


@scenario(
    "mirror-clean", "the mirror registry as it should be: every mirror check passes", parts=_PARTS
)
def _mirror_clean(lab: LabContext) -> None:
    model_of(lab)


@scenario("mirror-missing-components", "haproxy-router and etcd were never mirrored", parts=_PARTS)
def _missing(lab: LabContext) -> None:
    model_of(lab).missing = ("haproxy-router", "etcd")


@scenario(
    "mirror-wrong-password", "the auth file and pull secret carry a wrong password", parts=_PARTS
)
def _wrong_password(lab: LabContext) -> None:
    model = model_of(lab)
    model.auth_password = "wrong-" + secrets.token_hex(6)


@scenario(
    "mirror-untrusted-ca",
    "ca_file and additionalTrustBundle hold a CA that did not sign the mirror",
    parts=_PARTS,
)
def _untrusted(lab: LabContext) -> None:
    model_of(lab).trust = "other"


@scenario(
    "mirror-flaky", "the mirror answers 500 to its first 3 requests, then works", parts=_PARTS
)
def _flaky(lab: LabContext) -> None:
    model = model_of(lab)
    model.front = "proxy"
    model.proxy_rules = {"fail_first": 3, "fail_status": 500}


@scenario(
    "mirror-faults", "a fault proxy in front of the mirror (tests set its rules)", parts=_PARTS
)
def _faults(lab: LabContext) -> None:
    model_of(lab).front = "proxy"


@scenario("mirror-token-auth", "the mirror uses Bearer tokens from a token service", parts=_PARTS)
def _token(lab: LabContext) -> None:
    model_of(lab).auth_mode = "token"


@scenario(
    "mirror-http-token-realm",
    "the mirror (through the proxy) names a plain-HTTP token realm",
    parts=_PARTS,
)
def _http_realm(lab: LabContext) -> None:
    model = model_of(lab)
    model.auth_mode = "token"
    model.front = "proxy"
    model.proxy_rules = {
        "rules": [{"path": ".", "replace_header": {"WWW-Authenticate": ["https://", "http://"]}}]
    }


@scenario(
    "mirror-icsp-incomplete",
    "install-config mirrors ocp-release but not ocp-v4.0-art-dev",
    parts=_PARTS,
)
def _icsp_incomplete(lab: LabContext) -> None:
    model_of(lab).sources = (RELEASE_SOURCE,)


@scenario(
    "upgrade-target-missing-components",
    "the next release (4.5.13) is mirrored without its etcd and console components",
    parts=("network", "registry", "cluster"),
)
def _target_missing(lab: LabContext) -> None:
    model_of(lab).target_missing = ("etcd", "console")


@scenario(
    "mirror-sigstore-missing",
    "the mirror lacks the sigstore signature tag (sha256-<hex>.sig) of the etcd component",
    parts=("network", "registry", "cluster"),
)
def _sigstore_missing(lab: LabContext) -> None:
    model_of(lab).sigstore_missing = ("etcd",)


@scenario(
    "mirror-sigstore-wrong-key",
    "the etcd component's sigstore signature in the mirror is signed with another key than the "
    "ClusterImagePolicy's",
    parts=("network", "registry", "cluster"),
)
def _sigstore_wrong_key(lab: LabContext) -> None:
    model_of(lab).sigstore_wrong_key = ("etcd",)


@scenario(
    "operators-missing-images",
    "5 images of the redhat-operators catalog's mapping.txt were never mirrored",
    parts=_PARTS,
)
def _operators_missing(lab: LabContext) -> None:
    model_of(lab).operators_missing = (0, 1, 2, 5, 9)


# --------------------------------------------------------------------------- oc-mirror v2

_V2_PARTS = ("network", "registry", "cluster")


@scenario(
    "ocmirror2-clean",
    "an oc-mirror v2 workspace (mirror-v2/working-dir) in mirror.catalogs: every image its "
    "filtered catalogs name pushed, its IDMS, ITMS and CatalogSource applied",
    parts=_V2_PARTS,
)
def _ocmirror2_clean(lab: LabContext) -> None:
    model_of(lab).ocmirror2 = "clean"


@scenario(
    "ocmirror2-image-missing",
    "the v2 workspace's catalog names openshift4/ose-kube-rbac-proxy, never pushed to the mirror",
    parts=_V2_PARTS,
)
def _ocmirror2_image_missing(lab: LabContext) -> None:
    model_of(lab).ocmirror2 = "image-missing"


@scenario(
    "ocmirror2-missing-txt",
    "the v2 workspace's dry-run/missing.txt lists openshift4/ose-kube-rbac-proxy",
    parts=_V2_PARTS,
)
def _ocmirror2_missing_txt(lab: LabContext) -> None:
    model_of(lab).ocmirror2 = "missing-txt"


@scenario(
    "ocmirror2-error-log",
    "the v2 workspace's logs/mirroring_errors_<ts>.txt names noo/node-observability-agent-rhel8",
    parts=_V2_PARTS,
)
def _ocmirror2_error_log(lab: LabContext) -> None:
    model_of(lab).ocmirror2 = "error-log"


@scenario(
    "ocmirror2-not-applied",
    "the v2 workspace's cluster-resources (IDMS, ITMS, CatalogSource) were never applied",
    parts=_V2_PARTS,
)
def _ocmirror2_not_applied(lab: LabContext) -> None:
    model_of(lab).ocmirror2 = "not-applied"


# --------------------------------------------------------------------------- installconfig.*


@scenario(
    "installconfig-overlap",
    "install-config's serviceNetwork is the nodes' own /16 and machineNetwork a /24 elsewhere",
    parts=_PARTS,
)
def _installconfig_overlap(lab: LabContext) -> None:
    edits = model_of(lab).install_config_edits
    edits["networking"] = {
        "clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}],
        "machineNetwork": [{"cidr": "192.168.126.0/24"}],
        "networkType": "OVNKubernetes",
        "serviceNetwork": [machine_network(lab)],
    }


@scenario(
    "installconfig-other-site",
    "install-config names cluster ocp46, one control-plane replica and 3 compute replicas",
    parts=_PARTS,
)
def _installconfig_other_site(lab: LabContext) -> None:
    edits = model_of(lab).install_config_edits
    edits["metadata"] = {"name": "ocp46"}
    edits["controlPlane"] = {"hyperthreading": "Enabled", "name": "master", "replicas": 1}
    edits["compute"] = [{"hyperthreading": "Enabled", "name": "worker", "replicas": 3}]


# --------------------------------------------------------------------------- dns.mirror


def name_the_registry(lab: LabContext) -> Record:
    """Address the mirror by ``registry.<base_domain>``, in the lab zones (both servers)."""
    model_of(lab).by_name = True
    net = lab.network
    record = Record(f"registry.{net.base_domain}", "A", lab.ip(105))
    net.forward.append(record)
    net.reverse.append(Record(lab.ip(105), "PTR", record.owner))
    return record


@scenario(
    "mirror-by-name",
    "the mirror is reached by its name through the site DNS (mirror.resolve_via_site_dns)",
    parts=_PARTS,
)
def _mirror_by_name(lab: LabContext) -> None:
    name_the_registry(lab)


@scenario(
    "mirror-name-not-in-secondary",
    "the mirror's name is in ns1's zone but not in ns2's (the nodes use both)",
    parts=_PARTS,
)
def _mirror_name_not_in_secondary(lab: LabContext) -> None:
    record = name_the_registry(lab)
    net = lab.network
    net.secondary_forward = [r for r in net.forward if r is not record]


# --------------------------------------------------------------------------- mirror.certificate


@scenario(
    "mirror-cert-no-san",
    "the mirror's certificate has a CN and no subjectAltName (openssl req -x509 without -addext)",
    parts=_PARTS,
)
def _cert_no_san(lab: LabContext) -> None:
    model_of(lab).leaf = "no-san"


@scenario("mirror-cert-near-expiry", "the mirror's certificate expires in 10 days", parts=_PARTS)
def _cert_near_expiry(lab: LabContext) -> None:
    model_of(lab).leaf = "near-expiry"


@scenario(
    "mirror-cert-incomplete-chain",
    "the mirror's leaf is signed by an intermediate CA the registry does not send",
    parts=_PARTS,
)
def _cert_incomplete(lab: LabContext) -> None:
    model_of(lab).leaf = "intermediate"
