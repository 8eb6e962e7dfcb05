"""Where column types appear: CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint import ir
from dbarch_lint.context import per_event
from dbarch_lint.ir import QName, TypeRef

TYPE_EVENTS: tuple[type[ir.Event], ...] = (ir.CreateTable, ir.AddColumn, ir.AlterColumnType)


TypedColumn = tuple[QName, str, TypeRef, ir.ColumnDef | None]


@per_event  # (every type rule asks)
def typed_columns(event: ir.Event) -> tuple[TypedColumn, ...]:
    """(table, column, type, definition) for every column type an event writes.

    The definition is None for ALTER COLUMN TYPE, which carries no constraints.
    """
    return tuple(_typed_columns(event))


def _typed_columns(event: ir.Event) -> Iterator[TypedColumn]:
    if isinstance(event, ir.CreateTable):
        for column in event.columns:
            if column.type is not None:
                yield event.table, column.name, column.type, column
    elif isinstance(event, ir.AddColumn):
        if event.column.type is not None:
            yield event.table, event.column.name, event.column.type, event.column
    elif isinstance(event, ir.AlterColumnType):
        yield event.table, event.column, event.type, None
