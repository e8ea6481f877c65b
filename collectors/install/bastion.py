"""Facts about the bastion's web root: its files (over a Host), their SELinux labels and modes,
and what nginx answers for them over HTTP.

>>> url_for("http://172.16.0.101", "work/rhcos 4.raw.gz")
'http://172.16.0.101/work/rhcos%204.raw.gz'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import posixpath
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from collectors import settings
from collectors.errors import FactError, Unreachable
from collectors.parsers.selinux import SelinuxContext, parse_context, parse_stat_contexts
from collectors.transport.hosts import Host
from collectors.transport.reach import (
    no_answer,
    refuse_if_silent,
    remember_silent,
    unreachable,
)


def url_for(base: str, name: str) -> str:
    """The URL a file under the web root is served at (``base`` is ``bastion.http_url``)."""
    return base.rstrip("/") + "/" + quote(name)


def find_start(root: str) -> str:
    """``root`` as find's starting point, never read as an option or expression (find takes no
    ``--`` before its paths: ``-fprint``, ``!`` or ``(`` would be part of the expression).

    >>> find_start("/usr/share/nginx/html"), find_start("-fprint"), find_start("html")
    ('/usr/share/nginx/html', './-fprint', './html')
    """
    return root if root.startswith(("/", "./", "../")) else "./" + root


def list_web_root(host: Host, root: str) -> list[str]:
    """File names under ``root`` (relative, sorted), listed with ``find`` on the host."""
    rc, out, err = host.run(
        [
            "find",
            find_start(root),
            "-mindepth",
            "1",
            "(",
            "-type",
            "f",
            "-o",
            "-type",
            "l",
            ")",
            "-printf",
            "%P\\n",
        ]
    )
    if rc != 0:
        reason = err.strip().splitlines()
        raise FactError(
            f"cannot list {root} on {host.name}: {reason[-1] if reason else f'exit {rc}'}"
        )
    names = sorted(n for n in out.splitlines() if n)
    if not names:
        raise FactError(
            f"{root} on {host.name} holds no files: copy the RHCOS images and the *.ign there"
        )
    return names


def selinux_contexts(host: Host, root: str, names: list[str]) -> dict[str, SelinuxContext | None]:
    """name -> SELinux context (None: unlabeled), read with one ``stat -c '%C %n'`` on the host."""
    paths = [posixpath.join(root, n) for n in names]
    rc, out, err = host.run(["stat", "-c", "%C %n", "--", *paths])
    if not out.strip():
        reason = err.strip().splitlines()
        raise FactError(
            f"stat -c %C on {host.name} printed nothing: {reason[-1] if reason else f'exit {rc}'}"
        )
    by_path = parse_stat_contexts(out, f"stat -c %C on {host.name}")
    return {n: by_path[p] for n, p in zip(names, paths, strict=True) if p in by_path}


@dataclass(frozen=True)
class PathFacts:
    """Mode, owner and label of one path on the host."""

    path: str
    mode: int
    owner: str
    group: str
    context: SelinuxContext | None

    @property
    def world_readable(self) -> bool:
        return bool(self.mode & 0o004)

    @property
    def world_searchable(self) -> bool:
        return bool(self.mode & 0o001)


def path_chain(host: Host, root: str, name: str) -> list[PathFacts]:
    """Mode, owner and label of the root, each folder down to ``name``, and ``name`` itself."""
    parts = name.split("/")
    paths = [root] + [posixpath.join(root, *parts[: i + 1]) for i in range(len(parts))]
    rc, out, err = host.run(["stat", "-c", "%a|%U|%G|%C|%n", "--", *paths])
    facts = []
    for line in out.splitlines():
        fields = line.split("|", 4)
        if len(fields) != 5:
            continue
        try:
            facts.append(
                PathFacts(
                    fields[4], int(fields[0], 8), fields[1], fields[2], parse_context(fields[3])
                )
            )
        except ValueError:
            continue
    if not facts:
        reason = err.strip().splitlines()
        raise FactError(
            f"cannot stat {paths[-1]} on {host.name}: {reason[-1] if reason else f'exit {rc}'}"
        )
    return facts


@dataclass(frozen=True)
class HttpAnswer:
    """One GET: the status (None when no answer), why not, and the body's sha256 if asked."""

    url: str
    status: int | None
    error: str = ""
    sha256: str | None = None
    #: Why no answer came at all from here (no route, timeout, name not resolved), else "".
    no_answer: str = ""

    def answered(self) -> HttpAnswer:
        """This answer, when the server gave one (a status, or a refused connection); else
        Unreachable naming the URL's host.

        >>> HttpAnswer("http://10.0.0.1/x", None, "connection refused").answered().status
        """
        if self.no_answer:
            split = urlsplit(self.url)
            raise unreachable(split.hostname or self.url, split.port or 80, self.no_answer)
        return self


def http_get(url: str, *, digest: bool = False, timeout: float | None = None) -> HttpAnswer:
    """GET ``url`` (no proxies from the environment); read the body only when ``digest``."""
    import requests
    import urllib3

    timeout = timeout or settings.HTTP_TIMEOUT
    total, cap = settings.HTTP_TOTAL_TIMEOUT, settings.HTTP_MAX_BYTES
    deadline = time.monotonic() + total
    split = urlsplit(url)
    host, port = split.hostname or "", split.port or (443 if split.scheme == "https" else 80)
    try:
        refuse_if_silent(host, port)
    except Unreachable as exc:
        return HttpAnswer(url, None, exc.reason, no_answer=exc.reason)
    connect = min(settings.TCP_TIMEOUT, timeout)
    session = requests.Session()
    session.trust_env = False
    try:
        with session.get(
            url, stream=True, timeout=(connect, timeout), allow_redirects=True
        ) as response:
            sha = None
            if digest and response.status_code == 200:
                h, size = hashlib.sha256(), 0
                while (
                    True
                ):  # read1: one socket read at a time, so a slow drip still meets the deadline
                    chunk = response.raw.read1(1 << 16, decode_content=True)
                    if not chunk:
                        break
                    h.update(chunk)
                    size += len(chunk)
                    if size > cap:
                        return HttpAnswer(
                            url,
                            response.status_code,
                            f"body larger than {cap} bytes; not read further",
                        )
                    if time.monotonic() > deadline:
                        return HttpAnswer(
                            url,
                            response.status_code,
                            f"body not read within {total:g}s ({size} bytes so far)",
                        )
                sha = h.hexdigest()
            return HttpAnswer(url, response.status_code, "", sha)
    except requests.ConnectTimeout:
        remember_silent(host, connect)
        why = f"no answer within {connect:g}s"
        return HttpAnswer(url, None, why, no_answer=why)
    except requests.ConnectionError as exc:
        text = str(exc)
        why = no_answer(exc)
        if why:
            return HttpAnswer(url, None, why, no_answer=why)
        if "refused" in text.lower():
            return HttpAnswer(url, None, "connection refused (is the web server running?)")
        return HttpAnswer(url, None, f"cannot connect: {text[:200]}")
    except (
        requests.RequestException,
        urllib3.exceptions.HTTPError,
        OSError,
    ) as exc:  # raw reads: urllib3's own
        return HttpAnswer(url, None, f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        session.close()


def sha256_on_host(host: Host, path: str) -> str | None:
    """The sha256 of a file on the host, or None when it does not exist there."""
    rc, out, err = host.run(["sha256sum", "--", path])
    if rc == 0 and out.split():
        return out.split()[0]
    if "No such file" in err:
        return None
    reason = err.strip().splitlines()
    raise FactError(f"cannot hash {path} on {host.name}: {reason[-1] if reason else f'exit {rc}'}")
