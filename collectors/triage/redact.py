"""Take secrets out of everything that goes into a bundle: they become ``REDACTED``.

Text rules cover any file (logs, configs, JSON lines, YAML): PEM private keys, bearer and
OpenShift tokens, pull-secret ``auth`` and password fields (also JSON-escaped inside log lines),
kubeconfig client keys and tokens, the kubeadmin password the installer logs, and ignition file
contents (``data:`` URLs), registry logins (``login -p``, ``--password``), ``X-Registry-Auth``
headers, and env entries whose name says PASSWORD, TOKEN, SECRET or KEY. Objects are redacted
by kind as well: a Secret keeps its keys, never its values.

>>> redact_text('Authorization: Bearer sha256~abcdefghijklmnopqrstuvwxyz0123')
'Authorization: Bearer REDACTED'
>>> redact_text('{"auths":{"r:5000":{"auth":"dXNlcjpwYXNz","email":"a@b"}}}')
'{"auths":{"r:5000":{"auth":"REDACTED","email":"a@b"}}}'
>>> redact_text('{"password":"x","user":"u"}')
'{"password":"REDACTED","user":"u"}'
>>> redact_text('podman login -u admin -p s3cret mirror:5000')
'podman login -u admin -p REDACTED mirror:5000'
>>> redact_object({"env": [{"name": "DB_PASSWORD", "value": "x"}]})["env"][0]["value"]
'REDACTED'
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

#: An environment variable's name that says it holds a secret.
_ENV_SECRET = r"(?:PASSWORD|PASSWD|TOKEN|SECRET|KEY)"

_RULES: list[tuple[re.Pattern[str], str]] = [
    # PEM private keys (RSA, EC, OPENSSH, ENCRYPTED ...), whole or cut short, also with \n escapes
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        f"-----BEGIN \\1PRIVATE KEY-----{REDACTED}-----END \\1PRIVATE KEY-----",
    ),
    # "key": "value" in JSON, JSON-escaped JSON inside logs, and YAML flow mappings
    (
        re.compile(
            rf"({_Q}(?:{_SECRET_KEYS}){_Q}\s*:\s*{_Q})(?:[^\"\\]|\\[^\"\\])+?(?={_Q})", re.I
        ),
        rf"\1{REDACTED}",
    ),
    # key: | (a YAML block scalar): its indented lines
    (
        re.compile(
            rf"(?m)^([ \t]*)((?:-\s+)?(?:{_SECRET_KEYS})\s*:[ \t]*[|>][-+]?[ \t]*\n)"
            r"(?:\1[ \t]+\S.*(?:\n|\Z))+",
            re.I,
        ),
        rf"\1\2\1  {REDACTED}\n",
    ),
    # key: value in YAML (kubeconfig users, pull secrets in install-config, ...)
    (
        re.compile(
            rf"(?m)^(\s*(?:-\s+)?(?:{_SECRET_KEYS})\s*:[ \t]*)(?![ \t]*[|>]?[ \t]*$)"
            rf"(?!{REDACTED}\s*$)\S.*$",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    # the installer's "Login to the console with user: "kubeadmin", and password: "xxxxx""
    # (a colon or a space after the word: never the closing quote of a JSON key "password":)
    (
        re.compile(rf"(\bpassword(?::\s*|\s+){_Q})(?!{REDACTED}{_Q})[^\"\\]+(?={_Q})", re.I),
        rf"\1{REDACTED}",
    ),
    # password=..., token: ... anywhere in a line (command lines, URLs, log messages)
    (
        re.compile(
            r"(\b(?:password|passwd|token|secret)\s*[:=]\s*)(?!REDACTED)[^\s&\"'\\,;]+", re.I
        ),
        rf"\1{REDACTED}",
    ),
    # registry logins on a command line: podman/docker/skopeo/buildah/oc/helm login -p X,
    # --password X
    (
        re.compile(
            r"(\b(?:podman|docker|skopeo|buildah|oc|helm)\b[^\n]*?\blogin\b[^\n]*?\s-p(?:[ \t]+|=))"
            r"(?!REDACTED)[^\s\"'\\]+"
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(
            r"(--(?:password|creds|src-creds|dest-creds|registry-token)(?:[ \t]+|=))"
            r"(?!REDACTED)[^\s\"'\\]+"
        ),
        rf"\1{REDACTED}",
    ),
    # the same flags as separate argv items: JSON arrays ["--password", "X"] and YAML lists
    (
        re.compile(
            rf"({_Q}--(?:password|creds|src-creds|dest-creds|registry-token){_Q}\s*,\s*{_Q})"
            rf"(?!{REDACTED}{_Q})(?:[^\"\\]|\\[^\"\\])+?(?={_Q})"
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(
            r"(?m)^([ \t]*-[ \t]+[\"']?"
            r"--(?:password|creds|src-creds|dest-creds|registry-token)[\"']?[ \t]*\n"
            r"[ \t]*-[ \t]+)(?!REDACTED\s*$)\S.*$"
        ),
        rf"\1{REDACTED}",
    ),
    # X-Registry-Auth / X-Registry-Config headers (plain, or Go's map dump X-Registry-Auth:[...])
    (
        re.compile(
            rf"(X-Registry-(?:Auth|Config){_Q}?\s*[:=]\s*\[?{_Q}?)(?!REDACTED)[^\s\"\\\]]+", re.I
        ),
        rf"\1{REDACTED}",
    ),
    # env entries of pods/containers whose name says PASSWORD, TOKEN, SECRET or KEY: their value
    (
        re.compile(
            rf"({_Q}name{_Q}\s*:\s*{_Q}[^\"\\]*{_ENV_SECRET}[^\"\\]*{_Q}\s*,\s*{_Q}value{_Q}\s*:\s*{_Q})"
            rf"(?!{REDACTED}{_Q})(?:[^\"\\]|\\[^\"\\])+?(?={_Q})",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(
            rf"(?m)^([ \t]*)(-[ \t]+name:[ \t]*[\"']?[^\s\"']*{_ENV_SECRET}[^\s\"']*[\"']?[ \t]*\n"
            rf"\1[ \t]+value:[ \t]*)(?!{REDACTED}\s*$)\S.*$",
            re.I,
        ),
        rf"\1\2{REDACTED}",
    ),
    # Authorization: Bearer / Basic
    # haproxy.cfg: "stats auth admin:PW", userlist "user admin insecure-password PW" /
    # "password HASH"
    (re.compile(r"(?m)^(\s*stats\s+auth\s+[^:\s]+:)(?!REDACTED)\S+"), rf"\1{REDACTED}"),
    (
        re.compile(r"(?m)^(\s*user\s+\S+\s+(?:insecure-password|password)\s+)(?!REDACTED)\S+"),
        rf"\1{REDACTED}",
    ),
    # URL query parameters and curl/wget credentials
    (
        re.compile(
            r"([?&](?:access_token|token|password|passwd|api_key|apikey)=)(?!REDACTED)[^&\s\"'#]+",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(
            r"(\bcurl\b[^\n]*?\s(?:-u|--user)(?:[ \t]+|=)[\"']?[^:\s\"']+:)(?!REDACTED)[^\s\"']+"
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(r"(\bwget\b[^\n]*?\s--(?:http-)?password=)(?!REDACTED)[^\s\"']+"),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(r"((?:Bearer|Basic)\s+)(?!REDACTED)[A-Za-z0-9._~+/=-]{8,}", re.I),
        rf"\1{REDACTED}",
    ),
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
    name = obj.get("name")
    if isinstance(name, str) and "value" in obj and re.search(_ENV_SECRET, name, re.I):
        obj["value"] = REDACTED  # an env entry: {name: DB_PASSWORD, value: ...}
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
