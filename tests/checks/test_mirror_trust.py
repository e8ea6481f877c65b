"""checks/mirror.py: mirror.certificate and mirror.cluster_trust, on certificates made here
(kept apart from test_mirror.py so the mirror.* additions of parallel issues merge cleanly)."""

from __future__ import annotations

import datetime
import re

import pytest
from cryptography import x509

from checks.mirror import evaluate_certificate, evaluate_cluster_trust, names_host
from collectors.facts.mirror import CertificateFacts, ClusterTrustFacts, trust_keys
from collectors.transport.tlsprobe import ServedChain, TlsResult
from lab.registry import make_ca, make_intermediate, make_server_cert

HOST = "registry.example.localdomain"
NOW = datetime.datetime.now(datetime.UTC)
ROOT_KEY, ROOT = make_ca("test root", path_length=1)
LEAF_KEY, LEAF = make_server_cert(ROOT_KEY, ROOT, "10.0.0.105", [HOST])
OK = TlsResult(HOST, 5000, True, True)
UNVERIFIED = TlsResult(HOST, 5000, True, False, "unable to get local issuer certificate")


def cert_facts(
    *chain: x509.Certificate, check: TlsResult = OK, trust: tuple[str, ...] = (), days: float = 30
) -> CertificateFacts:
    return CertificateFacts(
        HOST,
        5000,
        ServedChain(HOST, 5000, chain, "the chain the server sent"),
        check,
        "mirror.ca_file /ca.crt",
        trust or (ROOT.subject.rfc4514_string(),),
        days,
        NOW,
    )


def test_complete_chain_naming_the_host_valid_long_enough_passes() -> None:
    v = evaluate_certificate(cert_facts(LEAF, ROOT))
    assert v.ok and v.message.startswith("chain of 2 verifies against mirror.ca_file /ca.crt")
    assert f"SAN {HOST}, 10.0.0.105" in v.message


def test_leaf_without_san_fails_with_the_openssl_addext_fix() -> None:
    _, bare = make_server_cert(ROOT_KEY, ROOT, "10.0.0.105", [HOST], san=False)
    v = evaluate_certificate(cert_facts(bare, ROOT))
    assert not v.ok and f"the leaf (no subjectAltName) does not name {HOST}" in v.message
    assert f"-addext 'subjectAltName = DNS:{HOST}'" in v.remediation


def test_leaf_expiring_within_min_valid_days_fails() -> None:
    _, short = make_server_cert(ROOT_KEY, ROOT, "10.0.0.105", [HOST], days=10)
    v = evaluate_certificate(cert_facts(short, ROOT))
    assert not v.ok and re.search(r"the leaf expires in (9|10) day\(s\) \(", v.message)
    assert "mirror.min_valid_days is 30" in v.message
    assert evaluate_certificate(cert_facts(short, ROOT, days=5)).ok


def test_leaf_signed_by_an_unsent_intermediate_names_the_missing_issuer() -> None:
    int_key, intermediate = make_intermediate(ROOT_KEY, ROOT)
    _, leaf = make_server_cert(int_key, intermediate, "10.0.0.105", [HOST])
    v = evaluate_certificate(cert_facts(leaf, check=UNVERIFIED))
    assert not v.ok
    assert (
        "is issued by CN=upi-lab registry intermediate CA,O=upi-lab, which the server does "
        "not send and mirror.ca_file /ca.crt does not hold" in v.message
    )
    assert "cat domain.crt intermediate.crt" in v.remediation
    # served with its intermediate, nothing is missing (the handshake then verifies)
    assert evaluate_certificate(cert_facts(leaf, intermediate)).ok


@pytest.mark.parametrize(
    ("host", "sans", "expected"),
    [
        ("registry.example", ["registry.example"], True),
        ("REGISTRY.example.", ["registry.example"], True),
        ("registry.example", ["*.example"], True),
        ("a.registry.example", ["*.example"], False),
        ("registry.example", ["other.example"], False),
        ("10.0.0.105", [], True),  # the IP SAN make_server_cert always adds
        ("10.0.0.106", [], False),
    ],
)
def test_names_host_reads_the_san_only(host: str, sans: list[str], expected: bool) -> None:
    _, cert = make_server_cert(ROOT_KEY, ROOT, "10.0.0.105", sans or ["x.invalid"])
    assert names_host(cert, host) is expected


# --------------------------------------------------------------------------- mirror.cluster_trust

KEY = f"{HOST}..5000"


def trust_facts(**kw: object) -> ClusterTrustFacts:
    base: dict[str, object] = {
        "host": HOST,
        "port": 5000,
        "wanted_keys": trust_keys(HOST, 5000),
        "configmap": "registry-config",
        "configmap_found": True,
        "keys": (KEY,),
        "key_used": KEY,
        "handshake": OK,
    }
    base.update(kw)
    return ClusterTrustFacts(**base)  # type: ignore[arg-type]


def test_key_for_the_mirror_that_verifies_passes() -> None:
    v = evaluate_cluster_trust(trust_facts())
    assert v.ok and v.message == f"openshift-config/registry-config key {KEY} verifies {HOST}:5000"


def test_no_additional_trusted_ca_fails_with_create_and_patch() -> None:
    v = evaluate_cluster_trust(trust_facts(configmap=None, configmap_found=False, key_used=None))
    assert not v.ok and "no spec.additionalTrustedCA" in v.message
    assert f"--from-file={KEY}=domain.crt" in v.remediation
    assert "oc patch image.config.openshift.io/cluster --type=merge" in v.remediation


def test_file_name_key_is_explained() -> None:
    v = evaluate_cluster_trust(trust_facts(keys=("domain.crt",), key_used=None, handshake=None))
    assert not v.ok and "has only key(s) domain.crt: a file name" in v.message
    assert v.remediation.startswith(
        "recreate it with the key <host>..<port>: oc create configmap registry-config -n "
        f"openshift-config --from-file={KEY}=domain.crt"
    )


def test_configmap_named_but_absent_fails() -> None:
    v = evaluate_cluster_trust(trust_facts(configmap_found=False, keys=(), key_used=None))
    assert not v.ok and "which is not in openshift-config" in v.message


def test_key_whose_ca_does_not_verify_fails_naming_the_issuer() -> None:
    bad = TlsResult(HOST, 5000, True, False, "certificate verify failed", "CN=real CA")
    v = evaluate_cluster_trust(trust_facts(handshake=bad))
    assert not v.ok and "(the mirror's certificate is issued by CN=real CA)" in v.message


def test_key_with_garbage_pem_fails() -> None:
    v = evaluate_cluster_trust(trust_facts(bad_keys=(KEY,), handshake=None))
    assert not v.ok and "holds no valid PEM certificate" in v.message


def test_port_443_reads_the_bare_host_key() -> None:
    assert trust_keys(HOST, 443)[0] == HOST
