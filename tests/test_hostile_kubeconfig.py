"""A hostile or careless kubeconfig: a user's ``exec``/``auth-provider`` plugin runs only with
``--allow-kubeconfig-exec`` (else an error naming the command and the file, checked before the
kubernetes client reads it); a malformed file is an error naming the file and line, never its
text; ``insecure-skip-tls-verify`` is a run warning in the JSON, the page and the terminal.

No API server is needed: the kubeconfigs point at a closed port on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from collectors.cluster.access import ClusterAccess
from collectors.cluster.live import LiveSource
from collectors.errors import FactError, InputError
from tests.suite import ROOT, run_suite

SECRET = "sha256~kubeconfig-secret-never-shown"
SITE = (
    "cluster: {name: ocp45, base_domain: example.localdomain}\n"
    "nodes:\n  - {name: m1, role: master, ip: 127.0.0.9}\n"
)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kubeconfig(user: dict[str, Any], *, insecure: bool = False, extra_users: int = 0) -> dict:
    """A kubeconfig whose current context uses ``user``; ``extra_users`` unused users with an
    exec plugin beside it."""
    cluster: dict[str, Any] = {"server": f"https://127.0.0.1:{closed_port()}"}
    if insecure:
        cluster["insecure-skip-tls-verify"] = True
    others = [
        {"name": f"other{i}", "user": {"exec": {"command": "/bin/false"}}}
        for i in range(extra_users)
    ]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "admin",
        "contexts": [{"name": "admin", "context": {"cluster": "ocp", "user": "admin"}}],
        "clusters": [{"name": "ocp", "cluster": cluster}],
        "users": [*others, {"name": "admin", "user": user}],
    }


def exec_user(marker: Path) -> dict[str, Any]:
    """An exec plugin that leaves ``marker`` behind when it runs, with a secret in its args."""
    credential = json.dumps(
        {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "kind": "ExecCredential",
            "status": {"token": SECRET},
        }
    )
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "/bin/sh",
            "args": ["-c", f"touch {marker}; echo '{credential}'", SECRET],
            "env": [{"name": "TOKEN", "value": SECRET}],
            "interactiveMode": "Never",
        }
    }


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_exec_plugin_is_refused_before_the_client_runs_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    kc = write(tmp_path / "kc", kubeconfig(exec_user(marker)))
    with pytest.raises(FactError) as err:
        LiveSource(kc)
    text = str(err.value)
    assert text.startswith(f'kubeconfig {kc}: user "admin" of context "admin" has a credential')
    assert 'exec command "/bin/sh"' in text and "--allow-kubeconfig-exec" in text
    assert "token or a client certificate" in err.value.remediation
    assert SECRET not in text and "touch" not in text
    assert not marker.exists()


def test_exec_plugin_runs_when_allowed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    kc = write(tmp_path / "kc", kubeconfig(exec_user(marker)))
    source = LiveSource(kc, allow_exec=True)
    assert marker.exists() and source.host.startswith("https://127.0.0.1:")
    access = ClusterAccess(None, str(kc), True, allow_exec=False)
    with pytest.raises(FactError, match="exec command") as err:
        access.source()
    assert err.value.source == f"kubeconfig {kc}"


def test_auth_provider_is_refused_naming_provider_not_config(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    user = {
        "auth-provider": {
            "name": "gcp",
            "config": {
                "cmd-path": f"/bin/sh -c 'touch {marker}'",
                "access-token": SECRET,
                "expiry": "2000-01-01T00:00:00Z",
            },
        }
    }
    kc = write(tmp_path / "kc", kubeconfig(user))
    with pytest.raises(FactError) as err:
        LiveSource(kc)
    assert 'auth-provider "gcp" (cmd-path "/bin/sh -c' in str(err.value)
    assert SECRET not in str(err.value) and not marker.exists()


def test_the_kubeconfig_checked_is_the_one_loaded(tmp_path: Path, monkeypatch) -> None:
    """The file is read once: swapped for one with an exec plugin after it was checked (a race
    with whoever can write it), the client still loads what was checked and runs nothing."""
    import collectors.localfile as localfile

    marker = tmp_path / "ran"
    kc = write(tmp_path / "kc", kubeconfig({"token": SECRET}))
    read = localfile.read_text

    def swap_after_read(*args: Any, **kwargs: Any) -> Any:
        text = read(*args, **kwargs)
        write(kc, kubeconfig(exec_user(marker)))
        return text

    monkeypatch.setattr(localfile, "read_text", swap_after_read)
    source = LiveSource(kc)
    assert not marker.exists() and source.host.startswith("https://127.0.0.1:")
    assert source.api.configuration.api_key["BearerToken"] == f"Bearer {SECRET}"


def test_relative_certificate_paths_are_read_from_the_kubeconfig_folder(
    tmp_path: Path, monkeypatch
) -> None:
    """As kubectl does: ``certificate-authority: ca.crt`` is next to the kubeconfig, whatever
    the working folder; the kubeconfig is never written back."""
    (tmp_path / "ca.crt").write_text("not read until a connection is made\n")
    doc = kubeconfig({"token": SECRET})
    doc["clusters"][0]["cluster"]["certificate-authority"] = "ca.crt"
    kc = write(tmp_path / "kc", doc)
    before = kc.read_bytes()
    monkeypatch.chdir("/")
    source = LiveSource(kc)
    assert source.api.configuration.ssl_ca_cert == str(tmp_path / "ca.crt")
    assert kc.read_bytes() == before


def test_only_the_user_of_the_context_in_use_counts(tmp_path: Path) -> None:
    kc = write(tmp_path / "kc", kubeconfig({"token": SECRET}, extra_users=2))
    assert LiveSource(kc).host.startswith("https://127.0.0.1:")


@pytest.mark.parametrize(
    "text, line",
    [
        (f"current-context: admin\nusers:\n- name: admin\n  user:\n    token: {SECRET}: x\n", 5),
        (f"users: [{{name: admin, user: {{token: '{SECRET}}}]\n", 2),
        ("- just\n- a list\n", None),
    ],
    ids=["bad-mapping", "unclosed-quote", "not-a-mapping"],
)
def test_malformed_kubeconfig_names_file_and_line_never_text(
    tmp_path: Path, text: str, line: int | None
) -> None:
    kc = tmp_path / "kc"
    kc.write_text(text)
    with pytest.raises(InputError) as err:
        LiveSource(kc)
    where = f"{kc}:{line}" if line else str(kc)
    assert str(err.value).startswith(f"{where}: not a kubeconfig")
    assert SECRET not in str(err.value) and "sha256~" not in str(err.value)


def test_suite_errors_naming_the_command_and_says_nothing_secret(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    kc = write(tmp_path / "kc", kubeconfig(exec_user(marker)))
    inventory = tmp_path / "site.yaml"
    inventory.write_text(SITE)
    run = run_suite("-m", "postinstall", "-k", "csr", "--kubeconfig", str(kc), inventory=inventory)
    errors = [r for r in run.results if r["outcome"] == "error"]
    assert errors, run.stdout[-3000:]
    for record in errors:
        assert f"kubeconfig {kc}" in record["message"]
        assert 'exec command "/bin/sh"' in record["message"]
        assert "--allow-kubeconfig-exec" in record["remediation"]
    for text in (run.stdout, run.stderr, json.dumps(run.report)):
        assert SECRET not in text and "touch" not in text
    assert not marker.exists()


def test_help_names_the_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "--allow-kubeconfig-exec" in done.stdout
    assert "--allow-kubeconfig-exec" in (ROOT / "README.md").read_text()


def test_insecure_cluster_is_a_run_warning_in_json_page_and_terminal(tmp_path: Path) -> None:
    kc = write(tmp_path / "kc", kubeconfig({"token": SECRET}, insecure=True))
    inventory = tmp_path / "site.yaml"
    inventory.write_text(SITE)
    page = tmp_path / "r.html"
    run = run_suite(
        "-m", "postinstall", "-k", "csr", "--kubeconfig", str(kc), "--report-html", str(page),
        inventory=inventory,
    )  # fmt: skip
    said = run.report["run"]["warnings"]
    assert len(said) == 1, said
    assert said[0].startswith(f'kubeconfig {kc}: cluster "ocp" (context "admin") sets insecure')
    assert "insecure-skip-tls-verify: true" in said[0]
    assert 'id="warnings"' in page.read_text() and "insecure-skip-tls-verify" in page.read_text()
    assert "run warnings (1)" in run.stdout and f"WARNING: kubeconfig {kc}" in run.stdout
    for text in (run.stdout, run.stderr, json.dumps(run.report), page.read_text()):
        assert SECRET not in text
    plain = write(tmp_path / "kc2", kubeconfig({"token": SECRET}))
    quiet = run_suite(
        "-m", "postinstall", "-k", "csr", "--kubeconfig", str(plain), inventory=inventory
    )
    assert quiet.report["run"]["warnings"] == []


def test_an_alias_bomb_in_a_kubeconfig_is_refused_naming_it(tmp_path: Path) -> None:
    """A few hundred bytes that would expand to billions of nodes: refused before they are
    built, by the same YAML reader as every other outside file; the header's context lookup
    says nothing rather than hanging."""
    from collectors.cluster.kubeconfig import current_context

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    kc = tmp_path / "kc"
    kc.write_text("current-context: c\n" + "\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        LiveSource(kc)
    assert str(err.value).startswith(f"{kc}:") and "alias bomb" in str(err.value)
    assert current_context(kc) == ""
