"""A hostile API server on loopback (HTTPS, bearer token) against LiveSource: discovery answers
normally, then a list body never ends or drips past the deadline. Every read is capped
(UPI_API_MAX_BYTES) and has a deadline (UPI_HTTP_TOTAL_TIMEOUT); a body over either errors that
resource only, and the other reads of the same source go on. The readers of endless bodies run
in a child under a 1 GiB address-space limit (tests/hostile.py)."""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from collectors import settings
from collectors.cluster import resources as R
from collectors.cluster.base import (
    CachedSource,
    ObjectMissing,
    PartialListing,
    ResourceMissing,
    SkippedItems,
)
from collectors.cluster.facts import Listing, find, name_of
from collectors.cluster.live import LiveSource
from collectors.cluster.snapshot import SnapshotSource
from collectors.errors import FactError
from lab.cluster import kubeconfig, self_signed
from tests.hostile import bounded

#: No handler streams longer than this, whatever the client does.
MAX_SECONDS = 30.0
ENDLESS = R.Resource("endless.example.com", "v1", "widgets", False, "Widget")

NODES = [{"metadata": {"name": f"n{i}"}, "status": {"capacity": {"cpu": "4"}}} for i in range(3)]


def _discovery(group_version: str, plurals: list[tuple[str, bool, str]]) -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {"name": p, "namespaced": ns, "kind": kind, "verbs": ["get", "list"]}
            for p, ns, kind in plurals
        ],
    }


DOCS: dict[str, dict[str, Any]] = {
    "/api/v1": _discovery(
        "v1", [("nodes", False, "Node"), ("pods", True, "Pod"), ("configmaps", True, "ConfigMap")]
    ),
    "/apis/config.openshift.io/v1": _discovery(
        "config.openshift.io/v1", [("clusteroperators", False, "ClusterOperator")]
    ),
    "/api/v1/nodes": {"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": NODES},
    "/api/v1/nodes/n1": {"kind": "Node", "apiVersion": "v1", **NODES[1]},
    #: items that are not objects beside two that are (round 2)
    "/api/v1/namespaces/mixed/configmaps": {
        "kind": "ConfigMapList",
        "items": [
            {"metadata": {"name": "a", "namespace": "mixed"}},
            7,
            "x",
            None,
            {"metadata": {"name": "b", "namespace": "mixed"}},
        ],
    },  # fmt: skip
    "/api/v1/namespaces/scalar/configmaps": {"kind": "ConfigMapList", "items": 5},
}
#: Paths answered with a body that never ends (chunked, 64 KiB a chunk), with their status.
ENDLESS_PATHS = {
    "/api/v1/pods": 200,
    "/apis/config.openshift.io/v1/clusteroperators/version": 200,
    "/apis/endless.example.com/v1": 200,
    "/api/v1/namespaces/openshift-config/configmaps": 403,
}
#: Answered 200 with a body that drips (no length, a byte every 0.2 s).
DRIP_PATHS = {"/apis/config.openshift.io/v1/clusteroperators"}


def make_handler(token: str, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _json(self, code: int, doc: dict[str, Any]) -> None:
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, code: int, chunked: bool) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            ends = time.monotonic() + MAX_SECONDS
            try:
                if chunked:
                    piece = b'{"kind": "List", "items": [' + b" " * 65509
                    while not stop.is_set() and time.monotonic() < ends:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        piece = b" " * 65536
                else:
                    for byte in b'{"kind": "ClusterOperatorList", "items": [' + b" " * 10**6:
                        if stop.is_set() or time.monotonic() > ends:
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
            except OSError:  # the client hung up: what a capped read does
                return

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._json(401, {"kind": "Status", "code": 401, "reason": "Unauthorized"})
                return
            path = self.path.split("?", 1)[0].rstrip("/")
            if path in ENDLESS_PATHS:
                self._stream(ENDLESS_PATHS[path], chunked=True)
            elif path in DRIP_PATHS:
                self._stream(200, chunked=False)
            elif path in DOCS:
                self._json(200, DOCS[path])
            else:
                self._json(404, {"kind": "Status", "code": 404, "reason": "NotFound"})

    return Handler


@dataclass
class HostileApi:
    kubeconfig: Path
    wrong_token: Path
    host: str


@pytest.fixture(scope="module")
def hostile_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileApi]:
    root = tmp_path_factory.mktemp("hostile-api")
    cert, key = root / "api.crt", root / "api.key"
    pem = self_signed("127.0.0.1", cert, key)
    token = "hostile-" + secrets.token_hex(8)
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(token, stop))
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"https://127.0.0.1:{server.server_address[1]}"
    paths = []
    for name, tok in (("kubeconfig", token), ("kubeconfig-wrong", "not-" + token)):
        path = root / name
        path.write_text(yaml.safe_dump(kubeconfig(host, pem, tok), sort_keys=False))
        path.chmod(0o600)
        paths.append(path)
    yield HostileApi(paths[0], paths[1], host)
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


LIST_IN_CHILD = """
import json, resource, time
from collectors.cluster import resources as R
from collectors.cluster.live import LiveSource
from collectors.errors import FactError

src = LiveSource({kubeconfig!r})
out = {{}}
for label, res in (("first", R.{first}), ("nodes", R.NODES)):
    started = time.monotonic()
    try:
        out[label] = {{"items": len(src.list(res))}}
    except FactError as exc:
        out[label] = {{"error": str(exc)}}
    out[label]["seconds"] = time.monotonic() - started
out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _list_in_child(api: HostileApi, first: str, **env: str) -> dict[str, Any]:
    run = bounded(
        LIST_IN_CHILD.format(kubeconfig=str(api.kubeconfig), first=first), seconds=60, env=env
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_endless_list_body_stops_at_the_cap(hostile_api: HostileApi) -> None:
    """GET /api/v1/pods never ends: a FactError naming the API and the path at
    UPI_API_MAX_BYTES, quickly, in little memory; the next list of the same source works."""
    out = _list_in_child(hostile_api, "PODS", UPI_API_MAX_BYTES=str(4 * 1024 * 1024))
    error = out["first"].get("error", "")
    assert error == (
        f"API {hostile_api.host}: GET /api/v1/pods: the body is larger than 4194304 bytes; "
        "not read further (set UPI_API_MAX_BYTES to raise it)"
    ), out
    assert out["first"]["seconds"] < 10, out
    assert out["nodes"] == {"items": 3, "seconds": out["nodes"]["seconds"]}, out
    assert out["maxrss_mib"] < 150, out


def test_dripping_list_body_stops_at_the_deadline(hostile_api: HostileApi) -> None:
    """A custom-object list that drips a byte every 0.2 s: cut at UPI_HTTP_TOTAL_TIMEOUT."""
    out = _list_in_child(hostile_api, "CLUSTEROPERATORS", UPI_HTTP_TOTAL_TIMEOUT="2")
    error = out["first"].get("error", "")
    assert error.startswith(
        f"API {hostile_api.host}: GET /apis/config.openshift.io/v1/clusteroperators: "
        "the body was still arriving after 2s ("
    ), out
    assert error.endswith("(set UPI_HTTP_TOTAL_TIMEOUT to raise it)"), out
    assert 1.5 < out["first"]["seconds"] < 10, out
    assert out["nodes"]["items"] == 3, out
    assert out["maxrss_mib"] < 150, out


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(settings, "API_MAX_BYTES", 256 * 1024)
    monkeypatch.setattr(settings, "HTTP_SMALL_BODY_BYTES", 64 * 1024)
    return 256 * 1024


def test_normal_reads_still_work(hostile_api: HostileApi, small_cap: int) -> None:
    src = LiveSource(hostile_api.kubeconfig)
    nodes = src.list(R.NODES)
    assert [n["metadata"]["name"] for n in nodes] == ["n0", "n1", "n2"]
    assert {(n["kind"], n["apiVersion"]) for n in nodes} == {("Node", "v1")}
    assert src.get(R.NODES, "n1")["metadata"]["name"] == "n1"
    with pytest.raises(ObjectMissing):
        src.get(R.NODES, "n9")
    with pytest.raises(ResourceMissing, match="does not list it"):
        src.list(R.CSRS)  # its group is not served: discovery answers 404
    # every answer read to its end gave its connection back: one TLS connection for all reads
    pools = src.api.rest_client.pool_manager.pools
    keys = pools.keys()  # RecentlyUsedContainer: keys(), no iteration
    assert [pools[key].num_connections for key in keys] == [1]


def test_a_body_over_a_small_cap_errors_that_read_only(
    hostile_api: HostileApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = LiveSource(hostile_api.kubeconfig)
    assert src.served(R.NODES)  # discovery read before the cap is lowered
    monkeypatch.setattr(settings, "API_MAX_BYTES", 100)
    with pytest.raises(FactError, match=r"GET /api/v1/nodes: the body is larger than 100 bytes"):
        src.list(R.NODES)
    monkeypatch.setattr(settings, "API_MAX_BYTES", 1024 * 1024)
    assert len(src.list(R.NODES)) == 3


def test_endless_custom_object_get_and_discovery_stop_at_the_cap(
    hostile_api: HostileApi, small_cap: int
) -> None:
    src = LiveSource(hostile_api.kubeconfig)
    started = time.monotonic()
    with pytest.raises(
        FactError,
        match=r"GET /apis/config.openshift.io/v1/clusteroperators/version: the body is larger "
        r"than 262144 bytes; not read further \(set UPI_API_MAX_BYTES to raise it\)",
    ):
        src.get(R.CLUSTEROPERATORS, "version")
    with pytest.raises(FactError, match=r"GET /apis/endless.example.com/v1: the body is larger"):
        src.list(ENDLESS)
    assert time.monotonic() - started < 10
    assert not src._down and len(src.list(R.NODES)) == 3


def test_forbidden_with_an_endless_error_body_keeps_the_rbac_hint(
    hostile_api: HostileApi, small_cap: int
) -> None:
    """A 403 whose body never ends: still the RBAC hint (the error body is read only up to
    HTTP_SMALL_BODY_BYTES, never whole)."""
    src = LiveSource(hostile_api.kubeconfig)
    started = time.monotonic()
    with pytest.raises(
        FactError, match=r'forbidden to list configmaps openshift-config/: .*"list"'
    ):
        src.list(R.CONFIGMAPS, "openshift-config")
    assert time.monotonic() - started < 10


def test_wrong_token_is_unauthorized(hostile_api: HostileApi, small_cap: int) -> None:
    src = LiveSource(hostile_api.wrong_token)
    with pytest.raises(FactError, match="unauthorized to list nodes: the token"):
        src.list(R.NODES)


MIXED = "/api/v1/namespaces/mixed/configmaps"


def test_list_items_that_are_not_objects_are_named_and_skipped(hostile_api: HostileApi) -> None:
    """A number, a string and null among the items: each named by the API path and its index,
    skipped; the objects beside them kept (was: AttributeError naming neither)."""
    src = LiveSource(hostile_api.kubeconfig)
    with pytest.raises(PartialListing) as caught:
        src.list(R.CONFIGMAPS, "mixed")
    where = f"API {hostile_api.host}: GET {MIXED}"
    assert [o["metadata"]["name"] for o in caught.value.objects] == ["a", "b"]
    assert caught.value.skipped_items == [
        f"{where}: items[1] is a number, not an object: skipped",
        f"{where}: items[2] is a string, not an object: skipped",
        f"{where}: items[3] is null, not an object: skipped",
    ]
    with pytest.raises(FactError, match=r"GET /api/v1/namespaces/scalar/configmaps: items is a "):
        src.list(R.CONFIGMAPS, "scalar")


def test_skipped_items_are_a_warning_and_the_reason_of_what_may_be_them(
    hostile_api: HostileApi,
) -> None:
    """Through the run's cached source: the valid objects are listed, each skipped item is a
    SkippedItems warning (the run's warnings summary), and a name that is not among the valid
    ones errors with the reason instead of passing as absent."""
    cached = CachedSource(LiveSource(hostile_api.kubeconfig))
    with pytest.warns(SkippedItems) as warned:
        listed = Listing(cached.list(R.CONFIGMAPS, "mixed"))
    assert [str(w.message) for w in warned][0].endswith(
        f"GET {MIXED}: items[1] is a number, not an object: skipped"
    )
    assert len(warned) == 3
    assert [name_of(o) for o in listed] == ["a", "b"]
    assert find(listed, "a", "mixed") is listed[0]
    with pytest.raises(FactError, match=r"items\[1\] is a number, not an object") as caught:
        find(listed, "c", "mixed")
    assert MIXED in caught.value.remediation, caught.value.remediation


def test_a_snapshot_list_file_keeps_its_objects_beside_items_that_are_not(
    tmp_path: Path,
) -> None:
    """A must-gather list file with items that are not objects: the file is named with each
    index, the nodes beside them are read (was: the whole file refused)."""
    nodes = tmp_path / "mg/cluster-scoped-resources/core/nodes.yaml"
    nodes.parent.mkdir(parents=True)
    good = [{"kind": "Node", "metadata": {"name": n}} for n in ("m1", "w1")]
    nodes.write_text(yaml.safe_dump({"kind": "NodeList", "items": [good[0], 7, None, good[1]]}))
    with pytest.warns(SkippedItems) as warned:
        listed = Listing(CachedSource(SnapshotSource(tmp_path / "mg")).list(R.NODES))
    assert [name_of(o) for o in listed] == ["m1", "w1"]
    assert [str(w.message) for w in warned] == [
        f"{nodes}: items[1] is a number, not an object: skipped",
        f"{nodes}: items[2] is null, not an object: skipped",
    ]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_checks_over_a_list_with_items_that_are_not_objects(tmp_path: Path, workers) -> None:
    """The suite over a must-gather whose nodes list holds a number, a string and null: the
    node checks judge the valid nodes (they errored before), and the run names each skipped
    item in its warnings (pytest's summary and the report's run.warnings)."""
    from lab.cluster_model import seed_cluster, write_must_gather
    from lab.model import seed_model
    from tests.suite import run_suite

    net = seed_model(0)
    mg = write_must_gather(
        seed_cluster(net, "registry.test.example.local:5000"),
        tmp_path / "mg",
        list_files=("core/pods", "core/nodes"),
    )
    path = mg / "cluster-scoped-resources/core/nodes.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["items"][1:1] = [7, "x", None]
    path.write_text(yaml.safe_dump(doc))
    inv = tmp_path / "site.yaml"
    nodes = [{"name": n.name, "role": n.role, "ip": n.ip} for n in net.nodes]
    cluster = {"name": net.cluster, "base_domain": net.base_domain}
    inv.write_text(yaml.safe_dump({"cluster": cluster, "nodes": nodes}))
    run = run_suite(
        *workers, "-m", "postinstall", "-k", "nodes. or placement.", "--snapshot", str(mg),
        inventory=inv, timeout=300,
    )  # fmt: skip
    errors = [(r["check"], r["subject"], r["message"]) for r in run.results
              if r["outcome"] == "error"]  # fmt: skip
    assert run.results and not errors, errors or run.stdout[-3000:]
    for i, kind in ((1, "a number"), (2, "a string"), (3, "null")):
        said = f"items[{i}] is {kind}, not an object: skipped"
        assert said in run.stdout, run.stdout[-3000:]
        assert any(said in w for w in run.report["run"]["warnings"]), run.report["run"]
