"""What selinux.http_content gathers: the SELinux context of every file in the web root, read
in one ``stat -c %C`` per run (the listing is http.served's, memoized).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import posixpath

from collectors.errors import FactError, NotApplicable
from collectors.facts import http
from collectors.install.bastion import selinux_contexts
from collectors.parsers.selinux import SelinuxContext
from collectors.site import Site


def web_root_files(site: Site) -> list[str]:
    """Every file under bastion.http_root (the same memoized listing http.served uses)."""
    return http.web_root_files(site)


def gather_context(site: Site, name: str) -> tuple[str, str, SelinuxContext | None]:
    bastion = site.inv.bastion
    root = bastion.http_root or ""
    host = site.host(bastion.ssh)

    def read_all() -> dict[str, SelinuxContext | None]:
        return selinux_contexts(host, root, web_root_files(site))

    contexts = site.memo("bastion-contexts", read_all)
    if contexts and all(c is None for c in contexts.values()):
        raise NotApplicable(
            f"{host.name} has no SELinux labels (stat -c %C prints ?): SELinux is disabled there"
        )
    if name not in contexts:
        raise FactError(
            f"stat -c %C on {host.name} said nothing about {posixpath.join(root, name)}"
        )
    return root, name, contexts[name]
