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

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

REDACTED = "REDACTED"

_Q = r'\\*"'  # a quote, JSON-escaped any number of times inside log lines
_SECRET_KEYS = (
    r"auth|password|passwd|identitytoken|registrytoken|token|access_token|refresh_token|"
    r"id-token|refresh-token|client-key-data|client-key|secret|kubeadmin-password|pullSecret|"
    r"pull-secret|\.dockerconfigjson|\.dockercfg"
)

#: An environment variable's name that says it holds a secret.
_ENV_SECRET = r"(?:PASS|PWD|PW|TOKEN|SECRET|KEY|CRED|AUTH)"

_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # PEM private keys (RSA, EC, OPENSSH, ENCRYPTED ...), whole or cut short, also with \n escapes:
    # to the END line (never past a quote: a key has none), else the rest of the line or JSON
    # string and every following line of base64
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?:[^\"]*?-----END \1PRIVATE KEY-----|"
            r"[^\"\n]*(?:\n[ \t#]*[A-Za-z0-9+/=]{4,}[ \t]*(?=\n|\Z))*)",
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
            r"(\b(?:password|passwd|token|secret)[ \t]*[:=][ \t]*)(?!REDACTED)[^\s&\"'\\,;]+",
            re.I,
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
            rf"({_Q}name{_Q}\s*:\s*{_Q}(?P<name>[^\"\\]*{_ENV_SECRET}[^\"\\]*){_Q}\s*,\s*"
            rf"{_Q}value{_Q}\s*:\s*{_Q})(?!{REDACTED}{_Q})(?:[^\"\\]|\\[^\"\\])+?(?={_Q})",
            re.I,
        ),
        lambda m: m[1] + REDACTED if secret_name(m["name"]) else m[0],
    ),
    (
        re.compile(
            rf"(?m)^([ \t]*)(-[ \t]+name:[ \t]*[\"']?(?P<name>[^\s\"']*{_ENV_SECRET}[^\s\"']*)"
            rf"[\"']?[ \t]*\n\1[ \t]+value:[ \t]*)(?!{REDACTED}\s*$)\S.*$",
            re.I,
        ),
        lambda m: m[1] + m[2] + REDACTED if secret_name(m["name"]) else m[0],
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
    # Authorization headers of any scheme (or none): everything after the scheme word
    (
        re.compile(
            r"(\b(?:Proxy-)?Authorization\b[\"']?\s*[:=]\s*\[?[\"']?"
            r"(?![A-Za-z]*[ \t]*REDACTED)(?:[A-Za-z]+[ \t]+)?)[A-Za-z0-9._~+/=:-]+",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    # OpenShift OAuth tokens anywhere
    (re.compile(r"\bsha256~[A-Za-z0-9_-]{20,}"), REDACTED),
    # JWTs anywhere (service account tokens, registry tokens, OIDC): header.payload.signature
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),
    # user:password@ in URLs
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@\"']+:)[^\s@/\"']+(?=@)", re.I), rf"\1{REDACTED}"),
    # ignition file contents (data URLs), e.g. storage.files[].contents.source
    (re.compile(r"(data:[\w/+.-]*(?:;[\w=.-]+)*,)(?!REDACTED)[^\s\"'\\]+"), rf"\1{REDACTED}"),
]


def _assignment(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.lower() in FIELD_NAMES_KEPT or not secret_name(name):
        return match[0]
    return name + match.group(2) + REDACTED


#: NAME=value in shell lines and logfmt (``export MYSQL_PWD=x``, ``admin_pass=y``): the value is
#: redacted when the name says secret by the word rule (secret_name); ``key=`` alone is kept.
_ASSIGNMENT = re.compile(
    r"\b([A-Za-z][A-Za-z0-9_.-]*?[A-Za-z0-9])(\s?=\s?)(?!REDACTED)"
    r"(?=[^\s&\"'\\,;])[^\s&\"'\\,;]+"
)


def redact_text(text: str, name: str = "") -> str:
    """``text`` with every secret the rules know replaced; an ignition file becomes REDACTED.

    Journal JSON lines whose fields came as byte arrays are decoded first, so the rules see them:

    >>> line = '{"MESSAGE":[27,91,49,109,116,111,107,101,110,61,115,51,99,114,101,116]}'
    >>> redact_text(line)
    '{"MESSAGE": "token=REDACTED"}'
    """
    if name.endswith(".ign") or _is_ignition(text):
        return REDACTED + "\n"
    if '":[' in text or '": [' in text:
        text = decode_journal_arrays(text)
    if _MAY_MATCH.search(text) is None:
        return text  # no rule can match (most report messages): skip the 25 passes
    return _apply_rules(text)


#: A word every rule below needs to match (case-insensitive, as the rules are): one of the
#: secret key words, or a rule's own literal (``login``, ``curl``, ``Bearer``, ``sha256~``,
#: ``eyJ``, ``://``, ``data:`` ...). Text without any of them comes out of the rules unchanged,
#: so redact_text skips them; tests/test_redact.py checks the two agree.
_MAY_MATCH = re.compile(
    r"key|auth|pass|pw|token|secret|cred|docker|login|x-registry-|curl|bearer|basic|sha256~|"
    r"eyj|://|data:",
    re.I,
)


def _apply_rules(text: str) -> str:
    """Every text rule, in order, then the NAME=value assignments."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    if "=" in text:
        text = _ASSIGNMENT.sub(_assignment, text)
    return text


_BYTE_ARRAY = re.compile(r'"[A-Z_][A-Z0-9_]*"\s*:\s*\[\s*\d')


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def decode_journal_arrays(text: str) -> str:
    """JSON lines (``journalctl -o json``) with every field that is a list of byte values turned
    into text (UTF-8, bad bytes replaced, ANSI colour codes dropped); other lines unchanged.

    >>> decode_journal_arrays('{"MESSAGE":[104,105],"PRIORITY":"6"}')
    '{"MESSAGE": "hi", "PRIORITY": "6"}'
    """
    if not _BYTE_ARRAY.search(text):
        return text
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.startswith("{") and _BYTE_ARRAY.search(body):
            try:
                entry = json.loads(body)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                for key, value in entry.items():
                    if _is_bytes(value):
                        raw = bytes(value).decode("utf-8", errors="replace")
                        entry[key] = _ANSI.sub("", raw)
                line = json.dumps(entry) + line[len(body) :]
        out.append(line)
    return "".join(out)


def _is_bytes(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(type(v) is int and 0 <= v < 256 for v in value)
    )


def _is_ignition(text: str) -> bool:
    head = text.lstrip()[:4096]
    if not head.startswith("{") or '"ignition"' not in head:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return '"version"' in head
    return isinstance(data, dict) and isinstance(data.get("ignition"), dict)


#: Words that make a key or variable name say it holds a secret (after splitting the name into
#: words: ``MYSQL_PWD`` -> mysql, pwd; ``clientSecret`` -> client, secret). Whole words only, so
#: ``monkey``, ``keyring``, ``passthrough``, ``author`` or ``bypass`` are left alone.
SECRET_WORDS = frozenset(
    {
        *("pass", "passwd", "password", "passwords", "passphrase", "pwd", "pw"),
        *("secret", "secrets", "token", "tokens", "key", "keys", "apikey", "privatekey"),
        *("credential", "credentials", "creds", "cred", "auth", "htpasswd"),
        *("dockerconfigjson", "dockercfg", "pullsecret"),
    }
)
#: A last word that makes such a name point at a secret rather than hold one (``TOKEN_FILE``,
#: ``SECRET_NAME``, ``KEY_PATH``, ``AUTH_TYPE``): kept, unless the value itself looks secret.
REFERENCE_WORDS = frozenset(
    {
        *("file", "path", "dir", "name", "names", "ref", "url", "uri", "endpoint", "namespace"),
        *("type", "mode", "method", "algorithm", "id", "ttl", "expiry", "expiration"),
        *("seconds", "length", "size", "enabled", "required", "policy"),
    }
)
#: Names that are a secret word alone but, as a field of a Kubernetes object, name a taint, a
#: selector or a ConfigMap key (``{key: node-role.kubernetes.io/infra}``): only env entries and
#: ConfigMap/Secret data treat them as secret.
FIELD_NAMES_KEPT = frozenset({"key", "keys"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def secret_name(name: str) -> bool:
    """Whether a key or variable name says its value is a secret.

    >>> [secret_name(n) for n in ("MYSQL_PWD", "ADMIN_PASS", "clientSecret", "tls.key", "auth")]
    [True, True, True, True, True]
    >>> [secret_name(n) for n in ("monkey", "keyring", "TOKEN_FILE", "secretName", "HOME")]
    [False, False, False, False, False]
    """
    words = [w.lower() for w in _WORD.findall(name)]
    if not words or not any(w in SECRET_WORDS for w in words):
        return False
    return words[-1] not in REFERENCE_WORDS or words[-1] in SECRET_WORDS


#: How deep redact_object looks; anything deeper is replaced whole (it cannot be inspected).
MAX_DEPTH = 200
#: The longest string value parsed as embedded JSON (longer ones get the text rules only).
MAX_EMBEDDED_JSON = 1024 * 1024


def redact_object(obj: Any, kind: str | None = None) -> Any:
    """A cluster object (dict) with Secret values, secret-named env and config values, pull
    secrets, tokens and ignition contents redacted; ``kind`` is the object's kind when it does
    not say (an item of a ``SecretList``, or of a list file under ``secrets/``).

    Shared sub-objects are redacted once; a cycle or nesting past MAX_DEPTH becomes REDACTED.

    >>> redact_object({"kind": "SecretList", "items": [{"data": {"a": "c2VjcmV0"}}]})["items"]
    [{'data': {'a': 'REDACTED'}}]
    >>> redact_object({"env": [{"name": "MYSQL_PWD", "value": "x"}]})["env"][0]["value"]
    'REDACTED'
    """
    return _Redactor().object(obj, kind, 0)


class _Redactor:
    def __init__(self) -> None:
        #: id -> (the object, its redacted copy): the object is kept so its id is never reused
        #: by a later one (embedded JSON is parsed into short-lived objects)
        self.done: dict[int, tuple[Any, Any]] = {}
        self.open: set[int] = set()

    def object(self, obj: Any, kind: str | None, depth: int) -> Any:
        if isinstance(obj, str):  # an embedded kubeconfig, pull secret, ignition config ...
            embedded = self._embedded_json(obj, depth)
            if embedded is not None:
                return embedded
            return redact_text(obj).rstrip("\n") if "\n" not in obj else redact_text(obj)
        if isinstance(obj, bytes | bytearray):
            return self.object(bytes(obj).decode("utf-8", errors="replace"), kind, depth)
        if not isinstance(obj, dict | list | tuple):
            return obj
        key = id(obj)
        if key in self.done:
            return self.done[key][1]
        if key in self.open or depth > MAX_DEPTH:
            return REDACTED
        self.open.add(key)
        try:
            out = self._container(obj, kind, depth)
        finally:
            self.open.discard(key)
        self.done[key] = (obj, out)
        return out

    def _embedded_json(self, text: str, depth: int) -> str | None:
        """A string holding a JSON object (a config file in a ConfigMap, last-applied
        configuration), redacted as a structure; None when it is not one or nothing changed."""
        head = text.lstrip()[:1]
        if head not in ("{", "[") or len(text) > MAX_EMBEDDED_JSON:
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict | list):
            return None
        clean = self.object(data, None, depth + 1)
        return None if clean == data else json.dumps(clean)

    def _container(self, obj: Any, kind: str | None, depth: int) -> Any:
        if not isinstance(obj, dict):
            return [self.object(item, kind, depth + 1) for item in obj]
        own = obj.get("kind") if isinstance(obj.get("kind"), str) else None
        hint, kind = kind, own or kind
        item_kind = None
        if own and own.endswith("List") and own != "List":
            item_kind = own[: -len("List")]  # SecretList items carry no kind
        elif own in (None, "List") and isinstance(obj.get("items"), list):
            item_kind = hint  # a List, or a list file, under secrets/: its items are Secrets
        out: dict[Any, Any] = {}
        for k, v in obj.items():
            if k == "items" and isinstance(v, list):
                out[k] = [self.object(item, item_kind, depth + 2) for item in v]
            elif isinstance(k, str) and _secret_value(k, v):
                out[k] = REDACTED
            else:
                out[k] = self.object(v, None, depth + 1)
        name = out.get("name")
        if isinstance(name, str) and "value" in out and secret_name(name):
            out["value"] = REDACTED  # an env entry: {name: MYSQL_PWD, value: ...}
        if kind == "ConfigMap":
            for field in ("data", "binaryData"):
                if isinstance(out.get(field), dict):
                    out[field] = {
                        k: REDACTED if isinstance(k, str) and secret_name(k) and v else v
                        for k, v in out[field].items()
                    }
        if kind == "Secret":
            for field in ("data", "stringData"):
                if isinstance(out.get(field), dict):
                    out[field] = dict.fromkeys(out[field], REDACTED)
            meta = out.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
                meta["annotations"] = {
                    k: REDACTED if str(k).endswith("last-applied-configuration") else v
                    for k, v in meta["annotations"].items()
                }
        return out


#: With "key" the only secret word, a field of an object holds a secret only when another word
#: says which kind (``privateKey``, ``tls.key``, ``apiKey``); ``topologyKey`` names a label.
KEY_QUALIFIERS = frozenset(
    {"private", "api", "access", "secret", "client", "tls", "ssh", "signing", "encryption", "auth"}
)


def _secret_value(key: str, value: Any) -> bool:
    """A string stored under a secret-named field of an object: ``password: x``, ``db-token:
    y``, ``privateKey: z``; an empty value, a number, a bool or a structure is left to the walk.

    >>> _secret_value("topologyKey", "topology.kubernetes.io/zone"), _secret_value("tls.key", "x")
    (False, True)
    """
    if not isinstance(value, str | bytes) or not value or key.lower() in FIELD_NAMES_KEPT:
        return False
    if not secret_name(key):
        return False
    words = {w.lower() for w in _WORD.findall(key)}
    if words & SECRET_WORDS <= {"key", "keys"}:
        return bool(words & KEY_QUALIFIERS)
    return True
