"""Root causes: rules kept as data (``causes.yaml``) that link evidence (failed checks, log
findings) to the symptoms it explains (other failures and errors, findings) in one run.

Pure over the result records and the findings.json groups, so a live run, an offline run of a
bundle and the fleet page name the same causes. A cause never explains what did not happen: it
lists only records that failed or errored and findings that are there.

>>> rules = load_rules()
>>> records = [
...     {"check": "dns.reverse", "subject": "i1.c.example", "outcome": "failed",
...      "message": "expected PTR", "remediation": "add the PTR"},
...     {"check": "nodes.ready", "subject": "localhost", "outcome": "failed",
...      "message": "expected ...", "remediation": "..."},
...     {"check": "nodes.ready", "subject": "w1.c.example", "outcome": "failed",
...      "message": "...", "remediation": "..."}]
>>> [(c["id"], c["explains"]) for c in link(rules, records, [])]
[('dns.missing_ptr', [{'check': 'nodes.ready', 'subject': 'localhost'}])]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from collectors.errors import InputError
from collectors.localfile import read_text

RULES_PATH = Path(__file__).with_name("causes.yaml")
#: Outcomes a symptom may have; evidence is a failure only (an error says nothing of the site).
SYMPTOM_OUTCOMES = ("failed", "error")


@dataclass(frozen=True)
class Match:
    """One item of a rule's evidence or symptoms: a check (narrowed by subject or message
    regex) or a findings.json group (by id, narrowed by key regex)."""

    check: str | None = None
    finding: str | None = None
    subject: re.Pattern[str] | None = None
    message: re.Pattern[str] | None = None
    key: re.Pattern[str] | None = None

    def record(self, rec: dict[str, Any]) -> bool:
        return (
            self.check is not None
            and rec.get("check") == self.check
            and (self.subject is None or bool(self.subject.search(str(rec.get("subject", "")))))
            and (self.message is None or bool(self.message.search(str(rec.get("message", "")))))
        )

    def group(self, finding: dict[str, Any]) -> bool:
        return (
            self.finding is not None
            and finding.get("id") == self.finding
            and (self.key is None or bool(self.key.search(str(finding.get("key", "")))))
        )


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    reason: str
    source: str
    scenario: str
    scope: str
    evidence: tuple[Match, ...]
    explains: tuple[Match, ...]
    fix: str
    deadline: re.Pattern[str] | None = None


def _pattern(where: str, value: Any) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(str(value))
    except re.error as exc:
        raise InputError(where, f"not a regular expression: {exc}") from None


def _match(where: str, raw: Any) -> Match:
    if not isinstance(raw, dict) or ("check" in raw) == ("finding" in raw):
        raise InputError(where, "each item names either a check or a finding")
    unknown = set(raw) - {"check", "finding", "subject", "message", "key"}
    if unknown:
        raise InputError(where, f"unknown keys {sorted(unknown)}")
    return Match(
        check=raw.get("check"),
        finding=raw.get("finding"),
        subject=_pattern(f"{where}.subject", raw.get("subject")),
        message=_pattern(f"{where}.message", raw.get("message")),
        key=_pattern(f"{where}.key", raw.get("key")),
    )


def parse_rules(path: str, data: Any) -> tuple[Rule, ...]:
    """The rules of a causes file; InputError naming the rule and key that is wrong.

    >>> parse_rules("x", {"rules": [{"id": "a", "title": "t"}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    collectors.errors.InputError: x: rule a: missing reason, source, scenario, scope, ...
    """
    rules: list[Rule] = []
    wanted = ("title", "reason", "source", "scenario", "scope", "evidence", "explains", "fix")
    for raw in (data or {}).get("rules") or []:
        rid = raw.get("id", "?") if isinstance(raw, dict) else "?"
        missing = [k for k in wanted if not (isinstance(raw, dict) and raw.get(k))]
        if missing:
            raise InputError(path, f"rule {rid}: missing {', '.join(missing)}")
        if raw["scope"] not in ("site", "node"):
            raise InputError(path, f"rule {rid}: scope is site or node, not {raw['scope']!r}")
        where = f"{path}: rule {rid}"
        rules.append(
            Rule(
                id=rid,
                title=str(raw["title"]),
                reason=" ".join(str(raw["reason"]).split()),
                source=str(raw["source"]),
                scenario=str(raw["scenario"]),
                scope=raw["scope"],
                evidence=tuple(_match(f"{where} evidence", m) for m in raw["evidence"]),
                explains=tuple(_match(f"{where} explains", m) for m in raw["explains"]),
                fix=" ".join(str(raw["fix"]).split()),
                deadline=_pattern(f"{where} deadline", raw.get("deadline")),
            )
        )
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise InputError(path, "rule ids repeat")
    return tuple(rules)


@lru_cache(maxsize=4)
def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """The rules of ``causes.yaml`` (or ``path``)."""
    import yaml

    where = str(path or RULES_PATH)
    try:
        data = yaml.safe_load(read_text(where))
    except yaml.YAMLError as exc:
        raise InputError(where, f"not YAML: {exc}") from None
    return parse_rules(where, data)


# --------------------------------------------------------------------------- linking


def _node(subject: str) -> str:
    """The short host name a subject names (``w1`` of ``w1.c.example`` or ``w1:22``)."""
    return re.split(r"[.:/ ]", subject, maxsplit=1)[0].lower()


def _hours(rule: Rule, records: list[dict[str, Any]]) -> float | None:
    """The nearest deadline the evidence states, in hours (negative: already past)."""
    if rule.deadline is None:
        return None
    found: list[float] = []
    for rec in records:
        text = " ".join([str(rec.get("message", "")), *map(str, rec.get("details") or ())])
        for m in rule.deadline.finditer(text):
            if m.groupdict().get("left") is not None:
                found.append(float(m.group("left")))
            elif m.groupdict().get("ago") is not None:
                found.append(-float(m.group("ago")))
    return min(found) if found else None


def _cause(
    rule: Rule,
    evidence: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    records: list[dict[str, Any]],
    findings: list[dict[str, Any]],
) -> dict[str, Any]:
    nodes = {_node(str(r["subject"])) for r in evidence}
    nodes |= {_node(str(g.get("key", ""))) for g in groups}
    taken = {(r["check"], r["subject"]) for r in evidence}
    explains: list[dict[str, str]] = []
    for rec in records:
        if rec.get("outcome") not in SYMPTOM_OUTCOMES or (rec["check"], rec["subject"]) in taken:
            continue
        if not any(m.record(rec) for m in rule.explains):
            continue
        node = _node(str(rec["subject"]))
        if rule.scope == "node" and node not in {*nodes, "localhost", "cluster"}:
            continue
        explains.append({"check": rec["check"], "subject": rec["subject"]})
    taken_groups = {id(g) for g in groups}
    for group in findings:
        if id(group) in taken_groups or not any(m.group(group) for m in rule.explains):
            continue
        if rule.scope == "node" and _node(str(group.get("key", ""))) not in {*nodes, "localhost"}:
            continue
        explains.append(finding_item(group))
    fix = next((str(r["remediation"]) for r in evidence if r.get("remediation")), rule.fix)
    cause: dict[str, Any] = {
        "id": rule.id,
        "title": rule.title,
        "evidence": [{"check": r["check"], "subject": r["subject"]} for r in evidence]
        + [finding_item(g) for g in groups],
        "explains": _unique(explains),
        "fix": fix,
    }
    hours = _hours(rule, evidence)
    if hours is not None:
        cause["deadline_hours"] = hours
    return cause


def finding_item(group: dict[str, Any]) -> dict[str, str]:
    """How a cause names a findings.json group: its id, and its host and key when it has them
    (one id may group lines of several hosts or keys).

    >>> finding_item({"id": "kubelet.node_not_found", "host": "m1", "key": "localhost"})
    {'finding': 'kubelet.node_not_found', 'host': 'm1', 'key': 'localhost'}
    """
    item = {"finding": str(group.get("id"))}
    for field in ("host", "key"):
        if group.get(field):
            item[field] = str(group[field])
    return item


def _unique(items: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for item in items:
        seen.setdefault(tuple(sorted(item.items())), item)
    return list(seen.values())


def link(
    rules: tuple[Rule, ...], records: list[dict[str, Any]], findings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The causes the run's records and findings show, the most urgent first: those with a
    deadline (nearest first), then by how many symptoms each explains, then in rule order."""
    causes: list[tuple[int, dict[str, Any]]] = []
    for order, rule in enumerate(rules):
        evidence = [
            r
            for r in records
            if r.get("outcome") == "failed" and any(m.record(r) for m in rule.evidence)
        ]
        groups = [g for g in findings if any(m.group(g) for m in rule.evidence)]
        if evidence or groups:
            causes.append((order, _cause(rule, evidence, groups, records, findings)))

    def urgency(item: tuple[int, dict[str, Any]]) -> tuple[int, float, int, int]:
        order, cause = item
        hours = cause.get("deadline_hours")
        return (0 if hours is not None else 1, hours or 0.0, -len(cause["explains"]), order)

    return [cause for _, cause in sorted(causes, key=urgency)]


def cause_of(causes: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(check, subject) -> the id of the first (most urgent) cause that explains it.

    >>> cause_of([{"id": "a", "explains": [{"check": "x", "subject": "s"}, {"finding": "f"}]}])
    {('x', 's'): 'a'}
    """
    out: dict[tuple[str, str], str] = {}
    for cause in causes:
        for item in cause.get("explains", []):
            if "check" in item:
                out.setdefault((item["check"], item["subject"]), cause["id"])
    return out


# --------------------------------------------------------------------------- docs


def _match_text(m: Match) -> str:
    if m.check is not None:
        narrowed = [f"subject ~ `{m.subject.pattern}`"] if m.subject else []
        narrowed += [f"message ~ `{m.message.pattern}`"] if m.message else []
        return f"`{m.check}`" + (f" ({', '.join(narrowed)})" if narrowed else "")
    key = f" (key ~ `{m.key.pattern}`)" if m.key else ""
    return f"log finding `{m.finding}`{key}"


def markdown_rules(rules: tuple[Rule, ...]) -> str:
    """docs/causes.md: every rule, what shows it, what it explains, why, from where.

    >>> print(markdown_rules(load_rules()).splitlines()[0])
    # Root causes
    """
    out = [
        "# Root causes",
        "",
        "Generated from `collectors/triage/causes.yaml` by "
        "`python -m collectors.triage.causes > docs/causes.md`; do not edit by hand.",
        "",
        "A run names a cause when one item of its evidence is there (a failed check, a log "
        "finding); the cause then lists the failures, errors and findings of the same run it "
        'explains, and the report says it first ("Start here"), deadlines first.',
        "",
    ]
    for rule in rules:
        out += [
            f"## `{rule.id}`: {rule.title}",
            "",
            rule.reason,
            "",
            "- shown by: " + "; ".join(_match_text(m) for m in rule.evidence),
            "- explains: " + "; ".join(_match_text(m) for m in rule.explains),
            f"- linked: {'the same node' if rule.scope == 'node' else 'anywhere in the run'}",
            f"- fix: {rule.fix}",
            f"- source: {rule.source}",
            f"- lab scenario: `{rule.scenario}`",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown_rules(load_rules()))
