"""The lab's cluster part: the seed cluster as a must-gather, served by a stand-in API server.

``start(lab)`` builds :func:`lab.cluster_model.seed_cluster` for the lab's addresses (and the
lab mirror's host when the registry part runs first, pushing the sample images the seed
mirrored), applies the scenario's edits, writes ``<workdir>/cluster/must-gather``, starts
``lab/apiserver.py`` on ``lab.ip(120):lab.port(8)`` with a self-signed certificate and a bearer
token, and writes ``<workdir>/kubeconfig``; a second one on ``lab.port(9)`` answers 403 to
listing clusteroperators (``<workdir>/kubeconfig-rbac``). Requests are logged to
``<workdir>/cluster/requests.jsonl``.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import secrets
import socket
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from collectors.cluster import samples as S
from lab import cluster_model as CM
from lab.cluster_model import ClusterModel
from lab.scenarios import scenario

if TYPE_CHECKING:
    from lab.part import LabContext

PACKAGES: list[str] = []
SEED_MIRROR = "registry.test.example.local:5000"


def edit(lab: LabContext, fn: Callable[[LabContext, ClusterModel], None]) -> None:
    """Add an edit of the cluster model, applied when the part starts (scenarios call this)."""
    lab.cluster_edits.append(fn)


# --------------------------------------------------------------------------- TLS


def self_signed(ip: str, cert: Path, key: Path) -> bytes:
    """A self-signed CA-flagged certificate for ``ip``; returns its PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pkey = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"upi-lab api {ip}")])
    now = datetime.datetime.now(datetime.UTC)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pkey.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(pkey, hashes.SHA256())
    )
    pem = built.public_bytes(serialization.Encoding.PEM)
    cert.write_bytes(pem)
    key.write_bytes(
        pkey.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    return pem


def kubeconfig(server: str, ca_pem: bytes, token: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "lab",
        "clusters": [
            {
                "name": "lab",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": "reader", "user": {"token": token}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "reader"}}],
    }


def _https_ready(host: str, port: int, ca: Path) -> bool:
    try:
        ctx = ssl.create_default_context(cafile=str(ca))
        with (
            socket.create_connection((host, port), timeout=0.5) as raw,
            ctx.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- mirror content


def push_samples(lab: LabContext, model: ClusterModel) -> None:
    """Push the seed's mirrored sample images, and point payload streams at the payload's
    digests."""
    from lab.imagebuild import Pusher, build_image, tar_layer
    from lab.registry import model_of

    reg = model_of(lab)
    root = lab.workdir / "registry"
    pusher = Pusher(model.mirror, reg.user, reg.password, str(root / "certs" / "ca.crt"))
    for ref in CM.MIRRORED_TAGS:
        repo, tag = ref.rsplit(":", 1)
        image = build_image([tar_layer({f"{repo}/README": ref.encode()})])
        pusher.image(repo, image, tag)
    payload = root / "payload.json"
    if payload.exists():
        digests = json.loads(payload.read_text())
        for stream, component in (("jenkins", "console"), ("cli", "cli")):
            if component in digests:
                obj = model.one("imagestreams", stream)
                obj["spec"]["tags"][0]["from"]["name"] = f"{CM.RELEASE_REPO}@{digests[component]}"


#: kind -> resource, for what an admin applied from the mirroring (lab.day2_content).
APPLIED_KINDS = {
    r.kind: r
    for r in (
        CM.R.ICSPS,
        CM.R.IDMS,
        CM.R.ITMS,
        CM.R.CATALOGSOURCES,
        CM.R.CLUSTERCATALOGS,
        CM.R.CONFIGMAPS,
    )
}


def apply_day2(lab: LabContext, model: ClusterModel) -> None:
    """Add what the mirroring told the admin to apply: the catalogs' ICSP/IDMS and
    CatalogSources, the next release's signature ConfigMap."""
    from lab.day2_content import cluster_objects

    worker = next(n for n in model.of("nodes") if n["metadata"]["name"].startswith("w"))
    for obj in cluster_objects(lab.workdir):
        res = APPLIED_KINDS[obj["kind"]]
        if res is CM.R.CATALOGSOURCES:  # OLM starts its catalog pod
            name = obj["metadata"]["name"]
            CM._pod(
                model,
                obj["metadata"]["namespace"],
                f"{name}-{CM.fake_digest(name)[7:12]}",
                worker["metadata"]["name"],
                owner="CatalogSource",
                labels={"olm.catalogSource": name},
            )
        model.add(
            res,
            CM._obj(
                res,
                obj["metadata"]["name"],
                obj["metadata"].get("namespace"),
                **{k: v for k, v in obj.items() if k not in ("apiVersion", "kind")},
            ),
        )


def serve_snapshot(
    lab: LabContext,
    name: str,
    port_index: int,
    snapshot: Path,
    forbidden: list[str] | tuple[str, ...] = (),
) -> Path:
    """Serve ``snapshot`` with the stand-in API on ``lab.ip(120):lab.port(port_index)``; returns
    its kubeconfig (``<workdir>/kubeconfig`` for "apiserver", else ``kubeconfig-<suffix>``).
    Every server of a lab shares one certificate, token and request log."""
    root = lab.workdir / "cluster"
    root.mkdir(parents=True, exist_ok=True)
    ip, port = lab.ip(120), lab.port(port_index)
    cert, key, token_file, log = (
        root / "api.crt",
        root / "api.key",
        root / "token",
        root / "requests.jsonl",
    )
    if not cert.exists():
        self_signed(ip, cert, key)
        token_file.write_text("lab-" + secrets.token_hex(16))
        token_file.chmod(0o600)
    log.touch()
    config = root / f"{name}.json"
    config.write_text(
        json.dumps(
            {
                "listen": [ip, port],
                "cert": str(cert),
                "key": str(key),
                "token": token_file.read_text(),
                "snapshot": str(snapshot),
                "log": str(log),
                "forbid": list(forbidden),
                "max_seconds": lab.max_seconds,
            }
        )
    )
    config.chmod(0o600)
    lab.procs.spawn(
        name,
        [sys.executable, str(Path(__file__).with_name("apiserver.py")), str(config)],
        ready=lambda: _https_ready(ip, port, cert),
    )
    kc = lab.workdir / (
        "kubeconfig" if name == "apiserver" else "kubeconfig-" + name.removeprefix("apiserver-")
    )
    kc.write_text(
        yaml.safe_dump(
            kubeconfig(f"https://{ip}:{port}", cert.read_bytes(), token_file.read_text()),
            sort_keys=False,
        )
    )
    kc.chmod(0o600)
    return kc


TRUST_CONFIGMAP = "registry-config"


def trust_key(mirror: str) -> str:
    """The ConfigMap key the cluster reads for ``host:port``: ``host..port`` (``host`` on 443)."""
    host, _, port = mirror.rpartition(":")
    return f"{host}..{port}" if host and port != "443" else (host or mirror)


def apply_sigstore(lab: LabContext, model: ClusterModel) -> None:
    """OpenShift 4.20+: the ``openshift`` ClusterImagePolicy (the real one's scopes, trusting the
    lab's sigstore key), and ClusterVersion naming the release the registry part pushed (by
    digest, as quay.io's ocp-release: what the cluster installed from the mirror)."""
    from lab.sigstore import cluster_image_policy

    root = lab.workdir / "registry"
    if not (root / "sigstore.pub").exists():
        return
    policy = cluster_image_policy((root / "sigstore.pub").read_bytes())
    model.add(
        CM.R.CLUSTERIMAGEPOLICIES,
        CM._obj(CM.R.CLUSTERIMAGEPOLICIES, "openshift", spec=policy["spec"]),
    )
    digest = json.loads((root / "release.json").read_text())["digest"]
    cv = model.one("clusterversions", "version")
    cv["status"]["desired"]["image"] = f"quay.io/openshift-release-dev/ocp-release@{digest}"


def drop_sigstore_policies(lab: LabContext, model: ClusterModel) -> None:
    """No ClusterImagePolicy (a cluster before 4.20, without the CRD)."""
    model.objects.pop(CM.R.CLUSTERIMAGEPOLICIES.folder, None)


def trust_mirror(lab: LabContext, model: ClusterModel) -> None:
    """What day 2 does for the mirror's CA (seed 000): the registry-config ConfigMap in
    openshift-config keyed ``host..port``, named by image.config.openshift.io/cluster."""
    ca = (lab.workdir / "registry" / "certs" / "ca.crt").read_text()
    model.add(
        CM.R.CONFIGMAPS,
        CM._obj(
            CM.R.CONFIGMAPS,
            TRUST_CONFIGMAP,
            "openshift-config",
            data={trust_key(model.mirror): ca},
        ),
    )
    model.add(
        CM.R.IMAGE_CONFIGS,
        CM._obj(
            CM.R.IMAGE_CONFIGS,
            "cluster",
            spec={"additionalTrustedCA": {"name": TRUST_CONFIGMAP}},
            status={"internalRegistryHostname": "image-registry.openshift-image-registry.svc:5000"},
        ),
    )


def trust_configmap(model: ClusterModel) -> dict[str, Any]:
    return next(
        c
        for c in model.of("configmaps")
        if c["metadata"]["name"] == TRUST_CONFIGMAP
        and c["metadata"].get("namespace") == "openshift-config"
    )


def trust_under_file_name(lab: LabContext, model: ClusterModel) -> None:
    """Seed 000's ConfigMap: made with --from-file=domain.crt, so its key is the file name."""
    cm = trust_configmap(model)
    cm["data"] = {"domain.crt": next(iter(cm["data"].values()))}


def trust_other_ca(lab: LabContext, model: ClusterModel) -> None:
    """The right key, holding a CA that did not sign the mirror."""
    cm = trust_configmap(model)
    other = (lab.workdir / "registry" / "certs" / "other-ca.crt").read_text()
    cm["data"] = {trust_key(model.mirror): other}


def start(lab: LabContext) -> dict[str, Any]:
    root = lab.workdir / "cluster"
    root.mkdir(parents=True, exist_ok=True)
    mirror = (lab.inventory.get("mirror") or {}).get("registry") or SEED_MIRROR
    model = CM.seed_cluster(lab.network, mirror)
    if "mirror" in lab.inventory:
        push_samples(lab, model)
        apply_day2(lab, model)
        trust_mirror(lab, model)
        apply_sigstore(lab, model)
    for fn in lab.cluster_edits:
        fn(lab, model)
    snapshot = CM.write_must_gather(model, root / "must-gather")
    log = root / "requests.jsonl"
    log.write_text("")
    # port 8: the API as the scenario has it; port 9: the same API for a reader that may not
    # list clusteroperators (an RBAC gap: 403)
    serve_snapshot(lab, "apiserver", 8, snapshot)
    serve_snapshot(lab, "apiserver-rbac", 9, snapshot, ["clusteroperators.config.openshift.io"])
    kc = lab.workdir / "kubeconfig"
    lab.kubeconfig = kc
    lab.snapshot = snapshot
    lab.api_requests = root / "requests.jsonl"
    lab.cluster_model = model
    return {}


# --------------------------------------------------------------------------- scenarios

#: The registry part (issue 4) starts first: the cluster part pushes the sample images to it.
PARTS = ("network", "registry", "cluster")


def remove_bootstrap(
    lab: LabContext, backends: tuple[str, ...] = ("kube_api", "machine_config")
) -> None:
    """Drop the bootstrap's server lines from the named backends (as §7.8.6 does)."""
    for name in backends:
        backend = lab.network.backend(name)
        backend.servers = [s for s in backend.servers if s[0] != "bs"]


@scenario(
    "installed",
    "the seed cluster after install and day 2: every postinstall check passes",
    parts=PARTS,
)
def _installed(lab: LabContext) -> None:
    remove_bootstrap(lab)


def break_everything(lab: LabContext, model: ClusterModel) -> None:
    """One failing subject for each postinstall check, the others left passing."""
    fq = {n["metadata"]["name"].split(".")[0]: n["metadata"]["name"] for n in model.of("nodes")}
    # nodes.names: m1 registered as localhost (no PTR when it booted, 002 §9.3)
    m1 = model.node("m1")
    m1["metadata"]["name"] = "localhost"
    m1["metadata"]["labels"]["kubernetes.io/hostname"] = "localhost"
    for pod in model.of("pods"):
        if pod["spec"]["nodeName"] == fq["m1"]:
            pod["spec"]["nodeName"] = "localhost"
    # nodes.ready: w3 NotReady
    next(c for c in model.node("w3")["status"]["conditions"] if c["type"] == "Ready").update(
        status="False", reason="KubeletNotReady", message="container runtime is down"
    )
    # cluster.operators: openshift-samples Degraded
    co = model.one("clusteroperators", "openshift-samples")
    next(c for c in co["status"]["conditions"] if c["type"] == "Degraded").update(
        status="True",
        reason="FailedImageImports",
        message="Samples installed at 4.5.11, with image import failures for these imagestreams: "
        "nodejs",
    )
    # csr.pending: a node-bootstrapper CSR with no status (002 §7.7)
    model.add(
        CM.R.CSRS,
        CM._obj(
            CM.R.CSRS,
            "csr-nnzww",
            spec={
                "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                "username": "system:serviceaccount:openshift-machine-config-operator"
                ":node-bootstrapper",
            },
        ),
    )
    # placement.infra + router_behind_lb: one router on w1 (not behind 80/443),
    # prometheus-k8s-0 on w2
    model.pods("router-default-cbbf5f64-fxpzf")[0]["spec"]["nodeName"] = fq["w1"]
    model.pods("prometheus-k8s-0")[0]["spec"]["nodeName"] = fq["w2"]
    # placement.infra_taints: i3 untainted
    model.node("i3")["spec"]["taints"] = []
    # samples: nodejs no longer skipped (cannot import: not mirrored; 4.2-4.6 reason form),
    # redis import failed (4.7+ ConfigMap form)
    cfg = model.objects["samples.operator.openshift.io/configs"][0]
    cfg["spec"]["skippedImagestreams"] = ["httpd"]
    nodejs = model.one("imagestreams", "nodejs")  # the operator manages it again and rewrites it
    nodejs["metadata"]["labels"][S.MANAGED_LABEL] = "true"
    for tag in nodejs["spec"]["tags"]:
        tag["from"]["name"] = S.rewrite_reference(tag["from"]["name"], model.mirror, "nodejs")
    next(c for c in cfg["status"]["conditions"] if c["type"] == "ImportImageErrorsExist").update(
        status="True", reason="nodejs"
    )
    model.add(
        CM.R.CONFIGMAPS,
        CM._obj(
            CM.R.CONFIGMAPS,
            "redis",
            S.OPERATOR_NAMESPACE,
            metadata={"labels": {S.ERROR_LABEL: "true"}},
            data={"3.2": "Internal error occurred: manifest unknown"},
        ),
    )
    # operatorhub: default sources left on; a second catalog in CrashLoopBackOff (001)
    model.one("operatorhubs", "cluster")["spec"]["disableAllDefaultSources"] = False
    model.add(
        CM.R.CATALOGSOURCES,
        CM._obj(
            CM.R.CATALOGSOURCES,
            "broken-catalog",
            "openshift-marketplace",
            spec={"sourceType": "grpc", "image": f"{model.mirror}/olm/broken:v1"},
            status={"connectionState": {"lastObservedState": "TRANSIENT_FAILURE"}},
        ),
    )
    pod = CM._pod(
        model,
        "openshift-marketplace",
        "broken-catalog-x7k2p",
        fq["w2"],
        owner="CatalogSource",
        labels={"olm.catalogSource": "broken-catalog"},
        ready=False,
    )
    pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    # imageregistry.storage: Removed, no storage
    reg = model.objects["imageregistry.operator.openshift.io/configs"][0]
    reg["spec"].update(managementState="Removed", storage={})
    # upgrade.readiness: worker pool paused, MHC not paused
    model.one("machineconfigpools", "worker")["spec"]["paused"] = True
    model.one("machinehealthchecks", "example")["metadata"]["annotations"] = {}


@scenario(
    "installed-broken",
    "after install, one subject of every postinstall check broken (bootstrap left behind 6443)",
    parts=PARTS,
)
def _installed_broken(lab: LabContext) -> None:
    remove_bootstrap(lab, ("machine_config",))
    edit(lab, break_everything)


# --------------------------------------------------------------------------- day 2 (issue 13)


def drop_signatures(lab: LabContext, model: ClusterModel) -> None:
    """No release signature ConfigMap in openshift-config-managed."""
    folder = CM.R.CONFIGMAPS.folder
    model.objects[folder] = [
        o
        for o in model.objects.get(folder, [])
        if "release.openshift.io/verification-signatures" not in o["metadata"].get("labels", {})
    ]


def _swap_signature(lab: LabContext, model: ClusterModel, name: str) -> None:
    """Put the lab's ``<name>.sig`` (lab.signing) in place of the target's signature."""
    from lab.day2_content import signatures_dir

    blob = base64.b64encode((signatures_dir(lab.workdir) / f"{name}.sig").read_bytes()).decode()
    for cm in model.of("configmaps"):
        if "release.openshift.io/verification-signatures" in cm["metadata"].get("labels", {}):
            cm["binaryData"] = {k: blob for k in cm.get("binaryData") or {}}


def sign_other_digest(lab: LabContext, model: ClusterModel) -> None:
    """The target's signature (binaryData sha256-<target>-1) is a good signature by the trusted
    key of ANOTHER release's digest (a signature file copied under the wrong name)."""
    _swap_signature(lab, model, "other-digest")


def sign_untrusted(lab: LabContext, model: ClusterModel) -> None:
    """The target's signature names the target but is signed by a key release-verification does
    not trust."""
    _swap_signature(lab, model, "untrusted")


def drop_release_content_source(lab: LabContext, model: ClusterModel) -> None:
    """The release ICSP maps ocp-release but not ocp-v4.0-art-dev."""
    icsp = model.one("imagecontentsourcepolicies", "mirror-ocp")
    entries = icsp["spec"]["repositoryDigestMirrors"]
    icsp["spec"]["repositoryDigestMirrors"] = [e for e in entries if e["source"] != CM.RELEASE_REPO]


def not_upgradeable(lab: LabContext, model: ClusterModel) -> None:
    """ClusterVersion Upgradeable=False (an admin acknowledgement is outstanding)."""
    cv = model.one("clusterversions", "version")
    next(c for c in cv["status"]["conditions"] if c["type"] == "Upgradeable").update(
        status="False",
        reason="AdminAckRequired",
        message="Kubernetes 1.19 removes several APIs; an admin must acknowledge this",
    )


def drop_operator_source(lab: LabContext, model: ClusterModel) -> None:
    """The redhat-operators ICSP leaves out its first source repository."""
    icsp = model.one("imagecontentsourcepolicies", "redhat-operators")
    icsp["spec"]["repositoryDigestMirrors"] = icsp["spec"]["repositoryDigestMirrors"][1:]


@scenario(
    "mirror-sigstore-unmapped",
    "the cluster's ICSP no longer maps ocp-v4.0-art-dev: the components' sigstore signatures "
    "(read where each image is pulled from) cannot be read from the mirror",
    parts=PARTS,
)
def _sigstore_unmapped(lab: LabContext) -> None:
    edit(lab, drop_release_content_source)


@scenario(
    "upgrade-signature-missing",
    "no release signature ConfigMap for the next release in openshift-config-managed",
    parts=PARTS,
)
def _signature_missing(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, drop_signatures)


@scenario(
    "upgrade-signature-other-digest",
    "the next release's signature ConfigMap holds a signature of another digest",
    parts=PARTS,
)
def _signature_other_digest(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, sign_other_digest)


@scenario(
    "upgrade-signature-untrusted",
    "the next release's signature is made by a key release-verification does not trust",
    parts=PARTS,
)
def _signature_untrusted(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, sign_untrusted)


@scenario(
    "upgrade-icsp-incomplete",
    "the cluster's ICSP maps ocp-release but not ocp-v4.0-art-dev to the mirror",
    parts=PARTS,
)
def _upgrade_icsp(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, drop_release_content_source)


@scenario(
    "upgrade-not-upgradeable",
    "ClusterVersion says Upgradeable=False (AdminAckRequired)",
    parts=PARTS,
)
def _not_upgradeable(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, not_upgradeable)


@scenario(
    "operators-icsp-incomplete",
    "the cluster's redhat-operators ICSP leaves out one source repository of the mapping",
    parts=PARTS,
)
def _operators_icsp(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, drop_operator_source)


@scenario(
    "cluster-trust-file-key",
    "the mirror's CA is in registry-config under the key domain.crt (seed 000's command)",
    parts=PARTS,
)
def _trust_file_key(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, trust_under_file_name)


@scenario(
    "cluster-trust-other-ca",
    "registry-config's key for the mirror holds a CA that did not sign it",
    parts=PARTS,
)
def _trust_other_ca(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, trust_other_ca)


# --------------------------------------------------------------------------- update prerequisites


def api_in_use(lab: LabContext, model: ClusterModel) -> None:
    """A client still lists Deployments through extensions/v1beta1, gone since Kubernetes 1.16."""
    model.add(
        CM.R.APIREQUESTCOUNTS,
        CM.api_request_count(
            "deployments.v1beta1.extensions",
            "1.16",
            [
                ("system:serviceaccount:legacy:deployer", "helm/v2.16.1", 40),
                ("kube:admin", "oc/4.2.0 (linux/amd64)", 2),
            ],
        ),
    )


def operator_capped(lab: LabContext, model: ClusterModel) -> None:
    """The etcd operator caps OpenShift at 4.4 (olm.maxOpenShiftVersion), below the 4.5 target."""
    for csv in model.of("clusterserviceversions"):
        if csv["metadata"]["name"].startswith("etcdoperator"):
            props = json.loads(csv["metadata"]["annotations"]["operatorframework.io/properties"])
            for prop in props["properties"]:
                if prop["type"] == "olm.maxOpenShiftVersion":
                    prop["value"] = "4.4"
            csv["metadata"]["annotations"]["operatorframework.io/properties"] = json.dumps(props)


def pdb_blocks_drain(lab: LabContext, model: ClusterModel) -> None:
    """A budget of minAvailable 2 over 2 healthy pods: no drain of their nodes ever ends."""
    model.add(CM.R.PDBS, CM._pdb("payments", "ledger", 2, 2, 2, 0))


def pool_degraded(lab: LabContext, model: ClusterModel) -> None:
    """The master pool is Degraded (a node's on-disk state differs from its rendered config)."""
    pool = model.one("machineconfigpools", "master")
    pool["status"]["degradedMachineCount"] = 1
    next(c for c in pool["status"]["conditions"] if c["type"] == "Degraded").update(
        status="True",
        reason="1 nodes are reporting degraded status on sync",
        message="Node m2 is reporting: unexpected on-disk state validating against "
        "rendered-master-5c2b4b1d",
    )


def pull_secret_without_mirror(lab: LabContext, model: ClusterModel) -> None:
    """The global pull secret names the mirror's host without its port (nodes match both)."""
    host = model.mirror.rsplit(":", 1)[0]
    secret = next(s for s in model.of("secrets") if s["metadata"]["name"] == "pull-secret")
    fresh = CM.pull_secret(
        {
            "cloud.openshift.com": {"auth": CM.FAKE_PULL_AUTH, "email": "admin@example.com"},
            host: {"auth": CM.FAKE_PULL_AUTH},
        }
    )
    secret["data"] = fresh["data"]


def samples_pattern4(lab: LabContext, model: ClusterModel) -> None:
    """Samples pattern 4 (seed 000): Removed, redis and nodejs kept through skippedImagestreams;
    the operator deleted the other sample streams. nodejs was never mirrored."""
    cfg = model.objects["samples.operator.openshift.io/configs"][0]
    cfg["spec"].update(managementState="Removed", skippedImagestreams=["redis", "nodejs"])
    cfg["status"]["managementState"] = "Removed"
    folder = CM.R.IMAGESTREAMS.folder
    model.objects[folder] = [
        s for s in model.objects[folder] if s["metadata"]["name"] not in ("nginx", "httpd")
    ]
    for name in ("redis", "nodejs"):
        model.one("imagestreams", name)["metadata"]["labels"][S.MANAGED_LABEL] = "false"


@scenario(
    "samples-pattern4-unmirrored",
    "Samples Removed keeping redis and nodejs (pattern 4); nodejs is not in the mirror",
    parts=PARTS,
)
def _samples_pattern4(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, samples_pattern4)


@scenario(
    "update-api-in-use",
    "a client used an API the target's Kubernetes removed in the last 24 hours",
    parts=PARTS,
)
def _update_api_in_use(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, api_in_use)


@scenario("update-operator-capped", "an operator's olm.maxOpenShiftVersion is 4.4", parts=PARTS)
def _update_operator_capped(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, operator_capped)


@scenario(
    "update-pdb-blocks-drain",
    "a PodDisruptionBudget allows no disruption while its pods are healthy",
    parts=PARTS,
)
def _update_pdb_blocks_drain(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, pdb_blocks_drain)


@scenario("update-pool-degraded", "the master MachineConfigPool is Degraded", parts=PARTS)
def _update_pool_degraded(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, pool_degraded)


@scenario(
    "update-pull-secret-no-mirror",
    "the global pull secret names the mirror's host without its port",
    parts=PARTS,
)
def _update_pull_secret_no_mirror(lab: LabContext) -> None:
    remove_bootstrap(lab)
    edit(lab, pull_secret_without_mirror)
