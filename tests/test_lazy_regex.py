"""`model.regex.lazy`: a pattern compiled on first use behaves as the compiled one."""

from __future__ import annotations

import re

from dbarch_lint.model.regex import lazy


def test_a_lazy_pattern_is_compiled_on_first_use_and_then_is_the_compiled_one() -> None:
    pattern = lazy(r"a(?P<b>b)", re.I)
    assert "search" not in vars(pattern)  # (not compiled yet)
    found = pattern.search("xAB")
    assert found is not None and found.group("b") == "B"
    compiled = re.compile(r"a(?P<b>b)", re.I)
    assert (pattern.pattern, pattern.flags, pattern.groups) == (
        compiled.pattern,
        compiled.flags,
        compiled.groups,
    )
    assert pattern.sub("-", "ab") == "-" and pattern.split("xaby") == ["x", "b", "y"]
    assert [m.span() for m in pattern.finditer("abAB")] == [(0, 2), (2, 4)]
    assert vars(pattern)["search"].__self__ is re.compile(r"a(?P<b>b)", re.I)  # (re's cache)


def test_a_lazy_bytes_pattern() -> None:
    pattern = lazy(rb"x+")
    assert pattern.fullmatch(b"xxx") is not None and pattern.findall(b"xaxx") == [b"x", b"xx"]
