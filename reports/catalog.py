"""The check catalog: every check's id, markers, subject, what fails it and its remediation, from
the ``@check`` metadata. It feeds ``--list-checks``, ``docs/checks.md`` and the HTML report.

Regenerate the documentation with ``python -m reports.catalog > docs/checks.md``.

>>> from checks.base import CheckSpec
>>> spec = CheckSpec("x.y", "A title", ("preflight",), "node FQDN", "it is wrong", "fix it",
...                  subjects=lambda site: [])
>>> print(text_entry(spec))
x.y  [preflight]  A title
  subject:     node FQDN
  fails when:  it is wrong
  remediation: fix it

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from checks.base import REGISTRY, CheckSpec

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"


def check_module_names() -> list[str]:
    """The modules in checks/ that hold checks (the ones the pytest plugin collects)."""
    return sorted(
        f"checks.{p.stem}"
        for p in CHECKS_DIR.glob("*.py")
        if not p.name.startswith(("_", "base", "test_"))
    )


class CatalogError(Exception):
    """A check module could not be imported; the message names each module and its error."""


def load_checks() -> list[CheckSpec]:
    """Import every check module and return the registered checks, by area then declaration."""
    problems = []
    for name in check_module_names():
        try:
            importlib.import_module(name)
        except Exception as exc:  # report every broken module at once, by file
            problems.append(f"{name.replace('.', '/')}.py: {type(exc).__name__}: {exc}")
    if problems:
        raise CatalogError("cannot load the checks:\n  " + "\n  ".join(problems))
    return sorted(REGISTRY.values(), key=lambda s: s.module)  # stable: declaration order kept


def catalog() -> dict[str, dict[str, Any]]:
    """check id -> its metadata as plain data (what the HTML report takes as ``checks``)."""
    return {
        s.id: {
            "title": s.title,
            "markers": list(s.markers),
            "subject": s.subject,
            "fails_when": s.fails_when,
            "remediation": s.remediation,
            "requires": list(s.requires),
        }
        for s in load_checks()
    }


def check_requirements() -> list[tuple[str, tuple[str, ...]]]:
    """(check id, the inventory keys it requires) of every check, in catalog order: what
    ``draft-inventory`` is handed to say which checks skip for a key it could not fill."""
    return [(s.id, tuple(s.requires)) for s in load_checks()]


class MarkExprError(ValueError):
    """A ``-m`` expression that does not parse."""


#: ``-m NAME`` or ``-m "not NAME"``: what pytest's grammar makes of them is plain, so they are
#: answered without importing pytest (``--list-checks -m preflight`` starts faster); any other
#: expression is pytest's to parse.
SIMPLE_MARKEXPR = re.compile(r"[ \t]*(?P<not>not[ \t]+)?(?P<name>\w+)[ \t]*", re.ASCII)


def markexpr_matches(markexpr: str, markers: Iterable[str]) -> bool:
    """Whether pytest's ``-m`` expression selects an item carrying ``markers`` (empty: yes).

    >>> markexpr_matches("preflight and not slow", ["preflight"])
    True
    >>> markexpr_matches("postinstall", ["preflight"])
    False
    >>> markexpr_matches(" not  postinstall", ["preflight"])
    True
    """
    if not markexpr.strip():
        return True
    simple = SIMPLE_MARKEXPR.fullmatch(markexpr)
    if simple and simple["name"] not in ("and", "or", "not"):  # without importing pytest
        return (simple["name"] in markers) != bool(simple["not"])
    from _pytest.mark.expression import Expression  # pytest's own -m grammar

    try:
        expr = Expression.compile(markexpr)
    except Exception as exc:  # pytest's ParseError (a private type)
        raise MarkExprError(f"-m {markexpr!r}: {exc}") from None
    names = set(markers)
    return bool(expr.evaluate(lambda name, *_, **__: name in names))


def selected(specs: list[CheckSpec], markexpr: str = "", keyword: str = "") -> list[CheckSpec]:
    """The checks a ``-m`` marker expression and a ``-k`` substring select (empty: all)."""
    out = specs
    if markexpr:
        out = [s for s in out if markexpr_matches(markexpr, s.markers)]
    if keyword:
        out = [s for s in out if keyword.lower() in s.id.lower()]
    return out


def list_checks(
    markexpr: str = "", keyword: str = "", load: Callable[[], list[CheckSpec]] = load_checks
) -> int:
    """``--list-checks``: print the selected checks to stdout; 0, or 3 (pytest's internal error)
    naming each check module that cannot be imported. The pytest plugin and ``upi-conformance``
    (which answers it before pytest loads its plugins, with the catalog kept between runs:
    ``load``, :mod:`reports.catalogcache`) both call this.

    Raises :class:`MarkExprError` for a ``-m`` that does not parse.

    >>> list_checks(keyword="csr.pending")  # doctest: +ELLIPSIS
    csr.pending  [postinstall]  No pending certificate signing requests
    ...
    1 check
    0
    """
    import shutil

    try:
        specs = selected(load(), markexpr, keyword)
    except CatalogError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return 3
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    sys.stdout.write(text_catalog(specs, width=width))
    sys.stdout.flush()
    return 0


def _wrap(label: str, text: str, width: int) -> list[str]:
    prefix = f"  {label + ':':<13}"
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=prefix,
        subsequent_indent=" " * len(prefix),
        break_on_hyphens=False,
    ) or [prefix]


def text_entry(spec: CheckSpec, width: int = 100) -> str:
    """One check as plain text, for the terminal."""
    lines = [f"{spec.id}  [{', '.join(spec.markers)}]  {spec.title}"]
    lines += _wrap("subject", spec.subject, width)
    lines += _wrap("fails when", spec.fails_when, width)
    lines += _wrap("remediation", spec.remediation, width)
    if spec.requires:
        lines += _wrap("requires", ", ".join(spec.requires), width)
    return "\n".join(lines)


def text_catalog(specs: list[CheckSpec], width: int = 100) -> str:
    """Every check, one block each, and a count (what ``--list-checks`` prints)."""
    blocks = [text_entry(s, width) for s in specs]
    return "\n\n".join(blocks) + f"\n\n{len(specs)} check{'' if len(specs) == 1 else 's'}\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or paragraph."""
    text = " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
    return text.replace("<", "&lt;")


def markdown_catalog(specs: list[CheckSpec]) -> str:
    """docs/checks.md: a table of every check, then one section each."""
    out = [
        "# Checks",
        "",
        "<!-- Generated from the @check metadata by `python -m reports.catalog > docs/checks.md`;",
        "     tests/test_catalog.py fails when this file and the code disagree. Do not edit. -->",
        "",
        "Run one area with `-k`, e.g. `pytest -m preflight --inventory site.yaml -k dns.`; list",
        "them with `pytest --list-checks`.",
        "",
        "| check | markers | subject | fails when |",
        "|---|---|---|---|",
    ]
    out += [
        f"| [`{s.id}`](#{s.id.replace('.', '')}) | {', '.join(s.markers)} | {_md(s.subject)} "
        f"| {_md(s.fails_when)} |"
        for s in specs
    ]
    for s in specs:
        out += [
            "",
            f"## {s.id}",
            "",
            _md(s.title),
            "",
            f"- **markers:** {', '.join(s.markers)}",
            f"- **subject:** {_md(s.subject)}",
            f"- **fails when:** {_md(s.fails_when)}",
            f"- **remediation:** {_md(s.remediation)}",
        ]
        if s.requires:
            out.append(f"- **needs in the inventory:** {', '.join(f'`{k}`' for k in s.requires)}")
        out.append(f"- **code:** `{s.module.replace('.', '/')}.py`")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m reports.catalog [--text]``: print docs/checks.md (or the plain-text list)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        specs = load_checks()
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.write(text_catalog(specs) if "--text" in args else markdown_catalog(specs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
