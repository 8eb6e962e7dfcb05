"""Reading the statement's own SQL back, to write the safe form of it into a hint."""

from __future__ import annotations

import re

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.model.source import extent_end
from dbarch_lint.rule import CONCURRENT_ALONE, RuleContext

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


_ALTER_FOREIGN = re.compile(rb"(?is)\s*ALTER\s+FOREIGN\s+TABLE\b")


def foreign_table(ctx: RuleContext, table: QName) -> bool:
    """Whether `table` is a foreign table (the statement says `ALTER FOREIGN TABLE`, or the replay
    saw it made by `CREATE FOREIGN TABLE`): it has no storage here, so PostgreSQL never scans
    it to check a constraint."""
    if _ALTER_FOREIGN.match(ctx.text, ctx.statement.span.start):
        return True
    known = ctx.table(table)
    created = known.created_by if known is not None else None
    return isinstance(created, ir.CreateTable) and created.foreign


def alone(ctx: RuleContext) -> str:
    """What the hint adds where the runner runs a CONCURRENTLY statement only from a migration
    file of its own ("" where it does not, or the statement is already alone outside a
    transaction)."""
    how = CONCURRENT_ALONE.get(ctx.runner)
    if how is None:
        return ""
    if not ctx.in_transaction and sum(not s.within for s in ctx.statements) <= 1:
        return ""
    if ctx.runner == "prisma" and not ctx.in_transaction:  # (7.4 and later: each alone)
        return ""
    return f"; with {ctx.runner}, {how}"
