"""Log lines as records: journal JSON (``journalctl -o json``), journal text (``journalctl -o
short``, ``short-precise``, ``short-iso``: must-gather's ``host_service_logs``, the installer's
log bundle), syslog-style and stderr haproxy lines, and the installer's ``.openshift_install.log``.
Every parser takes bytes or text and never raises; ``parse_any_line`` picks the form itself.

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
>>> r = parse_journal_text_line(
...     "Mar 12 10:11:12.123456 m1 kubenswrapper[2296]: I0312 10:11:12.1 2296 flags.go:64]"
...     " FLAG: --v=2"
... )
>>> r.time, r.host, r.unit, r.message[-11:]
('Mar 12 10:11:12.123456', 'm1', 'kubenswrapper', 'FLAG: --v=2')
>>> r = parse_any_line("[ALERT] 071/085241 (29884) : backend 'static' has no server available!")
>>> r.level, r.message
('alert', "backend 'static' has no server available!")

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import NamedTuple


class LogRecord(NamedTuple):
    """One log line: when, which unit or program, the message, and a priority or level if known.
    A named tuple: immutable, and several times cheaper to build than a frozen dataclass (one
    per examined line)."""

    message: str
    time: str | None = None
    unit: str | None = None
    priority: int | None = None
    level: str | None = None
    host: str | None = None


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
    """A journal's ``__REALTIME_TIMESTAMP`` (microseconds) as UTC to the second; the last
    second is kept, as a journal's lines come many to a second.

    >>> _micros_to_iso("1601300280000000"), _micros_to_iso("1601300280999999"), _micros_to_iso("x")
    ('2020-09-28T13:38:00Z', '2020-09-28T13:38:00Z', None)
    """
    global _last_second
    try:
        second = int(str(value)) // 1_000_000
        if second == _last_second[0]:
            return _last_second[1]
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return None
    _last_second = (second, text)
    return text


_last_second: tuple[int | None, str] = (None, "")


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


#: the time of ``-o short`` / syslog (``Sep 29 16:03:15``), ``-o short-precise``
#: (``Mar 12 10:11:12.123456``), ``-o short-iso`` (``2020-09-28T13:38:24+0000``) and
#: ``short-iso-precise`` (``2020-09-28T13:38:24.123456+00:00``)
_TIME = r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,9})?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*"
#: the prefix only: the message is the rest of the line (no ``.*$`` scan of long lines)
_SYSLOG = re.compile(rf"(?P<time>{_TIME})\s+(?P<host>\S+)\s+(?P<ident>[^\s:\[]+)(?:\[\d+\])?:\s?")
_BARE_IDENT = re.compile(r"(?P<ident>[^\s:\[]+)\[\d+\]:\s?")
#: haproxy's own stderr prefix, in a journal or a log file: 2.x ``[WARNING]  (4494) : ``,
#: 1.x ``[WARNING] 071/085241 (29884) : `` (day of year / time)
_HAPROXY_PREFIX = re.compile(
    r"^\[(?P<level>EMERG|ALERT|CRIT|ERR|ERROR|WARNING|NOTICE|INFO|DEBUG)\]\s+"
    r"(?:\d{3}/\d{6}\s+)?\(\d+\)\s+:\s?"
)


#: klog's severity letter (``E0827 06:51:57.734731 1562807 transport.go:123] ...``)
KLOG_LEVELS = {"E": "error", "F": "fatal", "W": "warning"}
_KLOG_SEVERITY = re.compile(r"^[EFW](?:0[1-9]|1[0-2])[0-3]\d \d\d:\d\d:\d\d\.\d+ ")


def _without_haproxy_prefix(message: str) -> tuple[str, str | None]:
    """A haproxy stderr message without its ``[LEVEL] (pid) :`` prefix, and that level; a
    klog line (kubelet, crio...) keeps its text and gives the level of its severity letter.

    >>> _without_haproxy_prefix("[WARNING]  (8) : Server apps/s2 is UP")
    ('Server apps/s2 is UP', 'warning')
    >>> _without_haproxy_prefix('E0827 06:51:57.734731 15 transport.go:123] "No cert"')[1]
    'error'
    """
    if message[:1] in KLOG_LEVELS and _KLOG_SEVERITY.match(message):
        return message, KLOG_LEVELS[message[0]]
    if message[:1] != "[":
        return message, None
    m = _HAPROXY_PREFIX.match(message)
    if m is None:
        return message, None
    return message[m.end() :], m["level"].lower()


def parse_syslog_line(line: bytes | str) -> LogRecord:
    """A syslog line (``Sep 29 16:03:15 host haproxy[1]: msg``), a journal text line (any
    ``short*`` form), a bare ``ident[pid]: msg``, or a bare message (haproxy's ``log stdout
    format raw``, or its stderr ``[WARNING]  (pid) : msg``); the message is the whole line when
    there is no prefix. haproxy's ``[LEVEL] (pid) :`` prefix is taken off into ``level``."""
    text = as_text(line)
    m = _SYSLOG.match(text)
    if m:
        msg, level = _without_haproxy_prefix(text[m.end() :])
        return LogRecord(message=msg, time=m["time"], unit=m["ident"], level=level, host=m["host"])
    m = _BARE_IDENT.match(text)
    if m:
        msg, level = _without_haproxy_prefix(text[m.end() :])
        return LogRecord(message=msg, unit=m["ident"], level=level)
    msg, level = _without_haproxy_prefix(text)
    return LogRecord(message=msg, level=level)


def parse_journal_text_line(line: bytes | str) -> LogRecord:
    """One line of ``journalctl -o short``, ``short-precise``, ``short-iso`` or
    ``short-iso-precise``: time as written, host, unit (the syslog identifier) and message.
    journalctl's own ``-- Logs begin at ... --`` / ``-- Boot ... --`` lines give a record with
    no unit; a line in no journal form is the message itself."""
    return parse_syslog_line(line)


_LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
_CONSOLE = re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|FATAL)\s+(?P<msg>.*)$")


def parse_installer_line(line: bytes | str) -> LogRecord:
    """An ``openshift-install`` line: logfmt (``time=.. level=.. msg=".."``) as in
    ``.openshift_install.log``, logfmt without ``time=`` (``level=info msg="Install
    complete!"``), or the console form (``DEBUG Still waiting ...``)."""
    text = as_text(line)
    if text.startswith(("time=", "level=")):
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


def parse_any_line(line: bytes | str) -> LogRecord:
    """A line in whichever form it is: journal JSON, installer logfmt, journal text / syslog
    (with or without haproxy's stderr prefix), or a bare message. For files whose form is not
    known in advance (a must-gather's or a log bundle's text logs)."""
    if line[:1] in (b"{", "{"):
        rec = parse_journal_json(line)
        if rec is not None:
            return rec
    if line[:5] in (b"time=", "time=") or line[:6] in (b"level=", "level="):
        rec = parse_installer_line(line)
        if rec.level is not None:
            return rec
    return parse_syslog_line(line)
