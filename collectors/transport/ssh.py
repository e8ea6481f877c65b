"""SSH transport on paramiko: the :class:`~collectors.transport.hosts.Host` protocol for
inventory targets.

One :class:`SshPool` per run hands out :class:`SshHost` objects; each host's connection is
opened on first use and reused by every check (thread-safe), and ``pool.close()`` ends them::

    pool = SshPool()
    host = pool.host(SshTarget.parse("root@172.16.0.101:22", inventory.ssh))
    rc, out, err = host.run(["stat", "-c", "%C %n", "--", "/usr/share/nginx/html/master.ign"])
    text = host.read_text("/etc/haproxy/haproxy.cfg")      # FactError if it cannot be read
    pool.close()

- Arguments are quoted with :func:`shlex.join`; every command has a timeout
  (``settings.SSH_COMMAND_TIMEOUT`` unless given), and so has the connect
  (``settings.SSH_CONNECT_TIMEOUT``: TCP, banner, authentication).
- Key authentication with the target's ``key`` (or ssh config ``IdentityFile``; else the agent
  and the default keys).
- Host keys are checked against ``known_hosts`` (the target's, else ssh config's
  ``UserKnownHostsFile``, else ``~/.ssh/known_hosts``). ``host_key_policy: strict`` makes an
  unknown key an error naming the host and the key's SHA256 fingerprint; ``accept-new`` appends
  it to known_hosts. A changed key is always an error.
- ``~/.ssh/config`` (or ``$UPI_SSH_CONFIG``) is honoured for ``HostName``, ``IdentityFile``,
  ``UserKnownHostsFile`` and ``ProxyCommand``; the inventory's user and port win.
- Every failure is a :class:`~collectors.errors.FactError` whose message starts with the
  target (``root@bastion:22: ...``). No key material is ever put into a message.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import select
import shlex
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from collectors import settings
from collectors.errors import CommandTimeout, FactError, Unreachable
from collectors.inventory import SshTarget
from collectors.localfile import read_text
from collectors.parsers.knownhosts import (
    CERT_AUTHORITY,
    REVOKED,
    KnownHost,
    host_matches,
    parse_known_hosts,
)
from collectors.runwarnings import RUN_WARNINGS
from collectors.transport.deadsources import DEAD
from collectors.transport.reach import connect, no_answer, unreachable

# paramiko logs a failed handshake with a traceback; the suite reports it as a FactError instead
logging.getLogger("paramiko").addHandler(logging.NullHandler())

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


def ssh_config_path() -> Path:
    """The OpenSSH client config honoured: ``$UPI_SSH_CONFIG`` or ``~/.ssh/config``."""
    return Path(os.environ.get("UPI_SSH_CONFIG", "~/.ssh/config")).expanduser()


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's ``SHA256:...`` fingerprint of a public key (as ``ssh-keygen -lf`` prints it)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    """The name a known_hosts line uses: ``host`` on port 22, else ``[host]:port``."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class Endpoint:
    """A target after ssh config: what is actually dialled and checked."""

    label: str
    user: str
    hostname: str
    port: int
    key: str | None
    known_hosts: Path
    policy: str
    proxy_command: str | None = None


class _Policy(paramiko.MissingHostKeyPolicy):
    """A revoked key: refused, naming its line; strict: refuse an unknown key with its
    fingerprint; accept-new: record it."""

    def __init__(self, endpoint: Endpoint, revoked: dict[bytes, int] | None = None) -> None:
        self.endpoint = endpoint
        self.revoked = revoked or {}

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        ep = self.endpoint
        if key.asbytes() in self.revoked:
            raise _revoked_error(ep, key, self.revoked[key.asbytes()])
        if ep.policy == "accept-new":
            _append_known_host(ep.known_hosts, hostname, key)
            client.get_host_keys().add(hostname, key.get_name(), key)
            return
        port_opt = f"-p {ep.port} " if ep.port != 22 else ""
        raise FactError(
            f"{ep.label}: unknown host key {key.get_name()} {fingerprint(key)} for {hostname} "
            f"(not in {ep.known_hosts}; host_key_policy is strict). Compare it with "
            f'"ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub" on the host, then add it with '
            f'"ssh-keyscan {port_opt}{ep.hostname} >> {ep.known_hosts}" '
            "(or set ssh.host_key_policy: accept-new)"
        )


def _revoked_error(ep: Endpoint, key: paramiko.PKey, line: int) -> FactError:
    """The error for a host that presents a key its known_hosts marks ``@revoked``."""
    name = known_hosts_name(ep.hostname, ep.port)
    return FactError(
        f"{ep.label}: host key REVOKED: {name} offers {key.get_name()} {fingerprint(key)}, "
        f"which {ep.known_hosts}:{line} marks @revoked (never to be trusted); not connected. "
        "If the host got a new key, confirm its fingerprint on the host "
        '("ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub") and list it in known_hosts; a host '
        "still offering a revoked key may be an impostor"
    )


@dataclass
class KnownHostKeys:
    """What a known_hosts file says about one host: the keys paramiko checks, the revoked key
    blobs (with their line), and the lines the client cannot honour (said as run warnings)."""

    keys: paramiko.HostKeys
    revoked: dict[bytes, int]
    warnings: list[str]


def load_known_hosts(path: Path, name: str, keys: paramiko.HostKeys | None = None) -> KnownHostKeys:
    """The keys of ``path`` (added to ``keys``) as they apply to ``name`` (``host`` or
    ``[host]:port``): marker lines handled here, before paramiko (which fails on them);
    InputError naming the file when it cannot be read (missing: no keys).

    >>> found = load_known_hosts(Path("/nonexistent"), "h")
    >>> len(found.keys), found.revoked, found.warnings
    (0, {}, [])
    """
    found = KnownHostKeys(paramiko.HostKeys() if keys is None else keys, {}, [])
    if not path.exists():
        return found
    parsed = parse_known_hosts(read_text(path, errors="replace"))
    for number, why in parsed.bad:
        found.warnings.append(f"known_hosts {path}:{number}: line skipped: {why}")
    for entry in parsed.marked(CERT_AUTHORITY):
        found.warnings.append(
            f"known_hosts {path}:{entry.line}: @cert-authority line skipped: the SSH client "
            f"(paramiko) does not verify host certificates, so hosts matching {entry.hosts[:80]} "
            f"are trusted only by a plain line with their own key (ssh-keyscan HOST >> {path})"
        )
    for entry in parsed.marked(REVOKED):
        blob = entry.key_bytes()
        if blob is None:
            found.warnings.append(f"known_hosts {path}:{entry.line}: @revoked key does not decode")
        elif host_matches(entry.hosts, name):
            found.revoked.setdefault(blob, entry.line)
    for entry in parsed.marked(""):
        _add_plain(found, entry, path)
    found.warnings.sort(key=lambda text: int(text.split(f"{path}:", 1)[1].split(":", 1)[0]))
    return found


def _add_plain(found: KnownHostKeys, entry: KnownHost, path: Path) -> None:
    """Add one plain line's key under each of its names (a revoked key never)."""
    try:
        parsed = paramiko.hostkeys.HostKeyEntry.from_line(entry.text, entry.line)
    except (paramiko.hostkeys.InvalidHostKey, paramiko.SSHException, ValueError, TypeError):
        found.warnings.append(
            f"known_hosts {path}:{entry.line}: line skipped: the key does not decode"
        )
        return
    if parsed is None or parsed.key is None:  # a key type paramiko does not know
        return
    if parsed.key.asbytes() in found.revoked:
        return
    for hostname in parsed.hostnames:
        found.keys.add(hostname, parsed.key.get_name(), parsed.key)


def _append_known_host(path: Path, hostname: str, key: paramiko.PKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(f"{hostname} {key.get_name()} {key.get_base64()}\n")


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    client: paramiko.SSHClient | None = None
    error: FactError | None = None


class SshPool:
    """One connection per endpoint, opened lazily and shared by threads; ``close()`` ends them."""

    def __init__(self, config_path: Path | None = None) -> None:
        self._config_path = config_path
        self._config: paramiko.SSHConfig | None = None
        self._lock = threading.Lock()
        self._slots: dict[Endpoint, _Slot] = {}
        self._hosts: dict[SshTarget, SshHost] = {}

    def host(self, target: SshTarget) -> SshHost:
        """The :class:`SshHost` for an inventory target (the same object for the same target)."""
        with self._lock:
            if target not in self._hosts:
                self._hosts[target] = SshHost(self, target)
            return self._hosts[target]

    def endpoint(self, target: SshTarget) -> Endpoint:
        """Apply ssh config to a target."""
        found = self._lookup(target.host)
        key = str(target.key) if target.key else None
        if key is None and found.get("identityfile"):
            key = os.path.expanduser(found["identityfile"][0])
        known = target.known_hosts
        if known is None:
            first = (found.get("userknownhostsfile") or DEFAULT_KNOWN_HOSTS).split()[0]
            known = Path(os.path.expanduser(first))
        proxy = found.get("proxycommand")
        return Endpoint(
            label=str(target),
            user=target.user,
            hostname=found.get("hostname", target.host),
            port=target.port,
            key=key,
            known_hosts=Path(known),
            policy=target.host_key_policy,
            proxy_command=None if not proxy or proxy.lower() == "none" else proxy,
        )

    def _lookup(self, host: str) -> dict:
        with self._lock:
            if self._config is None:
                path = self._config_path or ssh_config_path()
                try:
                    self._config = (
                        paramiko.SSHConfig.from_path(str(path))
                        if path.exists()
                        else paramiko.SSHConfig()
                    )
                except (OSError, ValueError, paramiko.SSHException) as exc:
                    raise FactError(f"cannot read ssh config {path}: {exc}") from None
            try:
                return dict(self._config.lookup(host))
            except Exception as exc:  # Match exec and friends: a config paramiko cannot apply
                raise FactError(
                    f"cannot apply ssh config to {host}: {type(exc).__name__}: {exc}"
                ) from None

    def client(self, endpoint: Endpoint, *, fresh: bool = False) -> paramiko.SSHClient:
        """The connected client for an endpoint; a failed connect is remembered for the run."""
        with self._lock:
            slot = self._slots.setdefault(endpoint, _Slot())
        with slot.lock:
            if fresh and slot.client is not None:
                slot.client.close()
                slot.client = None
            if slot.client is not None:
                transport = slot.client.get_transport()
                if transport is not None and transport.is_active():
                    return slot.client
                slot.client.close()
                slot.client = None
            if slot.error is not None:
                raise slot.error
            source = f"SSH host {endpoint.hostname}:{endpoint.port}"
            DEAD.check(source)  # another user or key on a host that timed out: at once
            started = time.monotonic()
            try:
                slot.client = _connect(endpoint)
            except FactError as exc:
                exc.with_source(f"ssh {endpoint.label}")
                connect_wait = min(settings.TCP_TIMEOUT, settings.SSH_CONNECT_TIMEOUT)
                if isinstance(exc, Unreachable) and exc.reason.startswith("no answer within"):
                    DEAD.mark(source, connect_wait, _DEAD_HINT.format(ep=endpoint))
                elif time.monotonic() - started >= settings.SSH_CONNECT_TIMEOUT * 0.9:
                    DEAD.mark(source, settings.SSH_CONNECT_TIMEOUT, _DEAD_HINT.format(ep=endpoint))
                slot.error = exc
                raise
            DEAD.alive(source)
            return slot.client

    def close(self) -> None:
        """Close every connection (called at the end of the run)."""
        with self._lock:
            slots = list(self._slots.values())
            self._slots.clear()
        for slot in slots:
            with slot.lock:
                if slot.client is not None:
                    slot.client.close()
                    slot.client = None


#: What to do about an SSH host that let the connect time out.
_DEAD_HINT = (
    "check that {ep.hostname} is up and that sshd listens on port {ep.port} and answers from "
    "this machine (firewall): ssh -p {ep.port} {ep.user}@{ep.hostname} true"
)


def _connect(ep: Endpoint) -> paramiko.SSHClient:
    timeout = settings.SSH_CONNECT_TIMEOUT
    if ep.key and not os.path.isfile(ep.key):
        raise FactError(
            f"{ep.label}: the SSH key {ep.key} does not exist (ssh.key or IdentityFile)"
        )
    client = paramiko.SSHClient()
    name = known_hosts_name(ep.hostname, ep.port)
    try:
        known = load_known_hosts(ep.known_hosts, name, client.get_host_keys())
    except FactError as exc:
        raise FactError(f"{ep.label}: cannot read known_hosts {exc}") from None
    for warning in known.warnings:
        RUN_WARNINGS.add(warning)
    client.set_missing_host_key_policy(_Policy(ep, known.revoked))
    try:
        # the TCP connect waits UPI_TCP_TIMEOUT (at most ``timeout``) and shares the memo of
        # silent addresses with every other transport: a host that let a probe, HTTP or TLS
        # connect time out is not waited for again, and one that lets this one is not either
        sock = paramiko.ProxyCommand(ep.proxy_command) if ep.proxy_command else None
        if sock is None:
            sock = connect(ep.hostname, ep.port, timeout)
    except Unreachable as exc:
        client.close()
        error = unreachable(ep.hostname, ep.port, exc.reason, what=f"SSH {ep.label}: cannot reach")
        error.source = f"ssh {ep.label}"
        raise error from None
    except OSError as exc:
        client.close()
        raise FactError(_connect_error(ep, exc, timeout)) from None
    try:
        client.connect(
            ep.hostname,
            port=ep.port,
            username=ep.user,
            key_filename=ep.key,
            look_for_keys=ep.key is None,
            allow_agent=ep.key is None,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            channel_timeout=timeout,
            sock=sock,
        )
        return client
    except FactError:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        line = known.revoked.get(exc.key.asbytes())
        if line is not None:
            raise _revoked_error(ep, exc.key, line) from None
        raise FactError(_connect_error(ep, exc, timeout)) from None
    except BaseException as exc:
        transport = client.get_transport()
        handshake_done = transport is not None and transport.initial_kex_done
        client.close()
        why = _no_answer(exc, timeout)
        if why:
            error = unreachable(ep.hostname, ep.port, why, what=f"SSH {ep.label}: cannot reach")
            error.source = f"ssh {ep.label}"  # the subject a site-wide error is reported with
            raise error from None
        if type(exc) is paramiko.SSHException and not handshake_done:
            # paramiko stops waiting for the handshake after ``timeout`` and then fails with
            # "No existing session"; the reason is a server that sent no banner or no kex reply.
            exc = paramiko.SSHException("Error reading SSH protocol banner")
        raise FactError(_connect_error(ep, exc, timeout)) from None


def _no_answer(exc: BaseException, timeout: float) -> str:
    """Why a connect got no answer at all from the host, from here; "" when it answered."""
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
        whys = [no_answer(e) for e in exc.errors.values()]
        return whys[0] or "" if whys and all(whys) else ""
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | PermissionError):
        return no_answer(exc) or ""
    return ""


def _connect_error(ep: Endpoint, exc: BaseException, timeout: float) -> str:
    """A one-line reason for a failed connect, naming the target; never key material."""
    where = ep.label
    if isinstance(exc, paramiko.BadHostKeyException):
        name = known_hosts_name(ep.hostname, ep.port)
        return (
            f"{where}: host key CHANGED for {name}: the server offers {exc.key.get_name()} "
            f"{fingerprint(exc.key)} but {ep.known_hosts} has {exc.expected_key.get_name()} "
            f"{fingerprint(exc.expected_key)}. If the host was reinstalled, confirm the new key on "
            f"it and run \"ssh-keygen -R '{name}' -f {ep.known_hosts}\"; otherwise someone may be "
            "intercepting"
        )
    if isinstance(exc, paramiko.PasswordRequiredException):
        return (
            f"{where}: the key {ep.key} is passphrase-protected; load it into ssh-agent and drop "
            "ssh.key"
        )
    if isinstance(exc, paramiko.AuthenticationException):
        key = f"key {ep.key}" if ep.key else "the agent's and the default keys"
        return (
            f"{where}: authentication failed for user {ep.user} with {key}; add its public key to "
            f"~{ep.user}/.ssh/authorized_keys on {ep.hostname} (ssh-copy-id), or fix ssh.key/user"
        )
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
        codes = {getattr(e, "errno", None) for e in exc.errors.values()}
        if codes <= {errno.ECONNREFUSED}:
            return f"{where}: connection refused (is sshd running and listening on port {ep.port}?)"
        return f"{where}: cannot connect: {exc}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"{where}: no answer within {timeout:g}s (host down or port filtered?)"
    if isinstance(exc, socket.gaierror):
        return f"{where}: cannot resolve {ep.hostname}: {exc.strerror}"
    if isinstance(exc, FileNotFoundError | PermissionError):
        return f"{where}: cannot read the SSH key {ep.key}: {exc.strerror}"
    if isinstance(exc, paramiko.SSHException) and "banner" in str(exc).lower():
        return (
            f"{where}: no SSH protocol banner (the port answered but is not an SSH server, or it "
            f"did not speak within {timeout:g}s), handshake not completed"
        )
    if isinstance(exc, ConnectionRefusedError):
        return f"{where}: connection refused (is sshd running and listening on port {ep.port}?)"
    return f"{where}: SSH connection failed: {type(exc).__name__}: {exc}"


class SshHost:
    """A host reached over SSH; reads only. ``name`` is ``user@host:port``."""

    def __init__(self, pool: SshPool, target: SshTarget) -> None:
        self.pool = pool
        self.target = target
        self.name = str(target)

    def run_bytes(self, argv: list[str], timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Run ``argv`` (quoted with shlex) and return (exit code, stdout, stderr) as bytes.

        The exit code is -1 when the command ended without one (killed by a signal).
        """
        timeout = timeout or settings.SSH_COMMAND_TIMEOUT
        endpoint = self.pool.endpoint(self.target)
        try:
            client = self.pool.client(endpoint)
            try:
                channel = _open(client)
            except _TRANSPORT_ERRORS:
                channel = _open(
                    self.pool.client(endpoint, fresh=True)
                )  # a dropped connection, once
            try:
                channel.exec_command(shlex.join(argv))
                channel.shutdown_write()
                return _collect(channel, timeout, self.name, argv)
            finally:
                # a transport that drops as the channel closes (a flood cut at the deadline)
                # must not hide the command's own outcome, e.g. its CommandTimeout
                with contextlib.suppress(*_TRANSPORT_ERRORS):
                    channel.close()
        except FactError:
            raise
        except _TRANSPORT_ERRORS as exc:
            raise FactError(
                f"{self.name}: connection lost running {argv[0] if argv else 'a command'}: "
                f"{type(exc).__name__}: {exc or 'closed'}"
            ) from None

    def run(self, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
        """Run ``argv`` and return (exit code, stdout, stderr) as text."""
        rc, out, err = self.run_bytes(argv, timeout)
        return rc, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")

    def read_bytes(self, path: str) -> bytes:
        """A file's bytes; FactError naming the host and path when it cannot be read."""
        rc, out, err = self.run_bytes(["cat", "--", path])
        if rc != 0:
            reason = err.decode("utf-8", errors="replace").strip().splitlines()
            raise FactError(
                f"cannot read {path} on {self.name}: {reason[-1] if reason else f'exit {rc}'}"
            )
        return out

    def read_text(self, path: str) -> str:
        """A file's text (UTF-8, undecodable bytes replaced)."""
        return self.read_bytes(path).decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"SshHost({self.name})"


#: What a broken or closed transport raises (paramiko, the socket, a ProxyCommand).
_TRANSPORT_ERRORS = (paramiko.SSHException, EOFError, OSError)


def _open(client: paramiko.SSHClient) -> paramiko.Channel:
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        raise paramiko.SSHException("connection closed")
    return transport.open_session(timeout=settings.SSH_CONNECT_TIMEOUT)


def _keep_last(buf: bytearray, cap: int) -> None:
    """Cut ``buf`` in place to its last ``cap`` bytes."""
    if len(buf) > cap:
        del buf[: len(buf) - cap]


def _collect(
    channel: paramiko.Channel, timeout: float, name: str, argv: list[str]
) -> tuple[int, bytes, bytes]:
    """Read a command's output until it exits or ``timeout`` passes; keeps the last
    ``settings.SSH_MAX_OUTPUT_BYTES`` of each stream (callers apply their own, smaller caps)."""
    deadline = time.monotonic() + timeout
    cap = max(1, settings.SSH_MAX_OUTPUT_BYTES)
    out, err = bytearray(), bytearray()

    def expired() -> None:
        if time.monotonic() >= deadline:
            raise CommandTimeout(
                f"{name}: {argv[0]} did not finish within {timeout:g}s", bytes(out), bytes(err)
            )

    while True:
        busy = False
        while channel.recv_ready():
            out += channel.recv(1 << 16)
            _keep_last(out, cap)
            busy = True
            expired()
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(1 << 16)
            _keep_last(err, cap)
            busy = True
            expired()
        if (
            channel.exit_status_ready()
            and (channel.eof_received or channel.closed)
            and not (channel.recv_ready() or channel.recv_stderr_ready())
        ):
            return channel.recv_exit_status(), bytes(out), bytes(err)
        expired()
        if not busy:
            select.select([channel], [], [], min(0.05, max(0.0, deadline - time.monotonic())))
