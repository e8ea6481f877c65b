"""checks/selinux.py: selinux.http_content."""

from __future__ import annotations

from checks.selinux import evaluate_context
from collectors.parsers.selinux import SelinuxContext


def test_httpd_type_passes_with_the_context() -> None:
    ctx = SelinuxContext("system_u", "object_r", "httpd_sys_content_t", "s0")
    v = evaluate_context("/var/www/html", "worker.ign", ctx)
    assert v.ok and v.message == "system_u:object_r:httpd_sys_content_t:s0"


def test_wrong_type_fails_with_the_relabel_commands() -> None:
    ctx = SelinuxContext("unconfined_u", "object_r", "user_home_t", "s0")
    v = evaluate_context("/var/www/html/", "worker.ign", ctx)
    assert not v.ok
    assert v.message == (
        "expected SELinux type httpd_sys_content_t on /var/www/html/worker.ign; found "
        "unconfined_u:object_r:user_home_t:s0 (type user_home_t); httpd is denied reading it "
        "(HTTP 403 once SELinux enforces)"
    )
    assert v.remediation == (
        "semanage fcontext -a -t httpd_sys_content_t '/var/www/html(/.*)?' "
        "&& restorecon -Rv /var/www/html/"
    )


def test_no_label_fails() -> None:
    v = evaluate_context("/srv", "a.iso", None)
    assert not v.ok and "found no SELinux label" in v.message
