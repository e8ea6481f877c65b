"""Collect what a support engineer asks for, from every host at once: journals of the install's
units on the bootstrap and masters, haproxy.cfg and the haproxy log from the LB host, and the
installer's log from ignition.dir.

Hosts run in parallel (at most ``settings.MAX_CONCURRENCY``), each within ``HOST_TIMEOUT``; a
host that cannot be reached, a command that fails, a log that is garbage or huge is recorded on
its :class:`Source` and collection goes on. Whatever a source returned before it failed is kept.

>>> src = _journal("bs", "bootkube.service", "/var/log/journal")
>>> src.origin
'journalctl -D /var/log/journal -u bootkube.service --no-pager -n 200000 -o json'
>>> src.fallback.path
'hosts/bs/journal/bootkube.service.log'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from collectors import localfile, settings
from collectors.errors import CommandTimeout, FactError, InputError
from collectors.transport.hosts import Host, LocalHost

#: One host's whole collection (all its sources), in seconds.
HOST_TIMEOUT = settings.COLLECT_HOST_TIMEOUT
#: Largest part of one log kept (its end); journal entries kept per unit (the last ones).
MAX_BYTES = settings.COLLECT_MAX_BYTES
MAX_LINES = settings.COLLECT_MAX_LINES
#: Units whose journals are collected on the bootstrap and the masters (whichever exist).
UNITS = ("bootkube.service", "release-image.service", "kubelet.service", "crio.service")
#: Words in an error that mean the host itself is out of reach (no use trying its other sources).
_UNREACHABLE = (
    "connect",
    "authenticat",
    "unreachable",
    "no route",
    "refused",
    "host key",
    "needs ssh",
    "timed out",
    "timeout",
    "name or service",
    "banner",
    "handshake",
    "no answer",
    "cannot resolve",
)


@dataclass
class Source:
    """One thing to collect and, once collected, how it went (a manifest.json row)."""

    path: str  # inside the bundle
    host: str  # host label, as in hosts/<host>/
    kind: str  # journal | file | log
    origin: str  # human-readable: where it came from
    fmt: str = (
        "text"  # how the classifier reads it (journal, syslog, installer, text), "" = not at all
    )
    catalog_source: str = ""  # the source name the catalog matches (a unit, haproxy, ...)
    argv: list[str] | None = None
    file: str | None = None
    tail: bool = False  # keep only the last MAX_BYTES of a file
    fallback: Source | None = None
    status: str = "pending"  # ok | empty | partial | failed | skipped
    error: str = ""
    started: str = ""
    seconds: float = 0.0
    bytes: int = 0
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        out = {
            k: getattr(self, k)
            for k in (
                "path",
                "host",
                "kind",
                "origin",
                "status",
                "error",
                "started",
                "seconds",
                "bytes",
                "truncated",
            )
        }
        if self.notes:
            out["notes"] = self.notes
        if self.fallback is not None and self.fallback.status != "pending":
            out["fallback"] = self.fallback.record()
        return out


@dataclass
class HostPlan:
    name: str
    target: Any  # an inventory SshTarget, or None for this machine
    sources: list[Source]
    status: str = "pending"
    error: str = ""
    seconds: float = 0.0


class Sink(Protocol):
    """Where collected data goes (the bundle writer): redacted, stored, classified."""

    def put(self, source: Source, data: bytes) -> None: ...


# --------------------------------------------------------------------------- planning


def _journal(
    host: str, unit: str, journal_dir: str | None, catalog_source: str | None = None
) -> Source:
    base = [
        "journalctl",
        *(["-D", journal_dir] if journal_dir else []),
        "-u",
        unit,
        "--no-pager",
        "-n",
        str(MAX_LINES),
    ]
    plain = Source(
        f"hosts/{host}/journal/{unit}.log",
        host,
        "journal",
        " ".join(base),
        "syslog",
        catalog_source or unit,
        argv=base,
    )
    argv = [*base, "-o", "json"]
    return Source(
        f"hosts/{host}/journal/{unit}.json",
        host,
        "journal",
        " ".join(argv),
        "journal",
        catalog_source or unit,
        argv=argv,
        fallback=plain,
    )


def node_target(inv: Any, node: Any) -> Any:
    """Where a node's journal is read: on the node, over its ``ssh``, else the ``ssh`` defaults
    at its ip (``journal_dir`` is a folder on that host, passed as ``journalctl -D``)."""
    from collectors.inventory import SshTarget

    return node.ssh if node.ssh is not None else SshTarget.parse(node.ip, inv.ssh)


def plan_nodes(inv: Any) -> list[HostPlan]:
    """Journals of UNITS on the bootstrap and every master."""
    plans = []
    for node in inv.nodes_with_role("bootstrap", "master"):
        jdir = node.journal_dir or inv.ssh.journal_dir
        target = node_target(inv, node)
        plans.append(HostPlan(node.name, target, [_journal(node.name, u, jdir) for u in UNITS]))
    return plans


def plan_lb(inv: Any) -> list[HostPlan]:
    """haproxy.cfg and the haproxy log (load_balancer.log, else ``journalctl -u haproxy``)."""
    if inv is None:
        return []
    lb = inv.load_balancer
    if not (lb.config or lb.log or lb.ssh):
        return []
    name = "lb"
    cfg = lb.config or "/etc/haproxy/haproxy.cfg"
    sources = [Source(f"hosts/{name}/haproxy.cfg", name, "file", cfg, "", file=cfg)]
    if lb.log:
        sources.append(
            Source(
                f"hosts/{name}/haproxy.log",
                name,
                "log",
                lb.log,
                "syslog",
                "haproxy",
                file=lb.log,
                tail=True,
            )
        )
    else:
        sources.append(_journal(name, "haproxy.service", inv.ssh.journal_dir, "haproxy"))
    return [HostPlan(name, lb.ssh, sources)]


def plan_installer(inv: Any) -> list[HostPlan]:
    """The installer's ``.openshift_install.log`` in ignition.dir (on this machine)."""
    if inv is None or inv.ignition.dir is None:
        return []
    path = str(Path(inv.ignition.dir) / ".openshift_install.log")
    src = Source(
        "hosts/bastion/.openshift_install.log",
        "bastion",
        "log",
        path,
        "installer",
        "openshift-install",
        file=path,
        tail=True,
    )
    return [HostPlan("bastion", None, [src])]


def plan(inv: Any) -> list[HostPlan]:
    return plan_nodes(inv) + plan_lb(inv) + plan_installer(inv)


# --------------------------------------------------------------------------- running


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run_bytes(host: Host, argv: list[str], timeout: float) -> tuple[int, bytes, str, bool]:
    """Run a command; returns (rc, stdout bytes, stderr, timed_out). Output cut short by a
    timeout is returned, not thrown away."""
    if isinstance(host, LocalHost):  # its own process group: a timeout stops what it started too
        try:
            rc, out, err = host.run_bytes(argv, timeout)
        except CommandTimeout as exc:
            return -9, exc.stdout, exc.stderr.decode("utf-8", "replace"), True
        return rc, out, err.decode("utf-8", "replace"), False
    runner = getattr(host, "run_bytes", None)  # the SSH transport: (rc, out bytes, err bytes)
    if runner is not None:
        # the remote side stops the command a little before the transport gives up, so what it
        # printed until then comes back (coreutils timeout exits 124 then)
        remote = max(1, int(timeout) - 2)
        try:
            rc, out, err = runner(["timeout", "-s", "KILL", str(remote), *argv], timeout)
        except CommandTimeout as exc:  # the transport gave up first: keep what came back
            return -1, exc.stdout, exc.stderr.decode("utf-8", "replace"), True
        if rc == 127 and not out and b"timeout" in err:  # no coreutils timeout there
            rc, out, err = runner(argv, timeout)
        text = err.decode("utf-8", "replace") if isinstance(err, bytes) else err
        # coreutils timeout exits 124, or 137, or (signalling its own process group) dies of
        # the KILL itself, which the transport reports as -1
        return rc, out, text, rc in (124, 137, -1)
    rc, out, err = host.run(argv, timeout)
    return rc, out.encode("utf-8", "surrogateescape"), err, False


def read_bytes(host: Host, path: str, timeout: float, tail: bool) -> tuple[bytes, bool]:
    """A file's bytes (its last MAX_BYTES when ``tail``); returns (data, truncated)."""
    if isinstance(host, LocalHost):
        try:
            with localfile.open_regular(path) as fh:  # never a fifo or a device: no hang
                size = os.fstat(fh.fileno()).st_size
                if tail and size > MAX_BYTES:
                    fh.seek(size - MAX_BYTES)
                    return fh.read(MAX_BYTES), True
                return fh.read(MAX_BYTES + 1)[:MAX_BYTES], size > MAX_BYTES
        except InputError as exc:
            reason = exc.reason.removeprefix("cannot read: ")
            raise FactError(f"cannot read {path} on {host.name}: {reason}") from None
        except OSError as exc:
            raise FactError(f"cannot read {path} on {host.name}: {exc.strerror or exc}") from None
    if not tail:
        return host.read_text(path).encode("utf-8", "surrogateescape"), False
    rc, out, err, timed_out = run_bytes(host, ["tail", "-c", str(MAX_BYTES), "--", path], timeout)
    if rc != 0 and not out:
        raise FactError(f"cannot read {path} on {host.name}: {err.strip() or f'tail exited {rc}'}")
    return out, len(out) >= MAX_BYTES


def _describe(exc: BaseException) -> str:
    """The error as one line that always says something (an exception may have no text).

    >>> _describe(EOFError()), _describe(FactError("m1: no SSH protocol banner"))
    ('EOFError (no message)', 'm1: no SSH protocol banner')
    """
    text = str(exc).strip()
    if isinstance(exc, FactError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else f"{type(exc).__name__} (no message)"


def _unreachable(error: str) -> bool:
    low = error.lower()
    return any(word in low for word in _UNREACHABLE)


def _inspect(source: Source, data: bytes) -> None:
    """Notes about what came back: binary garbage, a journal that is not JSON."""
    if b"\x00" in data or "\ufffd".encode() in data or _invalid_utf8(data):
        source.notes.append("holds binary data (not UTF-8); kept with replacement characters")


def _invalid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _not_json(rc: int, data: bytes, err: str) -> bool:
    """A journalctl that does not know ``-o json``: text output, or a complaint about it."""
    if data.lstrip()[:1] not in (b"", b"{"):
        return True
    low = err.lower()
    return rc != 0 and not data and any(w in low for w in ("json", "output", "option", "argument"))


def collect_source(host: Host, source: Source, sink: Sink, deadline: float) -> None:
    """Collect one source into ``sink``; its status, error and timing are set on it."""
    source.started = _now()
    t0 = time.monotonic()
    timeout = max(0.5, min(settings.SSH_COMMAND_TIMEOUT, deadline - time.monotonic()))
    try:
        if source.argv is not None:
            rc, data, err, timed_out = run_bytes(host, source.argv, timeout)
            if source.fmt == "journal" and _not_json(rc, data, err):
                why = err.strip().splitlines()[-1] if err.strip() else "output is not JSON"
                source.status, source.error = "failed", f"journalctl gave no JSON ({why})"
                fb = source.fallback
                if fb is not None and data and rc == 0:  # it printed text anyway: keep that
                    fb.started, fb.status, fb.bytes = source.started, "ok", len(data)
                    fb.origin += " (what the -o json call printed)"
                    _inspect(fb, data)
                    sink.put(fb, data)
                elif fb is not None:
                    collect_source(host, fb, sink, deadline)
                return
            source.bytes = len(data)
            if source.argv and source.kind == "journal" and data.count(b"\n") >= MAX_LINES:
                source.truncated = True
                source.notes.append(f"only the last {MAX_LINES} entries kept")
            if timed_out:
                source.status = "partial"
                source.error = f"timed out after {timeout:g}s; kept the {len(data)} bytes read"
            elif rc != 0:
                source.status = "partial" if data else "failed"
                source.error = f"exit {rc}: {err.strip()[-500:]}"
            else:
                source.status = "ok" if data.strip() else "empty"
                if source.status == "empty" and source.kind == "journal":
                    source.notes.append("no entries for this unit")
        else:
            assert source.file is not None
            data, source.truncated = read_bytes(host, source.file, timeout, source.tail)
            source.bytes = len(data)
            source.status = "ok" if data else "empty"
            if source.truncated:
                source.notes.append(f"only the last {MAX_BYTES} bytes kept")
        _inspect(source, data)
        if data:
            sink.put(source, data)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, collection goes on
        source.status, source.error = "failed", _describe(exc)
    finally:
        source.seconds = round(time.monotonic() - t0, 3)


def collect_host(site: Any, hp: HostPlan, sink: Sink, progress: Callable[[str], None]) -> None:
    """Every source of one host, in order, within HOST_TIMEOUT."""
    t0 = time.monotonic()
    deadline = t0 + HOST_TIMEOUT
    progress(f"{hp.name}: collecting {len(hp.sources)} sources")
    try:
        host = site.host(hp.target) if hp.target is not None else LocalHost()
    except Exception as exc:  # noqa: BLE001
        host, hp.error = None, _describe(exc)
    for i, source in enumerate(hp.sources):
        if host is None or (hp.error and _unreachable(hp.error)):
            source.status, source.error = "failed", f"host {hp.name} unreachable: {hp.error}"
            continue
        if time.monotonic() > deadline:
            source.status, source.error = (
                "skipped",
                f"host {hp.name} ran out of its {HOST_TIMEOUT:g}s",
            )
            continue
        collect_source(host, source, sink, deadline)
        if i == 0 and source.status == "failed" and _unreachable(source.error):
            hp.error = source.error
    hp.seconds = round(time.monotonic() - t0, 3)
    failed = [s for s in hp.sources if s.status == "failed"]
    if failed and not hp.error and len(failed) == len(hp.sources):
        hp.error = failed[0].error or f"every source failed ({failed[0].origin})"
    counts: dict[str, int] = {}
    for s in hp.sources:
        counts[s.status] = counts.get(s.status, 0) + 1
    hp.status = (
        "ok"
        if set(counts) <= {"ok", "empty"}
        else ("failed" if set(counts) == {"failed"} else "partial")
    )
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    progress(
        f"{hp.name}: {hp.status} ({summary}) in {hp.seconds:.1f}s"
        + (f": {hp.error}" if hp.error else "")
    )


def collect_all(
    site: Any, plans: list[HostPlan], sink: Sink, progress: Callable[[str], None] | None = None
) -> None:
    """Collect every host in parallel (bounded); a host that never finishes is recorded."""
    say = progress or (lambda _msg: None)
    gate = threading.Semaphore(max(1, settings.MAX_CONCURRENCY))

    def work(hp: HostPlan) -> None:
        with gate:
            try:
                collect_host(site, hp, sink, say)
            except Exception as exc:  # noqa: BLE001
                hp.status, hp.error = "failed", _describe(exc)

    threads = [
        threading.Thread(target=work, args=(hp,), daemon=True, name=f"collect-{hp.name}")
        for hp in plans
    ]
    for t in threads:
        t.start()
    limit = (
        time.monotonic() + HOST_TIMEOUT * (1 + len(plans) // max(1, settings.MAX_CONCURRENCY)) + 30
    )
    for t, hp in zip(threads, plans, strict=True):
        t.join(max(0.0, limit - time.monotonic()))
        if t.is_alive():
            hp.status, hp.error = "failed", f"did not finish within {HOST_TIMEOUT:g}s"
            for s in hp.sources:
                if s.status == "pending":
                    s.status, s.error = "failed", hp.error
            say(f"{hp.name}: {hp.error}")
