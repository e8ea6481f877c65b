"""The cluster from a live API server, through the official ``kubernetes`` client: GET only.

Every group goes through ``CustomObjectsApi``; core resources and discovery are plain GETs
through the same ``ApiClient`` (raw JSON, so objects are the same dicts a snapshot holds).
Discovery (``/api/v1``, ``/apis/<group>/<version>``) tells a resource that is not served from an
empty list. The client
is imported on first use: it is slow to import and preflight runs never need it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from collectors import settings
from collectors.cluster.base import Obj, ObjectMissing, ResourceMissing
from collectors.cluster.resources import Resource
from collectors.errors import FactError


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

    def __init__(self, kubeconfig: str | Path, context: str | None = None) -> None:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        self.kubeconfig = str(Path(kubeconfig).expanduser())
        if not os.path.isfile(self.kubeconfig):
            raise FactError(f"kubeconfig {self.kubeconfig} does not exist")
        conf = client.Configuration()
        try:
            config.load_kube_config(
                config_file=self.kubeconfig, context=context, client_configuration=conf
            )
        except (ConfigException, OSError, ValueError, TypeError) as exc:
            raise FactError(f"kubeconfig {self.kubeconfig}: {exc}") from None
        except Exception as exc:  # yaml errors and the like: the file is the problem
            raise FactError(
                f"kubeconfig {self.kubeconfig} cannot be read: {type(exc).__name__}: {exc}"
            ) from None
        conf.retries = 1
        self.host = conf.host
        self.name = f"API {conf.host}"
        self.api = client.ApiClient(conf)
        # CustomObjectsApi for every group; core paths and discovery as raw GETs through the
        # same ApiClient (CoreV1Api would import ~250 pydantic models: seconds on each worker)
        self.custom = client.CustomObjectsApi(self.api)
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
        """GET ``path`` with the kubeconfig's credentials; decoded JSON, ApiException if not 2xx."""
        from kubernetes.client.exceptions import ApiException

        method, url, headers, _body, _post = self.api.param_serialize(
            "GET", path, auth_settings=["BearerToken"]
        )
        response = self.api.call_api(
            method, url, header_params=headers, _request_timeout=self.timeout
        )
        response.read()
        if not 200 <= response.status < 300:
            raise ApiException(http_resp=response)
        return _json(response)

    def _discover(self, res: Resource) -> Any:
        """GET ``/api/v1`` or ``/apis/<group>/<version>``; returns the APIResourceList."""
        if not res.group:
            return self._get(res.api_base())
        return _json(
            self.custom.get_api_resources(
                res.group, res.version, _preload_content=False, _request_timeout=self.timeout
            )
        )

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
                    doc = self._discover(res)
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
            if not res.group:
                doc = self._get(res.api_path(namespace))
            elif res.namespaced and namespace:
                doc = self.custom.list_namespaced_custom_object(
                    res.group, res.version, namespace, res.plural, _request_timeout=self.timeout
                )
            else:
                doc = self.custom.list_cluster_custom_object(
                    res.group, res.version, res.plural, _request_timeout=self.timeout
                )
        except Exception as exc:
            raise self._fail(exc, res, "list", namespace, None) from None
        items = doc.get("items") or []
        for obj in items:  # list items carry no kind/apiVersion; give them the object's own
            obj.setdefault("kind", res.kind)
            obj.setdefault("apiVersion", res.group_version)
        return items

    def get(self, res: Resource, name: str, namespace: str | None = None) -> Obj:
        if not self.served(res):
            raise ResourceMissing(
                res, f"{self.name} (discovery of {res.api_base()} does not list it)"
            )
        try:
            if not res.group:
                return self._get(res.api_path(namespace, name))
            if res.namespaced:
                return self.custom.get_namespaced_custom_object(
                    res.group,
                    res.version,
                    namespace,
                    res.plural,
                    name,
                    _request_timeout=self.timeout,
                )
            return self.custom.get_cluster_custom_object(
                res.group, res.version, res.plural, name, _request_timeout=self.timeout
            )
        except Exception as exc:
            raise self._fail(exc, res, "get", namespace, name) from None


def _json(response: Any) -> Any:
    """The decoded body of a response read with ``_preload_content=False``."""
    data = getattr(response, "data", None)
    if not isinstance(data, bytes | str):
        data = response.read()
    return json.loads(data)


def _short(exc: BaseException) -> str:
    text = str(exc)
    reason = getattr(exc, "reason", None)
    if reason is not None:
        text = str(reason)
    return text.splitlines()[0][:300] if text else type(exc).__name__
