"""A TLS pass-through proxy in front of the lab registry that injects faults (run as a process).

    python lab/registry_proxy.py RULES.json

RULES.json (re-read on every request; when it changed, the request counter restarts then)::

    {"listen": ["127.20.0.105", 20006], "upstream": ["127.20.0.105", 20005],
     "cert": "...", "key": "...", "ca": "...",
     "fail_first": 3, "fail_status": 500,              # the first N requests answer 500
     "rules": [{"path": "regex", "method": "GET", "status": 403},
               {"path": "regex", "body": "<html>not json", "content_type": "text/html"},
               {"path": "regex", "delay": 5},
               {"path": "regex", "drip": [64, 0.5]},             # 64 bytes every 0.5 s
               {"path": "regex", "endless": true},      # the reply's body never ends
               {"path": "regex", "replace_header": {"WWW-Authenticate": ["https://", "http://"]}}]}
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
}


class Rules:
    def __init__(self, path: str) -> None:
        self.path = path
        self.text = ""
        self.data: dict[str, Any] = {}
        self.count = 0
        self.lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        with open(self.path) as fh:
            text = fh.read()
        if text != self.text:
            self.data = json.loads(text)
            self.text = text
            self.count = 0

    def decide(self, method: str, path: str) -> dict[str, Any] | None:
        with self.lock:
            self.reload()
            self.count += 1
            if self.count <= int(self.data.get("fail_first", 0)):
                return {"status": int(self.data.get("fail_status", 500))}
        for rule in self.data.get("rules", []):
            if rule.get("method", method) == method and re.search(rule.get("path", ""), path):
                return rule
        return None


def make_handler(
    rules: Rules, upstream: tuple[str, int], ctx: ssl.SSLContext
) -> type[BaseHTTPRequestHandler]:
    local = threading.local()

    def conn() -> http.client.HTTPSConnection:
        c = getattr(local, "conn", None)
        if c is None:
            c = http.client.HTTPSConnection(upstream[0], upstream[1], context=ctx, timeout=30)
            local.conn = c
        return c

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            sys.stdout.write(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n")
            sys.stdout.flush()

        def _send(
            self,
            status: int,
            body: bytes,
            headers: dict[str, str],
            drip: list[float] | str | None = None,
        ) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if drip == "endless":  # no length, no end: the client must stop reading itself
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                if self.command == "HEAD":
                    return
                block = b"{" * 65536
                try:
                    while True:
                        self.wfile.write(block)
                except OSError:  # the client hung up: what it should do
                    return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if not drip:
                self.wfile.write(body)
                return
            size, pause = max(1, int(drip[0])), float(drip[1])
            for i in range(0, len(body), size):  # a slow server: a few bytes, a pause, again
                self.wfile.write(body[i : i + size])
                self.wfile.flush()
                time.sleep(pause)

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rule = rules.decide(self.command, self.path) or {}
            if rule.get("delay"):
                time.sleep(float(rule["delay"]))
            if "status" in rule:
                msg = json.dumps(
                    {"errors": [{"code": "INJECTED", "message": "lab fault"}]}
                ).encode()
                self._send(int(rule["status"]), msg, {"Content-Type": "application/json"})
                return
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in HOP and k.lower() != "host"
            }
            headers["Host"] = f"{upstream[0]}:{upstream[1]}"
            for attempt in range(2):
                try:
                    c = conn()
                    c.request(self.command, self.path, body=body or None, headers=headers)
                    resp = c.getresponse()
                    data = resp.read()
                    break
                except (http.client.HTTPException, OSError):
                    local.conn = None
                    if attempt:
                        self._send(502, b"upstream failed", {})
                        return
            out = {
                k: v
                for k, v in resp.getheaders()
                if k.lower() not in HOP and k.lower() != "content-length"
            }
            for name, (old, new) in (rule.get("replace_header") or {}).items():
                for key in [k for k in out if k.lower() == name.lower()]:
                    out[key] = out[key].replace(old, new)
            if "body" in rule:
                data = str(rule["body"]).encode()
                out["Content-Type"] = rule.get("content_type", "text/plain")
                out.pop("Docker-Content-Digest", None)
            drip = "endless" if rule.get("endless") else rule.get("drip")
            self._send(resp.status, data, out, drip)

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

    return Handler


def main(argv: list[str]) -> int:
    rules = Rules(argv[1])
    cfg = rules.data
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cfg["cert"], cfg["key"])
    client_ctx = ssl.create_default_context(cafile=cfg["ca"])
    host, port = cfg["listen"]
    server = ThreadingHTTPServer(
        (host, int(port)), make_handler(rules, tuple(cfg["upstream"]), client_ctx)
    )
    server.daemon_threads = True
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    deadline = float(cfg.get("max_seconds", 3600))
    timer = threading.Timer(deadline, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
