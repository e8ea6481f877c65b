"""checks/csr.py: csr.pending."""

from __future__ import annotations

from checks.csr import evaluate_csrs
from collectors.facts.csr import CsrFacts


def test_no_pending_csr_passes_with_the_count() -> None:
    v = evaluate_csrs(CsrFacts((), 12))
    assert v.ok and v.message == "12 CSR(s), none pending"


def test_pending_csrs_are_named_with_the_approve_command() -> None:
    pending = (("csr-a", "system:node:w1"), ("csr-b", "system:serviceaccount:x"))
    v = evaluate_csrs(CsrFacts(pending, 5))
    assert not v.ok
    assert v.message == (
        "expected no pending CertificateSigningRequest; found 2 pending: "
        "csr-a (system:node:w1), csr-b (system:serviceaccount:x)"
    )
    assert v.remediation.startswith("oc adm certificate approve csr-a csr-b ")
