"""An oc-mirror v2 workspace in the lab (issue "Today's mirror workflows"): what ``oc-mirror --v2
-c <imageset-config.yaml> --workspace file://<folder> docker://<mirror>`` leaves in
``<folder>/working-dir/`` after mirroring one operator catalog to the lab registry, in v2's
layout (``collectors/images/ocmirror2.py`` names the openshift/oc-mirror sources):

- ``operator-catalogs/redhat-operator-index/<digest>/filtered-catalogs/<filter>/catalog-config/
  <package>/catalog.json``: the real node-observability-operator declarative config of
  ``tests/real/oc-mirror-v2`` with its four image digests replaced by those of images the lab
  builds and pushes (same repositories, same bundle, same relatedImages shape), and a second,
  lab-written package whose operand is named by tag (so the run writes an ITMS as v2 does);
- ``cluster-resources/``: ``idms-oc-mirror.yaml`` (``idms-operator-0``: every digest source
  repository to the mirror), ``itms-oc-mirror.yaml`` (``itms-operator-0``: the by-tag
  repository), ``cs-redhat-operator-index-v4-14.yaml`` (the CatalogSource of the mirrored index)
  and ``cc-redhat-operator-index-v4-14.yaml`` (the OLM v1 ClusterCatalog of the same index);
- ``dry-run/mapping.txt`` (``docker://SOURCE=docker://DEST``, by-digest images under their
  digest's hex as tag) and, when a scenario says so, ``dry-run/missing.txt``;
- ``logs/`` and, when a scenario says so, ``logs/mirroring_errors_<ts>.txt`` (the real line's
  shape, naming an image of the catalog).

``push_workspace(lab, pusher, host, model)`` pushes what the catalog names (minus the image a
scenario leaves out), writes the workspace and returns its folder and the objects an admin
applies from ``cluster-resources/`` (none when the scenario says they were not applied).

>>> sorted(r for r, _ in IMAGES)[:2]
['lab/tagged-operand', 'lab/tagged-operator-bundle']
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from lab.imagebuild import Image, Pusher, build_image, tar_layer

if TYPE_CHECKING:
    from lab.part import LabContext
    from lab.registry import RegistryModel

REAL = Path(__file__).resolve().parent.parent / "tests" / "real" / "oc-mirror-v2"
REAL_CATALOG = REAL / "node-observability-operator.catalog.json"
REAL_ERRORS = REAL / "mirroring_errors_20240725_150922.txt"
#: the workspace folder (mirror.operators' subject) and its catalog
FOLDER = "mirror-v2"
CATALOG, CATALOG_TAG = "redhat-operator-index", "v4.14"
INDEX_REPO = f"redhat/{CATALOG}"
CATALOG_SOURCE = f"cs-{CATALOG}-{CATALOG_TAG.replace('.', '-')}"
#: the OLM v1 ClusterCatalog v2 writes beside the CatalogSource (same index image)
CLUSTER_CATALOG = f"cc-{CATALOG}-{CATALOG_TAG.replace('.', '-')}"
PACKAGE = "node-observability-operator"
TAGGED_PACKAGE = "lab-tagged-operator"
SOURCE = "registry.redhat.io"
#: (repository under registry.redhat.io, the real digest it stands for, or a tag): what the
#: catalog names. The first four are the real catalog's; the last two the lab package's.
IMAGES: tuple[tuple[str, str], ...] = (
    (
        "noo/node-observability-operator-bundle-rhel8",
        "sha256:0fbbb0b32adadc5746251103d25bba6bd365b2ff60e289e4694061fc92c3ce6e",
    ),
    (
        "noo/node-observability-agent-rhel8",
        "sha256:a8e60d9f63e2ed0cf1e27309aac54014e3f1efc947b51ca0a99376338d220875",
    ),
    (
        "noo/node-observability-rhel8-operator",
        "sha256:53ba77f648154ac8aca1ae6c83815078dfde211dba1e42f597e69844e4954c01",
    ),
    (
        "openshift4/ose-kube-rbac-proxy",
        "sha256:e3dad360d0351237a16593ca0862652809c41a2127c2f98b9e0a559568efbd10",
    ),
    ("lab/tagged-operator-bundle", "digest"),
    ("lab/tagged-operand", "v1.0"),
)
#: what scenarios may set (RegistryModel.ocmirror2)
MODES = ("clean", "image-missing", "missing-txt", "error-log", "not-applied")
#: the image the image-missing, missing-txt and error-log scenarios name
BROKEN = "openshift4/ose-kube-rbac-proxy"
AGENT = "noo/node-observability-agent-rhel8"
ERRORS_FILE = "mirroring_errors_20261206_051700.txt"


def lab_image(repo: str) -> Image:
    layer = tar_layer({"README": f"oc-mirror v2 lab operator image {repo}\n".encode()})
    return build_image([layer], oci=True, annotations={"upi-lab/ocmirror2": repo})


def image_refs() -> dict[str, str]:
    """Repository -> the reference the catalog names (the lab image's digest, or the tag)."""
    out = {}
    for repo, real in IMAGES:
        ref = real if real.startswith("v") else lab_image(repo).digest
        out[repo] = f"{SOURCE}/{repo}{':' if ref.startswith('v') else '@'}{ref}"
    return out


def catalog_json(refs: dict[str, str]) -> str:
    """The real declarative config with each real digest replaced by the lab image's."""
    text = REAL_CATALOG.read_text()
    for repo, real in IMAGES[:4]:
        text = text.replace(real.split(":", 1)[1], refs[repo].rsplit(":", 1)[1])
    return text


def tagged_catalog_json(refs: dict[str, str]) -> str:
    """A lab-written package in declcfg's JSON stream form: its operand named by tag."""
    bundle = f"{TAGGED_PACKAGE}.v1.0.0"
    docs = [
        {"schema": "olm.package", "name": TAGGED_PACKAGE, "defaultChannel": "stable"},
        {
            "schema": "olm.channel",
            "name": "stable",
            "package": TAGGED_PACKAGE,
            "entries": [{"name": bundle}],
        },
        {
            "schema": "olm.bundle",
            "name": bundle,
            "package": TAGGED_PACKAGE,
            "image": refs["lab/tagged-operator-bundle"],
            "properties": [
                {
                    "type": "olm.package",
                    "value": {"packageName": TAGGED_PACKAGE, "version": "1.0.0"},
                }
            ],
            "relatedImages": [
                {"name": "", "image": refs["lab/tagged-operator-bundle"]},
                {"name": "operand", "image": refs["lab/tagged-operand"]},
            ],
        },
    ]
    return "".join(json.dumps(d, indent=4) + "\n" for d in docs)


def _dest(host: str, ref: str) -> str:
    """Where v2 puts ``ref`` on the mirror: the same path, by-digest images under their hex."""
    path = ref.split("/", 1)[1]
    if "@" in path:
        name, digest = path.split("@", 1)
        return f"{host}/{name}:{digest.split(':', 1)[1]}"
    return f"{host}/{path}"


def _namespaces(refs: dict[str, str], *, by_digest: bool) -> list[str]:
    """The namespaces (``registry.redhat.io/<ns>``) of the images named by digest (IDMS) or by
    tag (ITMS): v2 writes one mirror pair per namespace."""
    return sorted({r.rsplit("/", 1)[0] for r, ref in refs.items() if ("@" in ref) == by_digest})


def _yaml(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def push_workspace(
    lab: LabContext, pusher: Pusher, host: str, model: RegistryModel
) -> tuple[str, list[dict[str, Any]]]:
    """Push the catalog's images and its index, write the workspace (see the module doc);
    return its folder and what an admin applied from cluster-resources/."""
    mode = model.ocmirror2
    if mode not in MODES:
        raise ValueError(f"ocmirror2: {mode!r} is none of {MODES}")
    refs = image_refs()
    mapping = []
    for repo, ref in refs.items():
        dest = _dest(host, ref)
        mapping.append(f"docker://{ref}=docker://{dest}")
        if not (mode == "image-missing" and repo == BROKEN):
            name, tag = dest.split("/", 1)[1].rsplit(":", 1)
            pusher.image(name, lab_image(repo), tag)
    index = f"{host}/{INDEX_REPO}:{CATALOG_TAG}"
    index_image = build_image(
        [tar_layer({"configs/README": b"filtered catalog\n"})],
        labels={"operators.operatorframework.io.index.configs.v1": "/configs"},
    )
    pusher.image(INDEX_REPO, index_image, CATALOG_TAG)
    mapping.append(f"docker://{SOURCE}/{INDEX_REPO}:{CATALOG_TAG}=docker://{index}")

    folder = lab.workdir / "ocmirror2" / FOLDER
    wd = folder / "working-dir"
    catalog_digest = hashlib.sha256(b"lab redhat-operator-index v4.14").hexdigest()
    filter_digest = hashlib.sha256(b"lab imageset-config filter").hexdigest()
    config = (
        wd / "operator-catalogs" / CATALOG / catalog_digest / "filtered-catalogs" / filter_digest
    ) / "catalog-config"
    for package, text in (
        (PACKAGE, catalog_json(refs)),
        (TAGGED_PACKAGE, tagged_catalog_json(refs)),
    ):
        (config / package).mkdir(parents=True, exist_ok=True)
        (config / package / "catalog.json").write_text(text)
    cr = wd / "cluster-resources"
    cr.mkdir(parents=True, exist_ok=True)
    idms = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ImageDigestMirrorSet",
        "metadata": {"name": "idms-operator-0"},
        "spec": {
            "imageDigestMirrors": [
                {"mirrors": [f"{host}/{ns}"], "source": f"{SOURCE}/{ns}"}
                for ns in _namespaces(refs, by_digest=True)
            ]
        },
    }
    itms = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ImageTagMirrorSet",
        "metadata": {"name": "itms-operator-0"},
        "spec": {
            "imageTagMirrors": [
                {"mirrors": [f"{host}/{ns}"], "source": f"{SOURCE}/{ns}"}
                for ns in _namespaces(refs, by_digest=False)
            ]
        },
    }
    source = {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "CatalogSource",
        "metadata": {"name": CATALOG_SOURCE, "namespace": "openshift-marketplace"},
        "spec": {"image": index, "sourceType": "grpc"},
    }
    catalog = {
        "apiVersion": "olm.operatorframework.io/v1",
        "kind": "ClusterCatalog",
        "metadata": {"name": CLUSTER_CATALOG},
        "spec": {"source": {"type": "Image", "image": {"ref": index}}},
    }
    _yaml(cr / "idms-oc-mirror.yaml", idms)
    _yaml(cr / "itms-oc-mirror.yaml", itms)
    _yaml(cr / f"{CATALOG_SOURCE}.yaml", source)
    _yaml(cr / f"{CLUSTER_CATALOG}.yaml", catalog)
    dry = wd / "dry-run"
    dry.mkdir(exist_ok=True)
    (dry / "mapping.txt").write_text("\n".join(mapping) + "\n")
    if mode == "missing-txt":
        line = next(m for m in mapping if f"/{BROKEN}@" in m)
        (dry / "missing.txt").write_text(line + "\n")
    logs = wd / "logs"
    logs.mkdir(exist_ok=True)
    if mode == "error-log":
        real = REAL_ERRORS.read_text().splitlines()[0]
        why = real.split(" error: ", 1)[1]
        (logs / ERRORS_FILE).write_text(
            f"error mirroring image docker://{refs[AGENT]} (Operator bundles: "
            f"[{PACKAGE}.v0.2.0] - Operators: [{PACKAGE}]) error: {why}\n"
        )
    applied = [] if mode == "not-applied" else [idms, itms, source, catalog]
    return str(folder), applied
