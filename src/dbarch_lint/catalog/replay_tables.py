"""The replay of tables and their columns.

Each handler applies one kind of table or column event to the schema state (`replay.py`
dispatches to them through `TABLE_HANDLERS`); constraints and indexes are replayed in
`replay_keys.py`, which these call for the ones a table or column definition declares. A table
the replay has not seen created becomes a placeholder with `complete = False` the first time an
event changes it (`replay_keys.table_or_placeholder`), so later statements still find its
columns, constraints and indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from dbarch_lint.catalog.records import Column, Origin, Table
from dbarch_lint.catalog.replay_keys import (
    add_constraint,
    drop_index,
    referencing,
    refers_to,
    skipped,
    table_or_placeholder,
)
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, QName

# --- tables ------------------------------------------------------------------------------


def _create_table(schema: SchemaState, event: ir.CreateTable, origin: Origin) -> None:
    name = schema.resolve(event.table)
    if skipped(schema, event):
        return
    if name in schema.tables and schema.tables[name].origin is not None:
        # PostgreSQL would refuse to create it again, so the replay missed a drop (a CASCADE,
        # a partition dropped with its parent, a DO block): the new definition wins.
        drop_table(schema, schema.writable_table(schema.tables[name]), origin)
    # A table an IF NOT EXISTS may have found already there (made before the history, on an
    # older install) may hold columns and constraints the replay never saw.
    maybe_existing = event.if_not_exists and name.name not in schema.seen
    maybe_existing = maybe_existing and not schema.empty_start
    complete = not event.like and not event.of_type and not maybe_existing
    table = Table(
        name,
        origin,
        complete,
        partitioned=event.partitioned,
        temporary=event.temporary,
        unlogged=event.unlogged,
        access_method=event.access_method or schema.default_access_method,
        created_by=event,
        maybe_existing=maybe_existing,
    )
    parents = ((event.partition_of,) if event.partition_of else ()) + event.inherits
    for parent_name in parents:
        parent = schema.table(parent_name)
        if parent is None or not parent.complete:
            table.complete = False
        else:
            for column in parent.columns.values():
                inherited = Column(column.name, column.type, column.not_null, origin)
                inherited.typed = column.type_origin
                schema.add_column(table, inherited)
                if column.name in parent.defaults:  # (inherited with the column)
                    table.defaults[column.name] = origin
    if event.partition_of is not None:
        table.partition_of = schema.resolve(event.partition_of)
        table.default_partition = event.default_partition
    schema.add_table(table)
    for definition in event.columns:
        _define_column(schema, table, definition, origin)
    for constraint in event.constraints:
        add_constraint(schema, table, constraint, origin)


def _create_as(schema: SchemaState, event: ir.CreateTableAs, origin: Origin) -> None:
    name = schema.resolve(event.table)
    if event.materialized:
        schema.relations[name] = "materialized view"
        schema.objects[("materialized view", name.name)] = origin
        return
    table = Table(name, origin, complete=False, temporary=event.temporary, created_by=event)
    schema.add_table(table)


def drop_table(schema: SchemaState, table: Table, origin: Origin) -> None:
    """Drop `table` (a writable table), and its indexes and constraints with it."""
    table.dropped = origin
    schema.tables.pop(table.name, None)
    schema.relations.pop(table.name, None)
    for index in table.live_indexes():
        drop_index(schema, schema.writable_index(table, index), origin)
    for constraint in table.live_constraints():
        schema.writable_constraint(table, constraint).dropped = origin


def _rename_table(schema: SchemaState, event: ir.RenameTable, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    schema.tables.pop(table.name, None)
    schema.relations.pop(table.name, None)
    old = table.name
    table.name = QName(old.schema, event.new)
    schema.tables[table.name] = table
    schema.relations[table.name] = "table"
    for info in table.constraints:
        if info.ref_table is not None:
            schema.add_referrer(info.ref_table, table.name)
    for other in referencing(schema, old):
        for info in other.constraints:
            if refers_to(info, old):
                schema.writable_constraint(other, info).ref_table = table.name
        schema.add_referrer(table.name, other.name)
    for index in table.indexes:
        schema.writable_index(table, index).table = table.name


def _table_action(schema: SchemaState, event: ir.AlterTableAction, origin: Origin) -> None:
    if event.objtype != "table":
        return
    # An attached partition shares its parent's keys and indexes. (A detached one keeps the
    # copies it was given, so DETACH leaves the link in place.)
    if event.action == "AttachPartition" and event.partition:
        child, parent = schema.table(event.partition), schema.table(event.table)
        if child is not None and child is not parent:
            child = schema.writable_table(child)
            child.partition_of = parent.name if parent else schema.resolve(event.table)
            child.default_partition = event.default_partition
    elif event.action in ("SetLogged", "SetUnLogged", "SetAccessMethod"):
        table = schema.table(event.table)
        if table is not None:
            table = schema.writable_table(table)
            if event.action == "SetAccessMethod":
                table.access_method = event.column
            else:
                table.unlogged = event.action == "SetUnLogged"


# --- columns -----------------------------------------------------------------------------


def _define_column(
    schema: SchemaState, table: Table, definition: ir.ColumnDef, origin: Origin
) -> None:
    """Add a column as `definition` says (with its column constraints) to writable `table`."""
    type_ = definition.type
    builtin = type_.builtin if type_ is not None else None
    not_null = builtin in SERIAL_BASE_TYPES
    has_default = builtin is not None and builtin.startswith(_SERIALS)
    keyed = False  # (whether a constraint below is a table's: most columns have none)
    for c in definition.constraints:  # (a plain loop: once per column of the history)
        kind = c.kind
        if kind in _NOT_NULL:
            not_null = True
        elif kind == "default" and not c.null_default:
            has_default = True
        if kind in _TABLE_CONSTRAINTS:
            keyed = True
    if type_ is None and definition.name in table.columns:  # partition column WITH OPTIONS
        known = schema.writable_column(table, definition.name)
        assert known is not None
        known.not_null = known.not_null or not_null
    else:
        schema.add_column(table, Column(definition.name, definition.type, not_null, origin))
        if table.dropped_defaults:  # (most tables: none)
            table.dropped_defaults.pop(definition.name, None)
        if has_default:
            table.defaults[definition.name] = origin
        else:
            table.defaults.pop(definition.name, None)
    if keyed:
        for constraint in definition.constraints:
            if constraint.kind in _TABLE_CONSTRAINTS:
                add_constraint(schema, table, constraint, origin)


_TABLE_CONSTRAINTS = frozenset(("primary-key", "unique", "check", "foreign-key", "exclude"))
# (the column constraints that make a column NOT NULL)
_NOT_NULL = frozenset(("not-null", "primary-key", "identity"))
# (a column of a serial type has a default: its sequence's nextval)
_SERIALS = ("serial", "bigserial", "smallserial")


def _add_column(schema: SchemaState, event: ir.AddColumn, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    if not skipped(schema, event):
        _define_column(schema, table, event.column, origin)


def _drop_column(schema: SchemaState, event: ir.DropColumn, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    table.columns.pop(event.column, None)
    table.defaults.pop(event.column, None)
    table.dropped_defaults.pop(event.column, None)
    for constraint in table.live_constraints():
        if event.column in constraint.columns:
            schema.writable_constraint(table, constraint).dropped = origin
    for index in table.live_indexes():
        if event.column in index.columns or event.column in index.mentions:
            drop_index(schema, schema.writable_index(table, index), origin)


def _alter_column_type(schema: SchemaState, event: ir.AlterColumnType, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    known = table.columns.get(event.column)
    if known is not None and known.type is not None and _same_type(known.type, event.type):
        return  # (a type set to the type it has changes nothing: it was written back then)
    column = schema.writable_column(table, event.column)
    if column is not None:
        column.type = event.type
        column.typed = origin


def _same_type(old: ir.TypeRef, new: ir.TypeRef) -> bool:
    return (old.builtin or old.names, old.mods, old.array, old.pct_type) == (
        new.builtin or new.names,
        new.mods,
        new.array,
        new.pct_type,
    )


def _set_or_drop_not_null(
    schema: SchemaState, event: ir.SetNotNull | ir.DropNotNull, origin: Origin
) -> None:
    table = table_or_placeholder(schema, event.table)
    column = schema.writable_column(table, event.column)
    if column is not None:
        column.not_null = isinstance(event, ir.SetNotNull)


def _set_default(schema: SchemaState, event: ir.SetDefault, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    if event.column in table.defaults:  # (a default set over another keeps the first's age)
        return
    dropped = table.dropped_defaults.pop(event.column, None)
    if dropped is not None and dropped[0].file_index == origin.file_index:
        table.defaults[event.column] = dropped[1]  # (dropped and set again: a replace)
    else:
        table.defaults[event.column] = origin


def _drop_default(schema: SchemaState, event: ir.DropDefault, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    if event.column in table.defaults:
        table.dropped_defaults[event.column] = (origin, table.defaults.pop(event.column))


def _rename_column(schema: SchemaState, event: ir.RenameColumn, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    old, new = event.old, event.new
    column = schema.writable_column(table, old)
    if column is not None:
        del table.columns[old]
        column.name = new
        table.columns[new] = column
    if old in table.defaults:
        table.defaults[new] = table.defaults.pop(old)
    if old in table.dropped_defaults:
        table.dropped_defaults[new] = table.dropped_defaults.pop(old)
    # (Only the constraints and indexes that name the column change.)
    for info in table.constraints:
        constraint = info.constraint
        if old in info.columns or old in constraint.check_columns:
            info = schema.writable_constraint(table, info)
            info.columns = [new if c == old else c for c in info.columns]
            info.constraint = msgspec.structs.replace(
                constraint,
                check_columns=_renamed(constraint.check_columns, old, new),
                not_null_columns=_renamed(constraint.not_null_columns, old, new),
            )
    for index in table.indexes:
        if old in index.columns or old in index.include or old in index.mentions:
            index = schema.writable_index(table, index)
            index.columns = [new if c == old else c for c in index.columns]
            index.include = [new if c == old else c for c in index.include]
            if old in index.mentions:
                index.mentions = (index.mentions - {old}) | {new}
    for other in referencing(schema, table.name, old):
        for info in other.constraints:
            if old in info.ref_columns and refers_to(info, table.name):
                info = schema.writable_constraint(other, info)
                info.ref_columns = [new if c == old else c for c in info.ref_columns]


def _renamed(names: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if name == old else name for name in names)


TABLE_HANDLERS: dict[type[ir.Event], Callable[[SchemaState, Any, Origin], None]] = {
    ir.CreateTable: _create_table,
    ir.CreateTableAs: _create_as,
    ir.RenameTable: _rename_table,
    ir.AlterTableAction: _table_action,
    ir.AddColumn: _add_column,
    ir.DropColumn: _drop_column,
    ir.AlterColumnType: _alter_column_type,
    ir.SetNotNull: _set_or_drop_not_null,
    ir.DropNotNull: _set_or_drop_not_null,
    ir.RenameColumn: _rename_column,
    ir.SetDefault: _set_default,
    ir.DropDefault: _drop_default,
}
