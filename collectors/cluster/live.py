"""The cluster from a live API server, through the official ``kubernetes`` client: GET only.

Every read (discovery, lists, gets; core and other groups alike) is one plain GET through the
client's ``ApiClient``, which brings the kubeconfig's credentials, TLS and proxy settings; the
body is never preloaded: it is read in pieces under ``settings.API_MAX_BYTES`` and the
``settings.HTTP_TOTAL_TIMEOUT`` deadline, so a server that streams without end or drips costs
one resource's checks, not the run's memory. Objects are the raw JSON dicts a snapshot holds.
Discovery (``/api/v1``, ``/apis/<group>/<version>``) tells a resource that is not served from an
empty list. The client is imported on first use: it is slow to import and preflight runs never
need it. The kubeconfig is read first without it: a user entry with an ``exec`` or
``auth-provider`` plugin (a command the client would run here) is an error unless
``allow_exec``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from collectors import settings
from collectors.cluster.base import (
    ITEMS_REMEDIATION,
    Obj,
    ObjectMissing,
    PartialListing,
    ResourceMissing,
    kind_of,
    split_items,
)
from collectors.cluster.kubeconfig import describe, load_kubeconfig, plugin_error
from collectors.cluster.resources import Resource
from collectors.errors import FactError
from collectors.transport.httpbody import BodyError, read_body, release


def rbac_hint(res: Resource, verb: str, namespace: str | None) -> str:
    """The RBAC rule a 403 says is missing.

    >>> from collectors.cluster.resources import NODES
    >>> for part in rbac_hint(NODES, "list", None).split("; "):
    ...     print(part)
    RBAC verb "list" on resource "nodes" in API group "" (cluster-wide)
    e.g. oc adm policy add-cluster-role-to-user cluster-reader <user>
    """
    scope = f'in namespace "{namespace}"' if res.namespaced and namespace else "(cluster-wide)"
    return (
        f'RBAC verb "{verb}" on resource "{res.plural}" in API group "{res.group}" {scope}; '
        "e.g. oc adm policy add-cluster-role-to-user cluster-reader <user>"
    )


class LiveSource:
    """Reads from the API server named by a kubeconfig (its current context)."""

    def __init__(
        self, kubeconfig: str | Path, context: str | None = None, *, allow_exec: bool = False
    ) -> None:
        self.kubeconfig = str(Path(kubeconfig).expanduser())
        if not os.path.isfile(self.kubeconfig):
            raise FactError(f"kubeconfig {self.kubeconfig} does not exist")
        # Before the client reads it: loading runs the user's exec/auth-provider plugin
        # The data inspected is the data loaded (one read: no window for the file to change),
        # relative paths from the kubeconfig's folder, and never written back (no persister).
        doc = load_kubeconfig(self.kubeconfig)
        use = describe(doc, self.kubeconfig, context)
        if use.plugin and not allow_exec:
            raise plugin_error(use)
        from kubernetes import client
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.kube_config import KubeConfigLoader

        conf = client.Configuration()
        try:
            KubeConfigLoader(
                config_dict=doc,
                active_context=context,
                config_base_path=os.path.dirname(os.path.abspath(self.kubeconfig)),
            ).load_and_set(conf)
        except (ConfigException, OSError, ValueError, TypeError) as exc:
            raise FactError(f"kubeconfig {self.kubeconfig}: {exc}") from None
        except Exception as exc:  # yaml errors and the like: the file is the problem
            raise FactError(
                f"kubeconfig {self.kubeconfig} cannot be read: {type(exc).__name__}: {exc}"
            ) from None
        conf.retries = 1
        self.host = conf.host
        self.name = f"API {conf.host}"
        # Raw GETs, not CoreV1Api (it imports ~250 pydantic models: seconds on each worker) nor
        # CustomObjectsApi (with _preload_content=False it still reads an error body whole)
        self.api = client.ApiClient(conf)
        self._discovery: dict[str, set[str] | None] = {}
        #: Set by the first connection failure or timeout: later reads fail at once with it.
        self._down: str = ""
        self._lock = threading.Lock()
        self.timeout = (settings.TCP_TIMEOUT, settings.HTTP_TIMEOUT)

    # ------------------------------------------------------------------ plumbing

    def _fail(
        self, exc: BaseException, res: Resource, verb: str, namespace: str | None, name: str | None
    ) -> FactError:
        from kubernetes.client.exceptions import ApiException

        what = f"{verb} {res.qualified}" + (f" {namespace}/" if namespace else " ") + (name or "")
        what = what.rstrip()
        if isinstance(exc, FactError):  # a body over its cap or past its deadline
            return exc
        if isinstance(exc, ApiException):
            if exc.status == 403:
                return FactError(
                    f"{self.name}: forbidden to {what}: "
                    f"the credentials need {rbac_hint(res, verb, namespace)}"
                )
            if exc.status == 401:
                return FactError(
                    f"{self.name}: unauthorized to {what}: the token or client certificate in "
                    f"{self.kubeconfig} is not accepted (log in again: oc login)"
                )
            if exc.status == 404 and name:
                return ObjectMissing(res, name, namespace, self.name)
            if exc.status == 404:
                return ResourceMissing(res, self.name)
            return FactError(f"{self.name}: {what} answered HTTP {exc.status} {exc.reason}")
        import urllib3

        if isinstance(exc, OSError | urllib3.exceptions.HTTPError):
            self._down = self._down or f"{type(exc).__name__}: {_short(exc)}"
            return FactError(
                f"{self.name} unreachable for {what}: {type(exc).__name__}: {_short(exc)}"
            )
        if isinstance(exc, ValueError):  # the body was not JSON
            return FactError(
                f"{self.name}: {what} answered something that is not JSON: {_short(exc)}"
            )
        raise exc

    def _get(self, path: str) -> Any:
        """GET ``path`` with the kubeconfig's credentials: the decoded JSON object, its body read
        under API_MAX_BYTES and HTTP_TOTAL_TIMEOUT (BodyError past either); ApiException if
        the answer is not 2xx (its body read only up to HTTP_SMALL_BODY_BYTES)."""
        from kubernetes.client.exceptions import ApiException

        method, url, headers, _body, _post = self.api.param_serialize(
            "GET",
            path,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        # The REST layer never preloads: this is a RESTResponse over an unread urllib3 response
        answer = self.api.call_api(
            method, url, header_params=headers, _request_timeout=self.timeout
        )
        wire = _Wire(answer.response)
        what = f"{self.name}: GET {path}"
        try:
            if not 200 <= answer.status < 300:
                # the status is what counts; the text only rides along in the exception
                with contextlib.suppress(BodyError):
                    answer.data = read_body(
                        wire,
                        cap=settings.HTTP_SMALL_BODY_BYTES,
                        seconds=settings.HTTP_TIMEOUT,
                        what=what,
                    )
                raise ApiException(http_resp=answer)
            try:
                body = read_body(
                    wire,
                    cap=settings.API_MAX_BYTES,
                    seconds=settings.HTTP_TOTAL_TIMEOUT,
                    what=what,
                    hint="set UPI_API_MAX_BYTES to raise it",
                )
            except BodyError as exc:
                if exc.kind == "timeout":
                    raise BodyError(
                        f"{exc} (set UPI_HTTP_TOTAL_TIMEOUT to raise it)", exc.kind
                    ) from None
                raise
        finally:
            release(wire)
        return _decode(body)

    def served(self, res: Resource) -> bool:
        """Whether discovery lists the resource in its group/version (cached)."""
        if self._down:
            raise FactError(
                f"{self.name} unreachable for list {res.qualified} "
                f"(an earlier read failed: {self._down})"
            )
        base = res.api_base()
        with self._lock:
            if base not in self._discovery:
                try:
                    doc = self._get(base)
                    self._discovery[base] = {r.get("name") for r in doc.get("resources", [])}
                except Exception as exc:
                    from kubernetes.client.exceptions import ApiException

                    if isinstance(exc, ApiException) and exc.status == 404:
                        self._discovery[base] = None
                    else:
                        raise self._fail(exc, res, "list", None, None) from None
            names = self._discovery[base]
        return names is not None and res.plural in names

    # ------------------------------------------------------------------ reads

    def list(self, res: Resource, namespace: str | None = None) -> list[Obj]:
        if not self.served(res):
            raise ResourceMissing(
                res, f"{self.name} (discovery of {res.api_base()} does not list it)"
            )
        try:
            doc = self._get(res.api_path(namespace))
        except Exception as exc:
            raise self._fail(exc, res, "list", namespace, None) from None
        where = f"{self.name}: GET {res.api_path(namespace)}"
        items = doc.get("items") or []
        if not isinstance(items, list):
            raise FactError(f"{where}: items is {kind_of(items)}, not a list")
        objs, skipped = split_items(items, where)
        for obj in objs:  # list items carry no kind/apiVersion; give them the object's own
            obj.setdefault("kind", res.kind)
            obj.setdefault("apiVersion", res.group_version)
        if skipped:  # named and skipped; the objects beside them are kept
            broken = [(None, None, where, reason) for reason in skipped]
            raise PartialListing(res, objs, broken, ITEMS_REMEDIATION, skipped)
        return objs

    def get(self, res: Resource, name: str, namespace: str | None = None) -> Obj:
        if not self.served(res):
            raise ResourceMissing(
                res, f"{self.name} (discovery of {res.api_base()} does not list it)"
            )
        try:
            return self._get(res.api_path(namespace, name))
        except Exception as exc:
            raise self._fail(exc, res, "get", namespace, name) from None


class _Wire:
    """A urllib3 response in the shape read_body and release take (a ``requests`` one's)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def close(self) -> None:
        self.raw.close()


def _decode(body: bytes) -> dict[str, Any]:
    """The JSON object ``body`` holds; ValueError for anything else.

    >>> _decode(b'{"kind": "NodeList", "items": []}')["kind"]
    'NodeList'
    >>> _decode(b"[1]")
    Traceback (most recent call last):
    ...
    ValueError: a JSON list, not an object
    >>> _decode(b"[" * 200_000)
    Traceback (most recent call last):
    ...
    ValueError: nested deeper than can be decoded
    """
    try:
        doc = json.loads(body)
    except RecursionError:
        raise ValueError("nested deeper than can be decoded") from None
    if not isinstance(doc, dict):
        raise ValueError(f"a JSON {type(doc).__name__}, not an object")
    return doc


def _short(exc: BaseException) -> str:
    text = str(exc)
    reason = getattr(exc, "reason", None)
    if reason is not None:
        text = str(reason)
    return text.splitlines()[0][:300] if text else type(exc).__name__
