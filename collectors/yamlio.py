"""YAML the suite writes and reads back the same whatever the parser (YAML 1.1 or 1.2).

``dump`` quotes every string that a YAML 1.1 (PyYAML) or 1.2 (yaml-rs) reader could take for a
number, bool, null or date; ``Loader`` is PyYAML's safe loader keeping timestamps as strings (as
Kubernetes does).

>>> doc = {"mode": "0o17", "num": "1e3", "flag": "on", "when": "2024-01-02", "ok": True}
>>> print(dump(doc), end="")
mode: "0o17"
num: "1e3"
flag: "on"
when: "2024-01-02"
ok: true
>>> yaml.load("created: 2024-01-02T03:04:05Z", Loader=Loader)
{'created': '2024-01-02T03:04:05Z'}

Every YAML the suite reads from outside goes through :func:`load` (or :func:`load_fast`), which
refuses an alias bomb and nesting past a depth before anything walks the data, naming the file:

>>> load("{a: &x [1, 2], b: *x}", "site.yaml")
{'a': [1, 2], 'b': [1, 2]}
>>> load("a: &x [1, *x]", "site.yaml")
Traceback (most recent call last):
...
collectors.yamlio.YAMLLimitError: site.yaml:1: an alias refers to a node that contains it (a...

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import gc
import re
import threading
from collections.abc import Callable
from typing import Any

import yaml

from collectors import settings
from collectors.errors import InputError

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Anything that starts like a number in some YAML dialect (0o17, 0x_1, 1_000, .5, +1, 1e3, 12:30,
#: 2024-01-02) and the special words of YAML 1.1 and 1.2 in any case.
_NUMBERISH = re.compile(r"^[-+]?\.?[0-9]")
_WORDS = frozenset(
    {
        "null",
        "~",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        ".inf",
        "+.inf",
        "-.inf",
        ".nan",
        "=",
        "<<",
    }
)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def ambiguous(text: str) -> bool:
    """Whether a plain (unquoted) ``text`` could be read as something other than a string."""
    return not text or bool(_NUMBERISH.match(text)) or text.strip().lower() in _WORDS


class Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """A safe dumper that double-quotes every string :func:`ambiguous` flags."""


def _represent_str(dumper: Any, data: str) -> Any:
    if ambiguous(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_str(data)


Dumper.add_representer(str, _represent_str)


class Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader without the timestamp resolver: dates stay strings."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def dump(obj: Any) -> str:
    """``obj`` as block YAML in key order, read back unchanged by PyYAML (:class:`Loader`) and
    yaml-rs."""
    return yaml.dump(obj, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=_NO_WRAP)


#: Never wrap a long value over lines: every value stays whole on its line, so a line-based rule
#: (redaction) sees all of it.
_NO_WRAP = 2**31 - 1


class YAMLLimitError(InputError):
    """YAML refused before it is built: an alias bomb, a cycle, or nesting past the depth cap."""


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_nodes(root: Any, source: str) -> None:
    """Refuse a composed node graph whose expansion is too big, too deep, or cyclic.

    Aliases are shared nodes in PyYAML's graph, so the walk is linear in the text; the sizes it
    computes are those a reader of the built data would walk (settings.YAML_MAX_ALIAS_NODES,
    settings.YAML_MAX_DEPTH).
    """
    if root is None:
        return
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            kids = _children(node)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            heights[key] = 1 + max((heights[id(k)] for k in kids), default=0)
            if heights[key] > settings.YAML_MAX_DEPTH:
                raise _limit(
                    source,
                    node,
                    f"nested deeper than {settings.YAML_MAX_DEPTH} levels",
                    "UPI_YAML_MAX_DEPTH",
                )
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in open_nodes:
                raise YAMLLimitError(
                    source,
                    "an alias refers to a node that contains it (a cycle); write the value out "
                    "instead of using anchors and aliases",
                    line=kid.start_mark.line + 1,
                )
            if id(kid) not in sizes:
                stack.append((kid, False))
    expanded = sizes[id(root)] - len(sizes)
    if expanded > settings.YAML_MAX_ALIAS_NODES:
        raise _limit(
            source,
            root,
            f"aliases expand to {expanded} more nodes, over the {settings.YAML_MAX_ALIAS_NODES} "
            "allowed (an alias bomb?)",
            "UPI_YAML_MAX_ALIAS_NODES",
        )


def _limit(source: str, node: Any, problem: str, variable: str) -> YAMLLimitError:
    error = YAMLLimitError(source, problem, line=node.start_mark.line + 1)
    error.remediation = (
        f"check {source} was not made to exhaust the reader; if it is genuine, raise {variable}"
    )
    return error


def check_depth(data: Any, source: str) -> None:
    """Refuse built data nested deeper than settings.YAML_MAX_DEPTH (an iterative walk over the
    containers only: scalars are never pushed).

    >>> check_depth({"a": [{"b": 1}]}, "x.yaml")
    >>> check_depth([[[[1]]]] * 2, "deep.yaml") is None
    True
    """
    limit = settings.YAML_MAX_DEPTH
    if not isinstance(data, dict | list):
        return
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise YAMLLimitError(source, f"nested deeper than {limit} levels")
        kids = node.values() if isinstance(node, dict) else node
        stack.extend((kid, depth + 1) for kid in kids if isinstance(kid, dict | list))


def flow_depth_bound(text: str) -> int:
    """An upper bound on the nesting of flow collections (``[...]``, ``{...}``; all of JSON):
    every collection but the innermost of a chain is a non-empty one, opened by a bracket not
    followed by its closer (brackets inside strings only raise the bound).

    >>> flow_depth_bound('{"a": [1, {}], "b": []}'), flow_depth_bound("a: b")
    (3, 0)
    """
    brackets, braces = text.count("["), text.count("{")
    openers = brackets + braces
    if openers <= 1:
        return openers
    empty = (text.count("[]") if brackets else 0) + (text.count("{}") if braces else 0)
    return openers - empty + (1 if empty else 0)


@functools.lru_cache(maxsize=16)
def _deep_line(width: int, any_break: bool) -> re.Pattern[str]:
    r"""A line starting with ``width`` characters that can only be indentation or block
    indicators (``-``, ``?``, ``:``): a block collection may start that far right. The pattern
    for ``\n`` alone is the fast one; ``any_break`` sees the start and a lone CR too."""
    if any_break:
        return re.compile(rf"(?:\A|[\r\n])[ ?:-]{{{width}}}")
    return re.compile(rf"\n[ ?:-]{{{width}}}")


def _has_deep_line(text: str, width: int) -> bool:
    r"""Whether any line's indentation and block indicators span ``width`` columns or more
    (True for any text with a tab: a parser may count a tab as several columns).

    >>> _has_deep_line("a:\n  - - b\n", 4), _has_deep_line("a:\n  - - b\n", 7)
    (True, False)
    """
    if width <= 0 or "\t" in text:
        return True
    if "\r" in text or text[:1] in (" ", "-", "?", ":"):
        return _deep_line(width, True).search(text) is not None
    return _deep_line(width, False).search(text) is not None


def shallow(text: str, limit: int | None = None) -> bool:
    r"""Whether YAML (or JSON) ``text`` cannot nest deeper than ``limit`` (a cheap scan of the
    text, no parsing): block collections need a new column at least every second level, flow
    ones a bracket each. False means "maybe deep": walk the built data (:func:`check_depth`).

    >>> shallow("a:\n  b:\n  - {c: [1]}\n", 100), shallow("[" * 150 + "]" * 150, 100)
    (True, False)
    >>> shallow("x:\n" + "".join("  " * i + "k:\n" for i in range(1, 60)), 100)
    False
    """
    limit = settings.YAML_MAX_DEPTH if limit is None else limit
    # no line reaching column ``width`` bounds every block collection's column at width - 1,
    # so block nesting <= 2 * width; the flow collections inside add flow_depth_bound at most
    width = (limit - flow_depth_bound(text)) // 2
    return not _has_deep_line(text, width)


def _yaml_error(exc: yaml.YAMLError, source: str) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return InputError(source, f"not valid YAML: {problem}", line=mark.line + 1 if mark else None)


def compose(text: str, source: str, loader: Any = None) -> Any:
    """The checked node graph of ``text`` (None for an empty document); InputError naming
    ``source`` for bad YAML, YAMLLimitError for a bomb."""
    parser = (loader or Loader)(text)
    try:
        node = parser.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    finally:
        parser.dispose()
    check_nodes(node, source)
    return node


def load(text: str, source: str) -> Any:
    """``text`` parsed with :class:`Loader` after :func:`check_nodes`; InputError naming
    ``source`` (and the line) for YAML that is bad or made to exhaust the reader.

    >>> load("[[1]]", "x.yaml")
    [[1]]
    """
    parser = Loader(text)
    try:
        node = parser.get_single_node()
        check_nodes(node, source)
        return None if node is None else parser.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except RecursionError:
        raise YAMLLimitError(source, "nested too deeply to read") from None
    finally:
        parser.dispose()


class paused_gc:  # noqa: N801 - used as a context manager, like contextlib's
    """The cyclic garbage collector off while a parser builds data that has no cycles (JSON,
    YAML without anchors): with many objects already kept, its passes cost more than the parse.
    Nested and threaded uses keep it off until the last one ends; it is never turned on if it
    was off before the first.

    >>> with paused_gc():
    ...     gc.isenabled()
    False
    """

    _lock = threading.Lock()
    _holders = 0
    _was_on = True

    def __enter__(self) -> None:
        with paused_gc._lock:
            if paused_gc._holders == 0:
                paused_gc._was_on = gc.isenabled()
                gc.disable()
            paused_gc._holders += 1

    def __exit__(self, *exc: object) -> None:
        with paused_gc._lock:
            paused_gc._holders -= 1
            if paused_gc._holders == 0 and paused_gc._was_on:
                gc.enable()


#: An anchor (``&name``) where YAML allows one; without one no alias can follow. The ``&`` comes
#: first, so a search skips from one ``&`` to the next (a text full of ``&&`` in scripts too).
_ANCHOR = re.compile(r"&(?<=[\s\[{,:-]&)(?=[^\s,\[\]{}])")


def _anchored(text: str) -> bool:
    """Whether ``text`` may hold an anchor.

    >>> _anchored("a: &x 1"), _anchored("&x [1]"), _anchored("q: a & b"), _anchored("u: a&b")
    (True, True, False, False)
    """
    return "&" in text and bool(_ANCHOR.search(text) or _ANCHOR_FIRST.match(text))


_ANCHOR_FIRST = re.compile(r"&[^\s,\[\]{}]")


@functools.cache
def rust_parser() -> Any:
    """yaml-rs (Rust, about 9x faster than libyaml for the objects oc writes), or None when it
    is not installed. Imported on first use: it costs ~5 MiB resident, which a run that only
    reads its own small YAML (the log catalog) does not need.

    >>> rust_parser() is rust_parser()  # imported once
    True
    """
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - optional speed-up
        return None
    return yaml_rs


_RS_LINE = re.compile(r"line (\d+)")


def load_fast(text: str, source: str, cut: Callable[[str], str | None] | None = None) -> Any:
    r""":func:`load` with the same limits, through yaml-rs when it is installed and ``text`` has
    no anchor (a duplicate key: the last wins, as the API server does).

    ``cut``: the caller keeps only part of the data, and ``cut(text)`` is a shorter text whose
    data is the same once the caller cuts it (or None). It is parsed instead when ``text`` is
    :func:`shallow` (its depth bounds the cut's); if yaml-rs refuses it, the whole text is parsed
    and says what is wrong, and where.

    >>> load_fast("{kind: Node, metadata: {name: m1}}", "nodes/m1.yaml")
    {'kind': 'Node', 'metadata': {'name': 'm1'}}
    >>> load_fast("a: 1\nb: [2]\n", "x.yaml", cut=lambda t: t.split("\n")[0])
    {'a': 1}
    """
    yaml_rs = rust_parser()
    if yaml_rs is None or _anchored(text):
        return load(text, source)
    flat = None if cut is None else shallow(text)
    if flat and cut is not None and (short := cut(text)) is not None:
        try:
            return _rs_loads(short)
        except (ValueError, TypeError, RecursionError):  # YAMLDecodeError is a ValueError
            pass
    try:
        data = _rs_loads(text)
    except yaml_rs.YAMLDecodeError as exc:
        lines = str(exc).splitlines()
        found = _RS_LINE.search(lines[0]) if lines else None
        problem = lines[-1].strip() if len(lines) > 1 else (lines[0] if lines else "parse error")
        raise InputError(
            source, f"not valid YAML: {problem}", line=int(found.group(1)) if found else None
        ) from None
    except (ValueError, TypeError, RecursionError):
        return load(text, source)  # anything it cannot represent: let PyYAML decide
    if not (shallow(text) if flat is None else flat):
        check_depth(data, source)
    return data


def _rs_loads(text: str) -> Any:
    yaml_rs = rust_parser()
    last_wins = yaml_rs.DuplicateKeyPolicy.LastWins
    with paused_gc():
        return yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=last_wins)
