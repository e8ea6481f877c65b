"""Take secrets out of everything that goes into a bundle: they become ``REDACTED``.

Text rules cover any file (logs, configs, JSON lines, YAML): PEM private keys, bearer and
OpenShift tokens, pull-secret ``auth`` and password fields (also JSON-escaped inside log lines),
kubeconfig client keys and tokens, the kubeadmin password the installer logs, and ignition file
contents (``data:`` URLs). Objects are redacted by kind as well: a Secret keeps its keys, never
its values.

>>> redact_text('Authorization: Bearer sha256~abcdefghijklmnopqrstuvwxyz0123')
'Authorization: Bearer REDACTED'
>>> redact_text('{"auths":{"r:5000":{"auth":"dXNlcjpwYXNz","email":"a@b"}}}')
'{"auths":{"r:5000":{"auth":"REDACTED","email":"a@b"}}}'
>>> redact_object({"kind": "Secret", "data": {"tls.key": "c2VjcmV0"}})["data"]
{'tls.key': 'REDACTED'}
"""

from __future__ import annotations

import json
import re
from typing import Any

REDACTED = "REDACTED"

_Q = r'\\*"'  # a quote, JSON-escaped any number of times inside log lines
_SECRET_KEYS = (
    r"auth|password|passwd|identitytoken|registrytoken|token|access_token|refresh_token|"
    r"id-token|refresh-token|client-key-data|client-key|secret|kubeadmin-password|pullSecret|"
    r"pull-secret|\.dockerconfigjson|\.dockercfg"
)

_RULES: list[tuple[re.Pattern[str], str]] = [
    # PEM private keys (RSA, EC, OPENSSH, ENCRYPTED ...), whole or cut short, also with \n escapes
    (re.compile(
        r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.DOTALL
    ), f"-----BEGIN \\1PRIVATE KEY-----{REDACTED}-----END \\1PRIVATE KEY-----"),
    # "key": "value" in JSON, JSON-escaped JSON inside logs, and YAML flow mappings
    (re.compile(rf"({_Q}(?:{_SECRET_KEYS}){_Q}\s*:\s*{_Q})(?:[^\"\\]|\\[^\"\\])+?(?={_Q})", re.I),
     rf"\1{REDACTED}"),
    # key: | (a YAML block scalar): its indented lines
    (re.compile(rf"(?m)^([ \t]*)((?:-\s+)?(?:{_SECRET_KEYS})\s*:[ \t]*[|>][-+]?[ \t]*\n)(?:\1[ \t]+\S.*(?:\n|\Z))+", re.I),
     rf"\1\2\1  {REDACTED}\n"),
    # key: value in YAML (kubeconfig users, pull secrets in install-config, ...)
    (re.compile(rf"(?m)^(\s*(?:-\s+)?(?:{_SECRET_KEYS})\s*:[ \t]*)(?![ \t]*[|>]?[ \t]*$)(?!{REDACTED}\s*$)\S.*$", re.I),
     rf"\1{REDACTED}"),
    # the installer's "Login to the console with user: "kubeadmin", and password: "xxxxx""
    (re.compile(rf"(password:?\s*{_Q})[^\"\\]+(?={_Q})", re.I), rf"\1{REDACTED}"),
    # password=..., token: ... anywhere in a line (command lines, URLs, log messages)
    (re.compile(r"(\b(?:password|passwd|token|secret)\s*[:=]\s*)(?!REDACTED)[^\s&\"'\\,;]+", re.I), rf"\1{REDACTED}"),
    # Authorization: Bearer / Basic
    (re.compile(r"((?:Bearer|Basic)\s+)(?!REDACTED)[A-Za-z0-9._~+/=-]{8,}", re.I), rf"\1{REDACTED}"),
    # OpenShift OAuth tokens anywhere
    (re.compile(r"\bsha256~[A-Za-z0-9_-]{20,}"), REDACTED),
    # user:password@ in URLs
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@\"']+:)[^\s@/\"']+(?=@)", re.I), rf"\1{REDACTED}"),
    # ignition file contents (data URLs), e.g. storage.files[].contents.source
    (re.compile(r"(data:[\w/+.-]*(?:;[\w=.-]+)*,)(?!REDACTED)[^\s\"'\\]+"), rf"\1{REDACTED}"),
]


def redact_text(text: str, name: str = "") -> str:
    """``text`` with every secret the rules know replaced; an ignition file becomes REDACTED."""
    if name.endswith(".ign") or _is_ignition(text):
        return REDACTED + "\n"
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def _is_ignition(text: str) -> bool:
    head = text.lstrip()[:4096]
    if not head.startswith("{") or '"ignition"' not in head:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return '"version"' in head
    return isinstance(data, dict) and isinstance(data.get("ignition"), dict)


def redact_object(obj: Any) -> Any:
    """A cluster object (dict) with Secret values, pull secrets and ignition contents redacted."""
    if isinstance(obj, list):
        return [redact_object(o) for o in obj]
    if isinstance(obj, str):  # an embedded kubeconfig, pull secret, ignition config ...
        return redact_text(obj).rstrip("\n") if "\n" not in obj else redact_text(obj)
    if not isinstance(obj, dict):
        return obj
    obj = {k: redact_object(v) for k, v in obj.items()}
    if obj.get("kind") == "List" or isinstance(obj.get("items"), list):
        return obj
    if obj.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if isinstance(obj.get(field), dict):
                obj[field] = dict.fromkeys(obj[field], REDACTED)
    meta = obj.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        ann = meta["annotations"]
        for key in ann:
            if key.endswith("last-applied-configuration") and obj.get("kind") == "Secret":
                ann[key] = REDACTED
    return obj
