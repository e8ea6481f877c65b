"""The inventory's YAML composed by hand, so that every key keeps the line it was written on (for
messages that name the line) and a key given twice is an error, not a silent overwrite.

The document is composed by libyaml (``yaml.CSafeLoader``) when PyYAML was built with it: its
nodes carry the same line marks as the pure-Python composer's, ten times sooner (a 4,000-node
inventory). Only when libyaml refuses the text is it composed again by the pure-Python composer,
whose result (or message) is then what the user gets: bad YAML is named as it always was.

>>> data, lines = compose("cluster:\\n  name: c\\n", Path("site.yaml"))
>>> data, lines["cluster.name"]
({'cluster': {'name': 'c'}}, 2)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from collectors import yamlio
from collectors.errors import InputError
from collectors.inventory.model import InventoryError

#: The fast composer (libyaml) when PyYAML has it, else the pure-Python one.
FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, path: Path) -> tuple[Any, dict[str, int]]:
    """Parse YAML, returning plain data and a map from dotted key path to 1-based line."""
    try:
        root = _compose_nodes(text, path)
        return _build(root, path)
    except InputError as exc:
        raise InventoryError(path, [(exc.line, "", exc.reason)]) from None
    except yaml.YAMLError as exc:
        raise InventoryError(path, [_yaml_problem(exc)]) from None


def _compose_nodes(text: str, path: Path) -> Any:
    """The checked node graph, by libyaml; what the pure-Python composer makes of ``text`` (its
    graph, or its error) when libyaml refuses it.

    >>> _compose_nodes("a: 1", Path("x.yaml")).value[0][0].value
    'a'
    """
    try:
        return yamlio.compose(text, str(path), loader=FAST_LOADER)  # bombs refused here
    except yamlio.YAMLLimitError:
        raise
    except InputError:
        if FAST_LOADER is yaml.SafeLoader:
            raise
    return yamlio.compose(text, str(path), loader=yaml.SafeLoader)


def _yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str, str]:
    """``(line, "", "not valid YAML: ...")`` for a YAMLError raised while building."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return line, "", f"not valid YAML: {problem}"


def _build(root: Any, path: Path) -> tuple[Any, dict[str, int]]:
    """Plain data from the node graph, and the line of every dotted key path.

    >>> _build(yaml.compose("a: [x]", Loader=yaml.SafeLoader), Path("x.yaml"))
    ({'a': ['x']}, {'': 1, 'a': 1, 'a[0]': 1})
    """
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

    data = build(root, "") if root is not None else None
    return data, lines
