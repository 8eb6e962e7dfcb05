"""What the consistency rules know about a table at a statement, and where to point."""

from __future__ import annotations

import re

from dbarch_lint.catalog import MAX_IDENTIFIER_BYTES, Table
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span, TypeRef, quote_ident
from dbarch_lint.rule import RuleContext

# Columns every table has without declaring them.
SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"})


def known_table(ctx: RuleContext, name: QName) -> Table | None:
    """The table when the replay knows its full definition (created in the history)."""
    table = ctx.schema.table(name)  # (`ctx.table`'s, without its call: asked of most events)
    if table is None or not table.complete or table.origin is None:
        return None
    return table


def statement_events(ctx: RuleContext, table: QName) -> list[ir.Event]:
    """The events of the current statement on `table` (one ALTER TABLE has several)."""
    return [e for e in ctx.statement.events if getattr(e, "table", None) == table]


def column_types(ctx: RuleContext, table: Table, name: QName) -> dict[str, TypeRef | None]:
    """The table's columns and types as the current statement leaves them.

    PostgreSQL adds and retypes columns before it adds constraints, whatever the order of the
    sub-commands, so the whole statement counts; a drop in it is not subtracted (never guess).
    """
    columns: dict[str, TypeRef | None] = {}
    for ancestor in _ancestors(ctx, table):
        columns.update({c.name: c.type for c in ancestor.columns.values()})
    columns.update({c.name: c.type for c in table.columns.values()})
    for event in statement_events(ctx, name):
        if type(event) is ir.AddColumn:
            columns.setdefault(event.column.name, event.column.type)
        elif type(event) is ir.AlterColumnType and event.column in columns:
            columns[event.column] = event.type
        elif type(event) is ir.RenameColumn and event.old in columns:
            columns.setdefault(event.new, columns[event.old])
    return columns


def _ancestors(ctx: RuleContext, table: Table) -> list[Table]:
    """The parents (partitioned or inherited) of a table, transitively.

    A column added to or renamed in a parent changes its children too; the replay records it on
    the parent only.
    """
    found: list[Table] = []
    pending = [table]
    while pending:
        current = pending.pop()
        created = current.created_by
        names = list(created.inherits) if type(created) is ir.CreateTable else []
        names += [current.partition_of] if current.partition_of is not None else []
        for name in names:
            parent = ctx.table(name)
            if parent is not None and all(parent is not t for t in (table, *found)):
                found.append(parent)
                pending.append(parent)
    return found


def create_table_columns(
    ctx: RuleContext, event: ir.CreateTable
) -> dict[str, TypeRef | None] | None:
    """The columns a CREATE TABLE makes, with inherited ones; None when they are not all known."""
    if event.like or event.of_type:
        return None
    columns: dict[str, TypeRef | None] = {}
    parents = ((event.partition_of,) if event.partition_of else ()) + event.inherits
    for parent_name in parents:
        parent = known_table(ctx, parent_name)
        if parent is None:
            return None
        columns.update({c.name: c.type for c in parent.columns.values()})
    for column in event.columns:
        if column.type is not None or column.name not in columns:
            columns[column.name] = column.type
    return columns


def locate(ctx: RuleContext, name: str, start: int | None = None) -> Span:
    """The first place `name` is written in the statement (from `start`), else the statement.

    A name of MAX_IDENTIFIER_BYTES may be what PostgreSQL kept of a longer one: its written form
    may go on.
    """
    statement = ctx.statement.span
    quoted = quote_ident(name).encode()
    raw = re.escape(name.encode())
    long = len(name.encode()) >= MAX_IDENTIFIER_BYTES
    more, more_quoted = (rb"[\w$]*", rb'[^"]*') if long else (b"", b"")
    pattern = (
        re.compile(
            rb'(?<![\w$"])(?:' + raw + more + rb'|"' + raw + more_quoted + rb'")(?![\w$"])', re.I
        )
        if quoted == name.encode()
        else re.compile(re.escape(quoted[:-1]) + more_quoted + b'"')
    )
    match = pattern.search(ctx.text, start if start is not None else statement.start, statement.end)
    return Span(match.start(), match.end()) if match else statement


def suggestion(name: str, columns: list[str]) -> str | None:
    """A hint naming the closest existing column, if one is close."""
    import difflib  # (only a finding needs it: not imported by every run that loads the rules)

    close = difflib.get_close_matches(name, columns, n=1)
    return f"did you mean {quote_ident(close[0])}?" if close else None
