"""Upgrade readiness of a disconnected cluster (``003_3beb5915e9cef39c.txt``), every
prerequisite in one place: no paused or Degraded MachineConfigPool, every MachineHealthCheck
that selects machines paused before the update (one that selects none, such as the
operator-owned ``machine-api-termination-handler`` on a site without spot instances, cannot
remediate anything: see ``collectors.facts.upgrade``), no PodDisruptionBudget that would hold a
drain for ever (upgrade.readiness); the next release (upgrade.target) mirrored, mapped, signed
and allowed; no API the target removes still in use (upgrade.apis); no operator that caps the
OpenShift version below the target (upgrade.operators); the mirror in the global pull secret
(upgrade.pull_secret); a recent etcd backup on the masters (upgrade.etcd_backup).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from checks.base import Verdict, check, expect, fact_time, failed, passed
from collectors.cluster import facts as F
from collectors.cluster.base import Obj
from collectors.facts.upgrade import (
    ApiFacts,
    BackupFacts,
    OperatorFacts,
    PullSecretFacts,
    Selection,
    TargetFacts,
    TargetRelease,
    api_subjects,
    backup_subjects,
    gather_api,
    gather_backup,
    gather_operator,
    gather_pull_secret,
    gather_target,
    gather_upgrade,
    operator_subjects,
    pull_secret_subjects,
    target_subjects,
    upgrade_subjects,
)
from collectors.images.pullsecret import normalize_key
from collectors.images.release import (
    SIGNATURE_LABEL,
    SIGNATURE_NAMESPACE,
    VERIFICATION_CONFIGMAP,
    version_key,
)
from collectors.parsers.apirequestcount import ApiUse
from collectors.parsers.etcdbackup import incomplete, pairs
from collectors.parsers.olmproperties import minor_of
from collectors.visible import json_word, shell_word

PAUSED = "cluster.x-k8s.io/paused"


def _int(value: Any) -> int:
    """A status count, 0 for anything that is not one."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def evaluate_pool(obj: Obj) -> Verdict:
    """A pool must be neither paused (its nodes would be skipped) nor Degraded (the update
    stops at its nodes)."""
    name = F.name_of(obj)
    found: list[str] = []
    fixes: list[str] = []
    if (obj.get("spec") or {}).get("paused"):
        found.append("spec.paused: true")
        fixes.append(
            f"oc patch {shell_word(f'mcp/{name}')} --type merge "
            '--patch \'{"spec":{"paused":false}}\''
        )
    cond = F.condition(obj, "Degraded") or {}
    degraded_count = _int((obj.get("status") or {}).get("degradedMachineCount"))
    if str(cond.get("status")) == "True" or degraded_count > 0:
        why = ": ".join(str(cond.get(k)) for k in ("reason", "message") if cond.get(k))
        found.append(
            f"Degraded ({degraded_count} degraded machine(s)" + (f"; {why}" if why else "") + ")"
        )
        fixes.append(
            f"oc describe {shell_word(f'mcp/{name}')} names the node and the reason; fix it "
            "(oc -n openshift-machine-config-operator logs -l k8s-app=machine-config-daemon "
            "-c machine-config-daemon on that node), then wait for Degraded=False"
        )
    if not found:
        return passed("not paused, not Degraded")
    return failed(
        expected=f"MachineConfigPool {name} not paused (its nodes would be skipped by the "
        "update) and not Degraded (the update stops at its nodes)",
        found="; ".join(found),
        remediation=" ; ".join(fixes),
    )


def evaluate_pdb(obj: Obj) -> Verdict:
    """A PodDisruptionBudget that selects pods, all healthy, and still allows no disruption
    blocks every drain of their nodes for ever; one that selects none blocks nothing. "All
    healthy": as many as it desires, or every pod it selects (a budget of minAvailable 2 over
    one pod desires more than can ever be)."""
    meta = obj.get("metadata") or {}
    ns, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
    status = obj.get("status") or {}
    expected = _int(status.get("expectedPods"))
    current, desired = _int(status.get("currentHealthy")), _int(status.get("desiredHealthy"))
    allowed = _int(status.get("disruptionsAllowed"))
    if expected == 0:
        return passed("selects no pod: blocks no drain")
    if allowed > 0:
        return passed(f"allows {allowed} disruption(s) of its {expected} pod(s)")
    if current < desired and current < expected:
        return passed(
            f"{current} of {desired} desired pod(s) healthy: it waits for its own pods, and "
            "allows a disruption once they are"
        )
    # all its pods healthy (as many as desired, or every one it selects): nothing will change
    spec = obj.get("spec") or {}
    bounds = (
        ", ".join(f"{k} {spec[k]}" for k in ("minAvailable", "maxUnavailable") if k in spec)
        or "no bounds in spec"
    )
    target = f"pdb/{name}"
    return failed(
        expected=f"PodDisruptionBudget {ns}/{name} to allow at least one disruption while its "
        f"{expected} pod(s) are healthy (a node drain waits for it, for ever)",
        found=f"disruptionsAllowed 0 with {current} of {expected} pod(s) healthy (desiredHealthy "
        f"{desired}; {bounds})",
        remediation=f"oc -n {shell_word(ns)} patch {shell_word(target)} --type merge "
        '--patch \'{"spec":{"minAvailable":null,"maxUnavailable":1}}\'  (or scale the '
        "workload above minAvailable, spread over nodes)",
    )


def evaluate_upgrade(kind: str, obj: Obj, selected: Selection | None = None) -> Verdict:
    """A pool must be neither paused nor Degraded; an MHC that selects machines (or may:
    ``selected`` unknown) must carry the paused annotation; a PDB must not block drains."""
    name = F.name_of(obj)
    if kind == "machineconfigpool":
        return evaluate_pool(obj)
    if kind == "poddisruptionbudget":
        return evaluate_pdb(obj)
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
    subject="machineconfigpool/<name>, machinehealthcheck/<namespace>/<name>, "
    "poddisruptionbudget/<namespace>/<name>",
    fails_when="a MachineConfigPool is paused or Degraded, a MachineHealthCheck that selects "
    "machines lacks cluster.x-k8s.io/paused, or a PodDisruptionBudget that selects pods, all "
    "healthy, allows no disruption (a drain would wait for ever)",
    remediation="unpause the pool and repair what degrades it; annotate the MHC "
    "cluster.x-k8s.io/paused; let the PDB allow one disruption (maxUnavailable: 1)",
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


# --------------------------------------------------------------------------- upgrade.apis


def _minor_text(minor: tuple[int, int] | None) -> str:
    return f"{minor[0]}.{minor[1]}" if minor else "?"


def admin_ack_key(target: TargetRelease) -> str:
    """The admin-acks key the target asks for: ``ack-<from>-kube-<kube>-api-removals-in-<to>``
    (from the current minor, else the one before the target).

    >>> admin_ack_key(TargetRelease("t", "4.9.10", "1.22.3", "4.8.20"))
    'ack-4.8-kube-1.22-api-removals-in-4.9'
    >>> admin_ack_key(TargetRelease("t", "4.9.10", "1.22.3", "4.9.2"))
    'ack-4.8-kube-1.22-api-removals-in-4.9'
    """
    to = target.minor
    since = target.current_minor
    if to and (since is None or since >= to):  # a z-stream target: the key of its minor
        since = (to[0], to[1] - 1)
    return (
        f"ack-{_minor_text(since)}-kube-{_minor_text(target.kube_minor)}"
        f"-api-removals-in-{_minor_text(to)}"
    )


def api_users_command(name: str) -> str:
    """The ``oc`` line that lists who requested ``name`` in the last 24 hours.

    >>> print(api_users_command("flowschemas.v1beta1.flowcontrol.apiserver.k8s.io"))
    ... # doctest: +NORMALIZE_WHITESPACE
    oc get apirequestcounts flowschemas.v1beta1.flowcontrol.apiserver.k8s.io -o
    jsonpath='{range .status.last24h..byUser[*]}{.username}{"\\t"}{.userAgent}{"\\n"}{end}'
    | sort -u
    """
    path = '{range .status.last24h..byUser[*]}{.username}{"\\t"}{.userAgent}{"\\n"}{end}'
    return f"oc get apirequestcounts {shell_word(name)} -o jsonpath={shell_word(path)} | sort -u"


def users_text(use: ApiUse) -> str:
    """The top users as ``user (agent): n``, and how many others."""
    parts = [
        f"{u.username or '?'} ({u.user_agent or 'no user agent'}): {u.requests}" for u in use.users
    ]
    if use.other_users:
        parts.append(f"{use.other_users} other user(s): {use.other_requests}")
    return "; ".join(parts) or "no user named in status.last24h"


def evaluate_api(facts: ApiFacts) -> Verdict:
    """An API removed at or before the target's Kubernetes version must not have been requested
    in the last 24 hours."""
    use, target = facts.use, facts.target
    removed, kube = minor_of(use.removed_in), target.kube_minor
    ships = f"the target {target.version} ships Kubernetes {target.kubernetes}"
    if removed is None or kube is None or removed > kube:
        return passed(f"removed in Kubernetes {use.removed_in}; {ships}: still served after it")
    if use.requests == 0:
        return passed(
            f"removed in Kubernetes {use.removed_in} ({ships}), not requested in the last 24 "
            f"hours; acknowledge when ready: admin-acks {admin_ack_key(target)}"
        )
    ack = json_word({"data": {admin_ack_key(target): "true"}})
    return failed(
        expected=f"no request in the last 24 hours to {use.name}, which Kubernetes "
        f"{use.removed_in} removes ({ships})",
        found=f"{use.requests} request(s) in the last 24 hours; top users: {users_text(use)}",
        details=tuple(
            f"{u.username} (user agent {u.user_agent or '-'}): {u.requests} request(s)"
            for u in use.users
        ),
        remediation=f"find its users: {api_users_command(use.name)} ; move them to the API "
        "that replaces it, then acknowledge the removals: oc -n openshift-config patch cm "
        f"admin-acks --patch {ack} --type=merge",
    )


@check(
    "upgrade.apis",
    title="No API the target removes is still in use",
    markers=["postinstall"],
    subject="APIRequestCount name, e.g. flowschemas.v1beta2.flowcontrol.apiserver.k8s.io",
    fails_when="the API is removed (status.removedInRelease) at or before the target release's "
    "Kubernetes version (its payload's io.openshift.build.versions kubernetes=) and was "
    "requested in the last 24 hours (the message names the users and agents)",
    remediation="migrate the users the message names, then patch admin-acks with the "
    "ack-<from>-kube-<kube>-api-removals-in-<to> key",
    subjects=api_subjects,
    gather=gather_api,
)
def test_upgrade_apis(facts: ApiFacts) -> None:
    expect(evaluate_api(facts))


# --------------------------------------------------------------------------- upgrade.operators


def evaluate_operator(facts: OperatorFacts) -> Verdict:
    """An installed operator's olm.maxOpenShiftVersion must not be below the target's minor."""
    found, target = facts.max_version, facts.target
    ns, name = facts.subject.split("/", 1)
    if found is None:
        return passed(
            f"{facts.display_name}: no olm.maxOpenShiftVersion; OLM does not hold it back"
        )
    if target.minor is None or found.minor >= target.minor:
        return passed(
            f"{facts.display_name}: olm.maxOpenShiftVersion {found.value} allows {target.version}"
        )
    return failed(
        expected=f"operator {facts.display_name} ({facts.subject}) to allow OpenShift "
        f"{_minor_text(target.minor)} (the target {target.version}): olm.maxOpenShiftVersion "
        f"{_minor_text(target.minor)} or more, or none",
        found=f"olm.maxOpenShiftVersion {found.value} (annotation {found.annotation}); OLM "
        f"keeps the cluster Upgradeable=False past {_minor_text(found.minor)}",
        remediation=f"update the operator to a version that supports {target.version}: mirror "
        "its newer bundle into the catalog, then oc -n "
        f"{shell_word(ns)} get subscriptions.operators.coreos.com,installplans (approve the "
        f"InstallPlan); or uninstall it: oc -n {shell_word(ns)} delete csv {shell_word(name)}",
    )


@check(
    "upgrade.operators",
    title="Installed operators allow the target release",
    markers=["postinstall"],
    subject="<namespace>/<csv>",
    fails_when="an installed operator's olm.maxOpenShiftVersion (a property in the CSV's "
    "operatorframework.io/properties or olm.properties annotation) is below the target's minor",
    remediation="update the operator (mirror its newer bundle) or uninstall it",
    subjects=operator_subjects,
    gather=gather_operator,
)
def test_upgrade_operators(facts: OperatorFacts) -> None:
    expect(evaluate_operator(facts))


# --------------------------------------------------------------------------- upgrade.pull_secret


def pull_secret_command(mirror: str) -> str:
    """How to add the mirror's credentials to the global pull secret (OpenShift docs)."""
    return (
        "oc get secret/pull-secret -n openshift-config "
        "--template='{{index .data \".dockerconfigjson\" | base64decode}}' > pull-secret.json && "
        f"oc registry login --registry={shell_word(mirror)} --auth-basic='<user>:<password>' "
        "--to=pull-secret.json && oc set data secret/pull-secret -n openshift-config "
        "--from-file=.dockerconfigjson=pull-secret.json"
    )


def evaluate_pull_secret(facts: PullSecretFacts) -> Verdict:
    """The global pull secret must hold an auths key for the mirror, host and port as the
    mirror sets name it (nodes match them literally; a ``host:port/namespace`` key counts)."""
    mirror = facts.mirror.lower()
    keys = [(k, normalize_key(k)) for k in facts.keys]
    hits = [k for k, n in keys if n == mirror or n.startswith(mirror + "/")]
    if hits:
        return passed(f"auths holds {', '.join(hits)} for the mirror {facts.mirror}")
    host = mirror.rsplit(":", 1)[0] if mirror.count(":") == 1 else mirror
    near = [k for k, n in keys if n.split("/", 1)[0].rsplit(":", 1)[0] == host]
    note = (
        f"; {', '.join(near)} name(s) the host with another port or none (nodes match host and "
        "port literally)"
        if near
        else ""
    )
    return failed(
        expected=f"an auths entry for the mirror {facts.mirror} in openshift-config/pull-secret "
        "(the nodes pull the release and operator images with it)",
        found=f"{len(facts.keys)} auths key(s): {', '.join(facts.keys) or 'none'}{note}",
        remediation=pull_secret_command(facts.mirror),
    )


@check(
    "upgrade.pull_secret",
    reads_site=False,  # the cluster only (and the inventory's mirror name)
    title="The global pull secret has the mirror",
    markers=["postinstall"],
    subject="openshift-config/pull-secret",
    fails_when="the cluster's global pull secret has no auths entry for the mirror as the "
    "mirror sets name it (nodes match the key's host and port literally; host names only are "
    "read into the report)",
    remediation="oc registry login --registry=<mirror> into the pull secret, then oc set data "
    "secret/pull-secret -n openshift-config",
    subjects=pull_secret_subjects,
    gather=gather_pull_secret,
)
def test_upgrade_pull_secret(facts: PullSecretFacts) -> None:
    expect(evaluate_pull_secret(facts))


# --------------------------------------------------------------------------- upgrade.etcd_backup


def _age(seconds: float) -> str:
    """``3.5 h`` / ``2.1 days``.

    >>> _age(3600 * 30), _age(600)
    ('30.0 h', '0.2 h')
    """
    hours = seconds / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"


def backup_command(facts: BackupFacts) -> str:
    node = facts.fqdn or facts.node
    return (
        f"oc debug {shell_word(f'node/{node}')} -- chroot /host "
        f"/usr/local/bin/cluster-backup.sh {shell_word(facts.folder)}"
    )


def evaluate_backup(facts: BackupFacts, now: datetime) -> Verdict:
    """The newest complete snapshot pair in the folder must be younger than the limit."""
    limit = facts.max_age_hours
    where = f"{facts.folder} on {facts.node}"
    expected = (
        f"an etcd snapshot (snapshot_*.db with its static_kuberesources_*.tar.gz) in {where} "
        f"younger than {limit:g} h (upgrade.max_backup_age_hours)"
    )
    if not facts.exists:
        return failed(
            expected=expected, found=f"no folder {facts.folder}", remediation=backup_command(facts)
        )
    listing = facts.listing
    found = pairs(listing.files)
    links = [
        f"{f.name} ({'link to ' + f.target if f.kind == 'l' else 'type ' + f.kind})"
        for f in listing.skipped
    ]
    notes = (f"; not read (links are not followed): {', '.join(links[:5])}" if links else "") + (
        f"; {listing.malformed} unreadable listing record(s)" if listing.malformed else ""
    )
    stamp = now.timestamp()
    if found and stamp - found[0].mtime <= limit * 3600:
        newest = found[0]
        return passed(
            f"{newest.snapshot.name} with its {newest.resources.name}, "
            f"{_age(max(0.0, stamp - newest.mtime))} old{notes}"
        )
    lone = incomplete(listing.files)
    if found:
        what = f"the newest, {found[0].snapshot.name}, is {_age(stamp - found[0].mtime)} old"
    else:
        what = "no complete snapshot pair"
    if lone:
        what += f"; incomplete: {', '.join(lone[:5])}"
    return failed(expected=expected, found=what + notes, remediation=backup_command(facts))


@check(
    "upgrade.etcd_backup",
    title="A recent etcd backup on the masters",
    markers=["postinstall"],
    subject="each master's node name (masters with ssh)",
    fails_when="no etcd snapshot (snapshot_*.db with its static_kuberesources_*.tar.gz) in "
    "upgrade.etcd_backup_dir (default /home/core/assets/backup) younger than "
    "upgrade.max_backup_age_hours (default 24)",
    remediation="oc debug node/<master> -- chroot /host /usr/local/bin/cluster-backup.sh "
    "/home/core/assets/backup",
    subjects=backup_subjects,
    gather=gather_backup,
)
def test_upgrade_etcd_backup(facts: BackupFacts) -> None:
    expect(evaluate_backup(facts, fact_time()))
