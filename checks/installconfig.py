"""install-config.yaml for a disconnected install: its mirror rules cover the release and its
content, its additionalTrustBundle verifies the mirror, its pullSecret logs in to the mirror.

Secrets in the file (pullSecret) are parsed, never shown: messages name keys and hosts only.
The facts come from ``collectors.facts.installconfig``.
"""

from __future__ import annotations

from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.installconfig import (
    InstallConfigFacts,
    gather_install_config,
    install_config_name,
)
from collectors.images.imageref import parse_reference


def evaluate_install_config(f: InstallConfigFacts) -> Verdict:
    """Both release sources mirrored (to mirror.registry when given); the bundle verifies each
    mirror host; the pullSecret has working credentials for each."""
    problems: list[str] = []
    remedies: list[str] = []
    for source, mirrors in f.coverage.items():
        if not mirrors:
            problems.append(f"no imageContentSources/imageDigestSources entry mirrors {source}")
            target = (
                f"{f.expected_host}/<repository>" if f.expected_host else "<mirror>/<repository>"
            )
            remedies.append(
                f'add "- {{mirrors: [{target}], source: {source}}}" under imageContentSources '
                "(the lines oc adm release mirror prints)"
            )
        elif f.expected_host and not any(
            parse_reference(m).registry == f.expected_host for m in mirrors
        ):
            problems.append(
                f"{source} mirrors to {', '.join(mirrors)}, "
                f"not to mirror.registry {f.expected_host}"
            )
            remedies.append(f"point the mirrors of {source} at {f.expected_host}")
    for h in f.hosts:
        if h.bundle is not None and not h.bundle.verified:
            held = f"{f.bundle_certs} certificate(s)" if f.bundle_certs else "no certificate"
            issuer = f" (its certificate is issued by {h.bundle.issuer})" if h.bundle.issuer else ""
            problems.append(
                f"additionalTrustBundle ({held}) does not verify {h.host}: {h.bundle.error}{issuer}"
            )
            remedies.append(
                "append the registry CA to additionalTrustBundle, indented two spaces: "
                "sed -e 's/^/  /' /opt/registry/certs/domain.crt >> install-config.yaml"
            )
        elif h.bundle is None and h.bundle_offline_ok is False:
            problems.append(
                "additionalTrustBundle lacks the CA in mirror.ca_file "
                f"({h.host} unreachable to test)"
            )
            remedies.append("append mirror.ca_file's certificate to additionalTrustBundle")
        if not h.has_credential:
            problems.append(
                f"pullSecret has no auths entry for {h.host}"
                + ("" if f.has_pull_secret else " (no pullSecret at all)")
            )
            remedies.append(
                "add the mirror's entry to the pull secret: "
                f"podman login --authfile pull-secret.json "
                f"{h.host}, then put the merged JSON on one line in pullSecret"
            )
        elif h.login_error:
            problems.append(f"pullSecret credentials for {h.host} do not work ({h.login_error})")
            remedies.append(
                f"refresh the entry for {h.host} in pullSecret "
                f"(podman login --authfile pull-secret.json "
                f"{h.host}) and paste the new JSON"
            )
    if not problems:
        mirrored = sorted({m for ms in f.coverage.values() for m in ms})
        return passed(
            f"both release sources mirrored to {', '.join(mirrored)}; "
            "trust bundle and pull secret fit"
        )
    return failed(
        expected="imageContentSources/imageDigestSources covering ocp-release and "
        "ocp-v4.0-art-dev, an "
        "additionalTrustBundle that verifies the mirror, and pullSecret credentials for it",
        found="; ".join(problems),
        remediation="; ".join(dict.fromkeys(remedies)),
    )


@check(
    "installconfig.mirrors",
    title="install-config mirrors, trust bundle and pull secret",
    markers=["preflight"],
    subject="install-config file name",
    fails_when="imageContentSources/imageDigestSources miss ocp-release or ocp-v4.0-art-dev, "
    "additionalTrustBundle does not verify the mirror, "
    "or pullSecret has no working credentials for it (skipped for a connected install: no mirror "
    "anywhere)",
    remediation="add the mirror entries, the registry CA and the mirror's pull-secret entry "
    "to install-config.yaml",
    subjects=install_config_name,
    gather=gather_install_config,
    requires=("install_config",),
)
def test_installconfig_mirrors(facts: InstallConfigFacts) -> None:
    expect(evaluate_install_config(facts))
