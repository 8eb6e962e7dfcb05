"""The type fixes: a column's type rewritten where the table is new (created in this migration:
no rows yet, so no rewrite and no lock worth the name). Each is unsafe (INTERFACE.md, "Fixes"):
the values mean or print differently, so `--fix` needs `--unsafe-fixes` for them."""

from __future__ import annotations

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, TypeRef
from dbarch_lint.model.source import extent_end
from dbarch_lint.rule import Rewrite, RuleContext, per_event


def on_new_table(event: ir.Event, ctx: RuleContext) -> bool:
    """Whether `event` declares a column of a table this migration creates: a CREATE TABLE of a
    table the replay does not know (not IF NOT EXISTS, not PARTITION OF, LIKE or OF a type,
    whose columns come from elsewhere), or ADD COLUMN to a table created earlier in the file;
    never in a function body."""
    if ctx.statement.within:
        return False
    if type(event) is ir.CreateTable:
        inherited = event.partition_of is not None or event.like or event.of_type
        return not (event.if_not_exists or inherited) and ctx.table(event.table) is None
    if type(event) is ir.AddColumn:
        return ctx.is_new_table(event.table)
    return False


def type_end(ctx: RuleContext, type_: TypeRef) -> int:
    """Where the type as written ends (its modifiers and array bounds included)."""
    span = type_.span
    return span.end if span.extent == "exact" else extent_end(ctx.text, span.start, "type")


def retype(
    event: ir.Event, ctx: RuleContext, type_: TypeRef, text: str, description: str
) -> Rewrite | None:
    """Replace the type as written with `text`, where the table is new and no later statement
    of the migration sets the column's type again (that would become a type change)."""
    if not on_new_table(event, ctx) or type_.span.start >= len(ctx.text):
        return None
    table = getattr(event, "table", None)
    if type(table) is QName and _retyped_later(ctx, table, type_):
        return None
    return Rewrite(description, ((type_.span.start, type_end(ctx, type_), text),))


def check_name(ctx: RuleContext, table: QName, column: str, at: int) -> str:
    """The name PostgreSQL would give an unnamed CHECK on `column` of `table` written at `at`:
    `<table>_<column>_check`, numbered past the names the table and the statement take."""
    mine = ir.Constraint("check", None, (column,), ir.Span(at, at), True, check_columns=(column,))
    constraints = [
        constraint
        for event in ctx.statement.events
        if getattr(event, "table", None) == table
        for constraint in _declared(event)
    ]
    constraints = sorted([mine, *constraints], key=lambda c: c.span.start)
    names = ctx.schema.invented_constraint_names(table, constraints)
    return names[next(i for i, c in enumerate(constraints) if c is mine)]


def _retyped_later(ctx: RuleContext, table: QName, type_: TypeRef) -> bool:
    """Whether a later statement of the migration sets the type of the column typed `type_`."""
    retyped = _retyped_columns(ctx.statements)
    if not retyped:
        return False  # (most files change no column's type: the column is not looked for)
    statement = ctx.statement
    column = next(
        (
            d.name
            for e in statement.events
            for d in (
                e.columns
                if type(e) is ir.CreateTable
                else (e.column,)
                if type(e) is ir.AddColumn
                else ()
            )
            if d.type is type_
        ),
        None,
    )
    if (table.name, column) not in retyped:
        return False  # (no statement of the file changes a column of that name's type)
    target = ctx.schema.resolve(table)
    return any(
        type(e) is ir.AlterColumnType
        and e.column == column
        and ctx.schema.resolve(e.table) == target
        for e in ctx.later_events(target)
    )


@per_event  # (once per file)
def _retyped_columns(statements: tuple[ir.Statement, ...]) -> frozenset[tuple[str, str]]:
    """(unqualified table name, column) of every column type change of a file."""
    return frozenset(
        (event.table.name, event.column)
        for statement in statements
        for event in statement.events
        if type(event) is ir.AlterColumnType
    )


def _declared(event: ir.Event) -> tuple[ir.Constraint, ...]:
    if type(event) is ir.CreateTable:
        return (*(c for d in event.columns for c in d.constraints), *event.constraints)
    if type(event) is ir.AddColumn:
        return event.column.constraints
    if type(event) is ir.AddConstraint:
        return (event.constraint,)
    return ()


IDENTITY = "bigint GENERATED ALWAYS AS IDENTITY"


def is_foreign_key(event: ir.Event, column: str) -> bool:
    """Whether `event` (CREATE TABLE, ADD COLUMN) makes `column` (part of) a foreign key."""
    if type(event) is ir.CreateTable:
        constraints = [
            *(c for d in event.columns if d.name == column for c in d.constraints),
            *(c for c in event.constraints if column in c.columns),
        ]
    elif type(event) is ir.AddColumn and event.column.name == column:
        constraints = list(event.column.constraints)
    else:
        return False
    return any(c.kind == "foreign-key" for c in constraints)


def referenced_later(ctx: RuleContext, table: QName) -> bool:
    """Whether this or a later statement of the migration adds a foreign key to `table` by
    ALTER TABLE: its column was typed apart from the key, and a type fix would leave the two
    ends of the foreign key different (DBA802)."""
    target = ctx.schema.resolve(table)
    return any(
        event.constraint.ref_table is not None
        and ctx.schema.resolve(event.constraint.ref_table) == target
        for event in _foreign_keys_from(ctx)
    )


def made_foreign_key_later(ctx: RuleContext, table: QName, column: str) -> bool:
    """Whether this or a later statement of the migration makes `column` of `table` a foreign
    key by ALTER TABLE (to a key whose type a fix here does not see)."""
    target = ctx.schema.resolve(table)
    return any(
        column in event.constraint.columns and ctx.schema.resolve(event.table) == target
        for event in _foreign_keys_from(ctx)
    )


def _foreign_keys_from(ctx: RuleContext) -> list[ir.AddConstraint]:
    """The foreign keys ALTER TABLE adds in this and the later statements of the file."""
    added = _foreign_keys_added(ctx.statements)
    return [event for at, event in added if at >= ctx.statement.index]


@per_event  # (once per file)
def _foreign_keys_added(
    statements: tuple[ir.Statement, ...],
) -> tuple[tuple[int, ir.AddConstraint], ...]:
    return tuple(
        (at, event)
        for at, statement in enumerate(statements)
        for event in statement.events
        if type(event) is ir.AddConstraint and event.constraint.kind == "foreign-key"
    )
