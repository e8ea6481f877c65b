"""nodes.joined evaluated directly, and the CSR reader it uses (issue 22)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checks.nodes import evaluate_joined
from collectors.facts.nodes import JoinFacts, csr_node
from tests.test_postinstall_lab import node_csr


def test_a_node_found_passes_naming_it() -> None:
    v = evaluate_joined(JoinFacts("w1", "w1.c.example", "10.0.0.31", "worker", "w1.c.example"))
    assert v.ok and "w1.c.example" in v.message


def test_a_node_not_found_fails_with_its_csrs_and_its_kubelet() -> None:
    facts = JoinFacts("w3", "w3.c.example", "10.0.0.33", "worker", None, ("csr-a", "csr b"))
    v = evaluate_joined(facts)
    assert not v.ok and "worker w3 (w3.c.example, 10.0.0.33)" in v.message
    assert "oc adm certificate approve csr-a 'csr b'" in v.remediation
    assert "ssh core@10.0.0.33 journalctl -u kubelet" in v.remediation


def test_without_pending_csrs_the_fix_says_how_to_find_them() -> None:
    v = evaluate_joined(JoinFacts("m2", "m2.c.example", "10.0.0.22", "master", None))
    assert "oc get csr" in v.remediation and "api-int:22623" in v.remediation


def test_the_node_a_csr_is_for_comes_from_its_request() -> None:
    csr = {"spec": {"username": "system:serviceaccount:x:node-bootstrapper",
                    "request": node_csr("w3.c.example")}}  # fmt: skip
    assert csr_node(csr) == "w3.c.example"
    assert csr_node({"spec": {"username": "system:node:W1.c.example"}}) == "w1.c.example"


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.hex())))
def test_any_request_text_gives_a_name_or_nothing_never_an_error(request: str) -> None:
    assert isinstance(csr_node({"spec": {"request": request, "username": "x"}}), str)
