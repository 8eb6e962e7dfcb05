"""Name patterns for DBA203/DBA204: templates with `{placeholders}` and `*` wildcards.

A pattern is an exact template, not a regular expression: `{table}_{columns}_idx` expands to the
one name PostgreSQL would choose, and `*` stands for any text (possibly empty), so
`{table}_*_idx` accepts any middle part. Comparison is on the names as PostgreSQL stores them
(unquoted names folded to lower case).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import msgspec

from dbarch_lint.catalog import MAX_IDENTIFIER_BYTES
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.model.regex import lazy

_PIECE = lazy(r"\{([^{}]*)\}|\*")


def validate(option: str, pattern: str, allowed: Sequence[str]) -> None:
    """Raise ValueError when a pattern is empty or uses a placeholder not in `allowed`."""
    if not pattern:
        raise ValueError(f"{option}: the pattern is empty")
    for match in _PIECE.finditer(pattern):
        if match[1] is not None and match[1] not in allowed:
            names = ", ".join("{" + a + "}" for a in allowed)
            raise ValueError(
                f"{option}: unknown placeholder {match[0]!r} in {pattern!r} (use {names})"
            )


class Expansion(msgspec.Struct, frozen=True):
    """A pattern filled in for one object.

    `example` is the one matching name when the pattern has no wildcard and every value is
    known; `min_bytes` the length of the shortest name it accepts.
    """

    regex: re.Pattern[str]
    example: str | None
    min_bytes: int

    def accepts(self, name: str) -> bool | None:
        """Whether `name` matches; None when the expansion is longer than PostgreSQL keeps (63
        bytes), so a conforming name was truncated and cannot be judged."""
        if self.regex.fullmatch(name):
            return True
        return None if self.min_bytes > MAX_IDENTIFIER_BYTES else False


def expand(
    pattern: str, values: Mapping[str, str | Sequence[str | None]], separator: str = "_"
) -> Expansion:
    """Fill `pattern` with `values`: a text, or a list of parts (a None part is unknown and
    matches any non-empty text) joined by `separator`."""
    regex: list[str] = []
    example: list[str] | None = []
    min_bytes = 0
    position = 0
    for match in _PIECE.finditer(pattern):
        literal = pattern[position : match.start()]
        regex.append(re.escape(literal))
        min_bytes += len(literal.encode())
        if example is not None:
            example.append(literal)
        position = match.end()
        if match[1] is None:  # `*`
            regex.append(".*")
            example = None
            continue
        value = values.get(match[1], "")
        parts = [value] if isinstance(value, str) else list(value)
        regex.append(re.escape(separator).join(".+" if p is None else re.escape(p) for p in parts))
        known = [p for p in parts if p is not None]
        min_bytes += sum(len(p.encode()) for p in known) + len(separator.encode()) * max(
            len(parts) - 1, 0
        )
        min_bytes += len(parts) - len(known)
        if example is not None and len(known) == len(parts):
            example.append(separator.join(known))
        else:
            example = None
    tail = pattern[position:]
    regex.append(re.escape(tail))
    min_bytes += len(tail.encode())
    if example is not None:
        example.append(tail)
    return Expansion(
        re.compile("".join(regex), re.S),
        "".join(example) if example is not None else None,
        min_bytes,
    )


def advice(expansion: Expansion, pattern: str, renamed: bool) -> str:
    """The hint: the expected name, or the pattern when it has wildcards."""
    if expansion.example is None:
        return f"choose a name matching `{pattern}`"
    example = quote_ident(expansion.example)
    return f"rename it to {example}" if renamed else f"name it {example}"
