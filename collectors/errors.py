"""The two kinds of trouble a collector reports.

>>> str(InputError("haproxy.cfg", "unknown keyword 'severr'", line=12))
"haproxy.cfg:12: unknown keyword 'severr'"
"""

from __future__ import annotations


class FactError(Exception):
    """A fact could not be gathered (server down, timeout, garbage reply): the check errors.

    ``remediation`` may say how to make the fact gatherable; reports fall back to a generic one.
    """

    remediation = ""
    #: What failed, when the error is about one source (``DNS server 10.0.0.2:53``,
    #: ``snapshot /x``): a site-wide error is reported with it as its subject.
    source = ""

    def with_remediation(self, text: str) -> FactError:
        """Attach a remediation and return the error:
        ``raise FactError(...).with_remediation(...)``."""
        self.remediation = text
        return self

    def with_source(self, source: str) -> FactError:
        """Name the source that failed (kept when already named) and return the error."""
        if not self.source:
            self.source = source
        return self


class InputError(FactError):
    """Input that does not parse: names the source, and the line or key where it went wrong."""

    def __init__(
        self, source: str, message: str, *, line: int | None = None, key: str = ""
    ) -> None:
        self.source = str(source)
        self.line = line
        self.key = key
        self.reason = message
        where = self.source + (f":{line}" if line else "")
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")
        self.remediation = f"correct {where} as the message says, then run the check again"


class CommandTimeout(FactError):
    """A command that did not finish in time; ``stdout``/``stderr`` hold what it printed until
    then."""

    def __init__(self, message: str, stdout: bytes = b"", stderr: bytes = b"") -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr


class NotApplicable(Exception):
    """The check does not apply to this site (a skip, with the reason), e.g. no cluster given."""
