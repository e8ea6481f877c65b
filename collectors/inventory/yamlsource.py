"""The inventory's YAML composed by hand, so that every key keeps the line it was written on (for
messages that name the line) and a key given twice is an error, not a silent overwrite.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from collectors import yamlio
from collectors.errors import InputError
from collectors.inventory.model import InventoryError


def compose(text: str, path: Path) -> tuple[Any, dict[str, int]]:
    """Parse YAML, returning plain data and a map from dotted key path to 1-based line."""
    lines: dict[str, int] = {}
    scalars = yaml.SafeLoader("")

    def build(node: Any, key: str) -> Any:
        lines[key] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for k_node, v_node in node.value:
                k = k_node.value if isinstance(k_node, yaml.ScalarNode) else str(k_node)
                child = f"{key}.{k}" if key else str(k)
                if str(k) in out:
                    raise InventoryError(
                        path,
                        [
                            (
                                k_node.start_mark.line + 1,
                                child,
                                f"appears twice (first at line {lines[child]})",
                            )
                        ],
                    )
                out[str(k)] = build(v_node, child)
                lines[child] = k_node.start_mark.line + 1  # the key's line, not the value's
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(v, f"{key}[{i}]") for i, v in enumerate(node.value)]
        return scalars.construct_object(node, deep=True)

    try:
        root = yamlio.compose(text, str(path), loader=yaml.SafeLoader)  # bombs refused here
        data = build(root, "") if root is not None else None
    except InputError as exc:
        raise InventoryError(path, [(exc.line, "", exc.reason)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InventoryError(path, [(line, "", f"not valid YAML: {problem}")]) from None
    return data, lines
