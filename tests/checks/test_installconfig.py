"""checks/installconfig.py: installconfig.mirrors."""

from __future__ import annotations

import pytest

from checks.installconfig import evaluate_install_config
from collectors.errors import FactError, NotApplicable
from collectors.facts.installconfig import (
    REQUIRED_SOURCES,
    HostFacts,
    InstallConfigFacts,
    gather_install_config,
)
from collectors.site import Site
from collectors.transport.tlsprobe import TlsResult
from tests.checks import inventory

HOST = "mirror.example:5000"
OK_TLS = TlsResult("mirror.example", 5000, True, True)


def facts(*hosts: HostFacts, coverage: dict | None = None) -> InstallConfigFacts:  # type: ignore[type-arg]
    covered = {s: (f"{HOST}/ocp4/openshift4",) for s in REQUIRED_SOURCES}
    return InstallConfigFacts(
        "install-config.yaml",
        (),
        coverage if coverage is not None else covered,
        1,
        hosts,
        HOST,
        True,
    )


def test_covered_verified_and_logged_in_passes() -> None:
    v = evaluate_install_config(facts(HostFacts(HOST, OK_TLS, None, True)))
    assert v.ok
    assert v.message == (
        f"both release sources mirrored to {HOST}/ocp4/openshift4; trust bundle and pull secret fit"
    )


def test_uncovered_source_gives_the_image_content_sources_entry() -> None:
    coverage = {REQUIRED_SOURCES[0]: (f"{HOST}/ocp4/openshift4",), REQUIRED_SOURCES[1]: ()}
    v = evaluate_install_config(facts(HostFacts(HOST, OK_TLS, None, True), coverage=coverage))
    assert not v.ok
    assert f"no imageContentSources/imageDigestSources entry mirrors {REQUIRED_SOURCES[1]}" in (
        v.message
    )
    assert v.remediation.startswith(
        f'add "- {{mirrors: [{HOST}/<repository>], source: {REQUIRED_SOURCES[1]}}}" '
        "under imageContentSources"
    )
    assert "\\n" not in v.remediation and "\n" not in v.remediation


def test_bundle_that_does_not_verify_and_missing_credentials() -> None:
    bad_tls = TlsResult("mirror.example", 5000, True, False, "self-signed certificate", "CN=lab-ca")
    v = evaluate_install_config(facts(HostFacts(HOST, bad_tls, None, False)))
    assert not v.ok
    assert (
        f"additionalTrustBundle (1 certificate(s)) does not verify {HOST}: self-signed "
        "certificate (its certificate is issued by CN=lab-ca)" in v.message
    )
    assert f"pullSecret has no auths entry for {HOST}" in v.message
    assert "sed -e 's/^/  /' /opt/registry/certs/domain.crt >> install-config.yaml" in v.remediation
    assert f"podman login --authfile pull-secret.json {HOST}" in v.remediation


def test_refused_login_and_offline_bundle_mismatch() -> None:
    v = evaluate_install_config(
        facts(HostFacts(HOST, None, False, True, "HTTP 401: the registry refused user 'x'"))
    )
    assert not v.ok
    assert "additionalTrustBundle lacks the CA in mirror.ca_file" in v.message
    assert f"pullSecret credentials for {HOST} do not work (HTTP 401" in v.message
    assert f"refresh the entry for {HOST} in pullSecret" in v.remediation


CONNECTED = """apiVersion: v1
baseDomain: example.localdomain
metadata: {name: ocp45}
pullSecret: 'not json'
"""


def test_connected_install_is_skipped_and_disconnected_is_not(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "install-config.yaml").write_text(CONNECTED)
    site = Site(inventory(f"install_config: {tmp_path / 'install-config.yaml'}\n"))
    with pytest.raises(NotApplicable, match="^a connected install: install-config.yaml has no"):
        gather_install_config(site, "install-config.yaml")
    site = Site(
        inventory(
            f"install_config: {tmp_path / 'install-config.yaml'}\n"
            "mirror: {registry: '127.0.0.1:9'}\n"
        )
    )
    with pytest.raises(FactError):  # a mirror is wanted: the check runs (here: a bad pullSecret)
        gather_install_config(site, "install-config.yaml")
