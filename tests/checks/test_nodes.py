"""checks/nodes.py: nodes.ready and nodes.names."""

from __future__ import annotations

from checks.nodes import evaluate_name, evaluate_ready
from tests.checks import inventory

INV = inventory(
    "nodes:\n"
    "  - {name: m1, role: master, ip: 10.0.0.21}\n"
    "  - {name: w1, role: worker, ip: 10.0.0.31}\n"
)
M1 = "m1.ocp45.example.localdomain"


def node(name: str, ip: str, ready: str = "True") -> dict:
    return {
        "metadata": {"name": name},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}],
            "conditions": [{"type": "Ready", "status": ready, "reason": "KubeletNotReady"}],
        },
    }


def test_ready_node_passes() -> None:
    v = evaluate_ready(node(M1, "10.0.0.21"), INV)
    assert v.ok and v.message == "Ready"


def test_not_ready_node_says_csrs_and_kubelet_journal() -> None:
    v = evaluate_ready(node(M1, "10.0.0.21", "False"), INV)
    assert not v.ok and v.message == "expected Ready=True; found Ready=False (KubeletNotReady)"
    assert v.remediation.startswith(f"oc describe node {M1}; approve its CSRs")
    assert "ssh core@10.0.0.21 journalctl -u kubelet -u crio --since -1h" in v.remediation


def test_inventory_name_passes() -> None:
    v = evaluate_name(node(M1, "10.0.0.21"), INV)
    assert v.ok and v.message == "inventory master m1"


def test_localhost_points_at_the_missing_ptr() -> None:
    v = evaluate_name(node("localhost.localdomain", "10.0.0.21"), INV)
    assert not v.ok
    assert v.message.startswith(f"expected the node at 10.0.0.21 named {M1}; found ")
    assert "reverse DNS for 10.0.0.21 (inventory master m1" in v.message
    assert v.remediation.startswith(f'add "21 IN PTR {M1}." to the reverse zone of 10.0.0.21')
    assert f"hostnamectl set-hostname {M1}" in v.remediation
    assert "oc delete node localhost.localdomain" in v.remediation


def test_inventory_node_at_another_address() -> None:
    v = evaluate_name(node(M1, "10.0.0.99"), INV)
    assert (
        not v.ok
        and v.message
        == f"expected {M1} at its inventory address 10.0.0.21; found InternalIP 10.0.0.99"
    )
    assert f"dig +short {M1}; dig -x 10.0.0.99 +short" in v.remediation
