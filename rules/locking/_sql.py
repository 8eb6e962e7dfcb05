"""Reading the statement's own SQL back, to write the safe form of it into a hint."""

from __future__ import annotations

import re

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import extent_end
from dbarch_lint.rule import CONCURRENT_ALONE, IMPLICIT, Rewrite, RuleContext

_NAMED = lazy(r'(?is)^CONSTRAINT\s+(?:"(?:[^"]|"")*"|[^\s(]+)\s+')
_INDEX_WORD = lazy(rb"(?i)\bINDEX\b")


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


_CHECK_OPEN = lazy(rb"(?i)\bCHECK\s*\(")


def check_clause(ctx: RuleContext, span: Span) -> str:
    """A CHECK constraint's `CHECK (expression)`, on one line, without its `CONSTRAINT name`
    prefix or what follows it in a column definition (other constraints, a DEFAULT)."""
    match = _CHECK_OPEN.search(ctx.text, span.start)
    if match is None:
        return constraint_body(ctx, span)
    inner_end = extent_end(ctx.text, match.end(), "clause")  # (at the closing parenthesis)
    inner = ctx.text[match.end() : inner_end].decode("utf-8", errors="replace")
    return f"CHECK ({' '.join(inner.split())})"


_ALTER_FOREIGN = lazy(rb"(?is)\s*ALTER\s+FOREIGN\s+TABLE\b")


def foreign_table(ctx: RuleContext, table: QName) -> bool:
    """Whether `table` is a foreign table (the statement says `ALTER FOREIGN TABLE`, or the replay
    saw it made by `CREATE FOREIGN TABLE`): it has no storage here, so PostgreSQL never scans
    it to check a constraint."""
    if _ALTER_FOREIGN.match(ctx.text, ctx.statement.span.start):
        return True
    known = ctx.table(table)
    created = known.created_by if known is not None else None
    return type(created) is ir.CreateTable and created.foreign


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


# After a statement: its semicolon and the blanks after it, with its line break when nothing
# else (a comment) is left on the line.
_STATEMENT_END = lazy(rb"[ \t]*;?[ \t]*(?:\r\n|\n|\r|\Z)?")
_BLANK_BEFORE = lazy(rb"(?:\r\n|\n|\r)([ \t]*(?:\r\n|\n|\r))\Z")
_SLUG_OUT = lazy(r"[^a-z0-9]+")
# Later statements that would run before a moved one and change what it acts on.
_TABLE_CHANGES = (ir.RenameTable, ir.DropColumn, ir.RenameColumn, ir.AlterColumnType)


def moved_concurrently(
    ctx: RuleContext,
    at: int,
    description: str,
    slug: str,
    objects: tuple[str, ...],
    table: QName | None,
) -> Rewrite | None:
    """Under Prisma 7.3 and earlier, which sends a file of several statements as one query
    (PostgreSQL's implicit transaction block, where CONCURRENTLY fails with 25001): the
    statement, with CONCURRENTLY inserted at byte `at`, moved out of the file into a migration
    of its own right after it (`--fix` names it `<timestamp>_<slug>/migration.sql`). None where
    the block is not that one (a BEGIN of the file's), or a later statement of the file acts on
    what it does (`objects`: the index or partition names, by their text; `table`: dropped,
    renamed or its columns changed), since those would then run before it. An unsafe fix: the
    statement no longer commits or rolls back with the rest of the file."""
    statement = ctx.statement
    if ctx.runner != "prisma" or ctx.transaction_kind != IMPLICIT or statement.within:
        return None
    if any(isinstance(e, ir.Transaction) for s in ctx.statements for e in s.events):
        return None
    names = [re.compile(rb"(?i)\b" + re.escape(n.encode()) + rb"\b") for n in objects if n]
    # (a foreign key added later may need the unique index to reference its columns)
    unique = any(isinstance(e, ir.CreateIndex) and e.unique for e in statement.events)
    for later in ctx.statements:
        if later.index <= statement.index:
            continue
        if any(n.search(ctx.text, later.span.start, later.span.end) for n in names):
            return None
        if table is not None and any(_changes(e, table) for e in later.events):
            return None
        if unique and table is not None and any(_references(e, table) for e in later.events):
            return None
    span = statement.span
    end = _STATEMENT_END.match(ctx.text, span.end)
    stop = end.end() if end is not None else span.end
    start = _header_start(ctx.text, span.start)
    fixed = ctx.text[start:at] + b" CONCURRENTLY" + ctx.text[at : span.end]
    sql = fixed.decode("utf-8", errors="replace").rstrip().rstrip(";").rstrip() + ";\n"
    name = _SLUG_OUT.sub("_", slug.lower()).strip("_")[:60].rstrip("_") or "concurrently"
    # (a blank line before it goes too where it leaves the file's end or a blank line after)
    before = _BLANK_BEFORE.search(ctx.text[max(0, start - 80) : start])
    cut = (
        start - len(before[1])
        if before and ctx.text[stop : stop + 1] in (b"", b"\n", b"\r")
        else start
    )
    return Rewrite(description, ((cut, stop, ""),), follow_up=(name, sql), unsafe=True)


def _header_start(text: bytes, start: int) -> int:
    """Where the statement at `start` begins with the comment lines right above it (Prisma's
    `-- CreateIndex`; no blank line between), when it begins its line: they move with it."""
    line = text.rfind(b"\n", 0, start) + 1
    if text[line:start].strip():
        return start
    while line > 0:
        above = text.rfind(b"\n", 0, line - 1) + 1
        if not text[above : line - 1].lstrip().startswith(b"--"):
            break
        line = above
    return line


def _references(event: ir.AnyEvent, table: QName) -> bool:
    """Whether `event` adds a foreign key referencing `table`."""
    if isinstance(event, ir.AddConstraint):
        constraints: tuple[ir.Constraint, ...] = (event.constraint,)
    elif isinstance(event, ir.CreateTable):
        constraints = (*event.constraints, *(c for col in event.columns for c in col.constraints))
    elif isinstance(event, ir.AddColumn):
        constraints = event.column.constraints
    else:
        return False
    return any(c.ref_table is not None and c.ref_table.name == table.name for c in constraints)


def _changes(event: ir.AnyEvent, table: QName) -> bool:
    if isinstance(event, ir.DropObjects):
        return event.kind == "table" and any(n.name == table.name for n in event.names)
    if isinstance(event, _TABLE_CHANGES):
        return event.table.name == table.name
    return False
