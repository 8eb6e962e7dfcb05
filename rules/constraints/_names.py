"""Identifiers as written: a small SQL tokenizer, the names PostgreSQL invents, name display."""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec

from dbarch_lint.catalog import MAX_IDENTIFIER_BYTES, make_object_name
from dbarch_lint.model import ir
from dbarch_lint.model.ir import Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import SQL_TOKEN

SNAKE_CASE = lazy(r"[a-z_][a-z0-9_$]*")


class Identifier(msgspec.Struct, frozen=True):
    """An identifier token: its value as PostgreSQL sees it before truncation, and where."""

    value: str
    span: Span
    quoted: bool


def identifiers(data: bytes, start: int, end: int) -> Iterator[Identifier]:
    """The identifier tokens between two byte offsets (strings, comments and bodies skipped).

    Bare words are folded the way PostgreSQL folds them (ASCII letters only); keywords come out
    as identifiers too, which is harmless for the callers' name comparisons.
    """
    for match in SQL_TOKEN.finditer(data, start, end):
        if match["quoted"] is not None:
            value = match["quoted"].replace(b'""', b'"').decode("utf-8", errors="replace")
            yield Identifier(value, Span(match.start(), match.end()), True)
        elif match["word"] is not None:
            word = match["word"].decode("utf-8", errors="replace")
            # (most words are ASCII: folded at once, not a character at a time)
            folded = (
                word.lower()
                if word.isascii()
                else "".join(c.lower() if c.isascii() else c for c in word)
            )
            yield Identifier(folded, Span(match.start(), match.end()), False)


def truncated(name: str) -> str:
    """The name PostgreSQL keeps: at most 63 bytes, cut at a character boundary."""
    encoded = name.encode("utf-8")
    if len(encoded) <= MAX_IDENTIFIER_BYTES:
        return name
    return encoded[:MAX_IDENTIFIER_BYTES].decode("utf-8", errors="ignore")


def find_name(data: bytes, start: int, end: int, name: str) -> Span | None:
    """Where `name` (as the parser reports it, maybe truncated) is first written in a range."""
    for ident in identifiers(data, start, end):
        if ident.value == name or truncated(ident.value) == name:
            return ident.span
    return None


def default_constraint_name(table: str, constraint: ir.Constraint) -> str:
    """The name PostgreSQL gives an unnamed constraint (before any clash numbering)."""
    kind = constraint.kind
    if kind == "primary-key":
        return make_object_name(table, None, "pkey")
    if kind == "check":
        columns = check_columns(constraint)
        return make_object_name(table, columns[0] if len(columns) == 1 else None, "check")
    label = {"foreign-key": "fkey", "unique": "key", "exclude": "excl"}.get(kind, kind)
    return make_object_name(table, "_".join(constraint.columns) or None, label)


def check_columns(constraint: ir.Constraint) -> tuple[str, ...]:
    """The distinct columns a CHECK mentions (PostgreSQL names it after exactly one of them)."""
    if constraint.check_columns or constraint.has_expression:
        return tuple(dict.fromkeys(constraint.check_columns))
    return constraint.columns


def snake_case(name: str) -> str:
    """A lower snake_case spelling of a name (`OrderItems` -> `order_items`)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    words = re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()
    words = re.sub(r"_+", "_", words) or "unnamed"
    return words if not words[0].isdigit() else f"_{words}"


def needs_quoting(name: str) -> bool:
    """Whether a (folded) name must be double-quoted wherever it is used."""
    return SNAKE_CASE.fullmatch(name) is None
