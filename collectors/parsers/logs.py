"""Log lines as records: journal JSON (``journalctl -o json``), syslog-style haproxy lines, and
the installer's ``.openshift_install.log``. Every parser takes bytes or text and never raises.

>>> r = parse_journal_json(b'{"MESSAGE":"Created \\\\"a.yaml\\\\"",'
...                        b'"_SYSTEMD_UNIT":"bootkube.service",'
...                        b'"__REALTIME_TIMESTAMP":"1601300304000000","PRIORITY":"6"}')
>>> r.time, r.unit, r.message, r.priority
('2020-09-28T13:38:24Z', 'bootkube.service', 'Created "a.yaml"', 6)
>>> parse_syslog_line(
...     "Sep 29 16:03:15 localhost haproxy[69855]: Server kube_api/bs is DOWN"
... ).message
'Server kube_api/bs is DOWN'
>>> r = parse_installer_line('time="2020-09-23T04:18:08-04:00" level=debug msg="Still waiting"')
>>> r.time, r.level, r.message
('2020-09-23T04:18:08-04:00', 'debug', 'Still waiting')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log line: when, which unit or program, the message, and a priority or level if known."""

    message: str
    time: str | None = None
    unit: str | None = None
    priority: int | None = None
    level: str | None = None


def as_text(line: bytes | str) -> str:
    """Decode a raw line (invalid UTF-8 replaced), without its line ending."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    return line.rstrip("\r\n")


def _journal_field(value: object) -> str | None:
    """A journal JSON field: a string, an array of bytes (binary data), or null."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, list):  # a field given several times: the first value
        return _journal_field(value[0]) if value else None
    return None


def _micros_to_iso(value: object) -> str | None:
    try:
        micros = int(str(value))
        return datetime.fromtimestamp(micros / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return None


def parse_journal_json(line: bytes | str) -> LogRecord | None:
    """One ``journalctl -o json`` line; None when the line is not a JSON object."""
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    message = _journal_field(data.get("MESSAGE")) or ""
    unit = _journal_field(data.get("_SYSTEMD_UNIT")) or _journal_field(
        data.get("SYSLOG_IDENTIFIER")
    )
    prio = _journal_field(data.get("PRIORITY"))
    return LogRecord(
        message=message.rstrip("\r\n"),
        time=_micros_to_iso(data.get("__REALTIME_TIMESTAMP")),
        unit=unit,
        priority=int(prio) if prio and prio.isdigit() else None,
    )


_SYSLOG = re.compile(
    r"^(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+)\s+"
    r"(?P<host>\S+)\s+(?P<ident>[^\s:\[]+)(?:\[\d+\])?:\s?(?P<msg>.*)$"
)
_BARE_IDENT = re.compile(r"^(?P<ident>[^\s:\[]+)\[\d+\]:\s?(?P<msg>.*)$")


def parse_syslog_line(line: bytes | str) -> LogRecord:
    """A syslog line (``Sep 29 16:03:15 host haproxy[1]: msg``) or a bare message (haproxy's
    ``log stdout format raw``); the message is the whole line when there is no prefix."""
    text = as_text(line)
    m = _SYSLOG.match(text)
    if m:
        return LogRecord(message=m["msg"], time=m["time"], unit=m["ident"])
    m = _BARE_IDENT.match(text)
    if m:
        return LogRecord(message=m["msg"], unit=m["ident"])
    return LogRecord(message=text)


_LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
_CONSOLE = re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|FATAL)\s+(?P<msg>.*)$")


def parse_installer_line(line: bytes | str) -> LogRecord:
    """An ``openshift-install`` line: logfmt (``time=.. level=.. msg=".."``) as in
    ``.openshift_install.log``, or the console form (``DEBUG Still waiting ...``)."""
    text = as_text(line)
    if text.startswith("time="):
        fields: dict[str, str] = {}
        for key, value in _LOGFMT.findall(text):
            if value.startswith('"'):
                try:
                    value = json.loads(value)
                except ValueError:
                    value = value[1:-1]
            fields[key] = value
        if "msg" in fields:
            return LogRecord(
                message=fields["msg"],
                time=fields.get("time"),
                level=fields.get("level"),
                unit="openshift-install",
            )
    m = _CONSOLE.match(text)
    if m:
        return LogRecord(message=m["msg"], level=m["level"].lower(), unit="openshift-install")
    return LogRecord(message=text, unit="openshift-install")
