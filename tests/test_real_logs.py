"""The classifier on real log files (tests/real/logs/): each file leaves exactly the findings its
verdict names (section "What the classifier must leave"), whichever way it is read."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from collectors.parsers.logs import parse_any_line, parse_journal_text_line
from collectors.triage.catalog import CATALOG_PATH
from collectors.triage.classify import ANY_SOURCE, Classifier

REAL = Path(__file__).parent / "real" / "logs"
LOGS = sorted(p for p in REAL.iterdir() if p.suffix == ".log")

#: the entries whose examples come from the seed's field notes, not from tests/real/logs
SEED_ENTRIES = {
    "bootstrap_complete",
    "bootkube.failed_to_create",
    "bootkube.manifest_failed",
    "bootkube.some_manifests",
    "haproxy.bootstrap_down",
    "installer.waiting_for_api",
    # seed 002 (oc get nodes / oc describe node: the node registered as localhost); no public
    # journal holds the kubelet's own line, so its example is the line in klog form (said there)
    "kubelet.registered_localhost",
}


@dataclass(frozen=True)
class Expected:
    """One finding a verdict names: unresolved (id, key) or unknown (sample prefix), count."""

    kind: str
    id: str
    key: str | None
    sample: str | None
    count: int

    def matches(self, finding: dict) -> bool:
        if finding["kind"] != self.kind or finding["count"] != self.count:
            return False
        if self.kind == "unknown":
            return finding["sample"].startswith(self.sample or "")
        return finding["id"] == self.id and (self.key is None or finding["key"] == self.key)


def verdict(log: Path) -> tuple[str, str, list[Expected]]:
    """(source, format, findings) from ``<log>.verdict.md``.

    >>> verdict(REAL / "haproxy-2.x-stderr-down.log")[:2]
    ('haproxy', 'syslog')
    """
    text = (log.parent / f"{log.name}.verdict.md").read_text(encoding="utf-8")
    section = text.split("## What the classifier must leave", 1)[1]
    m = re.search(r"^- read as: source=(\S+) format=(\S+)$", section, re.M)
    assert m, f"{log.name}.verdict.md: no '- read as: source=... format=...' line"
    found = []
    for line in re.findall(r"^- finding: (.+)$", section, re.M):
        words = shlex.split(line)
        fields = dict(w.split("=", 1) for w in words if "=" in w)
        kind = words[0]
        found.append(
            Expected(
                kind,
                "unknown" if kind == "unknown" else words[1],
                fields.get("key"),
                fields.get("sample"),
                int(fields["count"]),
            )
        )
    assert found or "- findings: none" in section, f"{log.name}.verdict.md names no findings"
    return m[1], m[2], found


def assert_verdict(c: Classifier, expected: list[Expected], name: str) -> None:
    got = c.findings()["findings"]
    left = list(got)
    for exp in expected:
        hit = next((f for f in left if exp.matches(f)), None)
        assert hit is not None, f"{name}: expected {exp}, got {summary(got)}"
        left.remove(hit)
    assert not left, f"{name}: findings the verdict does not name: {summary(left)}"


def summary(findings: list[dict]) -> list[tuple[str, str, str, int, str]]:
    return [(f["kind"], f["id"], f["key"], f["count"], f["sample"][:80]) for f in findings]


def test_every_real_log_has_a_verdict_and_a_sources_row() -> None:
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    assert LOGS
    for log in LOGS:
        assert (REAL / f"{log.name}.verdict.md").is_file(), f"{log.name} has no verdict"
        assert f"| {log.name} |" in sources, f"{log.name} has no row in SOURCES.md"


@pytest.mark.parametrize("use_grep", [True, False], ids=["grep", "python"])
@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_real_log_leaves_what_its_verdict_says(log: Path, use_grep: bool) -> None:
    source, fmt, expected = verdict(log)
    c = Classifier()
    c.feed_file(log, host="", source=source, fmt=fmt, use_grep=use_grep)
    assert_verdict(c, expected, log.name)


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_real_log_same_verdict_read_without_knowing_its_form(log: Path) -> None:
    """What the snapshot reader does with a log it finds: every line in its own form, judged
    by the rules of the unit it names."""
    _, _, expected = verdict(log)
    c = Classifier()
    with open(log, "rb") as fh:
        c.feed_streams([(str(log), "", "", fh)])
    assert_verdict(c, expected, log.name)
    assert c.sources[0]["origin"] == str(log) and c.sources[0]["source"] == ANY_SOURCE


def test_short_precise_lines_keep_time_host_and_unit() -> None:
    line = (REAL / "insights-ci-4.14-kubenswrapper.short-precise.log").read_text().splitlines()[0]
    rec = parse_journal_text_line(line)
    assert (rec.time, rec.host, rec.unit) == (
        "Nov 10 14:17:41.900439",
        "ci-ln-b3f5vqb-72292-v2kk6-master-0",
        "kubenswrapper",
    )
    assert rec.message.startswith("E1110 14:17:41.900391    2296 pod_workers.go:1300]")


def test_haproxy_stderr_prefix_comes_off_in_every_real_form() -> None:
    for name in (
        "haproxy-1.x-stderr-down-alert.log",
        "haproxy-2.x-stderr-down.log",
        "haproxy-2.4-journal-backend-down-then-up.journal.log",
        "bastion-haproxy-2.4-selinux-bind.journal.log",
    ):
        for line in (REAL / name).read_text().splitlines():
            rec = parse_any_line(line)
            if rec.unit in (None, "haproxy"):
                assert not re.match(r"\[[A-Z]+\]", rec.message), (name, line)
                assert rec.level in ("warning", "alert", "notice"), (name, line)


def test_installer_logfmt_lines_parse_with_and_without_time() -> None:
    for name in (
        "ocp4.10rc1-success-install-complete.openshift_install.log",
        "hupiper-ocp4.3-failed-api-dns.openshift_install.log",
    ):
        for line in (REAL / name).read_text().splitlines():
            with_time = parse_any_line(line)
            without = parse_any_line(line.split(" ", 1)[1])  # level=... msg=...
            assert with_time.level and with_time.time and not with_time.message.startswith("time=")
            assert (without.message, without.level, without.time) == (
                with_time.message,
                with_time.level,
                None,
            )


def test_new_catalog_entries_carry_real_lines_from_the_corpus() -> None:
    raw = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    for item in raw["entries"] + raw["events"]:
        if item["id"] in SEED_ENTRIES:
            continue
        files = item.get("corpus")
        assert files, f"{item['id']}: a new entry names the tests/real/logs files of its examples"
        lines = [ln for f in files for ln in (REAL / f).read_text(encoding="utf-8").splitlines()]
        real_examples = [x for x in item["examples"] if any(x in ln for ln in lines)]
        assert real_examples, f"{item['id']}: no example occurs in {files}"
        for f in files:
            text = (REAL / f).read_text(encoding="utf-8")
            assert any(x in text for x in item["examples"]), f"{item['id']}: nothing from {f}"
