"""Text from outside input made safe to show and to paste.

- :func:`visible`: control characters (C0, DEL, C1, so ESC and every terminal escape sequence)
  shown as ``\\xNN``, tab and line breaks kept: for multi-line text (a message with details, a
  remediation);
- :func:`visible_line`: the same for one line (a name, a subject): line breaks and tabs shown
  too, so an input cannot forge a line of the report;
- :func:`shell_word`: one word of a shell command a person pastes (``shlex.quote`` of the
  visible line): a name from a snapshot, a path from an inventory, never run as shell syntax.

>>> visible("node\\x1b]0;pwned\\x07 ok")
'node\\\\x1b]0;pwned\\\\x07 ok'
>>> visible_line("w1\\nPASSED")
'w1\\\\x0aPASSED'
>>> print(shell_word("w9;curl x|sh;#"), shell_word("w1.example.com"))
'w9;curl x|sh;#' w1.example.com

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import shlex
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Control characters, line breaks and tabs, and the Unicode line and paragraph separators.
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: Any) -> str:
    """``value`` as text with its control characters shown as ``\\xNN`` (tab and newlines kept)."""
    text = value if isinstance(value, str) else str(value)
    return CONTROL.sub(_escape, text)


def visible_line(value: Any) -> str:
    """``value`` as one line: every control character, line break and tab shown as ``\\xNN``.

    >>> visible_line("a\\tb\\u2028c")
    'a\\\\x09b\\\\u2028c'
    """
    text = value if isinstance(value, str) else str(value)
    return LINE_CONTROL.sub(_escape, text)


def shell_word(value: Any) -> str:
    """``value`` as one shell word for a pasted command: quoted when it needs it, and shown
    (:func:`visible_line`) when it holds characters no one can type, so the command then names
    the escaped text, never runs what was hidden in it.

    >>> import shlex
    >>> shlex.split("oc describe node " + shell_word("w9'; rm -rf / #"))
    ['oc', 'describe', 'node', "w9'; rm -rf / #"]
    >>> shell_word("")
    "''"
    """
    return shlex.quote(visible_line(value))


def shell_word_or(value: Any, placeholder: str) -> str:
    """:func:`shell_word` of ``value``, or ``placeholder`` as it is (a ``<...>`` the reader
    replaces) when there is no value or the value is that placeholder.

    >>> shell_word_or(None, "<pull-secret>"), shell_word_or("my ps.json", "<pull-secret>")
    ('<pull-secret>', "'my ps.json'")
    """
    return placeholder if value in (None, "", placeholder) else shell_word(value)


def json_word(value: Any) -> str:
    """``value`` as compact JSON (one line, no blanks, as a patch is pasted) in one shell word:
    the names inside it come from outside input too.

    >>> print(json_word({"spec": {"name": "it's"}}))
    '{"spec":{"name":"it'"'"'s"}}'
    """
    import json

    return shell_word(json.dumps(value, separators=(",", ":")))
