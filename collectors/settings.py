"""Timeouts, caps and concurrency for every collector, set in one place.

Every network call the suite makes takes its timeout from here, and every read of outside input
(an HTTP body, SSH output, a snapshot file, YAML) its size cap, so no run can hang or exhaust the
machine. Each is read once at import from the ``UPI_*`` environment variable named beside it; to
raise one for a run, set it in the environment, e.g. ``UPI_HTTP_MAX_BYTES=1073741824 pytest ...``
(the README lists them all). A value that does not parse keeps the default.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


#: One DNS query (per try; UDP then TCP fallback).
DNS_TIMEOUT = _seconds("UPI_DNS_TIMEOUT", 2.0)
#: One TCP connect to a load balancer port.
TCP_TIMEOUT = _seconds("UPI_TCP_TIMEOUT", 3.0)
#: SSH connect and authentication; and each remote command.
SSH_CONNECT_TIMEOUT = _seconds("UPI_SSH_CONNECT_TIMEOUT", 8.0)
SSH_COMMAND_TIMEOUT = _seconds("UPI_SSH_COMMAND_TIMEOUT", 30.0)
#: The most one remote command's stdout (or stderr) may hold in memory; the end is kept.
SSH_MAX_OUTPUT_BYTES = int(_seconds("UPI_SSH_MAX_OUTPUT_BYTES", 512 * 1024 * 1024))
#: One HTTP request (bastion web root, registry, API).
HTTP_TIMEOUT = _seconds("UPI_HTTP_TIMEOUT", 10.0)
#: One whole response body (a registry blob, a web-root file, an API server's answer): a server
#: that drips bytes is cut off after this (HTTP_TIMEOUT only bounds each read); and the largest
#: blob read.
HTTP_TOTAL_TIMEOUT = _seconds("UPI_HTTP_TOTAL_TIMEOUT", 600.0)
BLOB_MAX_BYTES = int(_seconds("UPI_BLOB_MAX_BYTES", 8 * 1024**3))
#: Parallel requests against one server (registry lookups, host collection).
MAX_CONCURRENCY = int(_seconds("UPI_MAX_CONCURRENCY", 16))
#: Extra tries of an HTTP request answered 5xx or 429 (registry), and the first backoff
#: (doubled each try; a Retry-After header is honoured up to 4 times this).
HTTP_RETRIES = int(_seconds("UPI_HTTP_RETRIES", 4))
HTTP_BACKOFF = _seconds("UPI_HTTP_BACKOFF", 0.25)
#: Snapshots (``--snapshot``, and the bundle made from one): the largest YAML/JSON file or
#: archive member read (a bigger one is an error naming it); the most read of one snapshot in
#: total, objects and kept logs together (what is over it is skipped and recorded); and the
#: deadline for reading it (an archive is decompressed once, in chunks: a gzip or xz bomb costs
#: time up to this, never memory). Raise them with e.g. ``UPI_SNAPSHOT_MAX_TOTAL_BYTES=4e9``.
SNAPSHOT_MAX_MEMBER_BYTES = int(_seconds("UPI_SNAPSHOT_MAX_MEMBER_BYTES", 256 * 1024 * 1024))
SNAPSHOT_MAX_TOTAL_BYTES = int(_seconds("UPI_SNAPSHOT_MAX_TOTAL_BYTES", 768 * 1024 * 1024))
SNAPSHOT_TIMEOUT = _seconds("UPI_SNAPSHOT_TIMEOUT", 300.0)
#: ``python -m reports merge`` over a bundle: the most members and uncompressed bytes scanned
#: for its ``results/report.json`` (a tar of a million empty members is refused at the cap, in
#: flat memory, instead of costing minutes and a member list).
MERGE_MAX_MEMBERS = int(_seconds("UPI_MERGE_MAX_MEMBERS", 100_000))
MERGE_MAX_ARCHIVE_BYTES = int(_seconds("UPI_MERGE_MAX_ARCHIVE_BYTES", 2 * 1024**3))
#: Triage collection: a whole host, and the most kept of one source (the last bytes / entries).
COLLECT_HOST_TIMEOUT = _seconds("UPI_COLLECT_HOST_TIMEOUT", 300.0)
COLLECT_MAX_BYTES = int(_seconds("UPI_COLLECT_MAX_BYTES", 64 * 1024 * 1024))
COLLECT_MAX_LINES = int(_seconds("UPI_COLLECT_MAX_LINES", 200_000))
#: The most of one HTTP body read (a bastion file hashed); a bigger body is an error, not a hang.
#: (HTTP_TOTAL_TIMEOUT above: one whole HTTP request, however slowly the server sends.)
HTTP_MAX_BYTES = int(_seconds("UPI_HTTP_MAX_BYTES", 256 * 1024 * 1024))
#: The largest body read from the API server (``--kubeconfig``): one list, object or discovery
#: document. A big cluster's pod list is tens of MiB; a bigger body errors only the checks that
#: need that resource (decoded, it takes several times this in memory). Its deadline is
#: HTTP_TOTAL_TIMEOUT; an error answer (403, 404) is read only up to HTTP_SMALL_BODY_BYTES.
API_MAX_BYTES = int(_seconds("UPI_API_MAX_BYTES", 512 * 1024 * 1024))
#: YAML read from outside (inventory, install-config, snapshot objects, catalog): the most nodes
#: aliases may add when expanded (an alias bomb is refused, naming the file), and the deepest
#: nesting (Kubernetes objects nest about 30 deep; deeper input is refused, not recursed into).
YAML_MAX_ALIAS_NODES = int(_seconds("UPI_YAML_MAX_ALIAS_NODES", 10_000))
YAML_MAX_DEPTH = int(_seconds("UPI_YAML_MAX_DEPTH", 100))
#: The most read of a small HTTP reply (a registry token, an error page); the registry ping's
#: body is never read. Both under HTTP_TIMEOUT for the whole reply, however slowly it arrives.
HTTP_SMALL_BODY_BYTES = int(_seconds("UPI_HTTP_SMALL_BODY_BYTES", 1024 * 1024))
#: Registry tag listings (``GET /v2/<repo>/tags/list``, paginated by Link headers): tags asked
#: per page, the most pages read for one repository (beyond that the tags left are looked up
#: one by one), and the largest page body.
TAGS_PAGE_SIZE = int(_seconds("UPI_TAGS_PAGE_SIZE", 1000))
TAGS_MAX_PAGES = int(_seconds("UPI_TAGS_MAX_PAGES", 20))
TAGS_MAX_PAGE_BYTES = int(_seconds("UPI_TAGS_MAX_PAGE_BYTES", 4 * 1024 * 1024))
#: The largest catalog manifest read (mapping.txt, ICSP/IDMS/CatalogSource YAML of
#: ``oc adm catalog mirror`` or oc-mirror).
CATALOG_FILE_MAX_BYTES = int(_seconds("UPI_CATALOG_FILE_MAX_BYTES", 256 * 1024 * 1024))
#: The largest local input file read (the inventory, an auth file, the install-config, a CA
#: file): a bigger one, or one that is not a regular file (a fifo, a device), is an error.
LOCAL_FILE_MAX_BYTES = int(_seconds("UPI_LOCAL_FILE_MAX_BYTES", 64 * 1024 * 1024))
#: The largest file of a bundle's record (``facts/<check>.json``) written or read back, and of
#: one recorded fact: a bigger one is left out of the record (its check errors offline, saying
#: so) or refused when read.
RECORD_MAX_BYTES = int(_seconds("UPI_RECORD_MAX_BYTES", 64 * 1024 * 1024))
#: ``python -m collectors --bundle``: the longest the checks may take gathering the record.
RECORD_RUN_TIMEOUT = _seconds("UPI_RECORD_RUN_TIMEOUT", 1800.0)
#: Zone files (``draft-inventory --zone``): the most names one zone may hold, ``$GENERATE``
#: expansions counted before dnspython sees them and every record counted as it is read; and
#: the most bytes the file and its ``$GENERATE`` lines expanded may make. Over either, an error
#: naming the file and the line.
ZONE_MAX_NAMES = int(_seconds("UPI_ZONE_MAX_NAMES", 100_000))
ZONE_MAX_BYTES = int(_seconds("UPI_ZONE_MAX_BYTES", 16 * 1024 * 1024))
#: GnuPG (``collectors.images.gpg``: release signatures): the longest one ``gpg`` run may take;
#: the largest signature read (the CVO reads 50 KiB of one); the largest keyring entry of
#: ``release-verification`` and the most keys it may hold (more: that entry is not used, named);
#: the most bytes ``gpg`` may write (plaintext and status each; a file limit kills it beyond).
GPG_TIMEOUT = _seconds("UPI_GPG_TIMEOUT", 20.0)
SIGNATURE_MAX_BYTES = int(_seconds("UPI_SIGNATURE_MAX_BYTES", 64 * 1024))
KEYRING_MAX_BYTES = int(_seconds("UPI_KEYRING_MAX_BYTES", 1024 * 1024))
KEYRING_MAX_KEYS = int(_seconds("UPI_KEYRING_MAX_KEYS", 32))
GPG_MAX_OUTPUT = int(_seconds("UPI_GPG_MAX_OUTPUT", 1024 * 1024))
