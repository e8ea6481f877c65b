"""One sanitizer for everything the run prints to the terminal: pytest's own lines (test ids,
failure texts, the short summary) and the suite's summary alike.

Text from outside input (a snapshot's names, a log line, an inventory value) can hold escape
sequences that set the window title, write OSC 8 hyperlinks, clear the screen or conceal text:
a hostile must-gather could hide its failures from the person reading them. Every write goes
through :func:`shown`: control characters become ``\\xNN``; only the colour codes a terminal
writer emits itself (SGR of foreground colours, bold, reset) pass, and only when colour is on.

>>> shown("w1\\x1b]0;pwned\\x07\\x1b[2J ok", colour=False)
'w1\\\\x1b]0;pwned\\\\x07\\\\x1b[2J ok'
>>> shown("\\x1b[31mFAILED\\x1b[0m \\x1b[8mhidden\\x1b[0m", colour=True)
'\\x1b[31mFAILED\\x1b[0m \\\\x1b[8mhidden\\x1b[0m'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from typing import Any

#: Select Graphic Rendition: ``ESC [ params m``.
SGR = re.compile(r"\x1b\[([0-9;]*)m")
#: SGR parameters a writer's own markup uses (pytest, pygments): reset, bold, faint, italic,
#: underline, blink, inverse, their resets, foreground colours and the default colours. Not
#: conceal (8), not backgrounds (a text in the colour of its background is hidden).
SAFE_SGR = {0, 1, 2, 3, 4, 5, 7, 22, 23, 24, 25, 27, 39, 49, *range(30, 38), *range(90, 98)}
#: Every C0 and C1 control but tab and line feed; carriage return too unless colour is on (a
#: terminal writer's own progress line rewrites itself with it).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CONTROL_NO_CR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _safe_sgr(params: str) -> bool:
    return all(p.isdigit() and int(p) in SAFE_SGR for p in (params or "0").split(";"))


def shown(text: str, *, colour: bool) -> str:
    """``text`` as the terminal may receive it (see the module doc)."""
    if not colour:
        return CONTROL.sub(_escape, text)
    out: list[str] = []
    last = 0
    for match in SGR.finditer(text):
        out.append(CONTROL_NO_CR.sub(_escape, text[last : match.start()]))
        kept = _safe_sgr(match.group(1))
        out.append(match.group() if kept else CONTROL_NO_CR.sub(_escape, match.group()))
        last = match.end()
    out.append(CONTROL_NO_CR.sub(_escape, text[last:]))
    return "".join(out)


def guard(writer: Any) -> None:
    """Route a pytest ``TerminalWriter``'s writes through :func:`shown` (once per writer); its
    own markup is added after, so pytest's colours stay."""
    if getattr(writer, "_upi_guarded", False):
        return
    original = writer.write

    def write(msg: str, *, flush: bool = False, **markup: bool) -> None:
        original(shown(msg, colour=writer.hasmarkup), flush=flush, **markup)

    writer.write = write
    writer._upi_guarded = True
