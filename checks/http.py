"""Bastion preflight: every file in the web root is served (200).

The web root (``bastion.http_root``) is listed once per run (``collectors.facts.http``); each
file is then a subject. A 403 or 404 is explained from the file's mode, owner and SELinux
label, with the fix.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks._common import HTTPD_TYPE, in_web_root, relabel_fix
from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.http import ServedFacts, gather_served, web_root_files
from collectors.visible import shell_word


def _explain_forbidden(facts: ServedFacts) -> tuple[str, str]:
    """(why, fix) for a 403 from what the host says about the file and its folders."""
    path = in_web_root(facts.root, facts.name)
    if not facts.chain:
        return (
            f"the host could not be inspected ({facts.inspect_error})",
            f"check the mode (chmod 644 {shell_word(path)}), the label "
            f"(restorecon -v {shell_word(path)}) "
            "and the nginx location for it",
        )
    *folders, target = facts.chain
    closed = [f for f in folders if not f.world_searchable]
    if not target.world_readable:
        return (
            f"{path} is mode {target.mode:o} owned by {target.owner}:{target.group}, so nginx's "
            "workers (user nginx) cannot read it",
            f"chmod 644 {shell_word(path)}",
        )
    if closed:
        names = ", ".join(f"{f.path} (mode {f.mode:o})" for f in closed)
        return (
            f"nginx's workers cannot enter {names}",
            "chmod 755 " + " ".join(shell_word(f.path) for f in closed),
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
        path = in_web_root(facts.root, facts.name)
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
