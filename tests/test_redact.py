"""Nothing secret reaches a bundle: one of each kind is planted, the whole bundle is searched."""

from __future__ import annotations

import base64
import json
import tarfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.cluster.resources import KNOWN
from collectors.cluster.snapshot import SnapshotSource
from collectors.triage import redact as redact_module
from collectors.triage.redact import REDACTED, redact_object, redact_text
from lab.cluster_model import seed_cluster, write_must_gather
from lab.journals import JournalLine, write_journal
from lab.model import seed_model
from tests.suite import collect_bundle

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAplantedPEMkeyMaterialXyZ0123456789\n"
    "c2VjcmV0IGtleSBib2R5\n-----END RSA PRIVATE KEY-----\n"
)
SECRETS = {
    "secret_data": "plantedSecretDataValue42",
    "pull_auth": base64.b64encode(b"mirror:plantedPullPassword").decode(),
    "kube_client_key": "LS0tLS1CRUdJTiBQUklWQVRFIHBsYW50ZWRDbGllbnRLZXk=",
    "kube_token": "plantedKubeconfigTokenAbc123",
    "bearer": "sha256~plantedBearerTokenXYZ0123456789abcdef",
    "pem": "MIIEowIBAAKCAQEAplantedPEMkeyMaterialXyZ0123456789",
    "kubeadmin": "Plnt-dKub3-Admn-Pass9",
    "ignition": base64.b64encode(b"planted ignition file contents").decode(),
    "user_data": base64.b64encode(
        b'{"ignition":{"version":"3.1.0"},"planted":"userdata"}'
    ).decode(),
    "podman_login": "plantedPodmanLoginPw7",
    "password_flag": "plantedPasswordFlag8",
    "registry_auth": base64.b64encode(
        b'{"username":"u","password":"plantedXRegistryAuth"}'
    ).decode(),
    "env_password": "plantedEnvDbPassword9",
    "env_token": "plantedEnvApiToken10",
    "haproxy_stats": "plantedHaproxyStatsPw11",
}


def plant_snapshot(root: Path) -> None:
    """The seed cluster's must-gather plus a Secret, pull secret, kubeconfig and MachineConfig."""
    write_must_gather(seed_cluster(seed_model(0), "registry.test.example.local:5000"), root)
    kubeconfig = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "users": [
                {
                    "name": "admin",
                    "user": {
                        "client-certificate-data": "Y2VydA==",
                        "client-key-data": SECRETS["kube_client_key"],
                        "token": SECRETS["kube_token"],
                    },
                }
            ],
        }
    )
    docker = json.dumps(
        {
            "auths": {
                "registry.test.example.local:5000": {"auth": SECRETS["pull_auth"], "email": "a@b"}
            }
        }
    )
    objs = {
        "namespaces/openshift-config/core/secrets/app.yaml": {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {
                "name": "app",
                "namespace": "openshift-config",
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                        {"data": {"k": SECRETS["secret_data"]}}
                    )
                },
            },
            "data": {"k": SECRETS["secret_data"]},
        },
        "namespaces/openshift-config/core/secrets/pull-secret.yaml": {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": "pull-secret", "namespace": "openshift-config"},
            "data": {".dockerconfigjson": base64.b64encode(docker.encode()).decode()},
        },
        "namespaces/openshift-machine-api/core/secrets/master-user-data.yaml": {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "master-user-data", "namespace": "openshift-machine-api"},
            "data": {"userData": SECRETS["user_data"]},
        },
        "namespaces/kube-system/core/configmaps/admin-kubeconfig.yaml": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "admin-kubeconfig", "namespace": "kube-system"},
            "data": {"kubeconfig": kubeconfig, "pull": docker},
        },
        "namespaces/openshift-config/core/pods/app-0.yaml": {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "app-0", "namespace": "openshift-config"},
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": "r/app:1",
                        "env": [
                            {"name": "DB_PASSWORD", "value": SECRETS["env_password"]},
                            {"name": "HOME", "value": "/root"},
                            {"name": "API_TOKEN", "value": SECRETS["env_token"]},
                        ],
                    }
                ]
            },
        },
        "cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigs/"
        "99-master-ssh.yaml": {
            "apiVersion": "machineconfiguration.openshift.io/v1",
            "kind": "MachineConfig",
            "metadata": {"name": "99-master-ssh"},
            "spec": {
                "config": {
                    "ignition": {"version": "3.1.0"},
                    "storage": {
                        "files": [
                            {
                                "path": "/etc/x",
                                "contents": {
                                    "source": "data:text/plain;charset=utf-8;base64,"
                                    + SECRETS["ignition"]
                                },
                            }
                        ]
                    },
                }
            },
        },
    }
    for rel, obj in objs.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(yaml.safe_dump(obj))


def plant_site(tmp: Path, ssh: dict) -> Path:
    """An inventory whose journals (read over the lab's sshd), haproxy.cfg and installer log carry
    secrets."""
    write_journal(
        tmp / "journal" / "m1",
        [
            JournalLine(
                1,
                "m1",
                "kubelet.service",
                "hyperkube",
                6,
                "I0928 request GET /api/v1/nodes with header Authorization: Bearer "
                f"{SECRETS['bearer']}",
            ),
            JournalLine(
                2,
                "m1",
                "crio.service",
                "crio",
                3,
                'Error pulling with auth {"auths":{"r":{"auth":"'
                + SECRETS["pull_auth"]
                + '"}}}: unauthorized',
            ),
            JournalLine(3, "m1", "kubelet.service", "hyperkube", 6, "loaded key " + PEM),
            JournalLine(
                4,
                "m1",
                "crio.service",
                "sh",
                6,
                f"+ podman login -u admin -p {SECRETS['podman_login']} mirror:5000",
            ),
            JournalLine(
                5,
                "m1",
                "crio.service",
                "sh",
                6,
                f"+ skopeo login --password {SECRETS['password_flag']} mirror:5000",
            ),
            JournalLine(
                6,
                "m1",
                "crio.service",
                "crio",
                6,
                "request headers: map[User-Agent:[podman] "
                f"X-Registry-Auth:[{SECRETS['registry_auth']}]]",
            ),
        ],
    )
    cfg = tmp / "haproxy.cfg"
    cfg.write_text(
        "global\n    log stdout format raw local0\n# old key pasted here by mistake\n"
        + "".join("# " + ln + "\n" for ln in PEM.splitlines())
        + PEM
        + f"listen stats\n    bind 127.0.0.1:9\n    stats auth admin:{SECRETS['haproxy_stats']}\n"
    )
    installdir = tmp / "installdir"
    installdir.mkdir()
    (installdir / ".openshift_install.log").write_text(
        'time="2020-09-23T04:48:08-04:00" level=info msg="Login to the console with user: '
        '\\"kubeadmin\\", '
        f'and password: \\"{SECRETS["kubeadmin"]}\\""\n'
        f'time="2020-09-23T04:48:08-04:00" level=debug msg="token: {SECRETS["kube_token"]}"\n'
    )
    (installdir / "bootstrap.ign").write_text('{"ignition": {"version": "3.1.0"}}')
    inv = tmp / "site.yaml"
    inv.write_text(
        yaml.safe_dump(
            {
                "cluster": {"name": "ocp45", "base_domain": "example.localdomain"},
                "load_balancer": {"config": str(cfg)},
                "ssh": ssh["defaults"],
                "nodes": [
                    {
                        "name": "m1",
                        "role": "master",
                        "ip": "127.0.0.21",
                        "ssh": ssh["target"],
                        "journal_dir": str(tmp / "journal" / "m1"),
                    }
                ],
                "ignition": {"dir": str(installdir)},
            }
        )
    )
    return inv


def every_file(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.lab
def test_planted_secrets_never_reach_the_bundle(tmp_path, start_lab):
    lab = start_lab("clean", parts=("bastion",))
    snap = tmp_path / "must-gather"
    plant_snapshot(snap)
    inv = plant_site(
        tmp_path, {"defaults": lab.inventory["ssh"], "target": lab.inventory["bastion"]["ssh"]}
    )
    out = tmp_path / "triage.tar.gz"
    done = collect_bundle(inv, out, "--snapshot", str(snap))
    assert out.exists(), done.stderr
    root = tmp_path / "x"
    with tarfile.open(out) as tar:
        tar.extractall(root, filter="data")
    files = every_file(root)
    # the planted things were collected at all (else the search below proves nothing)
    assert "namespaces/openshift-config/core/secrets/app.yaml" in files
    assert "hosts/m1/journal/kubelet.service.json" in files and "hosts/lb/haproxy.cfg" in files
    assert "hosts/bastion/.openshift_install.log" in files
    blob = "\n".join(files.values())
    assert blob.count(REDACTED) >= len(SECRETS)
    for what, secret in SECRETS.items():
        leaks = [name for name, text in files.items() if secret in text]
        assert not leaks, f"{what} leaked into {leaks}"
    assert "BEGIN RSA PRIVATE KEY-----REDACTED" in files["hosts/lb/haproxy.cfg"]
    secret = yaml.safe_load(files["namespaces/openshift-config/core/secrets/app.yaml"])
    assert secret["data"] == {"k": REDACTED}  # keys kept, values gone
    pod = yaml.safe_load(files["namespaces/openshift-config/core/pods/app-0.yaml"])
    assert pod["spec"]["containers"][0]["env"] == [
        {"name": "DB_PASSWORD", "value": REDACTED},
        {"name": "HOME", "value": "/root"},
        {"name": "API_TOKEN", "value": REDACTED},
    ]


def test_redacted_json_still_parses() -> None:
    doc = {
        "password": "x",
        "auths": {"r": {"auth": "dXNlcjpwYXNz", "password": "p w", "email": "a@b"}},
        "env": [{"name": "DB_PASSWORD", "value": "v"}, {"name": "HOME", "value": "/root"}],
        "token": "t",
    }
    for text in (
        json.dumps(doc),
        json.dumps(doc, separators=(",", ":")),
        json.dumps(doc, indent=2),
    ):
        back = json.loads(redact_text(text))
        assert back["password"] == back["token"] == REDACTED
        assert back["auths"]["r"] == {"auth": REDACTED, "password": REDACTED, "email": "a@b"}
        assert back["env"] == [
            {"name": "DB_PASSWORD", "value": REDACTED},
            {"name": "HOME", "value": "/root"},
        ]


LOGIN_LINES = [
    ("podman login -u admin -p hunter2 mirror:5000", "hunter2"),
    ("docker login --password hunter2 mirror:5000", "hunter2"),
    ("podman login --password=hunter2 mirror:5000", "hunter2"),
    ("X-Registry-Auth: eyJ1c2VybmFtZSI6InUifQ==", "eyJ1c2VybmFtZSI6InUifQ=="),
    ("    - name: AWS_SECRET_ACCESS_KEY\n      value: hunter2\n", "hunter2"),
    ('{"name":"GITHUB_TOKEN","value":"hunter2"}', "hunter2"),
    ('{"args":["login","--password","hunter2","r"]}', "hunter2"),
    ("args:\n- login\n- --password\n- hunter2\n", "hunter2"),
    ("listen stats\n    stats auth admin:hunter2\n", "hunter2"),
    ("userlist ops\n    user admin insecure-password hunter2\n", "hunter2"),
    ("userlist ops\n    user admin password $6$salt$hunter2hash\n", "hunter2hash"),
    ("GET /api/v1/nodes?watch=1&access_token=hunter2 HTTP/1.1", "hunter2"),
    ("curl -k -u admin:hunter2 https://mirror:5000/v2/", "hunter2"),
    ("wget --password=hunter2 https://x/", "hunter2"),
]


@pytest.mark.parametrize("line, secret", LOGIN_LINES)
def test_login_flags_headers_and_env_are_redacted(line: str, secret: str) -> None:
    assert secret not in redact_text(line)


def test_harmless_flags_are_kept() -> None:
    for line in ("ssh -p 22 root@bastion", "mkdir -p /var/lib/x", "- name: HOME\n  value: /root\n"):
        assert redact_text(line) == line


def test_a_bundle_reads_back_as_the_snapshot_it_was_made_from(tmp_path):
    """The offline loop at the data level: every resource the checks read is the same."""
    snap = write_must_gather(
        seed_cluster(seed_model(0), "registry.test.example.local:5000"),
        tmp_path / "mg.tar.gz",
        oc_adm=True,
        tarball=True,
    )
    inv = tmp_path / "site.yaml"
    inv.write_text("cluster: {name: ocp45, base_domain: example.localdomain}\n")
    out = tmp_path / "b.tar.gz"
    collect_bundle(inv, out, "--snapshot", str(snap), check=True)
    before, after = SnapshotSource(str(snap)), SnapshotSource(str(out))
    compared = 0
    for res in KNOWN.values():
        try:
            want = before.list(res)
        except Exception:  # noqa: BLE001 - not in the snapshot: must not be in the bundle either
            with pytest.raises(Exception):  # noqa: B017
                after.list(res)
            continue
        assert sorted(map(json.dumps, after.list(res))) == sorted(map(json.dumps, want)), res.folder
        compared += len(want)
    assert compared > 20


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_redaction_never_raises_and_is_idempotent(text):
    once = redact_text(text)
    assert redact_text(once) == once


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9+/]{12,40}={0,2}", fullmatch=True))
def test_any_pull_secret_or_token_value_is_redacted(value):
    for text in (
        f'{{"auths":{{"r":{{"auth":"{value}"}}}}}}',
        f"Authorization: Bearer {value}",
        f"    token: {value}",
        f"client-key-data: {value}",
    ):
        assert value not in redact_text(text), text
    assert value not in json.dumps(
        redact_object({"kind": "Secret", "data": {"a": value}, "stringData": {"b": value}})
    )


def all_rules(text: str, name: str = "") -> str:
    """redact_text without its pre-check (``_MAY_MATCH``): every rule applied to every text."""
    if name.endswith(".ign") or redact_module._is_ignition(text):
        return REDACTED + "\n"
    if '":[' in text or '": [' in text:
        text = redact_module.decode_journal_arrays(text)
    return redact_module._apply_rules(text)


#: Pieces of text the rules care about: the planted secrets and the lines they are planted in,
#: every word of the rules (and their near misses), characters that match ASCII letters
#: case-insensitively (Kelvin sign, long s, dotless i, dotted I), separators.
REDACTION_PIECES = [
    *SECRETS.values(),
    PEM,
    *(line for line, _ in LOGIN_LINES),
    *(
        w
        for p in (redact_module._SECRET_KEYS, redact_module._ENV_SECRET)
        for w in p.strip("(?:)").replace("\\", "").split("|")
    ),
    *sorted(redact_module.SECRET_WORDS),
    *sorted(redact_module.REFERENCE_WORDS),
    "Authorization: ",
    "Bearer ",
    "Basic ",
    "sha256~",
    "eyJ",
    "eyJhbGciOiJSUzI1NiJ9",
    "://",
    "https://u:p@h/",
    "data:,",
    "data:text/plain;base64,",
    "login",
    "podman",
    "curl -u a:",
    "wget ",
    "X-Registry-Auth",
    "stats auth ",
    "user ",
    "insecure-password ",
    "-p ",
    "--creds",
    "name",
    "value",
    '"name":"',
    '","value":"',
    "- name: ",
    "\n  value: ",
    "?access_token=",
    "&api_key=",
    "PRIVATE KEY-----",
    "-----BEGIN ",
    "pass",
    "pw",
    "key",
    "auth",
    "cred",
    "tok",
    "en",
    "sec",
    "ret",
    "pas",
    "s",
    "k",
    "\u212a",
    "\u017f",
    "\u0131",
    "\u0130",
    "PA\u017f\u017fWORD",
    "to\u212aen",
    "=",
    ": ",
    " ",
    "\n",
    '"',
    "'",
    '\\"',
    "{",
    "}",
    "[",
    "]",
    ",",
    "-",
    "_",
    ".",
    "A",
    "x",
    "0",
    "X-Registry-Config: e30=",
    "eyJhbGciOi.eyJzdWIiOi.c2ln",
    "sha256~abcdefghijklmnopqrstuvwxyz",
    "Basic QWxhZGRpbjpvcGVu",
    "bearer QWxhZGRpbjpvcGVu",
    "MYSQL_PWD=x",
    "api_PW=y",
]


_PIECE = st.sampled_from(REDACTION_PIECES)


@settings(max_examples=1000, deadline=None)
@given(
    st.tuples(
        st.text(max_size=12),
        _PIECE,
        st.text(max_size=6),
        _PIECE | st.just(""),
        st.text(max_size=6),
        _PIECE | st.just(""),
        st.sampled_from(["", "x", "=x", ": x\n"]),
    ).map("".join)
)
def test_the_precheck_skips_only_texts_no_rule_changes(text: str) -> None:
    """redact_text's cheap pre-check never changes what the full rules give."""
    assert redact_text(text) == all_rules(text)


@pytest.mark.parametrize("piece", REDACTION_PIECES)
def test_each_piece_and_planted_secret_redacts_as_the_full_rules(piece: str) -> None:
    for text in (piece, f"found {piece} in a log", f"{piece}=x", f"{piece}: x\n", f"a {piece}x"):
        assert redact_text(text) == all_rules(text), text
