"""SELinux file contexts as ``stat -c '%C %n'`` and ``ls -Z`` / ``ls -lZ`` print them.

>>> ctx = parse_context("unconfined_u:object_r:admin_home_t:s0")
>>> ctx.type, str(ctx)
('admin_home_t', 'unconfined_u:object_r:admin_home_t:s0')
>>> parse_stat_contexts(  # doctest: +NORMALIZE_WHITESPACE
...     "system_u:object_r:httpd_sys_content_t:s0 /www/a b.ign\\n? /www/c", "stat"
... )
{'/www/a b.ign': SelinuxContext(user='system_u', role='object_r', type='httpd_sys_content_t',
                                level='s0'),
 '/www/c': None}
>>> line = "-rwxrwxrwx. 1 root root unconfined_u:object_r:admin_home_t:s0 895104623 Aug 16 03:14 "
>>> line += "rhcos.raw.gz"
>>> parse_ls_z(line, "ls -lZ")["rhcos.raw.gz"].type
'admin_home_t'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from collectors.errors import InputError

#: What ``stat -c %C`` and ``ls -Z`` print for a file without a label.
UNLABELED = ("?", "")
_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")
_LEVEL = re.compile(r"^[A-Za-z0-9_.\-:,]+$")
_MODE = re.compile(r"^[-dlcbpsD][-rwxsStTlL]{9}[.+@]?$")


@dataclass(frozen=True)
class SelinuxContext:
    """``user:role:type:level``; the level may itself hold colons (``s0:c0.c1023``)."""

    user: str
    role: str
    type: str
    level: str = ""

    def __str__(self) -> str:
        return ":".join(p for p in (self.user, self.role, self.type, self.level) if p)


def parse_context(text: str) -> SelinuxContext | None:
    """A context, or None for an unlabeled file (``?``); ValueError if it is not a context."""
    text = text.strip()
    if text in UNLABELED:
        return None
    parts = text.split(":", 3)
    if len(parts) < 3 or not all(_PART.match(p) for p in parts[:3]):
        raise ValueError(f"not an SELinux context: {text[:80]!r}")
    level = parts[3] if len(parts) == 4 else ""
    if level and not _LEVEL.match(level):
        raise ValueError(f"not an SELinux level: {level[:80]!r}")
    return SelinuxContext(*parts[:3], level)


def parse_stat_contexts(text: str, source: str) -> dict[str, SelinuxContext | None]:
    """``stat -c '%C %n' FILE...`` output: file name -> context (None when unlabeled)."""
    out: dict[str, SelinuxContext | None] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        context, sep, name = line.partition(" ")
        if not sep or not name:
            raise InputError(source, f"expected '<context> <file>', got {line[:80]!r}", line=number)
        try:
            out[name] = parse_context(context)
        except ValueError as exc:
            raise InputError(source, str(exc), line=number) from None
    return out


def _is_header(line: str, first: str) -> bool:
    """``/usr/share/nginx/html/work:`` heads each folder when ls lists several."""
    if not line.endswith(":") or _MODE.match(first):
        return False
    try:
        parse_context(first)
        return False
    except ValueError:
        return True


def parse_ls_z(text: str, source: str) -> dict[str, SelinuxContext | None]:
    """``ls -Z`` (``<context> <name>``) or ``ls -lZ`` (mode, links, owner, group, context, ...)."""
    out: dict[str, SelinuxContext | None] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        fields = stripped.split(None, 1)
        if not stripped or re.match(r"^total \d+$", stripped) or _is_header(stripped, fields[0]):
            continue
        try:
            if _MODE.match(fields[0]):
                long = stripped.split(None, 9)
                if len(long) < 10:
                    raise ValueError(f"expected 10 fields in an 'ls -lZ' line, got {len(long)}")
                name = long[9].split(" -> ", 1)[0] if fields[0].startswith("l") else long[9]
                out[name] = parse_context(long[4])
            elif len(fields) == 2:
                out[fields[1]] = parse_context(fields[0])
            else:
                raise ValueError(f"expected '<context> <name>', got {stripped[:80]!r}")
        except ValueError as exc:
            raise InputError(source, str(exc), line=number) from None
    return out
