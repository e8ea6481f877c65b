"""Content digests (``algorithm:hex``) checked against bytes: sha256 and sha512 only; any other
algorithm, or a malformed digest, is an error (content that cannot be checked is not used).

>>> digest_of(b"{}")
'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
>>> matches(digest_of(b"{}"), b"{}"), matches(digest_of(b"{}"), b"[]")
(True, False)
>>> hasher("md5:0123", "ref")
Traceback (most recent call last):
...
collectors.images.registry.errors.RegistryError: ref: digest 'md5:0123' cannot be checked \
(algorithm md5; only sha256 and sha512 are)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from collectors.images.registry.errors import RegistryError

#: algorithm -> (hash constructor, hex digits).
ALGORITHMS: dict[str, tuple[Any, int]] = {
    "sha256": (hashlib.sha256, 64),
    "sha512": (hashlib.sha512, 128),
}


def hasher(digest: str, what: str) -> Any:
    """A fresh hash object for ``digest``'s algorithm; RegistryError (kind ``integrity``)
    naming ``what`` when the algorithm is not one we check or the hex part is malformed."""
    algo, _, hexpart = digest.partition(":")
    if algo not in ALGORITHMS:
        raise RegistryError(
            f"{what}: digest {digest[:80]!r} cannot be checked (algorithm {algo[:20] or 'none'}; "
            f"only {' and '.join(ALGORITHMS)} are)",
            kind="integrity",
        )
    make, width = ALGORITHMS[algo]
    if not re.fullmatch(f"[0-9a-f]{{{width}}}", hexpart):
        raise RegistryError(
            f"{what}: digest {digest[:80]!r} is malformed ({algo} has {width} lower-case hex "
            "digits)",
            kind="integrity",
        )
    return make()


def digest_of(body: bytes, algo: str = "sha256") -> str:
    """``algo:hex`` of ``body``."""
    return f"{algo}:{ALGORITHMS[algo][0](body).hexdigest()}"


def matches(digest: str, body: bytes, what: str = "content") -> bool:
    """Whether ``body`` hashes to ``digest`` (RegistryError when it cannot be checked)."""
    h = hasher(digest, what)
    h.update(body)
    return f"{digest.partition(':')[0]}:{h.hexdigest()}" == digest
