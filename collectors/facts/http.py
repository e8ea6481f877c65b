"""What http.served gathers: the web root listing, and for each file the HTTP answer and, for a
403 or 404, what the host says about the file and its folders.

The web root (``bastion.http_root``) is listed once per run over SSH (``bastion.ssh``; the
local machine when it is not set); each file is then a subject.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.errors import FactError
from collectors.install.bastion import (
    HttpAnswer,
    PathFacts,
    http_get,
    list_web_root,
    path_chain,
    url_for,
)
from collectors.site import Site


def web_root_files(site: Site) -> list[str]:
    """Every file under bastion.http_root, relative to it, listed once per run."""
    bastion = site.inv.bastion
    root = bastion.http_root or ""
    return site.memo("bastion-files", lambda: list_web_root(site.host(bastion.ssh), root))


@dataclass(frozen=True)
class ServedFacts:
    """The answer for one file and, for a 403 or 404, what the host says about it."""

    name: str
    root: str
    answer: HttpAnswer
    chain: tuple[PathFacts, ...] = ()
    inspect_error: str = ""


def gather_served(site: Site, name: str) -> ServedFacts:
    bastion = site.inv.bastion
    root = bastion.http_root or ""
    answer = http_get(url_for(bastion.http_url or "", name)).answered()
    if answer.status not in (403, 404):
        return ServedFacts(name, root, answer)
    try:
        chain = tuple(path_chain(site.host(bastion.ssh), root, name))
        return ServedFacts(name, root, answer, chain)
    except FactError as exc:
        return ServedFacts(name, root, answer, inspect_error=str(exc))
