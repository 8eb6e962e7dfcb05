"""Regular expressions compiled on first use.

A module's patterns are compiled when it is imported, and most of them serve inputs a run does
not have (another runner's file names, a `COPY ... FROM STDIN`, a span computed for a finding):
compiling them all is a tenth of the start-up of `check FILE` (issue #17). `lazy` gives an
object used as the compiled pattern (its methods and attributes: `X.search(...)`, not
`re.search(X, ...)`), compiled by the first use, after which its methods are the compiled
pattern's own.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast

# What a compiled pattern offers (`re.Pattern`'s methods and attributes).
_ATTRIBUTES = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class _Lazy:
    """A pattern and its flags, until something asks the compiled pattern for an attribute."""

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source: tuple[Any, int] = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # (only for attributes not yet set)
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)


def lazy(pattern: AnyStr, flags: int | re.RegexFlag = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, done when the pattern is first used."""
    return cast("re.Pattern[AnyStr]", _Lazy(pattern, int(flags)))
