"""What the registry part mirrors for day 2 (issue 13), and what an admin applied for it:

- the next release (``TARGET_VERSION``) pushed the way ``oc adm release mirror`` leaves it (the
  release and every component by digest into ``ocp4/openshift4``), some components left out
  when a scenario says so, and its signature ConfigMap (``oc adm release mirror
  --release-image-signature-to-dir`` form: binaryData ``sha256-<hex>-1``) holding a real
  GnuPG signature by a key the lab generates, which ``openshift-config-managed/
  release-verification`` trusts (``lab.signing``);
- two mirrored operator catalogs: ``redhat-operators-manifests/`` as ``oc adm catalog mirror``
  writes it (mapping.txt, repository-level imageContentSourcePolicy.yaml, catalogSource.yaml)
  and an oc-mirror results folder ``oc-mirror-workspace/results-1700000000/`` (mapping.txt,
  an ImageDigestMirrorSet, ``catalogSource-certified-operator-index.yaml``), a few dozen images.

``push_day2(lab, pusher, host, model)`` pushes it all and writes the folders; the objects to
apply to the cluster go to ``<workdir>/registry/cluster-objects.json`` (the cluster part adds
them to its snapshot).

>>> len(catalog_images("redhat-operators")), catalog_images("redhat-operators")[0][0]
(32, 'registry.redhat.io/openshift4/ose-sriov-network-operator')
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from lab.imagebuild import Image, Pusher, build_image, tar_layer
from lab.signing import make_signatures, release_verification

if TYPE_CHECKING:
    from lab.part import LabContext
    from lab.registry import RegistryModel

TARGET_VERSION = "4.5.13"
LOCAL_REPOSITORY = "ocp4/openshift4"
SIGNATURE_LABEL = "release.openshift.io/verification-signatures"
#: Operator repositories per catalog (registry.redhat.io/<repo>), 3 digests and 1 tag each.
CATALOGS: dict[str, tuple[str, ...]] = {
    "redhat-operators": (
        "openshift4/ose-sriov-network-operator",
        "ocs4/mcg-rhel8-operator",
        "rhpam-7/rhpam-controller-rhel8",
        "amq7/amq-online-1-mqtt-gateway",
        "codeready-workspaces/server-operator-rhel8",
        "openshift3/oauth-proxy",
        "datagrid/datagrid-8-rhel8",
        "distributed-tracing/jaeger-ingester-rhel7",
    ),
    "certified-operator-index": ("crunchydata/postgres-operator", "portworx/px-operator"),
}
INDEX = {
    "redhat-operators": "olm/redhat-operators:v1",
    "certified-operator-index": "redhat/certified-operator-index:v4.5",
}
RESULTS = "oc-mirror-workspace/results-1700000000"


def catalog_images(catalog: str) -> list[tuple[str, str, str]]:
    """(source repository, "digest", a seed) for every image of ``catalog``: 4 per operator,
    all by digest as current bundles reference them (a source by tag would need an
    ImageTagMirrorSet; the direct tests cover that)."""
    return [
        (f"registry.redhat.io/{repo}", "digest", f"{catalog}/{repo}/{i}")
        for repo in CATALOGS[catalog]
        for i in range(4)
    ]


def _image(seed: str) -> Image:
    layer = tar_layer({"README": b"operator image\n"})
    return build_image([layer], oci=True, annotations={"upi-lab/seed": seed})


def push_target(pusher: Pusher, model: RegistryModel) -> tuple[str, list[str]]:
    """Push the target release and its components (minus ``model.target_missing``); return
    the release digest and the component names."""
    from lab.registry import component_image, image_references, release_image

    digests: dict[str, str] = {}
    for i, name in enumerate(model.components):
        img = component_image(f"{name}-{TARGET_VERSION}", i)
        digests[name] = img.digest
        if name not in model.target_missing:
            pusher.image(LOCAL_REPOSITORY, img)
    refs = image_references(digests)
    refs["metadata"]["name"] = TARGET_VERSION
    release = release_image(json.dumps(refs, indent=2).encode(), version=TARGET_VERSION)
    pusher.image(LOCAL_REPOSITORY, release, f"{TARGET_VERSION}-x86_64")
    if model.signer is not None:
        from lab.registry import CONTENT_SOURCE, RELEASE_SOURCE
        from lab.sigstore import push_signatures

        signed = [(f"{RELEASE_SOURCE}:{TARGET_VERSION}-x86_64", release.digest, "release")]
        signed += [(f"{CONTENT_SOURCE}@{d}", d, n) for n, d in digests.items()]
        missing = {m.split(":", 1)[1] for m in model.sigstore_missing if m.startswith("target:")}
        push_signatures(
            pusher,
            LOCAL_REPOSITORY,
            [
                (ref, d)
                for ref, d, n in signed
                if n not in missing and n not in model.target_missing
            ],
            model.signer,
        )
    return release.digest, list(digests)


def signature_configmap(digest: str, signature: bytes) -> dict[str, Any]:
    """The release signature ConfigMap ``oc adm release mirror`` writes, holding ``signature``
    (a binary OpenPGP message, ``lab.signing``)."""
    hexpart = digest.split(":", 1)[1]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"sha256-{hexpart}",
            "namespace": "openshift-config-managed",
            "labels": {SIGNATURE_LABEL: ""},
        },
        "binaryData": {f"sha256-{hexpart}-1": base64.b64encode(signature).decode()},
    }


def signatures_dir(workdir: Path) -> Path:
    """Where the registry part leaves the lab's signatures (``lab.signing.make_signatures``)."""
    return workdir / "registry" / "signatures"


def _dest(host: str, source_repo: str, kind: str, image: Image) -> str:
    repo = source_repo.split("/", 1)[1]
    tag = hashlib.sha256(image.digest.encode()).hexdigest()[:8] if kind == "digest" else kind
    return f"{host}/{repo}:{tag}"


def push_catalogs(
    lab: LabContext, pusher: Pusher, host: str, model: RegistryModel
) -> tuple[list[str], list[dict[str, Any]]]:
    """Push both catalogs (minus ``model.operators_missing``, by image seed), write their
    folders; return the folders and the objects an admin applied from them."""
    root = lab.workdir / "catalogs"
    folders: list[str] = []
    applied: list[dict[str, Any]] = []
    index_layer = tar_layer({"database/index.db": b"SQLite format 3\x00lab"})
    for catalog in CATALOGS:
        lines = []
        for i, (source, kind, seed) in enumerate(catalog_images(catalog)):
            img = _image(seed)
            dest = _dest(host, source, kind, img)
            src = f"{source}@{img.digest}" if kind == "digest" else f"{source}:{kind}"
            lines.append(f"{src}={dest}")
            if i not in model.operators_missing or catalog != "redhat-operators":
                repo, tag = dest.split("/", 1)[1].rsplit(":", 1)
                pusher.image(repo, img, tag)
        index_repo, index_tag = INDEX[catalog].rsplit(":", 1)
        pusher.image(index_repo, build_image([index_layer], labels={"catalog": catalog}), index_tag)
        repos = sorted({s for s, _, _ in catalog_images(catalog)})
        pairs = [{"mirrors": [f"{host}/{r.split('/', 1)[1]}"], "source": r} for r in repos]
        source_doc = {
            "apiVersion": "operators.coreos.com/v1alpha1",
            "kind": "CatalogSource",
            "metadata": {"name": catalog, "namespace": "openshift-marketplace"},
            "spec": {"sourceType": "grpc", "image": f"{host}/{INDEX[catalog]}"},
        }
        if catalog == "redhat-operators":
            folder = root / f"{catalog}-manifests"
            rules = {
                "apiVersion": "operator.openshift.io/v1alpha1",
                "kind": "ImageContentSourcePolicy",
                "metadata": {
                    "name": catalog,
                    "labels": {"operators.openshift.org/catalog": "true"},
                },
                "spec": {"repositoryDigestMirrors": pairs},
            }
            files = {"imageContentSourcePolicy.yaml": rules, "catalogSource.yaml": source_doc}
        else:
            folder = root / RESULTS
            source_doc["metadata"]["name"] = f"cs-{catalog}"
            rules = {
                "apiVersion": "config.openshift.io/v1",
                "kind": "ImageDigestMirrorSet",
                "metadata": {"name": "idms-operator-0"},
                "spec": {"imageDigestMirrors": pairs},
            }
            files = {"idms-oc-mirror.yaml": rules, f"catalogSource-{catalog}.yaml": source_doc}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mapping.txt").write_text("\n".join(lines) + "\n")
        for name, doc in files.items():
            (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False))
        folders.append(str(folder if catalog == "redhat-operators" else root))
        applied += [rules, source_doc]
    return folders, applied


def push_day2(lab: LabContext, pusher: Pusher, host: str, model: RegistryModel) -> dict[str, Any]:
    """Push the target release and the catalogs; return the inventory keys they give."""
    digest, _ = push_target(pusher, model)
    folders, applied = push_catalogs(lab, pusher, host, model)
    if model.ocmirror2:
        from lab.ocmirror2_content import push_workspace

        # a site that moved from oc-mirror v1 to v2: the v2 workspace replaces the results
        # folder in mirror.catalogs, and its idms-operator-0 replaces v1's of the same name
        folder, v2_applied = push_workspace(lab, pusher, host, model)
        folders = [folders[0], folder]
        names = {(o["kind"], o["metadata"]["name"]) for o in v2_applied}
        applied = [o for o in applied if (o["kind"], o["metadata"]["name"]) not in names]
        applied += v2_applied
    sigs = make_signatures(
        signatures_dir(lab.workdir),
        digest,
        "sha256:" + hashlib.sha256(b"another release").hexdigest(),
        f"quay.io/openshift-release-dev/ocp-release:{TARGET_VERSION}-x86_64",
    )
    applied.append(signature_configmap(digest, sigs["good.sig"].read_bytes()))
    applied.append(release_verification(sigs["trusted.asc"].read_text()))
    out = lab.workdir / "registry"
    (out / "target.json").write_text(json.dumps({"digest": digest, "version": TARGET_VERSION}))
    (out / "cluster-objects.json").write_text(json.dumps(applied, indent=1))
    return {
        "mirror": {"catalogs": folders},
        "upgrade": {"to_image": f"{host}/{LOCAL_REPOSITORY}@{digest}"},
    }


def cluster_objects(workdir: Path) -> list[dict[str, Any]]:
    """What an admin applied from the mirroring (empty without the registry part)."""
    path = workdir / "registry" / "cluster-objects.json"
    return json.loads(path.read_text()) if path.exists() else []
