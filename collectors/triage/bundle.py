"""The triage bundle (contract section 5): a .tar.gz in must-gather layout plus ``hosts/``,
``results/``, ``findings.json`` and ``manifest.json``. Everything in it is redacted, and it is
always written - through a temporary file and a rename - whatever failed on the way.

>>> must_gather_path({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "m1"}})
'cluster-scoped-resources/core/nodes/m1.yaml'
>>> must_gather_path({"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator",
...                   "metadata": {"name": "dns"}})
'cluster-scoped-resources/config.openshift.io/clusteroperators/dns.yaml'
>>> must_gather_path({"apiVersion": "v1", "kind": "Pod",
...                   "metadata": {"name": "p", "namespace": "ns"}})
'namespaces/ns/core/pods/p.yaml'

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors import localfile, yamlio
from collectors.errors import FactError
from collectors.triage.classify import Classifier
from collectors.triage.collect import HostPlan, Source, collect_all, plan
from collectors.triage.redact import redact_object, redact_text

#: kinds whose plural is not kind.lower() + "s"
_PLURALS = {
    "Ingress": "ingresses",
    "IngressController": "ingresscontrollers",
    "Endpoints": "endpoints",
    "NetworkPolicy": "networkpolicies",
    "PodSecurityPolicy": "podsecuritypolicies",
    "ImageContentSourcePolicy": "imagecontentsourcepolicies",
    "StorageClass": "storageclasses",
    "PriorityClass": "priorityclasses",
    "RuntimeClass": "runtimeclasses",
    "Proxy": "proxies",
    "CertificateSigningRequest": "certificatesigningrequests",
    "Config": "configs",
}


def tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("upi-conformance")
    except Exception:  # noqa: BLE001 - not installed: read pyproject
        text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
        return next(
            (ln.split('"')[1] for ln in text.splitlines() if ln.startswith("version")), "unknown"
        )


def must_gather_path(obj: dict[str, Any]) -> str:
    """Where an object goes in must-gather layout."""
    api = str(obj.get("apiVersion", "v1"))
    group = api.rsplit("/", 1)[0] if "/" in api else "core"
    kind = str(obj.get("kind", "Unknown"))
    plural = _PLURALS.get(kind) or (kind.lower() + ("es" if kind.endswith(("s", "x")) else "s"))
    if kind.endswith("y") and kind not in _PLURALS and not kind.endswith(("ay", "ey", "oy")):
        plural = kind.lower()[:-1] + "ies"
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", "unnamed")).replace("/", "_")
    ns = meta.get("namespace")
    if ns:
        return f"namespaces/{ns}/{group}/{plural}/{name}.yaml"
    return f"cluster-scoped-resources/{group}/{plural}/{name}.yaml"


#: Folders (plurals) whose objects are redacted by their kind even when they do not say it.
_KIND_OF_FOLDER = {"secrets": "Secret", "configmaps": "ConfigMap"}


def kind_of_path(rel: str) -> str | None:
    """The kind a must-gather path holds, where redaction depends on it.

    >>> kind_of_path("namespaces/a/core/secrets.yaml"), kind_of_path("namespaces/a/core/pods.yaml")
    ('Secret', None)
    """
    parts = rel.replace("\\", "/").split("/")
    for part in (parts[-2] if len(parts) > 1 else "", parts[-1].rsplit(".", 1)[0]):
        if part in _KIND_OF_FOLDER:
            return _KIND_OF_FOLDER[part]
    return None


class BundleWriter:
    """Stages the bundle in a folder: every file redacted; log sources classified as written."""

    def __init__(self, staging: Path, classifier: Classifier) -> None:
        self.root = staging
        self.classifier = classifier
        self._lock = threading.Lock()
        self._sources_closed = False
        self._closed = False
        #: Writes that came too late and were dropped: host sources after collection ended
        #: (a host thread that outlived its timeout), anything after the bundle was closed.
        self.ignored: list[str] = []

    def close_sources(self) -> None:
        """Collection is over: a host thread still running can no longer add sources."""
        with self._lock:
            self._sources_closed = True

    def close(self) -> None:
        """The bundle is being packed: every later write is dropped (and listed in ``ignored``)."""
        with self._lock:
            self._sources_closed = self._closed = True

    def _target(self, rel: str) -> Path:
        target = (self.root / rel).resolve()
        if self.root.resolve() not in target.parents:
            raise ValueError(f"{rel!r} is outside the bundle")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, rel: str, text: str) -> None:
        text = redact_text(text, rel)
        with self._lock:
            if self._closed:
                self.ignored.append(rel)
                return
            self._target(rel).write_text(text, encoding="utf-8")

    def write_json(self, rel: str, data: Any) -> None:
        """``data`` redacted as a structure (values whole), then as text, then written."""
        self.write_text(rel, json.dumps(redact_object(data), indent=2, ensure_ascii=False) + "\n")

    def write_object(self, obj: dict[str, Any], rel: str | None = None) -> str:
        """A cluster object redacted as a structure (an item without ``kind`` in a list under
        ``secrets/`` is a Secret), dumped without line wrapping, then through the text rules."""
        rel = rel or must_gather_path(obj)
        self.write_text(rel, yamlio.dump(redact_object(obj, kind_of_path(rel))))
        return rel

    def put(self, source: Source, data: bytes, *, late: bool = False) -> None:
        """A collected source: redacted, stored under its path, its lines classified.
        ``late``: a journal read from a snapshot after host collection ended (dropped only
        once the bundle is closed)."""
        text = redact_text(data.decode("utf-8", errors="replace"), source.path)
        with self._lock:
            if self._closed or (self._sources_closed and not late):
                self.ignored.append(source.path)
                return
            target = self._target(source.path)
            target.write_text(text, encoding="utf-8")
            del text
            if source.fmt:
                self.classifier.feed_file(
                    target, host=source.host, source=source.catalog_source, fmt=source.fmt
                )


def _junit(findings: dict[str, Any], report: dict[str, Any] | None) -> str:
    """results/junit.xml: the run's checks (when there was a run) and the findings."""
    from junit_xml import TestCase, TestSuite, to_xml_report_string

    suites = []
    if report is not None:
        cases = []
        for rec in report.get("results", []):
            case = TestCase(rec["subject"], classname=rec["check"], status=rec["outcome"])
            if rec["outcome"] == "failed":
                case.add_failure_info(rec.get("message", ""), rec.get("remediation", ""))
            elif rec["outcome"] == "error":
                case.add_error_info(rec.get("message", ""))
            elif rec["outcome"] == "skipped":
                case.add_skipped_info(rec.get("message", ""))
            cases.append(case)
        suites.append(TestSuite("checks", cases))
    cases = []
    for f in findings["findings"]:
        name = f"{f['id']} [{f['key'] or f['pattern']}]"
        case = TestCase(
            name, classname=f"findings.{f['host']}.{f['unit']}", status=f["kind"], timestamp=None
        )
        case.add_failure_info(
            f"{f['kind']}: {f['count']} line(s) from {f['first']} to {f['last']}: {f['sample']}",
            f["reason"],
            failure_type=f["kind"],
        )
        cases.append(case)
    if not cases:
        cases.append(TestCase("no unresolved or unknown log lines", classname="findings"))
    suites.append(TestSuite("findings", cases, properties={"catalog": findings["catalog"]["path"]}))
    return _with_case_properties(to_xml_report_string(suites), report)


def _with_case_properties(xml: str, report: dict[str, Any] | None) -> str:
    """Give each check testcase the ``check`` and ``subject`` properties the contract promises
    (junit-xml writes properties per suite only)."""
    import xml.etree.ElementTree as ET

    if not report:
        return xml
    root = ET.fromstring(xml)
    suite = next((s for s in root.iter("testsuite") if s.get("name") == "checks"), None)
    if suite is None:
        return xml
    for case, rec in zip(suite.iter("testcase"), report.get("results", []), strict=False):
        props = ET.Element("properties")
        for name in ("check", "subject"):
            ET.SubElement(props, "property", name=name, value=str(rec[name]))
        case.insert(0, props)
    return ET.tostring(root, encoding="unicode")


def _digest(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return "sha256:" + hashlib.sha256(localfile.read_bytes(path)).hexdigest()
    except FactError:
        return None


def _context(inv: Any) -> dict[str, list[str]]:
    if inv is None:
        return {}
    boot = inv.nodes_with_role("bootstrap")
    return {
        "bootstrap": [v for n in boot for v in (n.name, n.fqdn, n.ip)],
        # a node that registers under another name is a finding (kubelet.registered_unknown)
        "nodes": [v.lower() for n in inv.nodes for v in (n.name, n.fqdn, n.ip)],
    }


def _tar_atomically(staging: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for path in sorted(staging.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(staging)), recursive=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


ClusterCollector = Callable[[BundleWriter], Iterable[dict[str, Any]]]


def write_bundle(
    out: str | Path,
    site: Any,
    *,
    report: dict[str, Any] | None = None,
    extra_results: dict[str, Path] | None = None,
    cluster: ClusterCollector | None = None,
    plans: list[HostPlan] | None = None,
    progress: Callable[[str], None] | None = None,
    command: list[str] | None = None,
    report_html: Callable[[list[dict[str, Any]]], str] | None = None,
    facts: dict[str, Any] | None = None,
    problems: list[str] | None = None,
) -> dict[str, Any]:
    """Collect and write the bundle to ``out``; returns the manifest. Never leaves a half file.

    ``facts``: the run's record (``facts/...`` path -> JSON data, see
    :func:`collectors.record.store.bundle_files`), written redacted like every other file;
    ``problems``: what already went wrong (listed in the manifest's errors).

    ``cluster`` writes cluster objects through the writer and returns manifest rows for them;
    ``report_html(findings)`` renders the run's page with the log findings as results/report.html.
    """
    out = Path(out)
    say = progress or (lambda _m: None)
    inv = getattr(site, "inventory", None)
    t0 = time.monotonic()
    manifest: dict[str, Any] = {
        "tool": {"name": "upi-conformance", "version": tool_version()},
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command if command is not None else sys.argv,
        "inventory": {
            "path": str(inv.path) if inv else None,
            "digest": _digest(inv.path if inv else None),
        },
        "hosts": {},
        "sources": [],
        "errors": list(problems or []),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging."))
    classifier = Classifier(context=_context(inv))
    writer = BundleWriter(staging, classifier)
    try:
        plans = plans if plans is not None else (plan(inv) if inv else [])
        try:
            collect_all(site, plans, writer, say)
        except Exception as exc:  # noqa: BLE001 - the bundle is written anyway
            manifest["errors"].append(f"collecting hosts: {type(exc).__name__}: {exc}")
        writer.close_sources()  # hosts that timed out may still be running: they write no more
        for hp in plans:
            manifest["hosts"][hp.name] = {
                "status": hp.status,
                "error": hp.error,
                "seconds": hp.seconds,
            }
            manifest["sources"] += [s.record() for s in hp.sources]
        if cluster is not None:
            try:
                manifest["sources"] += list(cluster(writer))
            except Exception as exc:  # noqa: BLE001
                manifest["errors"].append(
                    f"collecting cluster objects: {type(exc).__name__}: {exc}"
                )
        findings = classifier.findings()
        writer.write_json("findings.json", findings)
        manifest["findings"] = {
            k: findings["summary"][k]
            for k in ("lines", "benign", "resolved", "unresolved", "unknown")
        }
        manifest["findings"]["groups"] = len(findings["findings"])
        for rel, data in (facts or {}).items():
            writer.write_json(rel, data)
        if facts:
            manifest["facts"] = len(facts) - 1
        if report is not None:
            writer.write_json("results/report.json", report)
        for name, path in (extra_results or {}).items():
            try:
                writer.write_text(
                    f"results/{name}", Path(path).read_text(encoding="utf-8", errors="replace")
                )
            except OSError as exc:
                manifest["errors"].append(
                    f"results/{name}: cannot read {path}: {exc.strerror or exc}"
                )
        writer.write_text("results/junit.xml", _junit(findings, report))
        if report_html is not None:
            writer.write_text("results/report.html", report_html(findings["findings"]))
    except Exception as exc:  # noqa: BLE001 - still write what there is
        manifest["errors"].append(f"writing bundle: {type(exc).__name__}: {exc}")
    finally:
        manifest["seconds"] = round(time.monotonic() - t0, 3)
        failed = [s for s in manifest["sources"] if s.get("status") in ("failed", "partial")]
        manifest["status"] = "complete" if not failed and not manifest["errors"] else "incomplete"
        if writer.ignored:
            manifest["ignored_late_writes"] = list(writer.ignored)
        writer.write_json("manifest.json", manifest)
        writer.close()
        try:
            _tar_atomically(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    say(
        f"bundle {out}: {manifest['status']}, {len(manifest['sources'])} sources, "
        f"{manifest.get('findings', {}).get('groups', 0)} finding groups"
    )
    return manifest
