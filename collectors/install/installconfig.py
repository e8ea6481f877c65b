"""install-config.yaml: read once, with errors that name the file and line, never its secrets.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "install-config.yaml"
>>> _ = p.write_text("pullSecret: '{}'\\nimageContentSources: [\\n")
>>> try:
...     load_install_config(p)
... except InputError as e:
...     print(str(e).replace(str(p), "install-config.yaml").split(":")[0:2])
['install-config.yaml', '3']

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors import localfile, yamlio
from collectors.errors import InputError
from collectors.images.mirrors import MirrorRule, rules_from_install_config
from collectors.images.pullsecret import Auths, parse_auths


def load_install_config(path: str | Path) -> dict[str, Any]:
    """The parsed document; InputError naming the file (and line) when it is not YAML."""
    path = Path(path)
    text = localfile.read_text(path)
    doc = yamlio.load(text, str(path))  # InputError naming the file: bad YAML, alias bomb
    if not isinstance(doc, dict):
        raise InputError(str(path), "must be a YAML mapping (an install-config)")
    return doc


def pull_secret_auths(doc: dict[str, Any], where: str) -> Auths | None:
    """The pullSecret's auths (None when absent); errors name the key, never the content."""
    value = doc.get("pullSecret")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(where, "must be a JSON string", key="pullSecret")
    try:
        return parse_auths(value, f"{where}: pullSecret")
    except InputError as exc:
        raise InputError(
            where, exc.reason, key="pullSecret" + (f".{exc.key}" if exc.key else "")
        ) from None


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Networking:
    """``networking``: the machine, cluster (with hostPrefix) and service networks, parsed.

    >>> n = networking_of({"networking": {"machineNetwork": [{"cidr": "10.0.0.0/16"}],
    ...     "clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}]}}, "ic.yaml")
    >>> n.machine, n.cluster[0][1]
    ((IPv4Network('10.0.0.0/16'),), 23)
    """

    machine: tuple[IPNetwork, ...]
    cluster: tuple[tuple[IPNetwork, int | None], ...]
    service: tuple[IPNetwork, ...]
    network_type: str = ""


def _cidr(value: Any, where: str, key: str) -> IPNetwork:
    if not isinstance(value, str):
        raise InputError(where, f"must be a CIDR such as 10.0.0.0/16 (got {value!r})", key=key)
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise InputError(
            where, f"not a CIDR: {value!r} (expected e.g. 10.128.0.0/14)", key=key
        ) from None


def _entries(value: Any, where: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(where, f"must be a list (got {type(value).__name__})", key=key)
    return value


def _cluster_entry(item: Any, where: str, key: str) -> tuple[IPNetwork, int | None]:
    """One clusterNetwork entry: its CIDR and hostPrefix (4.1's hostSubnetLength converted)."""
    if not isinstance(item, dict):
        raise InputError(where, "must be a mapping with cidr and hostPrefix", key=key)
    cidr = _cidr(item.get("cidr"), where, key + ".cidr")
    prefix = item.get("hostPrefix")
    subnet_bits = item.get("hostSubnetLength")
    for name, value in (("hostPrefix", prefix), ("hostSubnetLength", subnet_bits)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InputError(where, f"must be a number (got {value!r})", key=f"{key}.{name}")
    if prefix is None and subnet_bits is not None:
        prefix = cidr.max_prefixlen - subnet_bits
    return cidr, prefix


def networking_of(doc: dict[str, Any], where: str) -> Networking:
    """The networks of an install-config; InputError naming the key for one that does not parse
    (``networking.clusterNetwork[0].cidr``). The 4.1-era ``machineCIDR`` is read too."""
    net = doc.get("networking") or {}
    if not isinstance(net, dict):
        raise InputError(where, "must be a mapping", key="networking")
    machine = []
    for i, item in enumerate(
        _entries(net.get("machineNetwork"), where, "networking.machineNetwork")
    ):
        key = f"networking.machineNetwork[{i}].cidr"
        machine.append(_cidr(item.get("cidr") if isinstance(item, dict) else item, where, key))
    if net.get("machineCIDR") is not None:
        machine.append(_cidr(net["machineCIDR"], where, "networking.machineCIDR"))
    cluster = []
    for plural in ("clusterNetwork", "clusterNetworks"):  # the plural: 4.1/4.2, deprecated
        for i, item in enumerate(_entries(net.get(plural), where, f"networking.{plural}")):
            cluster.append(_cluster_entry(item, where, f"networking.{plural}[{i}]"))
    service = [
        _cidr(item, where, f"networking.serviceNetwork[{i}]")
        for i, item in enumerate(
            _entries(net.get("serviceNetwork"), where, "networking.serviceNetwork")
        )
    ]
    if net.get("serviceCIDR") is not None:  # 4.1-era name
        service.append(_cidr(net["serviceCIDR"], where, "networking.serviceCIDR"))
    return Networking(
        tuple(machine), tuple(cluster), tuple(service), str(net.get("networkType") or "")
    )


@dataclass(frozen=True)
class SiteSettings:
    """What installconfig.site compares with the inventory: names, replicas, platform, sshKey,
    proxy (its URLs' credentials are never kept: only whether a proxy is set and noProxy)."""

    name: str
    base_domain: str
    control_plane_replicas: Any
    compute_replicas: tuple[tuple[str, Any], ...]  # (pool name, replicas)
    platforms: tuple[str, ...]
    public_key_type: (
        str  # sshKey: "" when absent, the key type (ssh-ed25519, ...), or "not a public key"
    )
    proxy: bool
    no_proxy: tuple[str, ...] = field(default=())


_SSH_KEY = re.compile(
    r"^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]{16,}"
)


def ssh_key_kind(value: Any) -> str:
    """``""`` for no sshKey, the first key's type, or ``not a public key`` for a placeholder.

    >>> ssh_key_kind("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI me"), ssh_key_kind("insert_key")
    ('ssh-ed25519', 'not a public key')
    """
    text = str(value or "").strip()
    if not text:
        return ""
    found = _SSH_KEY.match(text)
    return found.group(1) if found else "not a public key"


def site_settings_of(doc: dict[str, Any]) -> SiteSettings:
    """The fields installconfig.site reads, as found (types checked by the check).

    >>> site_settings_of({"metadata": {"name": "c"}, "platform": {"none": {}}}).platforms
    ('none',)
    """
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    control = doc.get("controlPlane") if isinstance(doc.get("controlPlane"), dict) else {}
    compute = doc.get("compute") if isinstance(doc.get("compute"), list) else []
    platform = doc.get("platform") if isinstance(doc.get("platform"), dict) else {}
    proxy = doc.get("proxy") if isinstance(doc.get("proxy"), dict) else {}
    no_proxy = str(proxy.get("noProxy") or "")
    return SiteSettings(
        name=str(meta.get("name") or ""),
        base_domain=str(doc.get("baseDomain") or "").rstrip("."),
        control_plane_replicas=control.get("replicas", 3),  # the installer's default
        compute_replicas=tuple(
            (str(c.get("name", "worker")), c.get("replicas", 3))
            for c in compute
            if isinstance(c, dict)
        ),
        platforms=tuple(str(k) for k in platform),
        public_key_type=ssh_key_kind(doc.get("sshKey")),
        proxy=bool(proxy.get("httpProxy") or proxy.get("httpsProxy")),
        no_proxy=tuple(p.strip() for p in no_proxy.split(",") if p.strip()),
    )


@dataclass(frozen=True)
class InstallConfig:
    """What the checks use of an install-config. The pullSecret is parsed into ``auths`` and the
    document dropped, so no frame or cache keeps the secret's text (``pytest -l`` prints locals)."""

    path: Path
    rules: tuple[MirrorRule, ...]
    trust_bundle: str
    auths: Auths | None
    pull_secret_error: InputError | None = None
    site: SiteSettings | None = None
    networks: Networking | None = None
    networks_error: InputError | None = None

    def networking(self) -> Networking:
        """The parsed networks; InputError naming the key when a CIDR does not parse."""
        if self.networks_error is not None:
            raise self.networks_error
        assert self.networks is not None
        return self.networks

    def pull_secret(self) -> Auths | None:
        """The pullSecret's credentials (None when absent); InputError naming the key when bad."""
        if self.pull_secret_error is not None:
            raise self.pull_secret_error
        return self.auths


def read_install_config(path: str | Path) -> InstallConfig:
    """Parse ``path`` once into what the checks need.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "install-config.yaml"
    >>> _ = p.write_text("pullSecret: 'not json'\\nadditionalTrustBundle: x\\n")
    >>> ic = read_install_config(p)
    >>> ic.trust_bundle, ic.rules, "not json" in repr(ic), ic.pull_secret_error.key
    ('x', (), False, 'pullSecret')
    """
    path = Path(path)
    where = str(path)
    doc = load_install_config(path)
    secret = {"pullSecret": doc.pop("pullSecret", None)}
    error: InputError | None = None
    auths: Auths | None = None
    try:
        auths = pull_secret_auths(secret, where)
    except InputError as exc:  # a fresh error: no traceback frames holding the secret's text
        error = InputError(where, exc.reason, key=exc.key)
    secret.clear()
    bundle = doc.get("additionalTrustBundle") or ""
    rules = tuple(rules_from_install_config(doc, where))
    networks: Networking | None = None
    networks_error: InputError | None = None
    try:
        networks = networking_of(doc, where)
    except InputError as exc:
        networks_error = exc
    return InstallConfig(
        path,
        rules,
        bundle if isinstance(bundle, str) else "",
        auths,
        error,
        site_settings_of(doc),
        networks,
        networks_error,
    )


def install_config(site: Any) -> InstallConfig:
    """The inventory's install-config, read once per run (its error too)."""
    path = site.inv.install_config
    if path is None:
        raise InputError("inventory", "no install_config given", key="install_config")
    return site.memo(f"install-config:{path}", lambda: read_install_config(path))
