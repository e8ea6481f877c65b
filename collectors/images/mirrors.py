"""Mirror rules: install-config ``imageContentSources`` / ``imageDigestSources``,
ImageContentSourcePolicy, ImageDigestMirrorSet and ImageTagMirrorSet, and where a reference
is pulled from under them (the semantics of containers-registries.conf that the MCO renders).

- A source is ``host[:port]``, ``host[:port]/namespace...[/repo]`` or ``*.domain``; it matches
  a reference on registry/namespace/repository boundaries (``quay.io/a`` matches
  ``quay.io/a/b`` but not ``quay.io/ab``). Sources and mirrors are read in
  ``imageref.registry_key`` form: ``host:443`` is ``host``.
- Only the most specific matching source applies (longest prefix; an exact prefix beats a
  wildcard); rules with that same source are merged, mirror order kept, duplicates dropped.
- Digest-only rules (imageContentSources, imageDigestSources, ICSP, IDMS) apply only to a
  reference with a digest; tag rules (ITMS) only to one without.
- The mirrors are tried in order, then the source itself unless ``NeverContactSource``.

>>> rules = rules_from_install_config({"imageContentSources": [
...     {"source": "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
...      "mirrors": ["mirror:5000/ocp4/openshift4"]}]})
>>> ref = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "a" * 64
>>> [str(c)[:30] for c in map_reference(ref, rules)]
['mirror:5000/ocp4/openshift4@sh', 'quay.io/openshift-release-dev/']
>>> [str(c)[:28] for c in map_reference(ref, rules, include_source=False)]
['mirror:5000/ocp4/openshift4@']

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError
from collectors.images.imageref import ImageRef, ImageRefError, canonical_name, parse_reference

NEVER_CONTACT_SOURCE = "NeverContactSource"
ALLOW_CONTACTING_SOURCE = "AllowContactingSource"


@dataclass(frozen=True)
class MirrorRule:
    """One source and its mirrors, in the order they are tried.

    ``digest_only``: the mirrors serve pulls by digest only (ICSP/IDMS semantics);
    ``source_policy``: ``NeverContactSource`` stops the fallback to the source.
    ``origin`` says where the rule came from, for messages (e.g. ``imageContentSources[1]``).
    """

    source: str
    mirrors: tuple[str, ...]
    digest_only: bool = True
    source_policy: str = ""
    origin: str = ""

    @property
    def is_wildcard(self) -> bool:
        return self.source.startswith("*.")


# --------------------------------------------------------------------------- matching


def _host(registry: str) -> str:
    if registry.startswith("["):
        return registry.split("]", 1)[0] + "]"
    return registry.split(":", 1)[0]


def source_matches(source: str, ref: ImageRef) -> bool:
    """Whether ``source`` matches ``ref`` on a registry/namespace/repository boundary.

    >>> r = parse_reference("quay.io/a/b:1")
    >>> sources = ("quay.io", "quay.io/a", "quay.io/a/b", "quay.io/ab", "*.io", "quay.io:5000")
    >>> [source_matches(s, r) for s in sources]
    [True, True, True, False, True, False]
    >>> source_matches("Quay.io:443/a", r)  # https's default port: the same registry
    True
    """
    source = canonical_name(source.strip().rstrip("/"))
    if source.startswith("*."):
        return _host(ref.registry).endswith(source[1:])
    name = ref.name
    return name == source or name.startswith(source + "/")


def _specificity(rule: MirrorRule) -> tuple[int, int]:
    """Exact prefixes beat wildcards; longer beats shorter."""
    return (0, len(rule.source)) if rule.is_wildcard else (1, len(rule.source))


def matching_rules(ref: ImageRef, rules: Iterable[MirrorRule]) -> list[MirrorRule]:
    """The rules of the most specific source that matches ``ref`` and applies to its kind
    (digest or tag); several when rules repeat that source."""
    kind_ok = [r for r in rules if r.digest_only == bool(ref.digest)]
    hits = [r for r in kind_ok if source_matches(r.source, ref)]
    if not hits:
        return []
    best = max(_specificity(r) for r in hits)
    chosen = [r for r in hits if _specificity(r) == best]
    source = chosen[0].source.rstrip("/")
    return [r for r in chosen if r.source.rstrip("/") == source]


def _rewrite(ref: ImageRef, source: str, mirror: str) -> ImageRef:
    source = source.rstrip("/")
    mirror = mirror.rstrip("/")
    rest = ref.repository if source.startswith("*.") else ref.name[len(source) :].lstrip("/")
    target = f"{mirror}/{rest}" if rest else mirror
    return parse_reference(target + (f"@{ref.digest}" if ref.digest else f":{ref.tag or 'latest'}"))


def map_reference(
    ref: ImageRef | str, rules: Iterable[MirrorRule], *, include_source: bool = True
) -> list[ImageRef]:
    """Where ``ref`` is pulled from, in order: each mirror of the most specific matching
    source, then ``ref`` itself (unless NeverContactSource or ``include_source=False``).

    With no matching rule the answer is ``[ref]`` (or ``[]`` without the source).
    A mirror that does not make a valid reference is skipped.
    """
    if isinstance(ref, str):
        ref = parse_reference(ref)
    chosen = matching_rules(ref, list(rules))
    out: list[ImageRef] = []
    never = any(r.source_policy == NEVER_CONTACT_SOURCE for r in chosen)
    for rule in chosen:
        for mirror in rule.mirrors:
            try:
                candidate = _rewrite(ref, rule.source, mirror)
            except ImageRefError:
                continue
            if candidate not in out:
                out.append(candidate)
    if include_source and not never and ref not in out:
        out.append(ref)
    return out


# --------------------------------------------------------------------------- reading rules


def _entries(value: Any, where: str, key: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(where, "must be a list of {source, mirrors}", key=key)
    for i, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("source"), str)
            or not item["source"]
        ):
            raise InputError(where, "each entry needs a source (a string)", key=f"{key}[{i}]")
        mirrors = item.get("mirrors") or []
        if not isinstance(mirrors, list) or not all(isinstance(m, str) for m in mirrors):
            raise InputError(where, "mirrors must be a list of strings", key=f"{key}[{i}].mirrors")
    return value


def _rule(item: dict[str, Any], *, digest_only: bool, policy_key: str, origin: str) -> MirrorRule:
    return MirrorRule(
        source=canonical_name(item["source"].strip().rstrip("/")),
        mirrors=tuple(canonical_name(m.strip().rstrip("/")) for m in item.get("mirrors") or []),
        digest_only=digest_only,
        source_policy=str(item.get(policy_key) or ""),
        origin=origin,
    )


def rules_from_install_config(
    doc: dict[str, Any], where: str = "install-config.yaml"
) -> list[MirrorRule]:
    """Digest-only rules from ``imageContentSources`` (deprecated) and ``imageDigestSources``."""
    if not isinstance(doc, dict):
        raise InputError(where, "must be a YAML mapping")
    rules: list[MirrorRule] = []
    for key, policy in (("imageContentSources", ""), ("imageDigestSources", "sourcePolicy")):
        for i, item in enumerate(_entries(doc.get(key), where, key)):
            rules.append(
                _rule(item, digest_only=True, policy_key=policy or "-", origin=f"{key}[{i}]")
            )
    return rules


#: kind -> (spec list key, digest only, policy key)
_KINDS = {
    "ImageContentSourcePolicy": ("repositoryDigestMirrors", True, "-"),
    "ImageDigestMirrorSet": ("imageDigestMirrors", True, "mirrorSourcePolicy"),
    "ImageTagMirrorSet": ("imageTagMirrors", False, "mirrorSourcePolicy"),
}


def rules_from_resource(obj: dict[str, Any], where: str = "") -> list[MirrorRule]:
    """Rules from one cluster object (ICSP, IDMS or ITMS), e.g. read from a must-gather."""
    kind = obj.get("kind", "") if isinstance(obj, dict) else ""
    if kind not in _KINDS:
        raise InputError(where or "resource", f"not an ICSP, IDMS or ITMS (kind {kind!r})")
    key, digest_only, policy = _KINDS[kind]
    name = (obj.get("metadata") or {}).get("name", "?")
    where = where or f"{kind}/{name}"
    items = _entries((obj.get("spec") or {}).get(key), where, f"spec.{key}")
    return [
        _rule(
            item,
            digest_only=digest_only,
            policy_key=policy,
            origin=f"{kind}/{name} spec.{key}[{i}]",
        )
        for i, item in enumerate(items)
    ]
