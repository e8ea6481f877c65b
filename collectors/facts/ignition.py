"""What the ignition.* checks gather: the ``*.ign`` configs in ``ignition.dir`` (local, spec 2.x
or 3.x), their certificates, the pointer configs' merge (append) sources and CAs, and the served
copies' digests.

Nothing of a config's content is kept beyond certificates, paths and digests.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from pathlib import Path

from collectors import localfile
from collectors.errors import FactError, InputError
from collectors.install.bastion import HttpAnswer, http_get, sha256_on_host, url_for
from collectors.parsers.certs import CertInfo, pem_certificates
from collectors.parsers.dataurl import DataUrlError, decode_contents, is_data_url
from collectors.parsers.ignition import certificates, parse_ignition
from collectors.site import Site

POINTERS = ("master.ign", "worker.ign")


# --------------------------------------------------------------------------- subjects


def ignition_files(site: Site) -> list[str]:
    """The ``*.ign`` file names in ignition.dir (local)."""
    folder = site.inv.ignition.dir
    if folder is None or not folder.is_dir():
        raise FactError(f"ignition.dir {folder} is not a folder on this machine")
    names = sorted(p.name for p in folder.glob("*.ign") if p.is_file())
    if not names:
        raise FactError(
            f"no *.ign files in {folder}: "
            f"run openshift-install create ignition-configs --dir {folder}"
        )
    return names


def pointer_files(site: Site) -> list[str]:
    return list(POINTERS)


def _read(site: Site, name: str) -> bytes:
    path = (site.inv.ignition.dir or Path(".")) / name
    try:
        return localfile.read_bytes(path)  # a regular file, capped
    except InputError as exc:
        raise FactError(f"cannot read {path}: {exc.reason.removeprefix('cannot read: ')}") from None


# --------------------------------------------------------------------------- ignition.expiry


def gather_expiry(site: Site, name: str) -> tuple[str, list[CertInfo]]:
    return name, certificates(parse_ignition(_read(site, name), name))


# --------------------------------------------------------------------------- ignition.pointer


@dataclass(frozen=True)
class PointerFacts:
    """A pointer config's merge (3.x) or append (2.x) sources and its CAs (or why a CA could
    not be read), with its spec version and the keys of its ``ignition`` object Ignition would
    refuse."""

    name: str
    exists: bool
    merge_sources: tuple[str, ...] = ()
    cas: tuple[CertInfo, ...] = ()
    ca_problems: tuple[str, ...] = ()
    version: str = "3.1.0"
    unknown_keys: tuple[str, ...] = ()

    @property
    def merge_key(self) -> str:
        """``merge`` for spec 3.x, ``append`` for 2.x."""
        return "append" if self.version.startswith("2.") else "merge"


def gather_pointer(site: Site, name: str) -> PointerFacts:
    path = (site.inv.ignition.dir or Path(".")) / name
    if not path.is_file():
        return PointerFacts(name, exists=False)
    cfg = parse_ignition(_read(site, name), name)
    cas: list[CertInfo] = []
    problems: list[str] = []
    for json_path, source in cfg.certificate_authorities:
        if not is_data_url(source):
            problems.append(
                f"{json_path}: a remote CA ({source.split(':', 1)[0]}) cannot be verified here"
            )
            continue
        try:
            found = pem_certificates(decode_contents(source), json_path)
        except (DataUrlError, InputError) as exc:
            problems.append(f"{json_path}: {getattr(exc, 'reason', exc)}")
            continue
        if not found:
            problems.append(f"{json_path}: holds no PEM certificate")
        cas += found
    return PointerFacts(
        name,
        True,
        tuple(cfg.merge_sources),
        tuple(cas),
        tuple(problems),
        cfg.version,
        tuple(cfg.unknown_ignition_keys),
    )


# ------------------------------------------------------------------------ ignition.served_matches


@dataclass(frozen=True)
class ServedCopy:
    """The local config's sha256 and the served copy's (by HTTP, else read on the host)."""

    name: str
    local_sha256: str
    answer: HttpAnswer
    served_sha256: str | None
    via: str


def gather_served_copy(site: Site, name: str) -> ServedCopy:
    bastion = site.inv.bastion
    local = hashlib.sha256(_read(site, name)).hexdigest()
    answer = http_get(url_for(bastion.http_url or "", name), digest=True)
    if answer.sha256 is not None:
        return ServedCopy(name, local, answer, answer.sha256, "HTTP")
    if not bastion.http_root:
        answer.answered()  # no copy to compare with: no answer is this machine's trouble
        return ServedCopy(name, local, answer, None, "HTTP")
    host = site.host(bastion.ssh)
    served = sha256_on_host(host, posixpath.join(bastion.http_root, name))
    return ServedCopy(name, local, answer, served, f"sha256sum on {host.name}")
