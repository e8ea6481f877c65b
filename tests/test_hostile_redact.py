"""Every kind of secret, planted in every place a bundle gathers from, is absent from every file
of the bundle (raw and base64-encoded), from the HTML and JSON reports, JUnit and the terminal.

The kinds of tests/test_redact.py, plus the ones issue 12 found leaking: items of a SecretList
without ``kind``, env names that say password in other words (MYSQL_PWD, ADMIN_PASS), bare JWTs
in a ConfigMap and in log lines, a long secret the YAML writer would wrap, a journal MESSAGE that
``journalctl -o json`` gives as a byte array (ANSI colours), and a failure message quoting a
bearer token. Plus hypothesis on redact_object with adversarial structures."""

from __future__ import annotations

import base64
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.triage.redact import REDACTED, redact_object, redact_text, secret_name
from collectors.yamlio import dump
from lab.journals import JournalLine, write_journal
from tests.suite import collect_bundle, run_suite
from tests.test_redact import SECRETS, all_rules, plant_site, plant_snapshot

pytestmark = pytest.mark.lab  # starts the lab's servers

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkSnd0In0.cGxhbnRlZFNpZ25hdHVyZQ"
LONG = " ".join(f"plantedLongPart{i:02d}" for i in range(30))  # wraps at 80 columns
NEW = {
    "secretlist_item": "plantedSecretListItemValue",
    "list_item": "plantedKindListItemValue",
    "mysql_pwd": "plantedMysqlPwd13",
    "admin_pass": "plantedAdminPass14",
    "client_secret": "plantedOauthClientSecret15",
    "jwt_configmap": JWT,
    "jwt_log": JWT.replace("cGxh", "bG9n"),
    "long_first": "plantedLongPart00",
    "long_last": "plantedLongPart29",
    "journal_bytes": "plantedJournalBytesToken16abc",
    "report_bearer": "plantedReportBearer17xyz",
    "report_jwt": JWT.replace("cGxh", "cmVw"),
    "basic_short": "dTpw",  # base64 of "u:p": shorter than the old rule's 8 characters
    "lb_log": "plantedHaproxyLogToken18",
    "installer_pwd": "plantedInstallerPwd19",
    "unparsed": "plantedUnparsedFileSecret20",
}
ALL = {**SECRETS, **NEW}


def _write(root: Path, rel: str, obj: Any) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(obj if isinstance(obj, str) else yaml.safe_dump(obj))


def plant_more(snap: Path, tmp: Path, inv: Path) -> Path:
    """The new kinds, in the snapshot, a journal, the LB log and the installer log."""
    _write(
        snap,
        "namespaces/app-a/core/secrets.yaml",
        {
            "apiVersion": "v1",
            "kind": "SecretList",
            "items": [
                {
                    "metadata": {"name": "s1", "namespace": "app-a"},
                    "data": {"k": NEW["secretlist_item"]},
                }
            ],
        },
    )
    _write(
        snap,
        "namespaces/app-b/core/secrets.yaml",
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                {"metadata": {"name": "s2", "namespace": "app-b"}, "data": {"k": NEW["list_item"]}}
            ],
        },
    )
    _write(
        snap,
        "namespaces/app-a/core/pods/db-0.yaml",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "db-0", "namespace": "app-a"},
            "spec": {
                "containers": [
                    {
                        "name": "db",
                        "image": "r/db:1",
                        "env": [
                            {"name": "MYSQL_PWD", "value": NEW["mysql_pwd"]},
                            {"name": "ADMIN_PASS", "value": NEW["admin_pass"]},
                            {"name": "KEYRING", "value": "/etc/keyring"},
                            {"name": "MONKEY", "value": "banana"},
                        ],
                    }
                ]
            },
        },
    )
    _write(
        snap,
        "namespaces/app-a/core/configmaps/notes.yaml",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "notes", "namespace": "app-a"},
            "data": {
                "notes": f"the sa token is {JWT} for now",
                "db-password": LONG,
                "oauth": json.dumps({"clientSecret": NEW["client_secret"]}),
                "keyring": "kept-value",
            },
        },
    )
    _write(
        snap,
        "cluster-scoped-resources/config.openshift.io/clusteroperators/planted.yaml",
        {
            "apiVersion": "config.openshift.io/v1",
            "kind": "ClusterOperator",
            "metadata": {"name": "planted"},
            "status": {
                "conditions": [
                    {"type": "Available", "status": "True"},
                    {"type": "Progressing", "status": "False"},
                    {
                        "type": "Degraded",
                        "status": "True",
                        "reason": "AuthFailed",
                        "message": "GET /healthz with Authorization: Bearer "
                        f"{NEW['report_bearer']} and token {NEW['report_jwt']} refused",
                    },
                ]
            },
        },
    )
    _write(
        snap,
        "namespaces/app-a/core/configmaps/broken.yaml",
        f"data: {{password: {NEW['unparsed']}\n  : : [\n",
    )
    # a journal whose MESSAGE holds ANSI colours: journalctl -o json gives it as a byte array
    jdir = tmp / "journal" / "m1"
    existing = [
        JournalLine(
            7,
            "m1",
            "kubelet.service",
            "hyperkube",
            6,
            f"\x1b[31mE0928 auth failed, token={NEW['journal_bytes']}\x1b[0m",
        ),
        JournalLine(
            8,
            "m1",
            "kubelet.service",
            "hyperkube",
            6,
            f"W0928 stale service account token {NEW['jwt_log']}",
        ),
    ]
    _extend_journal(jdir, existing)
    lb_log = tmp / "haproxy.log"
    lb_log.write_text(
        "Sep 23 04:48:08 lb haproxy[1]: 10.0.0.1 GET /v2/ {Authorization: Basic "
        f"{NEW['basic_short']}}} token={NEW['lb_log']}\n"
    )
    log = tmp / "installdir" / ".openshift_install.log"
    log.write_text(log.read_text() + f'level=debug msg="export MYSQL_PWD={NEW["installer_pwd"]}"\n')
    doc = yaml.safe_load(inv.read_text())
    doc["load_balancer"]["log"] = str(lb_log)
    inv.write_text(yaml.safe_dump(doc))
    return inv


def _extend_journal(jdir: Path, lines: list[JournalLine]) -> None:
    """A second journal file beside plant_site's (journalctl -D reads every file of the folder)."""
    write_journal(jdir / "more", lines)
    for f in (jdir / "more").iterdir():
        f.rename(jdir / f"more-{f.name}")
    (jdir / "more").rmdir()


def _variants(secret: str) -> list[str]:
    """The secret as planted and as base64 (a bundle must hold neither)."""
    b64 = base64.b64encode(secret.encode()).decode()
    return [secret, b64, b64.rstrip("=")]


def test_every_planted_secret_is_absent_everywhere(tmp_path: Path, start_lab) -> None:
    lab = start_lab("clean", parts=("bastion",))
    snap = tmp_path / "must-gather"
    plant_snapshot(snap)
    inv = plant_site(
        tmp_path, {"defaults": lab.inventory["ssh"], "target": lab.inventory["bastion"]["ssh"]}
    )
    plant_more(snap, tmp_path, inv)
    bundle = tmp_path / "triage.tar.gz"
    done = collect_bundle(inv, bundle, "--snapshot", str(snap), timeout=180)
    assert bundle.exists(), done.stderr
    html, junit = tmp_path / "report.html", tmp_path / "junit.xml"
    run = run_suite(
        "-p",
        "no:xdist",
        "-m",
        "postinstall",
        "-k",
        "cluster.operators",
        "-vv",
        "-rA",
        "--snapshot",
        str(snap),
        "--report-html",
        str(html),
        "--junitxml",
        str(junit),
        inventory=inv,
        timeout=300,
    )
    root = tmp_path / "x"
    with tarfile.open(bundle) as tar:
        tar.extractall(root, filter="data")
    files = {
        str(p.relative_to(root)): p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file()
    }
    # what was planted was gathered (else the search proves nothing)
    for rel in (
        "namespaces/app-a/core/secrets.yaml",
        "namespaces/app-b/core/secrets.yaml",
        "namespaces/app-a/core/pods/db-0.yaml",
        "namespaces/app-a/core/configmaps/notes.yaml",
        "hosts/m1/journal/kubelet.service.json",
        "hosts/lb/haproxy.log",
        "hosts/bastion/.openshift_install.log",
    ):
        assert rel in files, (rel, sorted(files))
    assert "unparsed/namespaces/app-a/core/configmaps/broken.yaml" in files
    assert run.outcome("cluster.operators", "planted") == "failed", run.stdout[-3000:]
    assert "AuthFailed" in run.record("cluster.operators", "planted")["message"]
    places = {
        **{f"bundle:{k}": v for k, v in files.items()},
        "report.html": html.read_text(),
        "junit.xml": junit.read_text(),
        "report.json": json.dumps(run.report),
        "terminal": run.stdout + run.stderr,
        "collectors terminal": done.stdout + done.stderr,
    }
    leaks = [
        (what, place)
        for what, secret in ALL.items()
        for place, text in places.items()
        if any(v in text for v in _variants(secret))
    ]
    assert not leaks, leaks
    # the bundle still reads as YAML, and a reader keeps what is harmless
    notes = yaml.safe_load(files["namespaces/app-a/core/configmaps/notes.yaml"])
    assert notes["data"]["db-password"] == REDACTED and notes["data"]["keyring"] == "kept-value"
    pod = yaml.safe_load(files["namespaces/app-a/core/pods/db-0.yaml"])
    env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    assert env == {
        "MYSQL_PWD": REDACTED,
        "ADMIN_PASS": REDACTED,
        "KEYRING": "/etc/keyring",
        "MONKEY": "banana",
    }
    for rel, text in files.items():
        if rel.endswith(".yaml") and not rel.startswith("unparsed/"):
            yaml.safe_load(text)
    journal = [json.loads(ln) for ln in files["hosts/m1/journal/kubelet.service.json"].splitlines()]
    assert any(e.get("MESSAGE") == "E0928 auth failed, token=REDACTED" for e in journal), journal


def test_secret_names_are_words_not_substrings() -> None:
    """The broad rule: whole words, and a name that points at a secret is kept."""
    secret = [
        "MYSQL_PWD",
        "ADMIN_PASS",
        "DB_PASSWORD",
        "apiKey",
        "tls.key",
        "client-secret",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "htpasswd",
        "OAUTH_CREDENTIALS",
        "pw",
    ]
    kept = [
        "monkey",
        "keyring",
        "passthrough",
        "bypass",
        "author",
        "HOME",
        "TOKEN_FILE",
        "secretName",
        "KEY_PATH",
        "AUTH_TYPE",
        "compass",
        "tokenExpirationSeconds",
        "passenger",
        "keycloak_url",
    ]
    assert [n for n in secret if not secret_name(n)] == []
    assert [n for n in kept if secret_name(n)] == []


def test_kubernetes_fields_named_key_are_kept() -> None:
    """Taints, tolerations, selectors and configMap volume items say ``key`` for a name."""
    node = {
        "kind": "Node",
        "metadata": {"name": "i1"},
        "spec": {"taints": [{"key": "node-role.kubernetes.io/infra", "effect": "NoSchedule"}]},
    }
    assert redact_object(node) == node


def test_a_long_value_stays_whole_and_the_yaml_valid() -> None:
    obj = {
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"msg": "x " * 60 + "password=" + "s" * 200 + " tail"},
    }
    text = redact_text(dump(redact_object(obj)))
    assert "s" * 20 not in text and yaml.safe_load(text)["data"]["msg"].endswith(" tail")


_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=50),
    st.binary(max_size=20),
    st.sampled_from([JWT, "Bearer abcdefgh1234", LONG]),
)
_key = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.sampled_from(
        ["password", "kind", "items", "data", "env", "name", "value", "key", "MYSQL_PWD"]
    ),
)
_tree = st.recursive(
    _leaf,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(_key, kids, max_size=4),
        st.builds(
            lambda i: {"kind": "SecretList", "items": i},
            st.lists(st.dictionaries(st.just("data"), kids), max_size=3),
        ),
    ),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(_tree)
def test_redact_object_never_raises_and_never_leaks_a_jwt(tree: Any) -> None:
    out = redact_object(tree)
    assert JWT not in repr(out) and "abcdefgh1234" not in repr(out)
    assert redact_object(out) == out  # idempotent


def test_shared_and_cyclic_structures_end_quickly() -> None:
    """An alias bomb as PyYAML builds it (shared lists) and a cycle: linear, never a hang."""
    layer: Any = ["lol"] * 9
    for _ in range(60):  # 9**60 leaves if walked naively
        layer = [layer] * 9
    assert redact_object({"a": layer})["a"][0][0][0][0] is not None
    cyclic: dict[str, Any] = {"name": "x"}
    cyclic["self"] = cyclic
    assert redact_object(cyclic)["self"] == REDACTED
    deep: Any = "token=abc12345"
    for _ in range(5000):
        deep = [deep]
    out = redact_object(deep)
    for _ in range(200):
        out = out[0]
    assert "abc12345" not in repr(out)


REAL = Path(__file__).parent / "real"


def _real_objects() -> list[Path]:
    return sorted((REAL / "must-gather").rglob("*.yaml"))


def test_real_must_gather_objects_pass_redaction_unchanged() -> None:
    """The objects of two real clusters (OKD 4.12 on GCP, a 4.13 SNO), which hold no secret: the
    structure pass and the text pass over what the bundle writer dumps leave every value as it
    was (node annotations holding JSON, a router pod's ``secret:`` volume, ``topologyKey``)."""
    files = _real_objects()
    assert len(files) >= 34  # the corpus only grows; every file of it is read here
    for path in files:
        obj = yaml.safe_load(path.read_text())
        assert redact_object(obj, "Pod" if "/pods/" in str(path) else None) == obj, path
        text = dump(obj)
        assert redact_text(text) == text, path


def test_real_logs_lose_only_the_secret_lines() -> None:
    """Real installer logs and journals: only the kubeadmin password line changes (the author
    masked it as x's already; the rule takes it whatever it is)."""
    changed: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((REAL / "logs").glob("*.log")):
        before = path.read_text().splitlines()
        after = redact_text(path.read_text(), path.name).splitlines()
        assert len(after) == len(before), path
        changed[path.name] = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    assert len(changed) >= 9  # every real log of the corpus
    diff = {name: lines for name, lines in changed.items() if lines}
    assert list(diff) == ["ocp4.10rc1-success-install-complete.openshift_install.log"], diff
    ((was, now),) = diff["ocp4.10rc1-success-install-complete.openshift_install.log"]
    assert 'and password: \\"xxxxxxxxxxxxxxxxxxxxxx\\"' in was
    assert now == was.replace("xxxxxxxxxxxxxxxxxxxxxx", REDACTED)


@pytest.mark.parametrize("secret", sorted(ALL.values()))
def test_planted_values_redact_as_the_full_rules(secret: str) -> None:
    """redact_text's pre-check gives what every rule gives, for every planted value in the
    contexts it is planted in (a report message, a log line, YAML, JSON, a header, a flag)."""
    for text in (
        secret,
        f"expected x; found {secret}",
        f"token: {secret}\n",
        f'{{"password":"{secret}"}}',
        f"Authorization: Bearer {secret}",
        f"podman login -p {secret} r",
        f"MYSQL_PWD={secret}",
    ):
        assert redact_text(text) == all_rules(text), text
