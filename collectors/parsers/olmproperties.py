"""The ``olm.maxOpenShiftVersion`` property of a ClusterServiceVersion (pure, no I/O).

OLM reads the property from the CSV's ``operatorframework.io/properties`` annotation (or the
older ``olm.properties``): JSON, either ``{"properties": [...]}`` or a bare list of
``{"type": ..., "value": ...}``. A value such as ``"4.9"`` (or ``4.9``, or ``"4.9.3"``: OLM
compares major.minor) means the operator blocks a cluster update to 4.10.

>>> ann = {"operatorframework.io/properties":
...        '{"properties":[{"type":"olm.maxOpenShiftVersion","value":"4.9"}]}'}
>>> max_openshift_version(ann, "ns/csv")
MaxVersion(value='4.9', minor=(4, 9), annotation='operatorframework.io/properties')
>>> max_openshift_version({"olm.properties": '[]'}, "ns/csv") is None
True

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from collectors.errors import InputError

ANNOTATIONS = ("operatorframework.io/properties", "olm.properties")
PROPERTY = "olm.maxOpenShiftVersion"
#: The longest annotation parsed (real ones are a few hundred bytes).
MAX_ANNOTATION_BYTES = 256 * 1024
_VERSION = re.compile(r"^v?(\d{1,4})\.(\d{1,4})(?:\.\d{1,6})?(?:[-+][0-9A-Za-z.-]*)?$")


@dataclass(frozen=True)
class MaxVersion:
    """The property's text, its (major, minor), and the annotation it came from."""

    value: str
    minor: tuple[int, int]
    annotation: str


def minor_of(version: str) -> tuple[int, int] | None:
    """``(major, minor)`` of ``4.9``, ``4.9.3``, ``v4.10.0-rc.1``; None for anything else.

    >>> minor_of("4.10.0-rc.1"), minor_of("4"), minor_of("four")
    ((4, 10), None, None)
    """
    m = _VERSION.match(version.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _properties(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("properties"), list):
        return doc["properties"]
    return None


def max_openshift_version(annotations: dict[str, Any], where: str) -> MaxVersion | None:
    """The CSV's olm.maxOpenShiftVersion, or None when no annotation sets it; InputError naming
    ``where`` and the annotation when one does not parse, or sets it twice or unreadably (OLM
    then refuses the update as well)."""
    found: MaxVersion | None = None
    for name in ANNOTATIONS:
        text = annotations.get(name)
        if text is None:
            continue
        source = f"{where}: annotation {name}"
        if not isinstance(text, str):
            raise InputError(source, "is not a string of JSON")
        if len(text) > MAX_ANNOTATION_BYTES:
            raise InputError(source, f"is longer than {MAX_ANNOTATION_BYTES} bytes; not read")
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            raise InputError(source, "is not JSON") from None
        props = _properties(doc)
        if props is None:
            raise InputError(source, 'is neither {"properties": [...]} nor a list')
        for i, prop in enumerate(props):
            if not isinstance(prop, dict) or prop.get("type") != PROPERTY:
                continue
            key = f"properties[{i}].value"
            value = prop.get("value")
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InputError(
                    source, f"{PROPERTY} is not a version (OLM blocks the update on it)", key=key
                )
            text_value = str(value)
            minor = minor_of(text_value)
            if minor is None:
                raise InputError(
                    source,
                    f"{PROPERTY} {text_value[:40]!r} is not a version (OLM blocks the update on "
                    "it)",
                    key=key,
                )
            if found is not None and found.minor != minor:
                raise InputError(
                    source,
                    f"{PROPERTY} set twice ({found.value} and {text_value}); OLM refuses both",
                    key=key,
                )
            found = found or MaxVersion(text_value, minor, name)
    return found
