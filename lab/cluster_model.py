"""The seed cluster (``002_3305a96b10d962d7.txt`` after day 2, ``000_...`` Samples pattern 2)
as objects.

:func:`seed_cluster` builds the objects a must-gather of the seed cluster holds: nodes (infra
labelled and tainted), router/registry/monitoring pods on the infra nodes, clusteroperators,
approved CSRs, the Samples config with skipped streams, imagestreams, ICSP, MCPs, an MHC, the
OperatorHub and a mirrored CatalogSource. Scenarios edit it; :func:`write_must_gather` lays it
out on disk.

>>> from lab.model import seed_model
>>> c = seed_cluster(seed_model(0), "127.20.0.120:20010")
>>> sorted(n["metadata"]["name"] for n in c.of("nodes"))[:2]
['i1.ocp45.example.localdomain', 'i2.ocp45.example.localdomain']
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from collectors.cluster import resources as R
from lab.model import NetworkModel

Obj = dict[str, Any]
VERSION = "4.5.11"
INFRA_TAINTS = [
    {"key": "infra", "value": "reserved", "effect": "NoSchedule"},
    {"key": "infra", "value": "reserved", "effect": "NoExecute"},
]
INFRA_TOLERATIONS = [dict(t) for t in INFRA_TAINTS]
#: Cluster operators of the seed's `oc get clusteroperators` (4.5).
OPERATORS = [
    "authentication",
    "cloud-credential",
    "cluster-autoscaler",
    "config-operator",
    "console",
    "csi-snapshot-controller",
    "dns",
    "etcd",
    "image-registry",
    "ingress",
    "insights",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-storage-version-migrator",
    "machine-api",
    "machine-approver",
    "machine-config",
    "marketplace",
    "monitoring",
    "network",
    "node-tuning",
    "openshift-apiserver",
    "openshift-controller-manager",
    "openshift-samples",
    "operator-lifecycle-manager",
    "operator-lifecycle-manager-catalog",
    "operator-lifecycle-manager-packageserver",
    "service-ca",
    "storage",
]
#: Sample imagestreams: name -> {tag: image on registry.redhat.io}. nodejs and httpd are not
#: mirrored.
SAMPLE_STREAMS: dict[str, dict[str, str]] = {
    "nginx": {"1.10": "rhscl/nginx-110-rhel7:latest", "1.12": "rhscl/nginx-112-rhel7:latest"},
    "redis": {"3.2": "rhscl/redis-32-rhel7:latest"},
    "nodejs": {"10": "rhscl/nodejs-10-rhel7:latest"},
    "httpd": {"2.4": "rhscl/httpd-24-rhel7:latest"},
}
SKIPPED = ["httpd", "nodejs"]
#: Images the seed mirror holds (repository:tag under the mirror host).
MIRRORED_TAGS = [
    "rhscl/nginx-110-rhel7:latest",
    "rhscl/nginx-112-rhel7:latest",
    "rhscl/redis-32-rhel7:latest",
]
RELEASE_REPO = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
MIRROR_RELEASE_REPO = "ocp4/openshift4"


def fake_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


#: Payload images referenced by digest (jenkins from the release, cli not managed by Samples).
PAYLOAD_STREAMS = {"jenkins": fake_digest("jenkins"), "cli": fake_digest("cli")}


def _meta(name: str, namespace: str | None = None, **extra: Any) -> Obj:
    meta: Obj = {"name": name, "uid": hashlib.md5(f"{namespace}/{name}".encode()).hexdigest()}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def _obj(res: R.Resource, name: str, namespace: str | None = None, **body: Any) -> Obj:
    meta = body.pop("metadata", {})
    return {
        "apiVersion": res.group_version,
        "kind": res.kind,
        "metadata": {**_meta(name, namespace), **meta},
        **body,
    }


@dataclass
class ClusterModel:
    """All objects by resource folder (``core/nodes``); scenarios edit them in place."""

    mirror: str
    objects: dict[str, list[Obj]] = field(default_factory=dict)

    def add(self, res: R.Resource, obj: Obj) -> Obj:
        self.objects.setdefault(res.folder, []).append(obj)
        return obj

    def of(self, plural: str) -> list[Obj]:
        return [
            o
            for folder, objs in self.objects.items()
            if folder.endswith("/" + plural)
            for o in objs
        ]

    def one(self, plural: str, name: str) -> Obj:
        return next(o for o in self.of(plural) if o["metadata"]["name"] == name)

    def node(self, short: str) -> Obj:
        return next(o for o in self.of("nodes") if o["metadata"]["name"].split(".")[0] == short)

    def pods(self, prefix: str) -> list[Obj]:
        return [p for p in self.of("pods") if p["metadata"]["name"].startswith(prefix)]


def _node(model: ClusterModel, name: str, ip: str, roles: list[str]) -> Obj:
    labels = {"kubernetes.io/hostname": name.split(".")[0], "kubernetes.io/os": "linux"}
    labels.update({f"node-role.kubernetes.io/{r}": "" for r in roles})
    spec: Obj = {"taints": [dict(t) for t in INFRA_TAINTS]} if "infra" in roles else {}
    return model.add(
        R.NODES,
        _obj(
            R.NODES,
            name,
            metadata={"labels": labels},
            spec=spec,
            status={
                "addresses": [
                    {"type": "InternalIP", "address": ip},
                    {"type": "Hostname", "address": name},
                ],
                "conditions": [
                    {
                        "type": "MemoryPressure",
                        "status": "False",
                        "reason": "KubeletHasSufficientMemory",
                    },
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                    },
                ],
                "nodeInfo": {"kubeletVersion": "v1.18.3+47c0e71"},
            },
        ),
    )


def _pod(
    model: ClusterModel,
    ns: str,
    name: str,
    node: str,
    owner: str = "ReplicaSet",
    labels: dict[str, str] | None = None,
    phase: str = "Running",
    ready: bool = True,
) -> Obj:
    owner_name = name.rsplit("-", 1)[0] if owner != "DaemonSet" else name.rsplit("-", 1)[0]
    return model.add(
        R.PODS,
        _obj(
            R.PODS,
            name,
            ns,
            metadata={
                "labels": labels or {},
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": owner, "name": owner_name, "controller": True}
                ],
            },
            spec={"nodeName": node, "containers": [{"name": name.split("-")[0], "image": "image"}]},
            status={
                "phase": phase,
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                "containerStatuses": [
                    {"name": name.split("-")[0], "ready": ready, "restartCount": 0}
                ],
            },
        ),
    )


def _clusteroperator(model: ClusterModel, name: str) -> Obj:
    conds = [("Available", "True"), ("Progressing", "False"), ("Degraded", "False")]
    return model.add(
        R.CLUSTEROPERATORS,
        _obj(
            R.CLUSTEROPERATORS,
            name,
            spec={},
            status={
                "conditions": [
                    {"type": t, "status": s, "lastTransitionTime": "2020-09-23T08:30:00Z"}
                    for t, s in conds
                ],
                "versions": [{"name": "operator", "version": VERSION}],
            },
        ),
    )


def _imagestream(model: ClusterModel, name: str, tags: dict[str, str], managed: str | None) -> Obj:
    labels = {"samples.operator.openshift.io/managed": managed} if managed is not None else {}
    return model.add(
        R.IMAGESTREAMS,
        _obj(
            R.IMAGESTREAMS,
            name,
            "openshift",
            metadata={"labels": labels},
            spec={
                "lookupPolicy": {"local": False},
                "tags": [
                    {"name": t, "from": {"kind": "DockerImage", "name": ref}, "importPolicy": {}}
                    for t, ref in tags.items()
                ],
            },
        ),
    )


def seed_cluster(net: NetworkModel, mirror: str) -> ClusterModel:
    """The seed cluster after day 2: every postinstall check passes on it."""
    model = ClusterModel(mirror)
    nodes = {n.name: n for n in net.nodes if n.role != "bootstrap"}
    for n in nodes.values():
        roles = {"master": ["master"], "worker": ["worker"], "infra": ["infra", "worker"]}[n.role]
        _node(model, n.fqdn, n.ip, roles)
    fq = {short: n.fqdn for short, n in nodes.items()}
    # --- pods: routers, registry, monitoring on infra; operators on masters; DaemonSets everywhere
    ingress_labels = {
        "ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"
    }
    for i, (suffix, node) in enumerate((("fxpzf", "i1"), ("m4mhp", "i2"), ("g4tvj", "i3"))):
        _pod(
            model,
            "openshift-ingress",
            f"router-default-cbbf5f64-{suffix}",
            fq[node],
            labels=ingress_labels,
        )
        del i
    _pod(model, "openshift-ingress-operator", "ingress-operator-56f5778d85-ddncf", fq["m2"])
    _pod(
        model,
        "openshift-image-registry",
        "cluster-image-registry-operator-56d78bc5fb-6kflj",
        fq["m2"],
    )
    _pod(
        model,
        "openshift-image-registry",
        "image-registry-58579b74c5-pbwr4",
        fq["i2"],
        labels={"docker-registry": "default"},
    )
    _pod(
        model,
        "openshift-image-registry",
        "image-pruner-1604016000-2hhx7",
        fq["w3"],
        owner="Job",
        phase="Succeeded",
        ready=False,
    )
    mon = [
        ("alertmanager-main-0", "i1", "StatefulSet"),
        ("alertmanager-main-1", "i2", "StatefulSet"),
        ("alertmanager-main-2", "i3", "StatefulSet"),
        ("grafana-859c496b85-84rnh", "i2", "ReplicaSet"),
        ("kube-state-metrics-ff7bbdd5c-bwjwt", "i1", "ReplicaSet"),
        ("openshift-state-metrics-674b677b97-5m9bk", "i2", "ReplicaSet"),
        ("prometheus-adapter-ccfbd8b84-wbvbk", "i2", "ReplicaSet"),
        ("prometheus-adapter-ccfbd8b84-xx8mc", "i3", "ReplicaSet"),
        ("prometheus-k8s-0", "i3", "StatefulSet"),
        ("prometheus-k8s-1", "i2", "StatefulSet"),
        ("prometheus-operator-7bf95c767d-9b9wp", "i2", "ReplicaSet"),
        ("telemeter-client-76966457-8k5g6", "i1", "ReplicaSet"),
        ("thanos-querier-867c77f45d-d8gg2", "i2", "ReplicaSet"),
        ("thanos-querier-867c77f45d-k4h84", "i1", "ReplicaSet"),
        ("cluster-monitoring-operator-79d58c4598-hqrc7", "m2", "ReplicaSet"),
    ]
    for name, node, owner in mon:
        _pod(model, "openshift-monitoring", name, fq[node], owner=owner)
    for i, short in enumerate(sorted(fq)):
        _pod(model, "openshift-monitoring", f"node-exporter-{i:05d}", fq[short], owner="DaemonSet")
        _pod(model, "openshift-image-registry", f"node-ca-{i:05d}", fq[short], owner="DaemonSet")
    _pod(
        model,
        "openshift-cluster-samples-operator",
        "cluster-samples-operator-6c4f8b7d9-q2x7z",
        fq["m1"],
    )
    _pod(
        model,
        "openshift-marketplace",
        "my-operator-catalog-7dnl2",
        fq["w1"],
        owner="CatalogSource",
        labels={"olm.catalogSource": "my-operator-catalog"},
    )
    _pod(model, "openshift-marketplace", "marketplace-operator-6d9c5b8f7-2kq8d", fq["m3"])
    # --- operators, CSRs
    for name in OPERATORS:
        _clusteroperator(model, name)
    for name, signer, requestor in (
        (
            "csr-7ftsc",
            "kubernetes.io/kube-apiserver-client-kubelet",
            "system:serviceaccount:openshift-machine-config-operator:node-bootstrapper",
        ),
        ("csr-8557v", "kubernetes.io/kubelet-serving", f"system:node:{fq['m1']}"),
        ("csr-frwfk", "kubernetes.io/kubelet-serving", f"system:node:{fq['w1']}"),
        ("csr-hpw9z", "kubernetes.io/kubelet-serving", f"system:node:{fq['w2']}"),
    ):
        model.add(
            R.CSRS,
            _obj(
                R.CSRS,
                name,
                spec={"signerName": signer, "username": requestor, "usages": ["digital signature"]},
                status={
                    "conditions": [
                        {"type": "Approved", "status": "True", "reason": "NodeCSRApprove"}
                    ],
                    "certificate": "REDACTED",
                },
            ),
        )
    # --- ingress, registry, monitoring config
    model.add(
        R.INGRESSCONTROLLERS,
        _obj(
            R.INGRESSCONTROLLERS,
            "default",
            "openshift-ingress-operator",
            spec={
                "replicas": 3,
                "nodePlacement": {
                    "nodeSelector": {"matchLabels": {"node-role.kubernetes.io/infra": ""}},
                    "tolerations": INFRA_TOLERATIONS,
                },
            },
            status={"availableReplicas": 3},
        ),
    )
    model.add(
        R.REGISTRY_CONFIGS,
        _obj(
            R.REGISTRY_CONFIGS,
            "cluster",
            spec={
                "managementState": "Managed",
                "replicas": 1,
                "storage": {"pvc": {"claim": "image-registry-storage"}},
                "nodeSelector": {"node-role.kubernetes.io/infra": ""},
                "tolerations": INFRA_TOLERATIONS,
            },
            status={"storage": {"pvc": {"claim": "image-registry-storage"}}},
        ),
    )
    model.add(
        R.CONFIGMAPS,
        _obj(
            R.CONFIGMAPS,
            "cluster-monitoring-config",
            "openshift-monitoring",
            data={
                "config.yaml": yaml.safe_dump(
                    {
                        k: {
                            "nodeSelector": {"node-role.kubernetes.io/infra": ""},
                            "tolerations": INFRA_TOLERATIONS,
                        }
                        for k in (
                            "alertmanagerMain",
                            "prometheusK8s",
                            "prometheusOperator",
                            "grafana",
                            "k8sPrometheusAdapter",
                            "kubeStateMetrics",
                            "telemeterClient",
                            "openshiftStateMetrics",
                            "thanosQuerier",
                        )
                    }
                )
            },
        ),
    )
    # --- Samples: pattern 2 (Managed, the streams that could not be mirrored skipped)
    model.add(
        R.SAMPLES_CONFIGS,
        _obj(
            R.SAMPLES_CONFIGS,
            "cluster",
            spec={
                "architectures": ["x86_64"],
                "managementState": "Managed",
                "samplesRegistry": mirror,
                "skippedImagestreams": list(SKIPPED),
            },
            status={
                "managementState": "Managed",
                "version": VERSION,
                "conditions": [
                    {"type": "ImportImageErrorsExist", "status": "False", "reason": ""},
                    {"type": "SamplesExist", "status": "True"},
                ],
            },
        ),
    )
    for name, tags in SAMPLE_STREAMS.items():
        skipped = name in SKIPPED
        registry = (
            "registry.redhat.io" if skipped else mirror
        )  # the operator stops rewriting skipped streams
        _imagestream(
            model,
            name,
            {t: f"{registry}/{ref}" for t, ref in tags.items()},
            "false" if skipped else "true",
        )
    _imagestream(model, "jenkins", {"2": f"{RELEASE_REPO}@{PAYLOAD_STREAMS['jenkins']}"}, "true")
    _imagestream(model, "cli", {"latest": f"{RELEASE_REPO}@{PAYLOAD_STREAMS['cli']}"}, None)
    model.add(
        R.ICSPS,
        _obj(
            R.ICSPS,
            "mirror-ocp",
            spec={
                "repositoryDigestMirrors": [
                    {
                        "source": "quay.io/openshift-release-dev/ocp-release",
                        "mirrors": [f"{mirror}/{MIRROR_RELEASE_REPO}"],
                    },
                    {"source": RELEASE_REPO, "mirrors": [f"{mirror}/{MIRROR_RELEASE_REPO}"]},
                ]
            },
        ),
    )
    # --- OperatorHub (001), upgrade readiness (003)
    model.add(
        R.OPERATORHUBS, _obj(R.OPERATORHUBS, "cluster", spec={"disableAllDefaultSources": True})
    )
    model.add(
        R.CATALOGSOURCES,
        _obj(
            R.CATALOGSOURCES,
            "my-operator-catalog",
            "openshift-marketplace",
            spec={
                "sourceType": "grpc",
                "image": f"{mirror}/olm/redhat-operators:v1",
                "displayName": "My Operator Catalog",
                "publisher": "grpc",
            },
            status={"connectionState": {"lastObservedState": "READY"}},
        ),
    )
    model.add(
        R.CLUSTERVERSIONS,
        _obj(
            R.CLUSTERVERSIONS,
            "version",
            spec={"channel": "stable-4.5", "clusterID": fake_digest("cluster")[7:43]},
            status={
                "desired": {
                    "version": VERSION,
                    "image": f"quay.io/openshift-release-dev/ocp-release@{fake_digest(VERSION)}",
                },
                "history": [
                    {"state": "Completed", "version": VERSION, "image": fake_digest(VERSION)}
                ],
                "conditions": [
                    {"type": "Available", "status": "True"},
                    {"type": "Failing", "status": "False"},
                    {"type": "Progressing", "status": "False"},
                    {"type": "Upgradeable", "status": "True"},
                ],
            },
        ),
    )
    for pool in ("master", "worker"):
        model.add(
            R.MCPS,
            _obj(
                R.MCPS,
                pool,
                spec={"paused": False},
                status={
                    "conditions": [
                        {"type": "Updated", "status": "True"},
                        {"type": "Degraded", "status": "False"},
                    ]
                },
            ),
        )
    model.add(
        R.MHCS,
        _obj(
            R.MHCS,
            "example",
            "openshift-machine-api",
            metadata={"annotations": {"cluster.x-k8s.io/paused": ""}},
            spec={"selector": {"matchLabels": {"role": "worker"}}, "maxUnhealthy": "40%"},
        ),
    )
    update_prerequisites(model, mirror)
    return model


#: The global pull secret's credentials in the lab: made up, and never to be seen in an output.
FAKE_PULL_AUTH = base64.b64encode(b"lab-pull:NotAR3alSecret-7f3c9e").decode()
#: Operators installed through OLM: (namespace, CSV, display name, olm.maxOpenShiftVersion).
INSTALLED_OPERATORS = [
    ("openshift-operators", "etcdoperator.v0.9.4", "etcd", "4.6"),
    (
        "openshift-local-storage",
        "local-storage-operator.4.5.0-202010081312.p0",
        "Local Storage",
        None,
    ),
]


def _csv(ns: str, name: str, display: str, max_version: str | None, **meta: Any) -> Obj:
    props = [{"type": "olm.package", "value": {"packageName": name.split(".")[0]}}]
    if max_version:
        props.append({"type": "olm.maxOpenShiftVersion", "value": max_version})
    meta.setdefault("annotations", {})["operatorframework.io/properties"] = json.dumps(
        {"properties": props}
    )
    return _obj(
        R.CSVS,
        name,
        ns,
        metadata=meta,
        spec={"displayName": display, "version": name.split(".v")[-1]},
        status={"phase": "Succeeded", "reason": meta.pop("reason", "InstallSucceeded")},
    )


def _pdb(ns: str, name: str, expected: int, healthy: int, desired: int, allowed: int) -> Obj:
    return _obj(
        R.PDBS,
        name,
        ns,
        spec={"minAvailable": desired, "selector": {"matchLabels": {"app": name}}},
        status={
            "expectedPods": expected,
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "disruptionsAllowed": allowed,
        },
    )


def api_request_count(name: str, removed: str, users: list[tuple[str, str, int]]) -> Obj:
    """An APIRequestCount whose last 24 hours hold ``users`` (username, agent, requests)."""
    hour = {
        "byNode": [
            {
                "nodeName": "m1",
                "requestCount": sum(n for _, _, n in users),
                "byUser": [
                    {
                        "username": u,
                        "userAgent": a,
                        "requestCount": n,
                        "byVerb": [{"verb": "list", "requestCount": n}],
                    }
                    for u, a, n in users
                ],
            }
        ],
        "requestCount": sum(n for _, _, n in users),
    }
    status: Obj = {"requestCount": sum(n for _, _, n in users), "last24h": [hour] if users else []}
    if removed:
        status["removedInRelease"] = removed
    return _obj(R.APIREQUESTCOUNTS, name, status=status)


def pull_secret(auths: dict[str, Obj]) -> Obj:
    doc = json.dumps({"auths": auths}).encode()
    return _obj(
        R.SECRETS,
        "pull-secret",
        "openshift-config",
        type="kubernetes.io/dockerconfigjson",
        data={".dockerconfigjson": base64.b64encode(doc).decode()},
    )


def update_prerequisites(model: ClusterModel, mirror: str) -> None:
    """What upgrade.apis, upgrade.operators, upgrade.readiness's budgets and
    upgrade.pull_secret read, all ready for the update: APIs due for removal after the target's
    Kubernetes (1.18), operators that allow 4.5, budgets that allow a disruption or select
    nothing, the mirror in the global pull secret."""
    for name, removed, users in (
        (
            "flowschemas.v1beta1.flowcontrol.apiserver.k8s.io",
            "1.26",
            [
                (
                    "system:serviceaccount:openshift-cluster-version:default",
                    "cluster-version-operator/v0.0.0",
                    12,
                )
            ],
        ),
        ("cronjobs.v1beta1.batch", "1.25", []),
        ("pods.v1", "", [("system:node:m1", "kubelet/v1.18.3", 900)]),
    ):
        model.add(R.APIREQUESTCOUNTS, api_request_count(name, removed, users))
    for ns, name, display, top in INSTALLED_OPERATORS:
        model.add(R.CSVS, _csv(ns, name, display, top))
    # OLM's copy of the AllNamespaces operator in another namespace: the same operator
    model.add(
        R.CSVS,
        _csv(
            "my-app",
            "etcdoperator.v0.9.4",
            "etcd",
            "4.6",
            reason="Copied",
            labels={"olm.copiedFrom": "openshift-operators"},
        ),
    )
    model.add(R.PDBS, _pdb("openshift-ingress", "router-default", 3, 3, 2, 1))
    model.add(R.PDBS, _pdb("my-app", "idle", 0, 0, 1, 0))
    model.add(
        R.SECRETS,
        pull_secret(
            {
                "cloud.openshift.com": {"auth": FAKE_PULL_AUTH, "email": "admin@example.com"},
                mirror: {"auth": FAKE_PULL_AUTH, "email": "admin@example.com"},
            }
        ),
    )


# --------------------------------------------------------------------------- writing


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(obj: Any) -> bytes:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False).encode()


def layout(
    model: ClusterModel, *, list_files: tuple[str, ...] = ("core/pods",)
) -> dict[str, bytes]:
    """Relative path -> YAML bytes in must-gather layout; resources in ``list_files`` as lists."""
    files: dict[str, bytes] = {}
    for folder, objs in model.objects.items():
        group, plural = folder.split("/")
        as_list = folder in list_files
        by_ns: dict[str | None, list[Obj]] = {}
        for obj in objs:
            by_ns.setdefault(obj["metadata"].get("namespace"), []).append(obj)
        for ns, items in by_ns.items():
            base = f"namespaces/{ns}/{group}" if ns else f"cluster-scoped-resources/{group}"
            if as_list:
                kind = items[0].get("kind", "")
                files[f"{base}/{plural}.yaml"] = _dump(
                    {"apiVersion": "v1", "kind": f"{kind}List", "items": items}
                )
            else:
                for obj in items:
                    files[f"{base}/{plural}/{obj['metadata']['name']}.yaml"] = _dump(obj)
    return files


def write_must_gather(
    model: ClusterModel,
    target: Path,
    *,
    oc_adm: bool = False,
    tarball: bool = False,
    list_files: tuple[str, ...] = ("core/pods",),
) -> Path:
    """Write the snapshot as a folder (or ``target`` .tar.gz); ``oc_adm`` adds the per-image
    folder."""
    prefix = (
        "must-gather.local.5448813/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0f1e2d/"
        if oc_adm
        else ""
    )
    files = {prefix + k: v for k, v in layout(model, list_files=list_files).items()}
    if oc_adm:
        files[prefix + "timestamp"] = b"2020-10-10 01:00:40 +0900 JST\n"
    if tarball:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as tar:
            for rel, data in sorted(files.items()):
                info = tarfile.TarInfo(rel)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return target
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target
