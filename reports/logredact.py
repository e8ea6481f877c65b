"""Log records through the redaction rules as they are made, so nothing a collector or a library
logs (``--log-cli-level=DEBUG`` on the terminal, ``--log-file``, the captured-log sections) can
show a secret or a raw escape sequence: the message is formatted, redacted and made visible
(``collectors.visible``) once, at the record, for every handler.

>>> import logging
>>> restore = install()
>>> log = logging.getLogger("x")
>>> record = log.makeRecord("x", logging.INFO, "f", 1, "%s", ("token=s3cr3t",), None)
>>> record.getMessage()
'token=REDACTED'
>>> restore()

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from collectors.triage.redact import redact_text
from collectors.visible import visible


def install() -> Callable[[], None]:
    """Wrap the logging record factory; returns the function that puts the old one back."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it later, unredacted args
            message = str(record.msg)  # dropped, never shown
        record.msg, record.args = visible(redact_text(message)), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = visible(redact_text(text))
        return record

    logging.setLogRecordFactory(factory)

    def restore() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return restore
