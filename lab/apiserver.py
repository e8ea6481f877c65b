"""A stand-in Kubernetes API server for the tests: serves a must-gather over HTTPS, reads only.

It answers discovery (``/api``, ``/apis``, ``/api/v1``, ``/apis/<group>/<version>``), ``/version``
and the list and get paths of every resource in the snapshot, checks a bearer token, and appends
every request's verb and path to a JSON-lines log, so tests can prove a run only reads.
``forbid`` lists ``plural.group`` names answered 403 (an RBAC gap).

    python lab/apiserver.py CONFIG.json
    CONFIG: {"listen": [ip, port], "cert": ..., "key": ..., "token": ..., "snapshot": DIR,
             "log": FILE, "forbid": [], "max_seconds": 900}
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collectors.cluster.base import NotCollected  # noqa: E402
from collectors.cluster.resources import KNOWN, Resource  # noqa: E402
from collectors.cluster.snapshot import SnapshotSource  # noqa: E402
from collectors.errors import FactError  # noqa: E402


class Api:
    """The snapshot seen as an API: resources by (group, version, plural)."""

    def __init__(self, snapshot: str, forbid: list[str]) -> None:
        self.source = SnapshotSource(snapshot, slim=False)  # an API answers whole objects
        self.forbid = set(forbid)
        self.resources: dict[tuple[str, str, str], Resource] = {}
        for (group_folder, plural), entries in self.source.index.items():
            group = "" if group_folder == "core" else group_folder
            res = KNOWN.get(f"{group_folder}/{plural}") or Resource(
                group,
                "v1",
                plural,
                any(e.namespace for e in entries),
                plural.rstrip("s").capitalize(),
            )
            self.resources[(res.group, res.version, res.plural)] = res

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for group, version, _ in self.resources:
            if group:
                out.setdefault(group, [])
                if version not in out[group]:
                    out[group].append(version)
        return out

    def discovery(self, group: str, version: str) -> dict[str, Any] | None:
        items = [r for (g, v, _), r in self.resources.items() if g == group and v == version]
        if not items and not (group == "" and version == "v1"):
            return None
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": [
                {
                    "name": r.plural,
                    "singularName": r.kind.lower(),
                    "namespaced": r.namespaced,
                    "kind": r.kind,
                    "verbs": ["get", "list"],
                }
                for r in items
            ],
        }


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def make_handler(api: Api, token: str, log_path: Path) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # headers and body in one segment (no Nagle / delayed-ACK stall)

        def log_message(self, fmt: str, *args: Any) -> None:  # keep stderr quiet
            pass

        def _record(self) -> None:
            with lock, log_path.open("a") as fh:
                fh.write(
                    json.dumps(
                        {"verb": self.command, "path": self.path, "t": round(time.time(), 3)}
                    )
                    + "\n"
                )

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self) -> None:
            self._record()
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._send(
                405,
                status(
                    405, "MethodNotAllowed", f"{self.command} is not served: this API is read-only"
                ),
            )

        do_POST = do_PUT = do_PATCH = do_DELETE = _refuse  # noqa: N815

        def do_GET(self) -> None:  # noqa: N802
            self._record()
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._send(401, status(401, "Unauthorized", "Unauthorized"))
                return
            path = self.path.split("?", 1)[0].rstrip("/")
            try:
                self._send(*self._route(path))
            except FactError as exc:
                self._send(500, status(500, "InternalError", str(exc)))

        def _route(self, path: str) -> tuple[int, dict[str, Any]]:
            if path == "/version":
                return 200, {"major": "1", "minor": "18", "gitVersion": "v1.18.3+47c0e71"}
            if path == "/api":
                return 200, {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [],
                }
            if path == "/apis":
                groups = [
                    {
                        "name": g,
                        "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                        "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]},
                    }
                    for g, vs in sorted(api.groups().items())
                ]
                return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
            parts = path.strip("/").split("/")
            if parts[0] == "api" and len(parts) >= 2:
                group, version, rest = "", parts[1], parts[2:]
            elif parts[0] == "apis" and len(parts) >= 3:
                group, version, rest = parts[1], parts[2], parts[3:]
            else:
                return 404, status(
                    404, "NotFound", f"the server could not find the requested resource ({path})"
                )
            if not rest:
                doc = api.discovery(group, version)
                return (
                    (200, doc)
                    if doc
                    else (404, status(404, "NotFound", f"{group}/{version} not served"))
                )
            namespace = None
            if rest[0] == "namespaces" and len(rest) >= 3:
                namespace, rest = rest[1], rest[2:]
            res = api.resources.get((group, version, rest[0]))
            if res is None or len(rest) > 2:
                return 404, status(
                    404, "NotFound", f"the server could not find the requested resource ({path})"
                )
            verb = "get" if len(rest) == 2 else "list"
            if res.qualified in api.forbid:
                scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
                return 403, status(
                    403,
                    "Forbidden",
                    f'{res.qualified} is forbidden: User "system:serviceaccount:test:reader" '
                    f'cannot {verb} resource "{res.plural}" in API group "{group}"{scope}',
                )
            if verb == "get":
                try:
                    return 200, api.source.get(res, rest[1], namespace)
                except FactError as exc:
                    return 404, status(404, "NotFound", str(exc))
            try:
                items = api.source.list(res, namespace)
            except NotCollected:  # a namespace without such objects: an API lists it empty
                items = []
            return 200, {
                "kind": f"{res.kind}List",
                "apiVersion": res.group_version,
                "metadata": {"resourceVersion": "1"},
                "items": items,
            }

    return Handler


def main(config_path: str) -> None:
    cfg = json.loads(Path(config_path).read_text())
    api = Api(cfg["snapshot"], cfg.get("forbid", []))
    server = ThreadingHTTPServer(
        tuple(cfg["listen"]), make_handler(api, cfg["token"], Path(cfg["log"]))
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cfg["cert"], cfg["key"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    stop = threading.Timer(float(cfg.get("max_seconds", 900)), server.shutdown)
    stop.daemon = True
    stop.start()
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
