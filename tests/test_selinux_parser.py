"""Hypothesis tests for the ``stat -c '%C %n'`` and ``ls -Z`` / ``ls -lZ`` parsers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.errors import InputError
from collectors.parsers.selinux import (
    SelinuxContext,
    parse_context,
    parse_ls_z,
    parse_stat_contexts,
)

ident = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
levels = st.sampled_from(["s0", "s0:c0.c1023", "s0-s0:c0.c1023", "s15:c1,c7"])
contexts = st.builds(
    SelinuxContext, ident, st.sampled_from(["object_r", "system_r"]), ident, levels
)
maybe_context = st.none() | contexts
names = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30)
    .map(lambda s: s.strip())
    .filter(lambda s: s and " -> " not in s)
)
listing = st.dictionaries(names, maybe_context, max_size=10)


def shown(ctx: SelinuxContext | None) -> str:
    return "?" if ctx is None else str(ctx)


@settings(deadline=None)
@given(contexts)
def test_context_round_trip(ctx: SelinuxContext) -> None:
    assert parse_context(str(ctx)) == ctx


@settings(deadline=None)
@given(listing)
def test_stat_round_trip(files: dict[str, SelinuxContext | None]) -> None:
    text = "".join(f"{shown(c)} /www/{n}\n" for n, c in files.items())
    assert parse_stat_contexts(text, "stat") == {f"/www/{n}": c for n, c in files.items()}


@settings(deadline=None)
@given(listing, st.sampled_from(["-rw-r--r--.", "-rwxrwxrwx.", "-rw-------", "drwxr-xr-x."]))
def test_ls_long_round_trip(files: dict[str, SelinuxContext | None], mode: str) -> None:
    lines = ["total 874428"] + [
        f"{mode} 1 root root {shown(c)} 298610 Aug 16 02:43 {n}" for n, c in files.items()
    ]
    assert parse_ls_z("\n".join(lines), "ls -lZ") == files


@settings(deadline=None)
@given(listing)
def test_ls_short_round_trip(files: dict[str, SelinuxContext | None]) -> None:
    text = "\n".join(f"{shown(c)} {n}" for n, c in files.items())
    assert parse_ls_z(text, "ls -Z") == files


@settings(deadline=None)
@given(st.text(max_size=120))
def test_garbage_is_an_input_error_with_a_line(text: str) -> None:
    for parser in (parse_stat_contexts, parse_ls_z):
        try:
            parser(text, "output")
        except InputError as exc:
            assert exc.source == "output" and exc.line is not None


def test_seed_listing() -> None:
    seed = (  # the seed's `ls -lZ` output, line for line
        "total 874428\n"
        "-rw-r--r--. 1 root root unconfined_u:object_r:httpd_sys_content_t:s0 298610 Aug 16 02:43 "
        "bootstrap.ign\n"
        "-rwxrwxrwx. 1 root root unconfined_u:object_r:admin_home_t:s0 895104623 Aug 16 03:14 "
        "rhcos-4.5.2-x86_64-metal.x86_64.raw.gz\n"
    )
    parsed = parse_ls_z(seed, "ls -lZ")
    assert {n: c.type for n, c in parsed.items() if c} == {
        "bootstrap.ign": "httpd_sys_content_t",
        "rhcos-4.5.2-x86_64-metal.x86_64.raw.gz": "admin_home_t",
    }
    with pytest.raises(InputError, match=r"^ls:1: .*not an SELinux context"):
        parse_ls_z("-rw-r--r--. 1 root root nonsense 1 Aug 16 02:43 x", "ls")
