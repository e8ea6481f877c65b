"""Tag listings: ``GET /v2/<repo>/tags/list?n=N``, following ``Link: <...>; rel="next"`` pages,
bounded in pages and bytes (``settings.TAGS_*``).

One listing answers for every tag reference into a repository, so a lookup of many tags in one
repository costs a page or two instead of one ``HEAD`` per tag.

>>> next_page('</v2/a/b/tags/list?last=x&n=2>; rel="next"')
'/v2/a/b/tags/list?last=x&n=2'
>>> next_page("") is None
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re

from collectors import settings
from collectors.images.imageref import ImageRef
from collectors.images.registry.errors import RegistryError
from collectors.images.registry.manifests import _read_limited
from collectors.transport.httpbody import release

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_page(link_header: str) -> str | None:
    """The path of the next page named by a ``Link`` header, or None."""
    m = _LINK.search(link_header or "")
    if not m:
        return None
    target = m.group(1)
    if target.startswith("https://") or target.startswith("http://"):
        target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
    return target


class TagsMixin:
    """The tag listing call of :class:`~collectors.images.registry.client.RegistryClient`."""

    def list_tags(self, ref: ImageRef | str, *, max_pages: int | None = None) -> set[str] | None:
        """Every tag of ``ref``'s repository; None when the registry has no such repository
        (404). Raises RegistryError when it cannot tell (denied, garbage, more pages than
        ``max_pages``: then the caller looks tags up one by one)."""
        ref = self._as_ref(ref)  # type: ignore[attr-defined]
        pages = max_pages if max_pages is not None else settings.TAGS_MAX_PAGES
        path: str | None = f"/v2/{ref.repository}/tags/list?n={settings.TAGS_PAGE_SIZE}"
        tags: set[str] = set()
        what = f"{ref.name} (tags/list)"
        for _ in range(max(1, pages)):
            assert path is not None
            resp = self.request(  # type: ignore[attr-defined]
                "GET",
                ref.api_host,
                path,
                repository=ref.repository,
                what=what,
                stream=True,
            )
            try:
                if resp.status_code == 404:
                    return tags if tags else None
                body = _read_limited(resp, settings.TAGS_MAX_PAGE_BYTES, what)
                link = resp.headers.get("Link", "")
            finally:
                release(resp)
            try:
                doc = json.loads(body)
                page = doc.get("tags") or []
                if not isinstance(page, list):
                    raise ValueError("tags is not a list")
            except (ValueError, AttributeError, UnicodeDecodeError):
                raise RegistryError(
                    f"{what}: the answer is not a tag list ({len(body)} bytes)", kind="protocol"
                ) from None
            tags.update(str(t) for t in page)
            path = next_page(link)
            if path is None:
                return tags
        raise RegistryError(f"{what}: more than {pages} pages of tags", kind="protocol")
