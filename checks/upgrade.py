"""Upgrade readiness of a disconnected cluster (``003_3beb5915e9cef39c.txt``): no paused
MachineConfigPool, every MachineHealthCheck that selects machines paused before the update
(one that selects none, such as the operator-owned ``machine-api-termination-handler`` on a site
without spot instances, cannot remediate anything: see ``collectors.facts.upgrade``), and the
next release (upgrade.target) mirrored, mapped, signed and allowed before the change window.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json

from checks.base import Verdict, check, expect, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.upgrade import (
    Selection,
    TargetFacts,
    gather_target,
    gather_upgrade,
    target_subjects,
    upgrade_subjects,
)
from collectors.images.release import (
    SIGNATURE_LABEL,
    SIGNATURE_NAMESPACE,
    VERIFICATION_CONFIGMAP,
    version_key,
)
from collectors.visible import shell_word

PAUSED = "cluster.x-k8s.io/paused"


def evaluate_upgrade(kind: str, obj: Obj, selected: Selection | None = None) -> Verdict:
    """A pool must not be paused; an MHC that selects machines (or may: ``selected`` unknown)
    must carry the paused annotation."""
    name = F.name_of(obj)
    if kind == "machineconfigpool":
        if (obj.get("spec") or {}).get("paused"):
            return failed(
                expected=f"MachineConfigPool {name} not paused "
                "(its nodes would be skipped by the update)",
                found="spec.paused: true",
                remediation=f"oc patch {shell_word(f'mcp/{name}')} --type merge "
                '--patch \'{"spec":{"paused":false}}\'',
            )
        return passed("not paused")
    ns = obj["metadata"].get("namespace", "openshift-machine-api")
    if selected is not None and selected.selects_nothing:
        return passed(f"selects no machine ({selected.basis}): nothing to pause")
    if PAUSED in F.annotations(obj):
        return passed(
            f"annotated {PAUSED} (remove it after the update: "
            f"oc -n {shell_word(ns)} annotate mhc {shell_word(name)} {PAUSED}-)"
        )
    basis = f" ({selected.basis})" if selected is not None else ""
    return failed(
        expected=f"MachineHealthCheck {name} paused before a disconnected update "
        "(nodes reboot during it)",
        found=f"no {PAUSED} annotation{basis}",
        remediation=f'oc -n {shell_word(ns)} annotate mhc {shell_word(name)} {PAUSED}=""  '
        f"(and after the update: oc -n {shell_word(ns)} annotate mhc {shell_word(name)} "
        f"{PAUSED}-)",
    )


@check(
    "upgrade.readiness",
    reads_site=False,  # the cluster only: runs on a must-gather
    title="Ready for a disconnected update",
    markers=["postinstall"],
    subject="machineconfigpool/<name>, machinehealthcheck/<namespace>/<name>",
    fails_when="a MachineConfigPool is paused, or a MachineHealthCheck that selects machines "
    "lacks cluster.x-k8s.io/paused",
    remediation="unpause the pool; annotate the MHC cluster.x-k8s.io/paused",
    subjects=upgrade_subjects,
    gather=gather_upgrade,
)
def test_upgrade_readiness(facts: tuple[str, Obj] | tuple[str, Obj, Selection]) -> None:
    expect(evaluate_upgrade(*facts))


# --------------------------------------------------------------------------- upgrade.target


def release_mirror_command(facts: TargetFacts) -> str:
    """The ``oc adm release mirror`` line that mirrors the target by digest, with signatures.

    >>> f = TargetFacts("m:5000/ocp4/openshift4@sha256:" + "a" * 64, "sha256:" + "a" * 64,
    ...                 "m:5000", "ps.json", (), None, version="4.5.13",
    ...                 mirror_repository="m:5000/ocp4/openshift4")
    >>> print(release_mirror_command(f).replace("a" * 64, "..."))  # doctest: +NORMALIZE_WHITESPACE
    oc adm release mirror -a ps.json
      --from=quay.io/openshift-release-dev/ocp-release@sha256:...
      --to=m:5000/ocp4/openshift4 --to-release-image=m:5000/ocp4/openshift4:4.5.13-x86_64
      --release-image-signature-to-dir=./release-signatures
    """
    tag = f"{facts.version or '<version>'}-x86_64"
    return (
        f"oc adm release mirror -a {shell_word(facts.auth_file)} "
        f"{shell_word(f'--from=quay.io/openshift-release-dev/ocp-release@{facts.digest}')} "
        f"{shell_word(f'--to={facts.mirror_repository}')} "
        f"{shell_word(f'--to-release-image={facts.mirror_repository}:{tag}')} "
        "--release-image-signature-to-dir=./release-signatures"
    )


def icsp_command(sources: tuple[str, ...], mirror_repository: str) -> str:
    """An ``oc apply`` of the ImageContentSourcePolicy mapping ``sources`` to the mirror.

    >>> print(icsp_command(("quay.io/a",), "m:5000/ocp4/openshift4"))  # doctest: +ELLIPSIS
    oc apply -f - <<< '{"apiVersion": "operator.openshift.io/v1alpha1", ...}]}}'
    """
    icsp = {
        "apiVersion": "operator.openshift.io/v1alpha1",
        "kind": "ImageContentSourcePolicy",
        "metadata": {"name": "release-mirror"},
        "spec": {
            "repositoryDigestMirrors": [
                {"source": s, "mirrors": [mirror_repository]} for s in sources
            ]
        },
    }
    return f"oc apply -f - <<< {shell_word(json.dumps(icsp))}"


def _signature_blockers(facts: TargetFacts) -> list[tuple[str, str, tuple[str, ...]]]:
    """No trusted keyring, or a trusted keyring without a good signature of the target (the CVO
    needs one from each), each signature that does not count saying why."""
    hexpart = facts.digest.split(":", 1)[-1]
    fix = f"{release_mirror_command(facts)}; then oc apply -f ./release-signatures/"
    bad_rings = tuple(f"{k.name}: {k.problem}" for k in facts.keyrings if k.problem)
    if not any(not k.problem for k in facts.keyrings):
        why = "; ".join(bad_rings) or (
            f"no ConfigMap {SIGNATURE_NAMESPACE}/{VERIFICATION_CONFIGMAP} with "
            "verifier-public-key-* entries in the cluster"
        )
        return [
            (
                f"the cluster trusts no release key, so no signature can verify ({why})",
                f"oc get configmap -n {SIGNATURE_NAMESPACE} {VERIFICATION_CONFIGMAP} -o yaml "
                "(the cluster-version operator restores it from the release payload; a "
                "changed one is reconciled back)",
                bad_rings,
            )
        ]
    if not facts.unsigned_keyrings:
        return []
    details = bad_rings + tuple(
        f"{c.where}: {c.problem}" + (f" (verified by {c.verified_by})" if c.verified_by else "")
        for c in facts.checked
        if c.problem
    )
    if not facts.checked:
        odd = [f"{s.name}: {', '.join(s.unexpected)}" for s in facts.signatures if s.unexpected]
        note = f" (keys of another shape: {'; '.join(odd)})" if odd else ""
        what = (
            f"no ConfigMap in {SIGNATURE_NAMESPACE} labelled {SIGNATURE_LABEL} holds binaryData "
            f"sha256-{hexpart}-<n> ({len(facts.signatures)} signature ConfigMap(s) read){note}"
        )
    else:
        bad = [c for c in facts.checked if c.problem]
        what = (
            f"no signature of the target verifies with trusted keyring "
            f"{' and '.join(facts.unsigned_keyrings)} and names {facts.digest}: "
            + "; ".join(f"{c.where}: {c.problem}" for c in bad[:3])
            + (f" (and {len(bad) - 3} more)" if len(bad) > 3 else "")
        )
    return [(what, fix, details)]


def target_blockers(facts: TargetFacts) -> list[tuple[str, str, tuple[str, ...]]]:
    """What stops the update to the target: (what was found, the command that fixes it,
    details), in the order to fix them."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    if facts.unmapped_sources:
        out.append(
            (
                "the cluster's ICSP/IDMS do not map "
                + " and ".join(facts.unmapped_sources)
                + f" to the mirror {facts.mirror_host} (rules: {facts.rules_from})",
                icsp_command(facts.unmapped_sources, facts.mirror_repository),
                (),
            )
        )
    if facts.release_found is None:
        where = ", ".join(str(c) for c in facts.release_at) or "nowhere on the mirror"
        out.append(
            (
                f"the target release image is not in the mirror (looked up at {where})",
                release_mirror_command(facts),
                (),
            )
        )
    missing = [c for c in facts.components if not c.found]
    if missing:
        details = tuple(
            f"{c.name}: {c.source} looked up at "
            + (", ".join(str(x) for x in c.candidates) or "nowhere (no rule maps its source)")
            for c in missing
        )
        out.append(
            (
                f"{len(missing)} of {len(facts.components)} components of the target missing "
                "from the mirror: " + ", ".join(c.name for c in missing),
                release_mirror_command(facts),
                details,
            )
        )
    out += _signature_blockers(facts)
    if facts.not_upgradeable is not None:
        reason = facts.not_upgradeable.get("reason") or "no reason given"
        message = facts.not_upgradeable.get("message") or ""
        out.append(
            (
                f"ClusterVersion Upgradeable=False ({reason}"
                + (f": {message}" if message else "")
                + ")",
                "resolve what the condition names (oc adm upgrade prints it), then run the "
                "check again",
                (),
            )
        )
    if (
        facts.version
        and facts.current_version
        and version_key(facts.version) <= version_key(facts.current_version)
    ):
        out.append(
            (
                f"the target {facts.version} is not newer than the current {facts.current_version}",
                "pick a newer release: oc adm release info -o "
                "'jsonpath={.digest}' quay.io/openshift-release-dev/ocp-release:"
                "<newer version>-x86_64, then mirror it and set upgrade.to_image",
                (),
            )
        )
    return out


def evaluate_target(facts: TargetFacts) -> Verdict:
    """The target must be in the mirror (release and every component, through the cluster's
    ICSP/IDMS, both release sources mapped), signed in the cluster, allowed by ClusterVersion,
    and newer than the current version."""
    blockers = target_blockers(facts)
    name = facts.version or facts.digest
    if not blockers:
        odd = [s.name for s in facts.signatures if s.unexpected]
        note = f"; ConfigMap(s) {', '.join(odd)} also hold keys of another shape" if odd else ""
        return passed(
            f"release {name} (from {facts.current_version or '?'}): release and all "
            f"{len(facts.components)} components in the mirror, both release sources mapped, "
            f"signed in {', '.join(facts.signed_by)} (verified by "
            f"{', '.join(dict.fromkeys(c.verified_by for c in facts.good_signatures))}){note}"
        )
    details = tuple(d for _, _, ds in blockers for d in ds)
    remedies = list(dict.fromkeys(cmd for _, cmd, _ in blockers))
    return failed(
        expected=f"release {name} ready to update to: mirrored by digest with every component "
        "(through the cluster's ICSP/IDMS), signed, Upgradeable, newer than "
        f"{facts.current_version or 'the current version'}",
        found=f"{len(blockers)} blocker(s): " + "; ".join(what for what, _, _ in blockers),
        details=details,
        remediation=" ; ".join(remedies),
    )


@check(
    "upgrade.target",
    title="The next release is mirrored, mapped and signed",
    markers=["postinstall"],
    subject="the target release (--to-image or upgrade.to_image)",
    fails_when="the target or a component is missing from the mirror, ICSP/IDMS do not map the "
    "release sources, no signature of the target digest (binaryData sha256-<hex>-<n> of a "
    "signature ConfigMap) verifies with the keys the cluster trusts "
    "(openshift-config-managed/release-verification) and names the target digest, "
    "Upgradeable=False, or the target is not newer",
    remediation="oc adm release mirror the target with its signatures, oc apply -f the "
    "signature, add the ICSP for both release sources",
    subjects=target_subjects,
    gather=gather_target,
)
def test_upgrade_target(facts: TargetFacts) -> None:
    expect(evaluate_target(facts))
