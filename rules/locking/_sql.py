"""Reading the statement's own SQL back, to write the safe form of it into a hint."""

from __future__ import annotations

import re

from dbarch_lint.model.ir import Span
from dbarch_lint.model.source import extent_end
from dbarch_lint.rule import RuleContext

_NAMED = re.compile(r'(?is)^CONSTRAINT\s+(?:"(?:[^"]|"")*"|[^\s(]+)\s+')
_INDEX_WORD = re.compile(rb"(?i)\bINDEX\b")


def clause(ctx: RuleContext, span: Span) -> str:
    """The text of the clause at `span`, on one line."""
    end = span.end if span.extent == "exact" else extent_end(ctx.text, span.start, span.extent)
    return " ".join(ctx.text[span.start : end].decode("utf-8", errors="replace").split())


def index_word_end(ctx: RuleContext) -> int | None:
    """Where the statement's INDEX keyword ends, in the file (CONCURRENTLY goes there)."""
    span = ctx.statement.span
    match = _INDEX_WORD.search(ctx.text, span.start, span.end)
    return match.end() if match is not None else None


def constraint_body(ctx: RuleContext, span: Span) -> str:
    """A table constraint's clause without its `CONSTRAINT name` prefix."""
    return _NAMED.sub("", clause(ctx, span), count=1)


_CHECK_OPEN = re.compile(rb"(?i)\bCHECK\s*\(")


def check_clause(ctx: RuleContext, span: Span) -> str:
    """A CHECK constraint's `CHECK (expression)`, on one line, without its `CONSTRAINT name`
    prefix or what follows it in a column definition (other constraints, a DEFAULT)."""
    match = _CHECK_OPEN.search(ctx.text, span.start)
    if match is None:
        return constraint_body(ctx, span)
    inner_end = extent_end(ctx.text, match.end(), "clause")  # (at the closing parenthesis)
    inner = ctx.text[match.end() : inner_end].decode("utf-8", errors="replace")
    return f"CHECK ({' '.join(inner.split())})"
