"""checks/http.py: http.served, each HTTP answer explained with its fix."""

from __future__ import annotations

from checks.http import evaluate_served
from collectors.facts.http import ServedFacts
from collectors.install.bastion import HttpAnswer, PathFacts
from collectors.parsers.selinux import SelinuxContext

URL = "http://10.0.0.5:8080/worker.ign"
HTTPD = SelinuxContext("system_u", "object_r", "httpd_sys_content_t", "s0")


def facts(status: int | None, *chain: PathFacts, error: str = "") -> ServedFacts:
    return ServedFacts("worker.ign", "/var/www/html", HttpAnswer(URL, status, error), chain)


def path(p: str, mode: int, context: SelinuxContext | None = HTTPD) -> PathFacts:
    return PathFacts(p, mode, "root", "root", context)


def test_200_passes() -> None:
    v = evaluate_served(facts(200))
    assert v.ok and v.message == "HTTP 200"


def test_no_answer_says_start_nginx() -> None:
    v = evaluate_served(facts(None, error="connection refused"))
    assert not v.ok and v.message == f"expected HTTP 200 for {URL}; found connection refused"
    assert "systemctl enable --now nginx" in v.remediation and "--add-service=http" in v.remediation


def test_403_unreadable_file_gives_chmod() -> None:
    v = evaluate_served(
        facts(403, path("/var/www", 0o755), path("/var/www/html/worker.ign", 0o600))
    )
    assert not v.ok and "HTTP 403 Forbidden: /var/www/html/worker.ign is mode 600" in v.message
    assert v.remediation == "chmod 644 /var/www/html/worker.ign"


def test_403_closed_folder_and_wrong_label() -> None:
    v = evaluate_served(
        facts(403, path("/var/www", 0o700), path("/var/www/html/worker.ign", 0o644))
    )
    assert "nginx's workers cannot enter /var/www (mode 700)" in v.message
    assert v.remediation == "chmod 755 /var/www"
    tmp = SelinuxContext("unconfined_u", "object_r", "user_tmp_t", "s0")
    v = evaluate_served(
        facts(403, path("/var/www", 0o755), path("/var/www/html/worker.ign", 0o644, tmp))
    )
    assert "SELinux labels /var/www/html/worker.ign user_tmp_t" in v.message
    assert v.remediation.startswith("semanage fcontext -a -t httpd_sys_content_t")


def test_404_points_at_the_nginx_root() -> None:
    v = evaluate_served(facts(404))
    assert not v.ok and "HTTP 404 although /var/www/html/worker.ign exists" in v.message
    assert 'set "root /var/www/html;" in the nginx server block' in v.remediation


def test_other_status_points_at_the_error_log() -> None:
    v = evaluate_served(facts(502))
    assert not v.ok and v.message.endswith("found HTTP 502")
    assert "/var/log/nginx/error.log" in v.remediation
