"""The two kinds of trouble a collector reports.

>>> str(InputError("haproxy.cfg", "unknown keyword 'severr'", line=12))
"haproxy.cfg:12: unknown keyword 'severr'"

PYTEST_DONT_REWRITE
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

    def because(self, inner: BaseException | None) -> FactError:
        """Carry the cause of ``inner`` when it got no answer from here (an error made of
        lookups, one of which could not reach the mirror), so the run says that cause once.

        >>> FactError("3 lookups failed").because(Unreachable("m:5000", "timeout")).cause
        {'source': 'm:5000', 'reason': 'timeout'}
        """
        cause = getattr(inner, "cause", None)
        if isinstance(cause, dict):
            self.unreachable_cause = cause
        return self

    @property
    def cause(self) -> dict[str, str] | None:
        """The source this machine could not reach that explains the error, else None."""
        return getattr(self, "unreachable_cause", None)


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


class Unreachable(FactError):
    """No answer from a source *from this machine* (no route, host unreachable, no answer
    before the timeout, TLS never started, a name this machine cannot resolve): never a verdict
    on the site, and its remediation is about reaching the source.

    ``cause`` is what ``run.unreachable`` groups by (``group``): the network without a route
    (``172.16.0.0/24``), a silent server (its address: every port of it), else the source
    (``host:port``).

    >>> e = Unreachable("10.0.0.5:6443", "no route to the network (ENETUNREACH)",
    ...                 group="10.0.0.0/24")
    >>> str(e)
    'cannot reach 10.0.0.5:6443 from this machine: no route to the network (ENETUNREACH)'
    >>> e.cause
    {'source': '10.0.0.0/24', 'reason': 'no route to the network (ENETUNREACH)'}
    """

    def __init__(self, target: str, reason: str, *, group: str = "", what: str = "") -> None:
        self.target = target
        self.reason = reason
        self.group = group
        Exception.__init__(self, f"{what or 'cannot reach'} {target} from this machine: {reason}")
        self.source = target
        where = group or target
        self.remediation = (
            f"this says nothing about the site: run the suite from a machine on the site's "
            f"network (the bastion), or give this machine a route to {where} "
            f"(ip route get {target.rsplit(':', 1)[0].strip('[]')}; firewall between here and "
            "there), then run the check again"
        )

    @property
    def cause(self) -> dict[str, str]:
        reason = self.reason.split(";")[0].split(" (port ")[0]
        return {"source": self.group or self.target, "reason": reason}


class NotApplicable(Exception):
    """The check does not apply to this site (a skip, with the reason), e.g. no cluster given."""
