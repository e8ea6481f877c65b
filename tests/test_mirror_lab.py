"""The mirror checks against the real lab registry: the clean site passes, each scenario fails
for its reason, and faults (401/403/404/5xx/TLS/timeouts/garbage) are failures or errors that
name the reference. Secrets never reach the output or the JSON report."""

from __future__ import annotations

import base64
import contextlib
import copy
import inspect
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

import checks.installconfig  # noqa: F401 - registers the checks for in_process
import checks.mirror  # noqa: F401
from checks.base import REGISTRY, CheckFailed
from collectors import settings
from collectors.errors import FactError
from collectors.images.registry import (
    OCI_INDEX,
    OCI_MANIFEST,
    RegistryClient,
    RegistryError,
    client_for,
)
from collectors.images.release import IMAGE_REFERENCES
from collectors.inventory import load_inventory
from collectors.site import Site
from lab import Lab
from lab.core import start_alone
from lab.registry import (
    BROKEN_LAYER_TAG,
    LOCAL_REPOSITORY,
    MULTI_TAG,
    NO_REFERENCES_TAG,
    NOT_IMAGESTREAM_TAG,
    OCI_INDEX_TAG,
    RELEASE_TAG,
    write_proxy_rules,
)
from tests.suite import SuiteRun, run_suite

pytestmark = pytest.mark.lab  # starts the lab's servers

FAST = {"UPI_HTTP_TIMEOUT": "1.5", "UPI_HTTP_BACKOFF": "0.05", "UPI_HTTP_RETRIES": "2"}
SELECT = ("-m", "preflight", "-k", "mirror or installconfig", "-p", "no:randomly")


def suite(
    lab: Lab, inventory: Path | None = None, *extra: str, env: dict[str, str] | None = None
) -> SuiteRun:
    return run_suite(
        *SELECT, *extra, inventory=inventory or lab.inventory_path, env={**FAST, **(env or {})}
    )


def in_process(inventory: Path, check_id: str, subject: str) -> tuple[str, str]:
    """Run one check for one subject in this process (same gather/evaluate path as the plugin):
    (outcome, message). Cheaper than a suite run for the many fault cases."""
    spec = REGISTRY[check_id]
    fn = getattr(sys.modules[spec.module], "test_" + check_id.replace(".", "_"))
    site = Site(load_inventory(inventory))
    try:
        try:
            facts = spec.gather(site, subject)
        except FactError as exc:
            return "error", str(exc)
        given = {"facts": facts, "site": site, "subject": subject}
        try:
            fn(**{k: v for k, v in given.items() if k in inspect.signature(fn).parameters})
        except CheckFailed as exc:
            return "failed", exc.verdict.message
        return "passed", ""
    finally:
        with contextlib.suppress(FactError):
            client_for(site).close()


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short timeouts and backoff for in-process fault runs."""
    monkeypatch.setattr(settings, "HTTP_TIMEOUT", 1.5)
    monkeypatch.setattr(settings, "HTTP_BACKOFF", 0.05)
    monkeypatch.setattr(settings, "HTTP_RETRIES", 2)


def variant(lab: Lab, path: Path, **overrides: object) -> Path:
    """An inventory file with overrides, leaving the lab's own inventory untouched
    (Lab.write_inventory merges into a shallow copy, so nested keys would leak)."""
    saved = copy.deepcopy(lab.inventory)
    try:
        return lab.write_inventory(path, **overrides)
    finally:
        lab.inventory = saved


def subjects(lab: Lab) -> tuple[str, str, str]:
    m = lab.inventory["mirror"]
    return m["registry"], m["release_image"], Path(lab.inventory["install_config"]).name


@pytest.fixture
def start_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Lab]]:
    """Start the registry part alone for a scenario (no DNS/LB: the mirror checks need none)."""
    labs: list[Lab] = []

    def start(scenario: str) -> Lab:
        lab = Lab(tmp_path_factory.mktemp(scenario), scenario, max_seconds=900)
        labs.append(lab)
        return start_alone(lab)

    yield start
    for lab in labs:
        lab.stop()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_alone(Lab(tmp_path_factory.mktemp("mirror-clean"), "mirror-clean", max_seconds=900))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_alone(
        Lab(tmp_path_factory.mktemp("mirror-faults"), "mirror-faults", max_seconds=900)
    )
    yield lab
    lab.stop()


# --------------------------------------------------------------------------- clean site


def test_clean_mirror_passes(clean: Lab) -> None:
    host, release, ic = subjects(clean)
    run = suite(clean)
    assert run.outcome("mirror.access", host) == "passed", run.stdout[-3000:]
    assert run.outcome("mirror.release", release) == "passed", run.stdout[-3000:]
    assert run.outcome("installconfig.mirrors", ic) == "passed", run.stdout[-3000:]
    assert REGISTRY["mirror.access"].markers == ("preflight", "postinstall")
    assert REGISTRY["mirror.release"].markers == ("preflight",)


def test_client_api(clean: Lab) -> None:
    inv = load_inventory(clean.inventory_path)
    host, release, _ = subjects(clean)
    payload: dict[str, str] = json.loads((clean.workdir / "registry" / "payload.json").read_text())
    with RegistryClient.from_inventory(inv) as client:
        ping = client.ping(host)
        assert (ping.status, ping.scheme, ping.username) == (200, "basic", "openshift")
        assert client.has_manifest(release)
        assert not client.has_manifest(f"{host}/{LOCAL_REPOSITORY}@sha256:" + "0" * 64)
        assert not client.has_manifest(f"{host}/nope/nothing:latest")
        refs = [f"{host}/{LOCAL_REPOSITORY}@{d}" for d in payload.values()]
        answers = client.has_manifests(refs)
        assert list(answers.values()) == [True] * len(payload)
        media, digest = client.head_manifest(refs[2])  # every third component is OCI
        assert media == OCI_MANIFEST and digest == payload[list(payload)[2]]
        single = client.image_manifest(release)
        via_list = client.image_manifest(f"{host}/{LOCAL_REPOSITORY}:{MULTI_TAG}")
        assert via_list is not None and single is not None and via_list.digest == single.digest
        index = client.get_manifest(f"{host}/{LOCAL_REPOSITORY}:{OCI_INDEX_TAG}")
        assert index is not None and index.is_index and index.media_type == OCI_INDEX
        member = client.image_manifest(f"{host}/{LOCAL_REPOSITORY}:{OCI_INDEX_TAG}")
        assert member is not None and member.media_type == OCI_MANIFEST
        assert client.head_manifest(f"{host}/{LOCAL_REPOSITORY}:{OCI_INDEX_TAG}")[0] == OCI_INDEX
        data = client.read_file(release, IMAGE_REFERENCES)
        assert data is not None and json.loads(data)["kind"] == "ImageStream"
        assert client.read_file(release, "no/such/file") is None


def test_lookups_reuse_their_connections(clean: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """HEADs, 404s, manifests and tag lists hand their connection back to the keep-alive pool:
    a batch of lookups opens at most one connection per worker, not one per request (closing
    each response made every HEAD a new TLS handshake, 1.7x the HEAD loop's time)."""
    import urllib3.connection

    opened: list[object] = []
    connect = urllib3.connection.HTTPSConnection.connect

    def counting(self: object) -> None:
        opened.append(self)
        connect(self)  # type: ignore[arg-type]

    monkeypatch.setattr(urllib3.connection.HTTPSConnection, "connect", counting)
    inv = load_inventory(clean.inventory_path)
    host, release, _ = subjects(clean)
    payload: dict[str, str] = json.loads((clean.workdir / "registry" / "payload.json").read_text())
    refs = [f"{host}/{LOCAL_REPOSITORY}@{d}" for d in payload.values()]
    absent = [f"{host}/{LOCAL_REPOSITORY}@sha256:{n:064x}" for n in range(len(refs))]
    with RegistryClient.from_inventory(
        inv,
    ) as client:
        client.ping(host)
        for _ in range(5):
            answers = client.has_manifests([*refs, *absent])
            assert sum(a is True for a in answers.values()) == len(refs)
            assert client.get_manifest(release) is not None
            assert client.list_tags(client._as_ref(release))
        workers = client.max_workers
    # the ping and the first 401 challenges close theirs (bodies left unread): a few more
    assert 1 <= len(opened) <= workers + 4, f"{len(opened)} connections for {10 * len(refs)} HEADs"


@pytest.mark.parametrize(
    ("tag", "outcome", "says"),
    [
        (BROKEN_LAYER_TAG, "error", "not a tar archive"),
        (NOT_IMAGESTREAM_TAG, "error", "is a ConfigMap, not an ImageStream"),
        (NO_REFERENCES_TAG, "error", "no layer holds release-manifests/image-references"),
        ("4.5.7-x86_64", "failed", "the release image itself is missing"),
    ],
)
def test_release_image_faults(
    clean: Lab, tmp_path: Path, fast: None, tag: str, outcome: str, says: str
) -> None:
    host = clean.inventory["mirror"]["registry"]
    image = f"{host}/{LOCAL_REPOSITORY}:{tag}"
    inventory = variant(clean, tmp_path / "site.yaml", mirror={"release_image": image})
    got, message = in_process(inventory, "mirror.release", image)
    assert got == outcome, message
    assert says in message and image in message, message


# --------------------------------------------------------------------------- fault proxy


@pytest.mark.parametrize(
    ("rules", "check", "outcome", "says"),
    [
        (
            {"rules": [{"path": f"/manifests/{RELEASE_TAG}$", "status": 403}]},
            "mirror.release",
            "error",
            "HTTP 403 Forbidden",
        ),
        ({"fail_first": 10**6, "fail_status": 500}, "mirror.access", "failed", "HTTP 500 from"),
        ({"fail_first": 10**6, "fail_status": 503}, "mirror.release", "error", "HTTP 503 from"),
        (
            {"rules": [{"path": "^/v2/$", "delay": 4}]},
            "mirror.access",
            "error",  # no answer before the timeout: not a verdict on the mirror (issue 18)
            "no answer within 1.5s",
        ),
        (
            {
                "rules": [
                    {
                        "method": "GET",
                        "path": f"/manifests/{RELEASE_TAG}$",
                        "body": "<html>oops</html>",
                        "content_type": "text/html",
                    }
                ]
            },
            "mirror.release",
            "error",
            "the manifest is not JSON",
        ),
        (
            {"rules": [{"method": "GET", "path": "/blobs/sha256:", "body": "tampered"}]},
            "mirror.release",
            "error",
            "not to its digest",
        ),
        (
            {"rules": [{"method": "HEAD", "path": "/manifests/sha256:", "status": 502}]},
            "mirror.release",
            "error",
            "could not look up 12 component(s)",
        ),
        ({"fail_first": 2, "fail_status": 429}, "mirror.access", "passed", ""),
    ],
    ids=[
        "403",
        "500-access",
        "503-release",
        "timeout",
        "non-json-manifest",
        "blob-digest",
        "component-5xx",
        "429-retried",
    ],
)
def test_registry_faults(
    faults: Lab, fast: None, rules: dict, check: str, outcome: str, says: str
) -> None:
    host, release, _ = subjects(faults)
    subject = host if check == "mirror.access" else release
    write_proxy_rules(faults, **rules)
    try:
        got, message = in_process(faults.inventory_path, check, subject)
    finally:
        write_proxy_rules(faults)
    assert got == outcome, message
    assert says in message, message
    if outcome != "passed":
        assert (host in message) or (release in message), message


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        ({"rules": [{"path": "^/v2/$", "status": 403}]}, "HTTP 403 Forbidden"),
        ({"fail_first": 10**6, "fail_status": 503}, "HTTP 503 from"),
        ({"rules": [{"path": "^/v2/$", "delay": 4}]}, "no answer within 1.5s"),
    ],
    ids=["403", "503", "timeout"],
)
def test_install_config_login_not_tested_is_an_error(
    faults: Lab, fast: None, rules: dict, says: str
) -> None:
    """Only a 401 says the pullSecret is wrong; any other trouble leaves the login untested."""
    host, _, ic = subjects(faults)
    write_proxy_rules(faults, **rules)
    try:
        got, message = in_process(faults.inventory_path, "installconfig.mirrors", ic)
    finally:
        write_proxy_rules(faults)
    assert got == "error", message
    assert "could not test the login" in message and says in message and host in message, message


def test_slow_drip_blob_is_cut_off_and_size_capped(
    faults: Lab, fast: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each drip arrives well within the per-read timeout; the whole download still has a
    deadline."""
    _, release, _ = subjects(faults)
    monkeypatch.setattr(settings, "HTTP_TOTAL_TIMEOUT", 2.0)
    write_proxy_rules(
        faults, rules=[{"method": "GET", "path": "/blobs/sha256:", "drip": [16, 0.3]}]
    )
    try:
        started = time.monotonic()
        got, message = in_process(faults.inventory_path, "mirror.release", release)
        took = time.monotonic() - started
    finally:
        write_proxy_rules(faults)
    assert (
        got == "error" and "download not finished within 2s" in message and "(blob)" in message
    ), message
    assert took < 15, took
    monkeypatch.setattr(settings, "BLOB_MAX_BYTES", 100)
    got, message = in_process(faults.inventory_path, "mirror.release", release)
    assert got == "error" and "larger than the 100" in message, message


def test_fault_outcomes_through_the_suite(faults: Lab) -> None:
    """The same faults as a user sees them: a 403 on the release is an error naming it, a
    registry stuck at 500 fails mirror.access (run as a subprocess, -n 2)."""
    host, release, ic = subjects(faults)
    write_proxy_rules(
        faults,
        rules=[
            {"path": f"/manifests/{RELEASE_TAG}$", "status": 403},
            {"path": "^/v2/$", "status": 500},
        ],
    )
    try:
        run = suite(faults, None, "-n", "2")
    finally:
        write_proxy_rules(faults)
    access, rel = run.record("mirror.access", host), run.record("mirror.release", release)
    assert access["outcome"] == "failed" and "HTTP 500 from" in access["message"], access
    assert (
        rel["outcome"] == "error"
        and "HTTP 403 Forbidden" in rel["message"]
        and release in rel["message"]
    ), rel


def test_server_errors_are_retried_with_backoff(faults: Lab) -> None:
    """5 answers of 500 fit in 6 tries; the client waits between them and then succeeds."""
    host, release, _ = subjects(faults)
    write_proxy_rules(faults, fail_first=5, fail_status=500)
    try:
        client = RegistryClient.from_inventory(load_inventory(faults.inventory_path))
        client.retries, client.backoff = 5, 0.01
        assert client.has_manifest(release)
        write_proxy_rules(faults, fail_first=10, fail_status=500)
        client.retries = 3
        with pytest.raises(RegistryError, match=r"HTTP 500 from .*4 tries") as info:
            client.has_manifest(release)
        assert info.value.kind == "server"
    finally:
        write_proxy_rules(faults)


# --------------------------------------------------------------------------- scenarios


def test_missing_components_named(start_mirror: Callable[[str], Lab]) -> None:
    lab = start_mirror("mirror-missing-components")
    host, release, ic = subjects(lab)
    run = suite(lab)
    rec = run.record("mirror.release", release)
    assert rec["outcome"] == "failed"
    assert "2 missing: haproxy-router, etcd" in rec["message"]
    assert any(
        d.startswith("haproxy-router: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:")
        for d in rec["details"]
    )
    assert "oc adm release mirror" in rec["remediation"]
    assert run.outcome("mirror.access", host) == "passed"
    assert run.outcome("installconfig.mirrors", ic) == "passed"


def test_wrong_password_and_secrets_never_shown(start_mirror: Callable[[str], Lab]) -> None:
    lab = start_mirror("mirror-wrong-password")
    host, release, ic = subjects(lab)
    run = suite(lab, None, "-vv", "-rA", "--log-level=DEBUG", "--log-cli-level=DEBUG")
    access = run.record("mirror.access", host)
    assert access["outcome"] == "failed" and "HTTP 401 Unauthorized" in access["message"]
    assert "podman login" in access["remediation"]
    assert run.outcome("mirror.release", release) == "error"
    icr = run.record("installconfig.mirrors", ic)
    assert icr["outcome"] == "failed" and "pullSecret credentials for" in icr["message"]
    model = lab.registry_model  # type: ignore[attr-defined]
    secrets = [model.password, model.auth_password]
    secrets += [base64.b64encode(f"{model.user}:{p}".encode()).decode() for p in secrets]
    shown = run.stdout + run.stderr + json.dumps(run.report)
    for secret in secrets:
        assert secret not in shown
    assert "Authorization" not in shown


def test_untrusted_ca(start_mirror: Callable[[str], Lab]) -> None:
    lab = start_mirror("mirror-untrusted-ca")
    host, release, ic = subjects(lab)
    run = suite(lab)
    access = run.record("mirror.access", host)
    assert (
        access["outcome"] == "failed"
        and "TLS to" in access["message"]
        and "other-ca.crt" in access["message"]
    )
    assert "mirror.ca_file" in access["remediation"]
    rel = run.record("mirror.release", release)
    assert rel["outcome"] == "error" and release in rel["message"] and "TLS" in rel["message"]
    icr = run.record("installconfig.mirrors", ic)
    assert (
        icr["outcome"] == "failed"
        and "additionalTrustBundle (1 certificate(s)) does not verify" in icr["message"]
    )


def test_flaky_registry_recovers(start_mirror: Callable[[str], Lab]) -> None:
    lab = start_mirror("mirror-flaky")
    host, release, ic = subjects(lab)
    run = suite(lab)
    assert run.outcome("mirror.access", host) == "passed", run.stdout[-2000:]
    assert run.outcome("mirror.release", release) == "passed", run.stdout[-2000:]
    log = (lab.procs.logdir / "registry-proxy.out").read_text()
    assert len(re.findall(r"-> 500", log)) == 3


def test_token_auth(start_mirror: Callable[[str], Lab]) -> None:
    lab = start_mirror("mirror-token-auth")
    host, release, ic = subjects(lab)
    run = suite(lab, None, "-vv", "--log-level=DEBUG")
    assert run.outcome("mirror.access", host) == "passed"
    assert run.outcome("mirror.release", release) == "passed"
    assert run.outcome("installconfig.mirrors", ic) == "passed"
    shown = run.stdout + run.stderr + json.dumps(run.report)
    assert "Bearer" not in shown and not re.search(r"eyJ[A-Za-z0-9_-]{10,}", shown)
    with RegistryClient.from_inventory(load_inventory(lab.inventory_path)) as client:
        assert client.ping(host).scheme == "bearer"
        assert client.has_manifest(release)


def test_plain_http_token_realm_is_refused(start_mirror: Callable[[str], Lab], fast: None) -> None:
    """Credentials are never sent to a token service the registry names over plain HTTP."""
    lab = start_mirror("mirror-http-token-realm")
    host, release, _ = subjects(lab)
    with (
        RegistryClient.from_inventory(load_inventory(lab.inventory_path)) as client,
        pytest.raises(RegistryError, match="which is not HTTPS") as info,
    ):
        client.ping(host)
    assert "refusing to send user 'openshift'" in str(info.value) and host in str(info.value)
    got, message = in_process(lab.inventory_path, "mirror.release", release)
    assert got == "error" and "is not HTTPS" in message, message


def test_install_config_without_art_dev(start_mirror: Callable[[str], Lab]) -> None:
    lab = start_mirror("mirror-icsp-incomplete")
    host, release, ic = subjects(lab)
    run = suite(lab)
    icr = run.record("installconfig.mirrors", ic)
    assert icr["outcome"] == "failed"
    assert (
        "no imageContentSources/imageDigestSources entry mirrors "
        "quay.io/openshift-release-dev/ocp-v4.0-art-dev" in icr["message"]
    )
    rel = run.record("mirror.release", release)
    assert rel["outcome"] == "failed" and "12 missing" in rel["message"]
    assert "add imageContentSources entries" in rel["remediation"]


# --------------------------------------------------------------------------- bad input


def test_bad_input_files_are_errors_naming_them(clean: Lab, tmp_path: Path, fast: None) -> None:
    host, release, _ = subjects(clean)
    bad_auth = tmp_path / "auth.json"
    bad_auth.write_text('{"auths": {"' + host + '": {"auth": "%%%"}}}')
    inventory = variant(clean, tmp_path / "site.yaml", mirror={"auth_file": str(bad_auth)})
    got, message = in_process(inventory, "mirror.access", host)
    assert got == "error" and str(bad_auth) in message and f"auths.{host}" in message, message
    assert "%%%" not in message

    missing = variant(
        clean, tmp_path / "site2.yaml", mirror={"auth_file": str(tmp_path / "nope.json")}
    )
    got, message = in_process(missing, "mirror.release", release)
    assert got == "error" and "nope.json: cannot read" in message, message

    ic = tmp_path / "install-config.yaml"
    good = Path(clean.inventory["install_config"]).read_text()
    ic.write_text(good + "imageContentSources: [\n")
    broken = variant(clean, tmp_path / "site3.yaml", install_config=str(ic))
    got, message = in_process(broken, "installconfig.mirrors", ic.name)
    assert got == "error" and re.search(rf"{re.escape(str(ic))}:\d+: not valid YAML", message), (
        message
    )
    got, message = in_process(broken, "mirror.release", release)
    assert got == "error" and str(ic) in message, message
    assert "pw-" not in message

    no_ca = variant(clean, tmp_path / "site4.yaml", mirror={"ca_file": str(tmp_path / "ca.crt")})
    got, message = in_process(no_ca, "mirror.access", host)
    assert got == "error" and "mirror.ca_file does not exist" in message, message


def test_pull_secret_without_mirror_entry(clean: Lab, tmp_path: Path, fast: None) -> None:
    host, _, _ = subjects(clean)
    doc = yaml.safe_load(Path(clean.inventory["install_config"]).read_text())
    secret = json.loads(doc["pullSecret"])
    del secret["auths"][host]
    doc["pullSecret"] = json.dumps(secret)
    ic = tmp_path / "install-config.yaml"
    ic.write_text(yaml.safe_dump(doc))
    inventory = variant(clean, tmp_path / "site.yaml", install_config=str(ic))
    got, message = in_process(inventory, "installconfig.mirrors", ic.name)
    assert got == "failed" and f"pullSecret has no auths entry for {host}" in message, message


def test_corrupt_trust_bundle_block_is_an_error(clean: Lab, tmp_path: Path, fast: None) -> None:
    """A bad additionalTrustBundle block is reported, not skipped."""
    doc = yaml.safe_load(Path(clean.inventory["install_config"]).read_text())
    doc["additionalTrustBundle"] += (
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    )
    ic = tmp_path / "install-config.yaml"
    ic.write_text(yaml.safe_dump(doc))
    inventory = variant(clean, tmp_path / "site.yaml", install_config=str(ic))
    got, message = in_process(inventory, "installconfig.mirrors", ic.name)
    assert got == "error", message
    assert (
        f"{ic}: additionalTrustBundle: certificate #2 is not a valid X.509 PEM block" in message
    ), message


def test_traceback_locals_never_show_the_pull_secret(
    clean: Lab, monkeypatch: pytest.MonkeyPatch, fast: None
) -> None:
    """``pytest -l`` prints every frame's locals on an unexpected exception: none holds the
    pullSecret."""
    import collectors.facts.installconfig as icheck

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(icheck, "verify_tls", boom)
    _, _, ic = subjects(clean)
    site = Site(load_inventory(clean.inventory_path))
    with pytest.raises(RuntimeError) as info:
        REGISTRY["installconfig.mirrors"].gather(site, ic)
    shown = str(info.getrepr(showlocals=True, style="long"))
    assert "gather_install_config" in shown and "config = " in shown, shown
    model = clean.registry_model  # type: ignore[attr-defined]
    pull_secret = yaml.safe_load(Path(clean.inventory["install_config"]).read_text())["pullSecret"]
    for secret in (
        model.password,
        base64.b64encode(f"{model.user}:{model.password}".encode()).decode(),
        pull_secret,
    ):
        assert secret not in shown


def test_registry_part_is_registered() -> None:
    """``python -m lab up --scenario mirror-...`` starts the registry with the rest of the lab."""
    import lab.registry
    from lab.core import PARTS
    from lab.scenarios import SCENARIOS

    assert PARTS["registry"] is lab.registry
    mirror_scenarios = [s for s in SCENARIOS.values() if s.name.startswith("mirror-")]
    assert len(mirror_scenarios) >= 6 and all("registry" in s.parts for s in mirror_scenarios)


def test_without_install_config_and_without_credentials(
    clean: Lab, tmp_path: Path, fast: None
) -> None:
    host, release, _ = subjects(clean)
    bare = variant(clean, tmp_path / "site.yaml", install_config=None)
    got, message = in_process(bare, "mirror.release", release)
    assert got == "passed", message  # oc adm release mirror's layout is assumed
    other = tmp_path / "auth.json"
    other.write_text(
        json.dumps({"auths": {"quay.io": {"auth": base64.b64encode(b"u:p").decode()}}})
    )
    anon = variant(clean, tmp_path / "site2.yaml", mirror={"auth_file": str(other)})
    got, message = in_process(anon, "mirror.access", host)
    assert got == "failed" and f"there are no credentials for it in {other}" in message, message
