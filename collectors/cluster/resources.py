"""The Kubernetes and OpenShift resources the suite reads, with their API paths and folders.

>>> IMAGESTREAMS.api_path("openshift", "nodejs")
'/apis/image.openshift.io/v1/namespaces/openshift/imagestreams/nodejs'
>>> IMAGESTREAMS.folder, IMAGESTREAMS.qualified
('image.openshift.io/imagestreams', 'imagestreams.image.openshift.io')

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """One resource type: API group ("" for core), version, plural name, scope and kind."""

    group: str
    version: str
    plural: str
    namespaced: bool
    kind: str

    @property
    def folder(self) -> str:
        """``<group|core>/<plural>``: where must-gather keeps it."""
        return f"{self.group or 'core'}/{self.plural}"

    @property
    def qualified(self) -> str:
        """``plural.group`` as RBAC and ``oc get`` spell it (``nodes`` for core)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def api_base(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def api_path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of a list (``name`` None) or of one object."""
        path = self.api_base()
        if self.namespaced and namespace:
            path += f"/namespaces/{namespace}"
        path += f"/{self.plural}"
        return f"{path}/{name}" if name else path


NODES = Resource("", "v1", "nodes", False, "Node")
PODS = Resource("", "v1", "pods", True, "Pod")
CONFIGMAPS = Resource("", "v1", "configmaps", True, "ConfigMap")
CLUSTEROPERATORS = Resource(
    "config.openshift.io", "v1", "clusteroperators", False, "ClusterOperator"
)
OPERATORHUBS = Resource("config.openshift.io", "v1", "operatorhubs", False, "OperatorHub")
IDMS = Resource("config.openshift.io", "v1", "imagedigestmirrorsets", False, "ImageDigestMirrorSet")
ITMS = Resource("config.openshift.io", "v1", "imagetagmirrorsets", False, "ImageTagMirrorSet")
CSRS = Resource(
    "certificates.k8s.io", "v1", "certificatesigningrequests", False, "CertificateSigningRequest"
)
IMAGESTREAMS = Resource("image.openshift.io", "v1", "imagestreams", True, "ImageStream")
SAMPLES_CONFIGS = Resource("samples.operator.openshift.io", "v1", "configs", False, "Config")
REGISTRY_CONFIGS = Resource("imageregistry.operator.openshift.io", "v1", "configs", False, "Config")
INGRESSCONTROLLERS = Resource(
    "operator.openshift.io", "v1", "ingresscontrollers", True, "IngressController"
)
ICSPS = Resource(
    "operator.openshift.io",
    "v1alpha1",
    "imagecontentsourcepolicies",
    False,
    "ImageContentSourcePolicy",
)
MCPS = Resource(
    "machineconfiguration.openshift.io", "v1", "machineconfigpools", False, "MachineConfigPool"
)
MHCS = Resource(
    "machine.openshift.io", "v1beta1", "machinehealthchecks", True, "MachineHealthCheck"
)
MACHINES = Resource("machine.openshift.io", "v1beta1", "machines", True, "Machine")
CLUSTERVERSIONS = Resource("config.openshift.io", "v1", "clusterversions", False, "ClusterVersion")
#: image.config.openshift.io/cluster: additionalTrustedCA, registrySources (mirror.cluster_trust)
IMAGE_CONFIGS = Resource("config.openshift.io", "v1", "images", False, "Image")
CATALOGSOURCES = Resource(
    "operators.coreos.com", "v1alpha1", "catalogsources", True, "CatalogSource"
)
#: upgrade.apis: requests to each API version in the last 24 hours (OpenShift 4.8 and later)
APIREQUESTCOUNTS = Resource(
    "apiserver.openshift.io", "v1", "apirequestcounts", False, "APIRequestCount"
)
#: upgrade.operators: installed operators (their olm.maxOpenShiftVersion)
CSVS = Resource(
    "operators.coreos.com", "v1alpha1", "clusterserviceversions", True, "ClusterServiceVersion"
)
#: upgrade.readiness: budgets that may stop a node drain
PDBS = Resource("policy", "v1", "poddisruptionbudgets", True, "PodDisruptionBudget")
#: what OpenShift 4.7 and earlier (Kubernetes < 1.21) serve instead (same folder in a snapshot)
PDBS_V1BETA1 = Resource("policy", "v1beta1", "poddisruptionbudgets", True, "PodDisruptionBudget")
#: upgrade.pull_secret reads one Secret, openshift-config/pull-secret, and keeps its auths keys
#: only. Deliberately not in KNOWN: a bundle never dumps Secrets (collectors.triage.cluster_dump
#: dumps KNOWN); the check's recorded facts (host names) answer for it offline.
SECRETS = Resource("", "v1", "secrets", True, "Secret")
#: OLM v1 catalogs (spec.source.image.ref): an index image applied the OLM v1 way (mirror.operators)
CLUSTERCATALOGS = Resource(
    "olm.operatorframework.io", "v1", "clustercatalogs", False, "ClusterCatalog"
)
#: mirror.sigstore: sigstore image policies (OpenShift 4.20+ v1; the v1alpha1 of the tech preview
#: is read where v1 is not served: the same folder in a snapshot)
CLUSTERIMAGEPOLICIES = Resource(
    "config.openshift.io", "v1", "clusterimagepolicies", False, "ClusterImagePolicy"
)
CLUSTERIMAGEPOLICIES_V1ALPHA1 = Resource(
    "config.openshift.io", "v1alpha1", "clusterimagepolicies", False, "ClusterImagePolicy"
)
IMAGEPOLICIES = Resource("config.openshift.io", "v1", "imagepolicies", True, "ImagePolicy")
IMAGEPOLICIES_V1ALPHA1 = Resource(
    "config.openshift.io", "v1alpha1", "imagepolicies", True, "ImagePolicy"
)

#: Every resource the suite knows, by ``<group|core>/<plural>``.
KNOWN: dict[str, Resource] = {
    r.folder: r
    for r in (
        NODES,
        PODS,
        CONFIGMAPS,
        CLUSTEROPERATORS,
        OPERATORHUBS,
        IDMS,
        ITMS,
        CSRS,
        IMAGESTREAMS,
        SAMPLES_CONFIGS,
        REGISTRY_CONFIGS,
        INGRESSCONTROLLERS,
        ICSPS,
        MCPS,
        MHCS,
        MACHINES,
        CATALOGSOURCES,
        CLUSTERCATALOGS,
        CLUSTERVERSIONS,
        IMAGE_CONFIGS,
        CLUSTERIMAGEPOLICIES,
        IMAGEPOLICIES,
        APIREQUESTCOUNTS,
        CSVS,
        PDBS,
    )
}
