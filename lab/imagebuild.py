"""Build container images in the real format (gzip tar layers, image config, Docker schema 2 or
OCI manifest) and push them over the registry v2 API, Basic or Bearer auth.

>>> layer = tar_layer({"usr/bin/x": b"hi"})
>>> layer.digest.startswith("sha256:") and layer.diff_id != layer.digest
True
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from typing import Any

import requests

from collectors.images.registry import DOCKER_MANIFEST, OCI_MANIFEST, parse_challenge

DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Blob:
    data: bytes
    digest: str
    diff_id: str = ""  # digest of the uncompressed tar, for a layer


def tar_layer(files: dict[str, bytes], *, mtime: int = 1_600_000_000) -> Blob:
    """A gzip-compressed tar layer holding ``files`` (directories added), reproducible."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs: set[str] = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
                    tar.addfile(info)
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(files[path]), 0o644, mtime
            tar.addfile(info, io.BytesIO(files[path]))
    plain = raw.getvalue()
    compressed = gzip.compress(plain, mtime=0)
    return Blob(compressed, sha256(compressed), sha256(plain))


def raw_blob(data: bytes) -> Blob:
    return Blob(data, sha256(data), sha256(data))


@dataclass
class Image:
    """An image ready to push: config, layers and the manifest bytes (digest = manifest's)."""

    config: Blob
    layers: list[Blob]
    manifest: bytes
    media_type: str
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return sha256(self.manifest)


def build_image(
    layers: list[Blob],
    *,
    labels: dict[str, str] | None = None,
    oci: bool = False,
    annotations: dict[str, str] | None = None,
) -> Image:
    """An image config (linux/amd64) and a schema-2 (or OCI) manifest over ``layers``."""
    config: dict[str, Any] = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2020-09-13T12:26:40Z",
        "config": {"Labels": dict(labels or {}), "Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        "history": [{"created": "2020-09-13T12:26:40Z", "created_by": "upi-lab"} for _ in layers],
    }
    cfg = raw_blob(json.dumps(config, sort_keys=True).encode())
    media = OCI_MANIFEST if oci else DOCKER_MANIFEST
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media,
        "config": {
            "mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
            "size": len(cfg.data),
            "digest": cfg.digest,
        },
        "layers": [
            {
                "mediaType": OCI_LAYER if oci else DOCKER_LAYER,
                "size": len(layer.data),
                "digest": layer.digest,
            }
            for layer in layers
        ],
    }
    if annotations and oci:
        manifest["annotations"] = annotations
    return Image(cfg, layers, json.dumps(manifest, indent=3).encode(), media, dict(labels or {}))


def manifest_list(entries: list[tuple[Image, str]], *, oci: bool = False) -> tuple[bytes, str]:
    """A Docker manifest list (or OCI index) over (image, architecture) pairs: (bytes, media
    type)."""
    media = OCI_INDEX if oci else DOCKER_LIST
    body = {
        "schemaVersion": 2,
        "mediaType": media,
        "manifests": [
            {
                "mediaType": img.media_type,
                "size": len(img.manifest),
                "digest": img.digest,
                "platform": {"architecture": arch, "os": "linux"},
            }
            for img, arch in entries
        ],
    }
    return json.dumps(body, indent=3).encode(), media


class Pusher:
    """Push blobs and manifests to one registry (https, CA file), as one user."""

    def __init__(
        self, host: str, user: str, password: str, ca_file: str, timeout: float = 20.0
    ) -> None:
        self.host = host
        self.base = f"https://{host}"
        self.user, self.password = user, password
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = ca_file
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=16)
        self.session.mount("https://", adapter)
        self.timeout = timeout
        self._auth: dict[str, str] = {}

    def _call(self, method: str, url: str, repo: str, **kw: Any) -> requests.Response:
        for _ in range(2):
            headers = dict(kw.pop("headers", {}) or {})
            if repo in self._auth:
                headers["Authorization"] = self._auth[repo]
            resp = self.session.request(method, url, headers=headers, timeout=self.timeout, **kw)
            kw["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if resp.status_code != 401:
                return resp
            scheme, params = parse_challenge(resp.headers.get("WWW-Authenticate", ""))
            if scheme == "basic":
                raw = f"{self.user}:{self.password}".encode()
                self._auth[repo] = "Basic " + base64.b64encode(raw).decode()
            else:
                token = self.session.get(
                    params["realm"],
                    params={
                        "service": params.get("service", ""),
                        "scope": f"repository:{repo}:pull,push",
                    },
                    auth=(self.user, self.password),
                    timeout=self.timeout,
                ).json()["token"]
                self._auth[repo] = f"Bearer {token}"
        return resp

    def blob(self, repo: str, blob: Blob) -> None:
        head = self._call("HEAD", f"{self.base}/v2/{repo}/blobs/{blob.digest}", repo)
        if head.status_code == 200:
            return
        start = self._call("POST", f"{self.base}/v2/{repo}/blobs/uploads/", repo)
        if start.status_code != 202:
            raise RuntimeError(
                f"upload start for {repo}: HTTP {start.status_code} {start.text[:200]}"
            )
        location = start.headers["Location"]
        if location.startswith("/"):
            location = self.base + location
        sep = "&" if "?" in location else "?"
        done = self._call(
            "PUT",
            f"{location}{sep}digest={blob.digest}",
            repo,
            data=blob.data,
            headers={"Content-Type": "application/octet-stream"},
        )
        if done.status_code != 201:
            raise RuntimeError(
                f"blob {blob.digest} to {repo}: HTTP {done.status_code} {done.text[:200]}"
            )

    def manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        resp = self._call(
            "PUT",
            f"{self.base}/v2/{repo}/manifests/{reference}",
            repo,
            data=body,
            headers={"Content-Type": media_type},
        )
        if resp.status_code != 201:
            raise RuntimeError(
                f"manifest {repo}:{reference}: HTTP {resp.status_code} {resp.text[:300]}"
            )
        return resp.headers.get("Docker-Content-Digest", sha256(body))

    def image(self, repo: str, image: Image, reference: str | None = None) -> str:
        """Push an image's blobs and manifest, by tag or (default) by its digest."""
        for blob in (*image.layers, image.config):
            self.blob(repo, blob)
        return self.manifest(repo, reference or image.digest, image.manifest, image.media_type)
