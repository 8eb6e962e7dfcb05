"""Where column types appear: CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE."""

from __future__ import annotations

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, TypeRef
from dbarch_lint.rule import per_event

TYPE_EVENTS: tuple[type[ir.Event], ...] = (ir.CreateTable, ir.AddColumn, ir.AlterColumnType)


TypedColumn = tuple[QName, str, TypeRef, str | None]


@per_event  # (every type rule asks)
def typed_columns(event: ir.Event) -> tuple[TypedColumn, ...]:
    """(table, column, type, builtin) for every column type an event writes; `builtin` is the
    type's `TypeRef.builtin` (looked up once here rather than by each type rule)."""
    if isinstance(event, ir.CreateTable):
        typed = [(event.table, c.name, c.type) for c in event.columns if c.type is not None]
    elif isinstance(event, ir.AddColumn):
        column = event.column
        typed = [(event.table, column.name, column.type)] if column.type is not None else []
    elif isinstance(event, ir.AlterColumnType):
        typed = [(event.table, event.column, event.type)]
    else:
        return ()
    return tuple((table, name, type_, type_.builtin) for table, name, type_ in typed)
