"""Ignition preflight: the configs in ``ignition.dir`` hold no certificate about to expire, the
pointer configs merge from the machine config server behind api-int and trust a valid CA, and
the web root serves byte-identical copies.

Configs are parsed as Ignition spec 2.x (OCP 4.1 to 4.5) or 3.x (``collectors.facts.ignition``);
every ``data:`` URL (base64, percent-encoded, gzip) is decoded and every PEM certificate in it
read with its path on the node. Nothing of a config's content ever reaches a message: only
paths, names and dates.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from checks.base import Verdict, check, expect, fact_time, failed, passed
from collectors.facts.ignition import (
    PointerFacts,
    ServedCopy,
    gather_expiry,
    gather_pointer,
    gather_served_copy,
    ignition_files,
    pointer_files,
)
from collectors.parsers.certs import CertInfo
from collectors.site import Site
from collectors.visible import shell_word


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def regenerate_fix(d: Path | str | None, root: str | None) -> str:
    """How to get fresh ignition configs (the installer's certificates live 24 hours), for
    ignition.dir ``d`` and bastion.http_root ``root``."""
    copy = f", copy the *.ign to {root} (restorecon -Rv {shell_word(root)})" if root else ""
    state = shell_word(f"{d}/.openshift_install_state.json")
    return (
        f"regenerate the ignition configs from a fresh copy of install-config.yaml: "
        f"rm -f {state} (a stale state file makes the installer "
        f"reuse old certificates), cp <your saved copy of install-config.yaml> "
        f"{shell_word(f'{d}/install-config.yaml')}, "
        f"openshift-install create ignition-configs --dir {shell_word(d)}{copy}, "
        "and boot the nodes within 24 hours"
    )


# --------------------------------------------------------------------------- ignition.expiry


def evaluate_expiry(
    name: str, certs: list[CertInfo], now: datetime, min_hours: float, fix: str
) -> Verdict:
    """Every embedded certificate must stay valid for at least ``min_hours`` from ``now``."""
    short = sorted(
        (c for c in certs if c.hours_left(now) < min_hours or c.not_before > now),
        key=lambda c: c.not_after,
    )
    if not short:
        if not certs:
            return passed("no embedded certificates")
        soonest = min(certs, key=lambda c: c.not_after)
        return passed(
            f"{len(certs)} certificate(s); the first to expire is {soonest.where} "
            f"at {_stamp(soonest.not_after)}"
        )
    details = []
    for c in short:
        left = c.hours_left(now)
        if c.not_before > now:
            state = f"not valid before {_stamp(c.not_before)} (clock skew?)"
        elif left < 0:
            state = f"expired {-left:.1f} h ago"
        else:
            state = f"{left:.1f} h left"
        details.append(f"{c.where}: {c.subject} notAfter {_stamp(c.not_after)} ({state})")
    expired = sum(1 for c in short if c.hours_left(now) < 0)
    return failed(
        expected=f"every certificate in {name} valid for at least {min_hours:g} more hour(s)",
        found=f"{len(short)} of {len(certs)} certificate(s) expired or expiring soon "
        f"({expired} expired); " + "; ".join(details[:3]) + ("; …" if len(details) > 3 else ""),
        details=tuple(details),
        remediation=fix,
    )


# --------------------------------------------------------------------------- ignition.pointer


#: The port openshift-install writes into every pointer config.
INSTALLER_MCS_PORT = 22623


def expected_source(cluster_domain: str, port: int, name: str) -> str:
    """``https://api-int.<cluster>.<domain>:22623/config/<role>`` for master.ign or worker.ign.

    >>> expected_source("ocp45.example.localdomain", 22623, "worker.ign")
    'https://api-int.ocp45.example.localdomain:22623/config/worker'
    """
    return f"https://api-int.{cluster_domain}:{port}/config/{name.removesuffix('.ign')}"


def accepted_sources(cluster_domain: str, configured_port: int, name: str) -> tuple[str, ...]:
    """The merge sources that are right for ``name``: the installer's port 22623 always (it is
    what openshift-install writes, whatever port this machine reaches the LB on), and
    load_balancer.ports.machine_config when that is another port.

    >>> accepted_sources("c.example", 22623, "master.ign")
    ('https://api-int.c.example:22623/config/master',)
    >>> accepted_sources("c.example", 22624, "master.ign")[1]
    'https://api-int.c.example:22624/config/master'
    """
    ports = dict.fromkeys((INSTALLER_MCS_PORT, configured_port))
    return tuple(expected_source(cluster_domain, port, name) for port in ports)


def evaluate_pointer(
    facts: PointerFacts, expected: str | Sequence[str], now: datetime, folder: str
) -> Verdict:
    """The config must merge (spec 3.x) or append (2.x) from one of ``expected`` only, carry a
    valid CA, and hold no key in its ``ignition`` object that Ignition refuses."""
    accepted = (expected,) if isinstance(expected, str) else tuple(expected)
    path = f"{folder}/{facts.name}"
    if not facts.exists:
        return failed(
            expected=f"{path}",
            found="no such file",
            remediation=f"openshift-install create ignition-configs --dir {shell_word(folder)}",
        )
    key = f"ignition.config.{facts.merge_key}"
    problems: list[str] = []
    sources = list(facts.merge_sources)
    merge_wrong = not (len(sources) == 1 and sources[0] in accepted)
    if merge_wrong:
        shown = ", ".join(sources) or "nothing"
        problems.append(f"{key} sources: {shown}")
    if not facts.cas and not facts.ca_problems:
        problems.append("no CA in ignition.security.tls.certificateAuthorities")
    problems += facts.ca_problems
    for ca in facts.cas:
        if ca.not_after < now:
            problems.append(f"CA {ca.subject} expired at {_stamp(ca.not_after)}")
        elif ca.not_before > now:
            problems.append(
                f"CA {ca.subject} not valid before {_stamp(ca.not_before)} (clock skew?)"
            )
        elif not ca.is_ca:
            problems.append(f"{ca.subject} is not a CA certificate (basicConstraints CA:FALSE)")
    if facts.unknown_keys:
        problems.append(
            f"keys Ignition {facts.version} refuses in the ignition object: "
            + ", ".join(facts.unknown_keys)
            + " (top-level sections nested under ignition?)"
        )
    if not problems:
        return passed(
            f"spec {facts.version}, {facts.merge_key}s {sources[0]}; "
            f"CA {', '.join(c.subject for c in facts.cas)} valid"
        )
    if merge_wrong:
        fix = (
            f'set {key} to [{{"source": "{accepted[0]}"}}] in {path}, or regenerate it '
            f"with openshift-install create ignition-configs --dir {shell_word(folder)} from an "
            "install-config.yaml whose metadata.name and baseDomain match the cluster; then copy "
            "it to the web root"
        )
    elif facts.unknown_keys:
        fix = (
            f"move {', '.join(facts.unknown_keys)} out of the ignition object to the top level of "
            f"{path} (or regenerate it: openshift-install create ignition-configs --dir "
            f"{shell_word(folder)}), then copy it to the web root"
        )
    else:
        fix = (
            f"regenerate {path} (openshift-install create ignition-configs --dir "
            f"{shell_word(folder)}) so "
            "that it embeds the installer's root CA, then copy it to the web root"
        )
    either = " or ".join(accepted)
    return failed(
        expected=f"{key} from {either} only, and a valid CA in "
        "ignition.security.tls.certificateAuthorities",
        found="; ".join(problems),
        remediation=fix,
    )


# ------------------------------------------------------------------------ ignition.served_matches


def evaluate_served_copy(copy: ServedCopy, folder: str, root: str | None) -> Verdict:
    """The copy in the web root must be byte-identical to the one in ignition.dir."""
    target = root or "the web root"
    source = shell_word(f"{folder}/{copy.name}")
    if root:
        placed = shell_word(f"{root}/{copy.name}")
        fix = (
            f"cp {source} {shell_word(f'{root}/')} && chmod 644 {placed} && restorecon -v {placed}"
        )
    else:
        fix = f"cp {source} <the web root>/ && chmod 644 <the web root>/{shell_word(copy.name)}"
    if copy.served_sha256 == copy.local_sha256:
        note = (
            ""
            if copy.via == "HTTP"
            else f" (read by {copy.via}: HTTP said {copy.answer.status}, see http.served)"
        )
        return passed(f"sha256 {copy.local_sha256[:16]} served{note}")
    expected = (
        f"{copy.answer.url} to serve {folder}/{copy.name} (sha256 {copy.local_sha256[:16]}...)"
    )
    if copy.served_sha256 is None:
        status = f"HTTP {copy.answer.status}" if copy.answer.status else copy.answer.error
        where = f", and no {copy.name} in {target} ({copy.via})" if copy.via != "HTTP" else ""
        return failed(expected=expected, found=status + where, remediation=fix)
    return failed(
        expected=expected,
        found=f"a different copy (sha256 {copy.served_sha256[:16]}..., by {copy.via}): "
        f"a stale {copy.name}",
        remediation=fix,
    )


# --------------------------------------------------------------------------- checks


@check(
    "ignition.expiry",
    title="Ignition certificates are not about to expire",
    markers=["preflight"],
    subject="*.ign file name",
    fails_when="any embedded certificate is expired or expires within min_valid_hours",
    remediation="regenerate ignition from a fresh install-config.yaml after removing "
    ".openshift_install_state.json",
    subjects=ignition_files,
    gather=gather_expiry,
    requires=("ignition.dir",),
)
def test_ignition_expiry(site: Site, facts: tuple[str, list[CertInfo]]) -> None:
    name, certs = facts
    inv = site.inv
    fix = regenerate_fix(inv.ignition.dir, inv.bastion.http_root)
    expect(evaluate_expiry(name, certs, fact_time(), inv.ignition.min_valid_hours, fix))


@check(
    "ignition.pointer",
    title="Pointer configs merge from api-int and trust a valid CA",
    markers=["preflight"],
    subject="master.ign, worker.ign",
    fails_when="merge (spec 3.x) or append (spec 2.x) source is not "
    "https://api-int.<cluster>.<domain>:22623/config/<role> (another port only where it equals "
    "load_balancer.ports.machine_config), or its CA is invalid",
    remediation="point ignition.config.merge (2.x: append) at api-int:22623 and embed the root "
    "CA (regenerate the configs)",
    subjects=pointer_files,
    gather=gather_pointer,
    requires=("ignition.dir",),
)
def test_ignition_pointer(site: Site, facts: PointerFacts) -> None:
    inv = site.inv
    accepted = accepted_sources(
        inv.cluster_domain, inv.load_balancer.ports["machine_config"], facts.name
    )
    expect(evaluate_pointer(facts, accepted, fact_time(), str(inv.ignition.dir)))


@check(
    "ignition.served_matches",
    title="The web root serves the current ignition configs",
    markers=["preflight"],
    subject="*.ign file name",
    fails_when="the copy served at http_url differs from the local one",
    remediation="copy the *.ign from ignition.dir into the web root again",
    subjects=ignition_files,
    gather=gather_served_copy,
    requires=("ignition.dir", "bastion.http_url"),
)
def test_ignition_served_matches(site: Site, facts: ServedCopy) -> None:
    inv = site.inv
    expect(evaluate_served_copy(facts, str(inv.ignition.dir), inv.bastion.http_root))
