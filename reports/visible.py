"""Text from outside input made visible: control characters (C0, DEL, C1, so ESC and every
terminal escape sequence) shown as ``\\xNN``, never sent to a terminal or a page raw.

>>> visible("node\\x1b]0;pwned\\x07 ok")
'node\\\\x1b]0;pwned\\\\x07 ok'
"""

from __future__ import annotations

import re
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible(value: Any) -> str:
    """``value`` as text with its control characters shown as ``\\xNN`` (tab and newlines kept)."""
    text = value if isinstance(value, str) else str(value)
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
