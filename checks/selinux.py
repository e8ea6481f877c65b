"""Bastion preflight: every file in the web root is labeled for httpd (httpd_sys_content_t).

The labels are read once per run over SSH (``collectors.facts.selinux``); a host without
labels (SELinux disabled) skips the check with the reason.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from checks._common import HTTPD_TYPE, in_web_root, relabel_fix
from checks.base import Verdict, check, expect, failed, passed
from collectors.facts.selinux import gather_context, web_root_files
from collectors.parsers.selinux import SelinuxContext


def evaluate_context(root: str, name: str, context: SelinuxContext | None) -> Verdict:
    """The file's SELinux type must be httpd_sys_content_t."""
    if context is not None and context.type == HTTPD_TYPE:
        return passed(str(context))
    found = "no SELinux label" if context is None else f"{context} (type {context.type})"
    return failed(
        expected=f"SELinux type {HTTPD_TYPE} on {in_web_root(root, name)}",
        found=found + "; httpd is denied reading it (HTTP 403 once SELinux enforces)",
        remediation=relabel_fix(root),
    )


@check(
    "selinux.http_content",
    title="Web root files are labeled for httpd",
    markers=["preflight"],
    subject="file name under http_root",
    fails_when="its SELinux type is not httpd_sys_content_t "
    "(skipped with a reason on a host without labels)",
    remediation="semanage fcontext -a -t httpd_sys_content_t '<root>(/.*)?' "
    "&& restorecon -Rv <root>",
    subjects=web_root_files,
    gather=gather_context,
    requires=("bastion.http_root",),
)
def test_selinux_http_content(facts: tuple[str, str, SelinuxContext | None]) -> None:
    expect(evaluate_context(*facts))
