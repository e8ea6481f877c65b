"""One outcome record (check, subject, outcome, message, remediation) per test report phase.

The record is built here, from the check's verdict or the exception that ended the phase, so
the pytest wiring never knows the report's shape.

>>> from checks.base import failed
>>> v = failed(expected="A 10.0.0.1", found="none", remediation="add it")
>>> record_of("dns.forward", "m1", "failed", verdict=v)["message"]
'expected A 10.0.0.1; found none'
>>> record_of("dns.forward", "m1", "error", exc=ValueError("x"))["remediation"][:5]
'a bug'
>>> no_cluster = FactError("no cluster to read: give --kubeconfig FILE or --snapshot PATH")
>>> record_of("nodes.ready", "cluster", "error", exc=no_cluster)["remediation"]
'give --kubeconfig FILE or --snapshot PATH'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from typing import Any

from checks.base import Verdict, as_pasted
from collectors.errors import FactError
from collectors.triage.redact import redact_text
from reports.unreachable import pointer

#: What to do about an error whose collector gave no more specific advice.
ERROR_REMEDIATION = (
    "make the source the message names reachable and readable from this machine "
    "(address, port, firewall, credentials), then run the check again"
)
BUG_REMEDIATION = "a bug in the suite: please report it with this message"


#: A clause of an error message that is already the fix: it starts with one of these verbs after
#: ``; `` or ``: `` (``...: give --kubeconfig FILE``, ``...; add its public key to ...``).
_FIX = re.compile(
    r"(?:[;:]\s+|\(|\bthen\s+)((?:add|give|set|run|start|install|load|copy|remove|correct|"
    r"use|make|fix|create|open|allow|enable|restart|regenerate|mirror|point|put)\b[^()]*)"
)


def fix_in(message: str) -> str:
    """The part of an error message that says what to do, else "".

    >>> fix_in("bs:22: the key k is passphrase-protected; load it into ssh-agent and drop ssh.key")
    'load it into ssh-agent and drop ssh.key'
    >>> fix_in("DNS server 10.0.0.2:53 did not answer within 2 s; not asked again")
    ''
    """
    found = _FIX.search(message)
    return found.group(1).strip().rstrip(").") if found else ""


def error_reason(exc: BaseException) -> str:
    """The error's message as a user reads it: a collector's own text, else type and text."""
    if isinstance(exc, FactError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def record_of(
    check_id: str,
    subject: str,
    outcome: str,
    *,
    verdict: Verdict | None = None,
    exc: BaseException | None = None,
    skip_reason: str = "",
) -> dict[str, Any]:
    """The record of one phase: ``outcome`` is passed, failed, error or skipped."""
    record: dict[str, Any] = {
        "check": check_id,
        "subject": subject,
        "outcome": outcome,
        "message": "",
        "remediation": "",
    }
    if outcome == "passed":
        record["message"] = verdict.message if verdict is not None and verdict.ok else ""
    elif outcome == "skipped":
        record["message"] = skip_reason.removeprefix("Skipped: ")
    elif outcome == "failed" and verdict is not None:
        record.update(message=verdict.message, remediation=verdict.remediation)
        if verdict.details:
            record["details"] = list(verdict.details)
    elif isinstance(getattr(exc, "cause", None), dict):  # no answer from here: said once
        cause = {k: str(v) for k, v in exc.cause.items()}  # type: ignore[union-attr]
        record.update(
            outcome="error",
            message=error_reason(exc),
            remediation=pointer(cause),
            unreachable=cause,
        )
    elif exc is not None:
        default = ERROR_REMEDIATION if isinstance(exc, FactError) else BUG_REMEDIATION
        record.update(
            outcome="error",
            message=error_reason(exc),
            remediation=as_pasted(
                getattr(exc, "remediation", "")
                or (fix_in(str(exc)) if isinstance(exc, FactError) else "")
                or default
            ),
        )
    return redact_record(record)


def redact_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its message, remediation and details through the text redaction rules
    (a failure may quote a log line that carries a token): every report is built from these.

    >>> redact_record({"message": "GET / with Authorization: Bearer abcdefgh12345"})["message"]
    'GET / with Authorization: Bearer REDACTED'
    """
    for field in ("message", "remediation"):
        if isinstance(record.get(field), str) and record[field]:
            record[field] = redact_text(record[field])
    if isinstance(record.get("details"), list):
        record["details"] = [redact_text(d) if isinstance(d, str) else d for d in record["details"]]
    return record
