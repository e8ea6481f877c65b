"""Is an image in the mirror? The interface the postinstall checks use, over issue 4's client.

``lookups(site, refs)`` asks the mirror for every reference once per run (in parallel, cached,
with the run's shared client ``registry.client_for``);
``candidates(ref, rules, mirror_host)`` says where a disconnected cluster would pull ``ref``
from: through ICSP/IDMS for a digest, and only from the mirror host; ``find_components`` looks up
a release's components where mirror rules send them (mirror.release, upgrade.target).

>>> from collectors.images.mirrors import MirrorRule
>>> art = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
>>> rules = [MirrorRule(art, ("m:5000/ocp4/openshift4",))]
>>> [str(c)[:24] for c in candidates(f"{art}@sha256:" + "a" * 64, rules, "m:5000")]
['m:5000/ocp4/openshift4@s']
>>> candidates("registry.redhat.io/rhscl/nginx:latest", rules, "m:5000")
[]

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from collectors.errors import FactError, InputError
from collectors.images.imageref import ImageRef, ImageRefError, parse_reference, registry_key
from collectors.images.mirrors import MirrorRule, map_reference, matching_rules
from collectors.images.registry import client_for


def candidates(ref: str, rules: Iterable[MirrorRule], mirror_host: str) -> list[ImageRef]:
    """Where ``ref`` can be pulled from in a disconnected site: mirrors on ``mirror_host``."""
    try:
        parsed = parse_reference(ref)
    except ImageRefError as exc:
        raise InputError(ref, f"not an image reference: {exc}") from None
    host = registry_key(mirror_host)
    return [c for c in map_reference(parsed, list(rules)) if c.registry == host]


def lookups(site: Any, refs: Iterable[ImageRef]) -> dict[str, bool | FactError]:
    """``str(ref)`` -> present, or the FactError that says why the mirror could not tell.

    Digests are asked with ``HEAD``; tags into a repository holding two or more of them with one
    tag listing (``check_images``)."""
    wanted = list(dict.fromkeys(refs))
    cache: dict[str, bool | FactError] = site.memo("mirror_lookups", dict)
    todo = [r for r in wanted if str(r) not in cache]
    if todo:
        for ref, found in check_images(client_for(site), todo).items():
            cache[str(ref)] = found
    return {str(r): cache[str(r)] for r in wanted}


def check_images(client: Any, refs: Iterable[ImageRef]) -> dict[ImageRef, bool | FactError]:
    """Whether each image is in its registry: tag references grouped by repository and answered
    by one ``tags/list`` per repository with at least two of them (a repository the registry
    will not list falls back to one ``HEAD`` per tag), everything else by ``HEAD``.

    >>> class Fake:
    ...     calls = []
    ...     def list_tags(self, ref):
    ...         self.calls.append(f"list {ref.name}")
    ...         return {"1", "2"}
    ...     def has_manifests(self, refs):
    ...         refs = list(refs)
    ...         self.calls += [f"head {r}" for r in refs]
    ...         return {r: True for r in refs}
    ...     def map(self, fn, items):
    ...         return [fn(i) for i in items]
    >>> fake = Fake()
    >>> refs = [parse_reference(f"m:5000/a/b:{t}") for t in ("1", "2", "3")]
    >>> sorted(check_images(fake, refs).values()), fake.calls
    ([False, True, True], ['list m:5000/a/b'])
    """
    wanted = list(dict.fromkeys(refs))
    by_repo: dict[str, list[ImageRef]] = {}
    for ref in wanted:
        if not ref.digest:
            by_repo.setdefault(ref.name, []).append(ref)
    listed = {name: group for name, group in by_repo.items() if len(group) >= 2}
    out: dict[ImageRef, bool | FactError] = {}

    def listing(name: str) -> tuple[str, set[str] | None | FactError]:
        try:
            return name, client.list_tags(listed[name][0])
        except FactError as exc:
            return name, exc

    heads = [r for r in wanted if r.digest or r.name not in listed]
    for name, tags in client.map(listing, list(listed)):
        if isinstance(tags, FactError):
            heads += listed[name]  # not listable here: ask tag by tag
            continue
        for ref in listed[name]:
            out[ref] = tags is not None and (ref.tag or "latest") in tags
    if heads:
        out.update(client.has_manifests(heads))
    return {r: out[r] for r in wanted}


@dataclass(frozen=True)
class ComponentLookup:
    """One component: its source reference, where it was looked for, and whether it was found."""

    name: str
    source: ImageRef
    candidates: tuple[ImageRef, ...]
    found: bool
    rule: str = ""


def find_components(
    client: Any,
    components: dict[str, ImageRef],
    rules: list[MirrorRule],
    mirror_hosts: Iterable[str],
    where: str,
) -> tuple[ComponentLookup, ...]:
    """Look up a release's components where ``rules`` send them (what mirror.release and
    upgrade.target share): each component's mirrors, or the reference itself when it already
    names a mirror host; all asked in one parallel batch. Raises FactError naming ``where``
    when the registry could not tell for some."""
    hosts = set(mirror_hosts)
    plan: dict[str, tuple[ImageRef, list[ImageRef], str]] = {}
    for name, ref in components.items():
        found_at = map_reference(ref, rules, include_source=False)
        chosen = matching_rules(ref, rules)
        rule = chosen[0].origin if chosen else ""
        if not found_at and ref.registry in hosts:
            found_at = [ref]  # already points into the mirror
        plan[name] = (ref, found_at, rule)
    answers = client.has_manifests(c for _, cands, _ in plan.values() for c in cands)
    lookups_: list[ComponentLookup] = []
    errors: list[str] = []
    first: FactError | None = None
    for name, (ref, found_at, rule) in plan.items():
        results = [answers[c] for c in found_at]
        found = any(r is True for r in results)
        if not found:
            errors += [f"{name}: {r}" for r in results if isinstance(r, FactError)]
            first = first or next((r for r in results if isinstance(r, FactError)), None)
        lookups_.append(ComponentLookup(name, ref, tuple(found_at), found, rule))
    if errors:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise FactError(
            f"{where}: could not look up {len(errors)} component(s): "
            + "; ".join(errors[:3])
            + more
        ).because(first)
    return tuple(lookups_)
