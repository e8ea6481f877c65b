"""The Samples Operator, read the way it acts (``000_e22164954fbcaad6.txt``;
cluster-samples-operator).

- The four patterns of managementState x skippedImagestreams, and whether the operator will
  report Degraded (Managed, and a non-skipped stream fails to import: after 2 hours).
- ``samplesRegistry`` rewrites the registry of every DockerImage tag of a managed stream, except
  the jenkins streams, which come from the release payload.
- Import failures in both forms: 4.2-4.6 list stream names in the ``ImportImageErrorsExist``
  condition's reason; 4.7+ keep one ConfigMap per failing stream in
  ``openshift-cluster-samples-operator`` labelled ``samples.openshift.io/imagestream-error``.

>>> rewrite_reference("registry.redhat.io/rhscl/nginx-112-rhel7:latest", "mirror:5000", "nginx")
'mirror:5000/rhscl/nginx-112-rhel7:latest'
>>> rewrite_reference("rhscl/nginx-112-rhel7:latest", "mirror:5000", "nginx")
'mirror:5000/rhscl/nginx-112-rhel7:latest'
>>> pattern({"spec": {"managementState": "Managed", "skippedImagestreams": ["nodejs"]}}).number
2

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.visible import json_word

MANAGED_LABEL = "samples.operator.openshift.io/managed"
ERROR_LABEL = "samples.openshift.io/imagestream-error"
OPERATOR_NAMESPACE = "openshift-cluster-samples-operator"
#: Streams the operator never rewrites: they come from the release payload.
PAYLOAD_STREAMS = ("jenkins", "jenkins-agent-base", "jenkins-agent-nodejs", "jenkins-agent-maven")


@dataclass(frozen=True)
class Pattern:
    """One of the four patterns of ``000_e22164954fbcaad6.txt`` (0: Unmanaged or unknown)."""

    number: int
    state: str
    skipped: tuple[str, ...]
    registry: str

    @property
    def managed(self) -> bool:
        return self.state == "Managed"

    @property
    def keeps_skipped(self) -> bool:
        """Pattern 4: Removed deletes the managed streams; the skipped ones stay, unmanaged,
        and are the ones the site keeps and uses (they must import from the mirror)."""
        return self.number == 4

    def describe(self) -> str:
        skip = (
            f"{len(self.skipped)} skipped imagestream(s)"
            if self.skipped
            else "no skippedImagestreams"
        )
        text = {
            1: "goes Degraded 2 hours after any import fails",
            2: "stays Available only if every stream that cannot import is skipped",
            3: "no sample imagestream is managed or imported",
            4: "only the skipped streams stay, unmanaged",
        }.get(self.number, "the operator leaves the samples alone")
        return f"Samples pattern {self.number or '-'} ({self.state}, {skip}): {text}"


def pattern(config: dict[str, Any] | None) -> Pattern:
    """The pattern of a ``configs.samples.operator.openshift.io/cluster`` object."""
    spec = (config or {}).get("spec") or {}
    state = str(spec.get("managementState") or "Managed")
    skipped = tuple(str(s) for s in spec.get("skippedImagestreams") or [])
    number = {
        ("Managed", False): 1,
        ("Managed", True): 2,
        ("Removed", False): 3,
        ("Removed", True): 4,
    }.get((state, bool(skipped)), 0)
    return Pattern(number, state, skipped, str(spec.get("samplesRegistry") or ""))


def is_samples_stream(stream: dict[str, Any], pat: Pattern) -> bool:
    """Whether the operator manages (or was told to skip) the stream: its label or the skip list."""
    meta = stream.get("metadata") or {}
    return MANAGED_LABEL in (meta.get("labels") or {}) or meta.get("name") in pat.skipped


def rewrite_reference(ref: str, samples_registry: str, stream: str) -> str:
    """``ref`` as the operator rewrites it for ``samplesRegistry`` (idempotent)."""
    if not samples_registry or stream in PAYLOAD_STREAMS or ref.startswith(samples_registry + "/"):
        return ref
    parts = ref.split("/")
    first = parts[0]
    has_registry = len(parts) > 1 and ("." in first or ":" in first or first == "localhost")
    rest = "/".join(parts[1:]) if has_registry else ref
    return f"{samples_registry}/{rest}"


def effective_reference(ref: str, stream: dict[str, Any], pat: Pattern) -> str:
    """Where the tag imports from once the operator has applied the config."""
    name = str((stream.get("metadata") or {}).get("name"))
    managed = ((stream.get("metadata") or {}).get("labels") or {}).get(MANAGED_LABEL) == "true"
    if pat.managed and managed and name not in pat.skipped:
        return rewrite_reference(ref, pat.registry, name)
    return ref


def docker_tags(stream: dict[str, Any]) -> list[tuple[str, str]]:
    """(tag, image reference) of every tag importing a DockerImage."""
    out = []
    for tag in (stream.get("spec") or {}).get("tags") or []:
        src = tag.get("from") or {}
        if src.get("kind") == "DockerImage" and src.get("name"):
            out.append((str(tag.get("name")), str(src["name"])))
    return out


def import_failures(
    config: dict[str, Any] | None, configmaps: list[dict[str, Any]]
) -> dict[str, str]:
    """Failing stream -> what says so, from both the 4.2-4.6 and the 4.7+ forms.

    >>> cfg = {"status": {"conditions": [{"type": "ImportImageErrorsExist", "status": "True",
    ...        "reason": "httpd nodejs"}]}}
    >>> cm = {"metadata": {"name": "ruby", "labels": {ERROR_LABEL: "true"}},
    ...       "data": {"2.7": "manifest unknown"}}
    >>> sorted(import_failures(cfg, [cm]))
    ['httpd', 'nodejs', 'ruby']
    """
    out: dict[str, str] = {}
    for cond in ((config or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == "ImportImageErrorsExist" and cond.get("status") == "True":
            for name in str(cond.get("reason") or "").replace(",", " ").split():
                out[name] = (
                    "listed in the ImportImageErrorsExist condition of "
                    "configs.samples.operator.openshift.io/cluster"
                )
    for cm in configmaps:
        meta = cm.get("metadata") or {}
        if (meta.get("labels") or {}).get(ERROR_LABEL) != "true":
            continue
        data = cm.get("data") or {}
        detail = "; ".join(f"{k}: {str(v).strip()[:160]}" for k, v in sorted(data.items()))
        out[str(meta.get("name"))] = (
            f"ConfigMap {OPERATOR_NAMESPACE}/{meta.get('name')} ({ERROR_LABEL})"
            + (f": {detail}" if detail else "")
        )
    return out


def skip_patch(skipped: tuple[str, ...] | list[str], add: str) -> str:
    """The ``oc patch`` that adds ``add`` to skippedImagestreams (keeping the others)."""
    names = list(dict.fromkeys([*skipped, add]))
    patch = json_word({"spec": {"skippedImagestreams": names}})
    return f"oc patch configs.samples.operator.openshift.io/cluster --type merge --patch {patch}"


def registry_patch(mirror: str) -> str:
    return (
        "oc patch configs.samples.operator.openshift.io/cluster --type merge "
        f"--patch {json_word({'spec': {'samplesRegistry': mirror}})}"
    )
