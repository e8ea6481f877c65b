"""Certificate signing requests after install: none pending (``collectors.facts.csr``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.csr import CsrFacts, cluster_subject, gather_csrs
from collectors.visible import shell_word


def evaluate_csrs(facts: CsrFacts) -> Verdict:
    """No CSR without a status (a pending one).

    >>> print(evaluate_csrs(CsrFacts((("csr-8cjss", "system:node:w1"),), 9)).remediation)
    oc adm certificate approve csr-8cjss (each node asks twice: approve again until none is ...)
    """
    if not facts.pending:
        return passed(f"{facts.total} CSR(s), none pending")
    names = " ".join(shell_word(n) for n, _ in facts.pending)
    return failed(
        expected="no pending CertificateSigningRequest",
        found=f"{len(facts.pending)} pending: "
        + ", ".join(f"{n} ({who})" for n, who in facts.pending),
        remediation=f"oc adm certificate approve {names} "
        "(each node asks twice: approve again until none is pending)",
    )


@check(
    "csr.pending",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="No pending certificate signing requests",
    markers=["postinstall"],
    subject="cluster",
    fails_when="any CSR has no status (pending)",
    remediation="oc adm certificate approve <names>",
    subjects=cluster_subject,
    gather=gather_csrs,
)
def test_csr_pending(facts: CsrFacts) -> None:
    expect(evaluate_csrs(facts))
