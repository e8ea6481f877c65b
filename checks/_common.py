"""Pure helpers shared by several check modules (not collected: the name starts with ``_``).

- the web root's SELinux type and its fix, for ``checks.http`` and ``checks.selinux``;
- the wording of an imagestream's missing tags and their fixes, for ``checks.mirror``
  (mirror.imagestreams) and ``checks.samples`` (samples.skip_coverage).

>>> print(relabel_fix("/srv/www/"))
semanage fcontext -a -t httpd_sys_content_t '/srv/www(/.*)?' && restorecon -Rv /srv/www/

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collectors.cluster import samples as S
from collectors.facts.samples import StreamFacts
from collectors.visible import shell_word

HTTPD_TYPE = "httpd_sys_content_t"


def in_web_root(root: str, name: str) -> str:
    """Where the web server finds ``name`` (a URL path under ``root``): always under ``root``,
    even for a name that starts with ``/`` (posixpath.join would drop the root).

    >>> in_web_root("/var/www/html/", "/etc/x"), in_web_root("/var/www/html", "rhcos.iso")
    ('/var/www/html//etc/x', '/var/www/html/rhcos.iso')
    """
    return f"{root.rstrip('/')}/{name}"


def relabel_fix(root: str) -> str:
    """The seed's remedy for a web root whose files are not labeled for httpd."""
    pattern = shell_word(root.rstrip("/") + "(/.*)?")
    return f"semanage fcontext -a -t {HTTPD_TYPE} {pattern} && restorecon -Rv {shell_word(root)}"


# --------------------------------------------------------------------------- imagestreams


def mirror_cmds(facts: StreamFacts) -> str:
    cmds = []
    for t in facts.missing:
        target = t.candidates[0] if t.candidates else on_mirror(t.effective, facts.mirror)
        source = (
            t.ref
            if not t.ref.startswith(facts.mirror + "/")
            else "registry.redhat.io/" + t.ref.split("/", 1)[1]
        )
        cmds.append(
            f"oc image mirror {shell_word(source)} {shell_word(target)} "
            f"-a {shell_word(facts.auth_file)}"
        )
    return "; ".join(cmds)


def skip_all(facts: StreamFacts) -> str:
    """One patch skipping this stream and every other one that would make Samples Degraded."""
    return S.skip_patch(
        (*facts.pattern.skipped, *[d for d in facts.degrading if d != facts.name]), facts.name
    )


def on_mirror(ref: str, mirror: str) -> str:
    parts = ref.split("/", 1)
    return (
        f"{mirror}/{parts[1]}"
        if len(parts) == 2 and ("." in parts[0] or ":" in parts[0])
        else f"{mirror}/{ref}"
    )


def missing_text(facts: StreamFacts) -> str:
    out = []
    for t in facts.missing:
        if not t.candidates:
            out.append(
                f"tag {t.tag}: {t.effective} has no route to the mirror {facts.mirror} "
                "(ICSP/IDMS map digests only; a tag must point at the mirror)"
            )
        else:
            out.append(
                f"tag {t.tag}: {t.effective} not in the mirror "
                f"(looked up {', '.join(t.candidates)})"
            )
    return "; ".join(out)
