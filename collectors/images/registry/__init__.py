"""A Docker Registry HTTP API v2 client: TLS with a given CA or the system store, credentials
from an auth.json / pull secret, Basic and Bearer challenges, manifests of every common media
type, blobs verified against their digest, one keep-alive connection pool, bounded
concurrency, a timeout on every call and retries (with backoff) only on 5xx and 429.

The API the checks (and other helpers) use::

    client = client_for(site)                   # the run's shared client (memoised on the Site)
    client = RegistryClient.from_inventory(inv) # or a new one: mirror.auth_file + mirror.ca_file
    client.ping("mirror:5000")                  # GET /v2/ -> Ping (raises FactError)
    client.has_manifest("mirror:5000/ocp4/openshift4@sha256:...")   # True/False, or FactError
    client.has_manifests(refs)                  # {ref: True | False | FactError}, in parallel
    client.image_manifest(ref)                  # the single-image manifest (index followed)
    client.read_file(ref, "release-manifests/image-references")     # bytes from the layers
    client.list_tags("mirror:5000/rhscl/nginx")  # every tag (paginated, bounded), None if no repo

Where a reference is pulled from under mirror rules:
``collectors.images.mirrors.map_reference(ref, rules)`` with rules from
``rules_from_install_config(doc)`` or ``rules_from_resource(icsp_or_idms)``.

Every failure other than "not there" (404) raises :class:`RegistryError` (a FactError) whose
message names the reference and the registry's answer, never a password or token.

Credentials (Basic, or the token got with them) go only to the registry they are for (same
scheme, host and effective port) and to the token realm that registry names in its own
challenge over verified https: a redirect to another host is followed without them, and that
host asking for authentication is an error naming it; a redirect from https to http is refused;
at most ten redirects are followed. Every manifest used is checked against its digest (asked by
digest: that one; by tag: the ``Docker-Content-Digest`` header), sha256 or sha512 only.

The modules, by job: ``errors`` (RegistryError), ``auth`` (challenges, Basic credentials, Bearer
tokens), ``manifests`` (media types, HEAD and GET), ``blobs`` (downloads, files from layers),
``tags`` (tag listings), ``redirects`` (redirects followed by hand), ``digests`` (content
checked against ``algorithm:hex``) and ``client`` (RegistryClient: sessions, retries, ping;
``client_for``). The names below are re-exported here.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collectors.images.registry.auth import parse_challenge
from collectors.images.registry.client import Ping, RegistryClient, client_for, system_ca
from collectors.images.registry.errors import RegistryError
from collectors.images.registry.manifests import (
    ACCEPT,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    IMAGE_TYPES,
    INDEX_TYPES,
    MAX_MANIFEST_BYTES,
    OCI_INDEX,
    OCI_MANIFEST,
    Manifest,
)

__all__ = [
    "ACCEPT",
    "DOCKER_LIST",
    "DOCKER_MANIFEST",
    "IMAGE_TYPES",
    "INDEX_TYPES",
    "MAX_MANIFEST_BYTES",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "Manifest",
    "Ping",
    "RegistryClient",
    "RegistryError",
    "client_for",
    "parse_challenge",
    "system_ca",
]
