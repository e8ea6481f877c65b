"""A registry token service (Bearer auth) for the lab, run as a process.

    python lab/tokenserver.py CONFIG.json

CONFIG: {"listen": [ip, port], "cert": tls cert, "key": tls key, "sign_key": PEM RSA key,
"sign_cert": PEM cert whose key signs (also the registry's rootcertbundle), "issuer", "service",
"users": {"name": "password"}}. ``GET /token?service=..&scope=repository:R:pull,push`` with Basic
auth answers ``{"token": JWT}`` granting the asked actions to a known user (anonymous: none).
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(cfg: dict[str, Any], key: Any, cert_der: bytes, user: str, scopes: list[str]) -> str:
    access = []
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) >= 3 and parts[0] == "repository":
            access.append(
                {
                    "type": "repository",
                    "name": ":".join(parts[1:-1]),
                    "actions": parts[-1].split(","),
                }
            )
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(cert_der).decode()]}
    claims = {
        "iss": cfg["issuer"],
        "sub": user,
        "aud": cfg["service"],
        "exp": now + 300,
        "nbf": now - 10,
        "iat": now,
        "jti": secrets.token_hex(8),
        "access": access,
    }
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def main(argv: list[str]) -> int:
    with open(argv[1]) as fh:
        cfg = json.load(fh)
    with open(cfg["sign_key"], "rb") as fh:
        key = serialization.load_pem_private_key(fh.read(), password=None)
    with open(cfg["sign_cert"], "rb") as fh:
        cert_der = x509.load_pem_x509_certificate(fh.read()).public_bytes(
            serialization.Encoding.DER
        )
    users: dict[str, str] = cfg["users"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:  # never log the Authorization header
            sys.stdout.write(
                f"{self.command} {urlparse(self.path).path} -> {args[1] if len(args) > 1 else ''}\n"
            )
            sys.stdout.flush()

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            user = ""
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                except ValueError:
                    name, password = "", ""
                if users.get(name) != password:
                    self._send(
                        401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
                    )
                    return
                user = name
            scopes = [s for v in query.get("scope", []) for s in v.split(" ")] if user else []
            self._send(
                200, {"token": make_token(cfg, key, cert_der, user, scopes), "expires_in": 300}
            )

    host, port = cfg["listen"]
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cfg["cert"], cfg["key"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    timer = threading.Timer(float(cfg.get("max_seconds", 3600)), server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
