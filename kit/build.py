"""Build the offline kit: ``./run kit`` (or ``python kit/build.py``) writes
``dist/upi-conformance-<version>-kit.tar.gz``.

The kit holds the project as a built wheel, a wheelhouse of every runtime dependency for each
CPython and glibc in TARGETS (binary wheels only, so the bastion builds nothing), pip itself,
``install.sh`` (checks SHA256SUMS, creates a virtualenv, installs with ``--no-index``) and
INSTALL.txt. Downloads go through pip; the wheels are kept in ``--cache`` ($UPI_KIT_CACHE,
default ~/.cache/upi-kit), so a second build asks the index only for its pages.

Before it writes the archive the build proves the wheelhouse complete for every target without
pip: starting from upi-conformance, each requirement whose marker holds on that target must be met
by a wheel whose tags the target accepts (pip evaluates markers for the Python it runs on, not
for ``--python-version``, so its own resolution could miss a 3.12-only dependency).
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.tags import Tag, compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pragma: no cover - pip always carries it
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.tags import (  # type: ignore[no-redef]
        Tag,
        compatible_tags,
        cpython_tags,
    )
    from pip._vendor.packaging.utils import (  # type: ignore[no-redef]
        canonicalize_name,
        parse_wheel_filename,
    )

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PYTHONS = ((3, 11), (3, 12))
#: glibc of each distribution the kit is for: RHEL 8 and RHEL 9 (and their rebuilds).
GLIBCS = {"rhel8": (2, 28), "rhel9": (2, 34)}
ARCH = "x86_64"
#: Not to copy into the build tree the wheel is made from.
IGNORED = {".git", ".venv", ".tox", "dist", "build", "out", "__pycache__", ".ruff_cache"}


@dataclass(frozen=True)
class Target:
    python: tuple[int, int]
    distro: str
    glibc: tuple[int, int]

    @property
    def label(self) -> str:
        return f"cp{self.python[0]}{self.python[1]}-{self.distro}"

    def platforms(self) -> list[str]:
        """The platform tags pip on this glibc accepts, newest first (PEP 600, plus the legacy
        aliases manylinux2014 = 2.17, manylinux2010 = 2.12, manylinux1 = 2.5)."""
        major, newest = self.glibc
        tags = [f"manylinux_{major}_{minor}_{ARCH}" for minor in range(newest, 4, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        return tags + [f"{legacy[m]}_{ARCH}" for m in sorted(legacy, reverse=True) if m <= newest]

    def abi(self) -> str:
        return f"cp{self.python[0]}{self.python[1]}"

    def tags(self) -> set[Tag]:
        platforms = self.platforms()
        return set(cpython_tags(self.python, platforms=platforms)) | set(
            compatible_tags(self.python, interpreter=self.abi(), platforms=platforms)
        )

    def environment(self) -> dict[str, str]:
        """PEP 508 marker values on this target."""
        version = f"{self.python[0]}.{self.python[1]}"
        return {
            "python_version": version,
            "python_full_version": f"{version}.0",
            "implementation_name": "cpython",
            "implementation_version": f"{version}.0",
            "platform_python_implementation": "CPython",
            "platform_machine": ARCH,
            "platform_system": "Linux",
            "sys_platform": "linux",
            "os_name": "posix",
            "platform_release": "",
            "platform_version": "",
        }

    def pip_options(self) -> list[str]:
        opts = ["--only-binary=:all:", "--implementation", "cp"]
        opts += ["--python-version", f"{self.python[0]}.{self.python[1]}"]
        for abi in (self.abi(), "abi3", "none"):
            opts += ["--abi", abi]
        for platform in self.platforms():
            opts += ["--platform", platform]
        return opts


TARGETS = [Target(py, distro, glibc) for py in PYTHONS for distro, glibc in GLIBCS.items()]


def log(text: str) -> None:
    print(f"kit: {text}", file=sys.stderr, flush=True)


def project_version(root: Path = ROOT) -> str:
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


def pip(*args: str, cache: Path, env: dict[str, str] | None = None) -> None:
    argv = [sys.executable, "-m", "pip", *args, "--cache-dir", str(cache / "pip")]
    argv += ["--disable-pip-version-check", "--progress-bar", "off", "-q"]
    subprocess.run(argv, check=True, env={**os.environ, **(env or {})})


def source_tree(into: Path, root: Path = ROOT) -> Path:
    """A copy of the project's files (tracked or new, never ignored ones) to build the wheel from:
    setuptools writes build/ and *.egg-info beside its input, and a stale build/ would leak
    files into the wheel."""
    files: list[str] | None = None
    if (root / ".git").exists():
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            files = [f for f in done.stdout.decode().split("\0") if f]
    if files is None:
        files = [
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and not IGNORED & set(p.relative_to(root).parts)
        ]
    for name in files:
        src = root / name
        if src.is_file() and not IGNORED & set(Path(name).parts):
            dest = into / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    return into


def build_wheel(wheels: Path, work: Path, cache: Path) -> Path:
    src = source_tree(work / "src")
    pip("wheel", "--no-deps", "--wheel-dir", str(wheels), str(src), cache=cache)
    (wheel,) = wheels.glob("upi_conformance-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("fixtures/suite.ini", "collectors/triage/catalog.yaml", "checks/dns.py"):
        if needed not in names:
            raise SystemExit(f"kit: the wheel lacks {needed}: check pyproject's package-data")
    return wheel


def download(target: Target, wheel: Path, into: Path, cache: Path) -> list[Path]:
    """Every wheel ``target`` needs to install ``wheel`` and pip, resolved from the index.

    Wheels already fetched are kept in ``cache/wheels`` and offered to pip as find-links: a
    rebuild asks the index only which versions are newest, and downloads only what is new.
    """
    dest = into / target.label
    dest.mkdir(parents=True)
    store = cache / "wheels"
    store.mkdir(parents=True, exist_ok=True)
    pip(
        "download",
        "--dest",
        str(dest),
        "--find-links",
        str(store),
        *target.pip_options(),
        str(wheel),
        "pip",
        cache=cache,
    )
    got = sorted(dest.glob("*.whl"))
    for path in got:
        if not path.name.startswith("upi_conformance-") and not (store / path.name).exists():
            part = store / f".{path.name}.{target.label}"
            shutil.copy2(path, part)
            part.replace(store / path.name)  # builds for other targets run alongside
    return got


def wheel_requirements(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = email.parser.BytesParser().parsebytes(zf.read(meta))
    return message.get_all("Requires-Dist") or []


def missing_for(target: Target, wheelhouse: Path, root: str = "upi-conformance") -> list[str]:
    """What ``target`` would lack installing ``root`` (and pip) from ``wheelhouse`` alone."""
    tags = target.tags()
    wheels: dict[str, list[tuple[object, Path]]] = {}
    for path in wheelhouse.glob("*.whl"):
        name, version, _build, wheel_tags = parse_wheel_filename(path.name)
        if wheel_tags & tags:
            wheels.setdefault(canonicalize_name(name), []).append((version, path))
    env = target.environment()
    problems: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(root), Requirement("pip")]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if (name, frozenset(req.extras)) in seen:
            continue
        seen.add((name, frozenset(req.extras)))
        candidates = wheels.get(name, [])
        found = sorted(
            ((v, p) for v, p in candidates if req.specifier.contains(v, prereleases=True)),
            key=lambda vp: vp[0],  # type: ignore[arg-type, return-value]
        )
        if not found:
            problems.append(f"{target.label}: no wheel for {req} (tags {target.platforms()[0]})")
            continue
        _version, path = found[-1]
        for text in wheel_requirements(path):
            dep = Requirement(text)
            extras = [""] + sorted(req.extras)
            if dep.marker is None or any(
                dep.marker.evaluate({**env, "extra": extra}) for extra in extras
            ):
                todo.append(Requirement(str(dep).split(";")[0]))
    return problems


def install_script(version: str) -> str:
    """kit/install.sh with this kit's version, Pythons and oldest glibc filled in."""
    supported = " ".join(f"{a}.{b}" for a, b in PYTHONS)
    text = (HERE / "install.sh").read_text()
    text = text.replace("@VERSION@", version).replace("@PYTHONS@", supported)
    return text.replace("@GLIBC@", "{}.{}".format(*min(GLIBCS.values())))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(stage: Path) -> None:
    """SHA256SUMS in ``sha256sum`` format over every file of the kit but itself."""
    lines = [
        f"{sha256(p)}  {p.relative_to(stage).as_posix()}"
        for p in sorted(stage.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    ]
    (stage / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def archive(stage: Path, out: Path) -> None:
    """A tar.gz of ``stage`` (one top folder), entries sorted and owned by root."""
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))

    def normal(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = mtime
        return info

    tmp = out.with_name(out.name + ".part")
    with tarfile.open(tmp, "w:gz") as tar:
        tar.add(stage, arcname=stage.name, recursive=False, filter=normal)
        for path in sorted(stage.rglob("*")):
            name = f"{stage.name}/{path.relative_to(stage)}"
            tar.add(path, arcname=name, recursive=False, filter=normal)
    tmp.replace(out)


def build(out_dir: Path, cache: Path) -> Path:
    version = project_version()
    name = f"upi-conformance-{version}-kit"
    out_dir.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="upi-kit-") as tmp:
        work = Path(tmp)
        stage = work / name
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)
        log(f"building the upi-conformance {version} wheel")
        wheel = build_wheel(wheels, work, cache)
        plan: dict[str, list[str]] = {}
        log("resolving the wheels for " + ", ".join(t.label for t in TARGETS))
        with ThreadPoolExecutor(max_workers=len(TARGETS)) as pool:  # the index's latency, mostly
            into = work / "downloads"
            downloads = [pool.submit(download, t, wheel, into, cache) for t in TARGETS]
            for target, future in zip(TARGETS, downloads, strict=True):
                got = future.result()
                for path in got:
                    if not (wheels / path.name).exists():
                        shutil.copy2(path, wheels / path.name)
                plan[target.label] = sorted(p.name for p in got)
        problems = [p for target in TARGETS for p in missing_for(target, wheels)]
        if problems:
            raise SystemExit("kit: the wheelhouse is incomplete:\n  " + "\n  ".join(problems))
        for unwanted in sorted(wheels.glob("*.whl")):
            if parse_wheel_filename(unwanted.name)[0] in ("hypothesis", "ruff", "tox"):
                raise SystemExit(f"kit: {unwanted.name} is not a runtime dependency")
        (stage / "install.sh").write_text(install_script(version))
        (stage / "install.sh").chmod(0o755)
        shutil.copy2(HERE / "INSTALL.txt", stage / "INSTALL.txt")
        (stage / "kit.json").write_text(
            json.dumps(
                {
                    "version": version,
                    "pythons": [f"{a}.{b}" for a, b in PYTHONS],
                    "targets": {
                        t.label: {"glibc": "{}.{}".format(*t.glibc), "platforms": t.platforms()}
                        for t in TARGETS
                    },
                    "wheels": plan,
                },
                indent=2,
            )
            + "\n"
        )
        write_manifest(stage)
        out = out_dir / f"{name}.tar.gz"
        archive(stage, out)
    digest = sha256(out)
    (out_dir / f"{out.name}.sha256").write_text(f"{digest}  {out.name}\n")
    count = len({name for names in plan.values() for name in names})
    log(f"wrote {out} ({out.stat().st_size // 1024} KiB, {count} wheels, sha256 {digest})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run kit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the archive")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("UPI_KIT_CACHE", Path.home() / ".cache" / "upi-kit")),
        help="pip's download cache (default $UPI_KIT_CACHE or ~/.cache/upi-kit)",
    )
    args = parser.parse_args(argv)
    try:
        print(build(args.out, args.cache))
    except subprocess.CalledProcessError as exc:
        log(f"{' '.join(map(str, exc.cmd[:4]))} ... failed (exit {exc.returncode}); see above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
