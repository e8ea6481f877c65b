"""Bastion preflight: every file in the web root is served (200) and labeled for httpd.

The web root (``bastion.http_root``) is listed once per run over SSH (``bastion.ssh``; the
local machine when it is not set); each file is then a subject. A 403 or 404 is explained from
the file's mode, owner and SELinux label, with the fix.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from checks.base import NotApplicable, Verdict, check, expect, failed, passed
from collectors.errors import FactError
from collectors.install.bastion import (
    HttpAnswer,
    PathFacts,
    http_get,
    list_web_root,
    path_chain,
    selinux_contexts,
    url_for,
)
from collectors.parsers.selinux import SelinuxContext
from collectors.site import Site

HTTPD_TYPE = "httpd_sys_content_t"


def relabel_fix(root: str) -> str:
    """The seed's remedy for a web root whose files are not labeled for httpd."""
    return (
        f"semanage fcontext -a -t {HTTPD_TYPE} '{root.rstrip('/')}(/.*)?' && restorecon -Rv {root}"
    )


# --------------------------------------------------------------------------- subjects


def web_root_files(site: Site) -> list[str]:
    """Every file under bastion.http_root, relative to it, listed once per run."""
    bastion = site.inv.bastion
    root = bastion.http_root or ""
    return site.memo("bastion-files", lambda: list_web_root(site.host(bastion.ssh), root))


# --------------------------------------------------------------------------- http.served


@dataclass(frozen=True)
class ServedFacts:
    """The answer for one file and, for a 403 or 404, what the host says about it."""

    name: str
    root: str
    answer: HttpAnswer
    chain: tuple[PathFacts, ...] = ()
    inspect_error: str = ""


def gather_served(site: Site, name: str) -> ServedFacts:
    bastion = site.inv.bastion
    root = bastion.http_root or ""
    answer = http_get(url_for(bastion.http_url or "", name))
    if answer.status not in (403, 404):
        return ServedFacts(name, root, answer)
    try:
        chain = tuple(path_chain(site.host(bastion.ssh), root, name))
        return ServedFacts(name, root, answer, chain)
    except FactError as exc:
        return ServedFacts(name, root, answer, inspect_error=str(exc))


def _explain_forbidden(facts: ServedFacts) -> tuple[str, str]:
    """(why, fix) for a 403 from what the host says about the file and its folders."""
    path = posixpath.join(facts.root, facts.name)
    if not facts.chain:
        return (
            f"the host could not be inspected ({facts.inspect_error})",
            f"check the mode (chmod 644 {path}), the label (restorecon -v {path}) "
            "and the nginx location for it",
        )
    *folders, target = facts.chain
    closed = [f for f in folders if not f.world_searchable]
    if not target.world_readable:
        return (
            f"{path} is mode {target.mode:o} owned by {target.owner}:{target.group}, so nginx's "
            "workers (user nginx) cannot read it",
            f"chmod 644 {path}",
        )
    if closed:
        names = ", ".join(f"{f.path} (mode {f.mode:o})" for f in closed)
        return (
            f"nginx's workers cannot enter {names}",
            "chmod 755 " + " ".join(f.path for f in closed),
        )
    if target.context is not None and target.context.type != HTTPD_TYPE:
        return (
            f"SELinux labels {path} {target.context.type}, which httpd may not read",
            relabel_fix(facts.root),
        )
    return (
        "mode and SELinux label allow reading, so an nginx location denies it",
        f"look for deny/allow or auth rules in the location serving /{facts.name} "
        '(nginx -T | grep -n -A5 "location"), fix them and "nginx -s reload"',
    )


def evaluate_served(facts: ServedFacts) -> Verdict:
    """HTTP GET of http_url + name must answer 200."""
    answer = facts.answer
    if answer.status == 200:
        return passed("HTTP 200")
    expected = f"HTTP 200 for {answer.url}"
    if answer.status is None:
        return failed(
            expected=expected,
            found=answer.error,
            remediation="start nginx (systemctl enable --now nginx) and open port 80 "
            '("firewall-cmd --permanent --add-service=http && firewall-cmd --reload")',
        )
    if answer.status == 403:
        why, fix = _explain_forbidden(facts)
        return failed(expected=expected, found=f"HTTP 403 Forbidden: {why}", remediation=fix)
    if answer.status == 404:
        path = posixpath.join(facts.root, facts.name)
        return failed(
            expected=expected,
            found=f"HTTP 404 although {path} exists: the URL does not map to bastion.http_root",
            remediation=f'set "root {facts.root};" in the nginx server block serving {answer.url} '
            '(or correct bastion.http_url / bastion.http_root), then "nginx -s reload"',
        )
    return failed(
        expected=expected,
        found=f"HTTP {answer.status}",
        remediation="read the nginx error log (/var/log/nginx/error.log) for this request",
    )


# --------------------------------------------------------------------------- selinux.http_content


def gather_context(site: Site, name: str) -> tuple[str, str, SelinuxContext | None]:
    bastion = site.inv.bastion
    root = bastion.http_root or ""
    host = site.host(bastion.ssh)

    def read_all() -> dict[str, SelinuxContext | None]:
        return selinux_contexts(host, root, web_root_files(site))

    contexts = site.memo("bastion-contexts", read_all)
    if contexts and all(c is None for c in contexts.values()):
        raise NotApplicable(
            f"{host.name} has no SELinux labels (stat -c %C prints ?): SELinux is disabled there"
        )
    if name not in contexts:
        raise FactError(
            f"stat -c %C on {host.name} said nothing about {posixpath.join(root, name)}"
        )
    return root, name, contexts[name]


def evaluate_context(root: str, name: str, context: SelinuxContext | None) -> Verdict:
    """The file's SELinux type must be httpd_sys_content_t."""
    if context is not None and context.type == HTTPD_TYPE:
        return passed(str(context))
    found = "no SELinux label" if context is None else f"{context} (type {context.type})"
    return failed(
        expected=f"SELinux type {HTTPD_TYPE} on {posixpath.join(root, name)}",
        found=found + "; httpd is denied reading it (HTTP 403 once SELinux enforces)",
        remediation=relabel_fix(root),
    )


# --------------------------------------------------------------------------- checks


@check(
    "http.served",
    title="Web root files are served",
    markers=["preflight"],
    subject="file name under http_root",
    fails_when="HTTP GET of http_url + name is not 200",
    remediation="fix the file's mode (chmod 644), SELinux label (restorecon) or the nginx location",
    subjects=web_root_files,
    gather=gather_served,
    requires=("bastion.http_root", "bastion.http_url"),
)
def test_http_served(facts: ServedFacts) -> None:
    expect(evaluate_served(facts))


@check(
    "selinux.http_content",
    title="Web root files are labeled for httpd",
    markers=["preflight"],
    subject="file name under http_root",
    fails_when="its SELinux type is not httpd_sys_content_t (skipped with a reason on a host without labels)",
    remediation="semanage fcontext -a -t httpd_sys_content_t '<root>(/.*)?' && restorecon -Rv <root>",
    subjects=web_root_files,
    gather=gather_context,
    requires=("bastion.http_root",),
)
def test_selinux_http_content(facts: tuple[str, str, SelinuxContext | None]) -> None:
    expect(evaluate_context(*facts))
