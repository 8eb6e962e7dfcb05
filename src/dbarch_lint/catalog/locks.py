"""Which table locks a statement takes that block reads or writes (ACCESS EXCLUSIVE, EXCLUSIVE,
SHARE ROW EXCLUSIVE, SHARE), per PostgreSQL's documentation of each command ("Explicit
Locking", and the lock each form of ALTER TABLE acquires).

Dropping a foreign key (`DROP CONSTRAINT`, `DROP COLUMN` of one of its columns, `DROP TABLE` of
the table that holds it, or a CASCADE that takes it away from the referenced side) removes its
triggers from both tables: PostgreSQL 15 takes ACCESS EXCLUSIVE on the other table too (seen in
`pg_locks`, tests/test_lock_scope_server.py). Only the schema just before the statement knows
which foreign keys a drop takes with it (`schema`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbarch_lint.catalog.records import ConstraintInfo, Table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
SHARE = "SHARE"
_BLOCKING = frozenset({ACCESS_EXCLUSIVE, EXCLUSIVE, SHARE_ROW_EXCLUSIVE, SHARE})
# ENABLE/DISABLE TRIGGER takes SHARE ROW EXCLUSIVE (the documentation of ALTER TABLE).
_TRIGGER_ACTIONS = frozenset(
    {
        "EnableTrig",
        "DisableTrig",
        "EnableAlwaysTrig",
        "EnableReplicaTrig",
        "EnableTrigAll",
        "DisableTrigAll",
        "EnableTrigUser",
        "DisableTrigUser",
    }
)

# ALTER TABLE forms that take less than ACCESS EXCLUSIVE (and do not block reads or writes).
_LIGHT_ACTIONS = frozenset(
    {
        "SetStatistics",
        "SetOptions",
        "ResetOptions",
        "SetRelOptions",
        "ResetRelOptions",
        "ClusterOn",
        "DropCluster",
        "AttachPartition",
        "DetachPartitionFinalize",
    }
)


# The table an index is on, as far as the caller knows (None: not known).
IndexTable = Callable[[ir.QName], ir.QName | None]
_Locks = list[tuple[ir.QName, str]]
_Schema = SchemaState | None


def _constraint(event: ir.AddConstraint, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    if event.constraint.kind == "foreign-key":
        tables = [event.table]
        if event.constraint.ref_table is not None:
            tables.append(event.constraint.ref_table)
        return [(t, SHARE_ROW_EXCLUSIVE) for t in tables]
    return [(event.table, ACCESS_EXCLUSIVE)]


def _table(event: ir.Event, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    return [(event.table, ACCESS_EXCLUSIVE)]  # type: ignore[attr-defined]


def _create_table(event: ir.CreateTable, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    """A foreign key of a new table locks the referenced table (SHARE ROW EXCLUSIVE)."""
    referenced: dict[ir.QName, None] = {}  # (in order, once each)
    for constraint in event.constraints:
        if constraint.ref_table is not None:
            referenced[constraint.ref_table] = None
    for column in event.columns:  # (plain loops, no generator: most columns have no key)
        for constraint in column.constraints:
            if constraint.ref_table is not None:
                referenced[constraint.ref_table] = None
    return [(table, SHARE_ROW_EXCLUSIVE) for table in referenced]


def _create_object(
    event: ir.CreateObject, index_table: IndexTable | None, schema: _Schema
) -> _Locks:
    if event.kind == "trigger" and event.table is not None:
        return [(event.table, SHARE_ROW_EXCLUSIVE)]
    return []


def _action(event: ir.AlterTableAction, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    if event.objtype != "table" or event.action in _LIGHT_ACTIONS:
        return []
    if event.action in _TRIGGER_ACTIONS:
        return [(event.table, SHARE_ROW_EXCLUSIVE)]
    if event.action == "DetachPartition" and event.partition is not None:
        if event.concurrent:  # SHARE UPDATE EXCLUSIVE on both
            return []
        return [(event.table, ACCESS_EXCLUSIVE), (event.partition, ACCESS_EXCLUSIVE)]
    return [(event.table, ACCESS_EXCLUSIVE)]


def _index(event: ir.CreateIndex, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    return [] if event.concurrent else [(event.table, SHARE)]


def _drop(event: ir.DropObjects, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    if event.kind in ("table", "foreign table"):
        locks = [(name, ACCESS_EXCLUSIVE) for name in event.names]
        for name in event.names:
            table = schema.table(name) if schema is not None else None
            if table is not None and schema is not None:
                locks += _referenced(schema, table.live_constraints())
                if event.cascade:
                    locks += _referencing(schema, table, lambda fk: True)
        return _distinct(locks)
    if event.kind == "trigger" and event.table is not None:
        return [(event.table, ACCESS_EXCLUSIVE)]
    if event.kind == "index" and not event.concurrent and index_table is not None:
        return _on_tables(event.names, index_table, ACCESS_EXCLUSIVE)
    return []


def _truncate(event: ir.Truncate, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    return [(name, ACCESS_EXCLUSIVE) for name in event.tables]


def _maintenance(event: ir.Maintenance, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    if event.kind == "cluster" or (event.kind == "vacuum" and "full" in event.options):
        return [(name, ACCESS_EXCLUSIVE) for name in event.tables]
    concurrent = "concurrently" in event.options
    if event.kind == "refresh":  # CONCURRENTLY still takes EXCLUSIVE (no writes)
        return [(name, EXCLUSIVE if concurrent else ACCESS_EXCLUSIVE) for name in event.tables]
    if event.kind == "reindex" and not concurrent:
        if event.target == "table":
            return [(name, SHARE) for name in event.tables]
        if event.target == "index" and index_table is not None:
            return _on_tables(event.tables, index_table, SHARE)
    return []


def _lock(event: ir.LockTables, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    return [(name, event.mode) for name in event.tables] if event.mode in _BLOCKING else []


def _drop_constraint(
    event: ir.DropConstraint, index_table: IndexTable | None, schema: _Schema
) -> _Locks:
    locks = [(event.table, ACCESS_EXCLUSIVE)]
    table = schema.table(event.table) if schema is not None else None
    dropped = table.constraint(event.name) if table is not None else None
    if schema is None or table is None or dropped is None:
        return locks
    locks += _referenced(schema, [dropped])
    if event.cascade and dropped.kind in ("primary-key", "unique"):
        # (the foreign keys that depend on the key's index go with it)
        key = dropped.columns
        locks += _referencing(
            schema,
            table,
            lambda fk: (
                fk.ref_columns == key or (not fk.ref_columns and dropped.kind == "primary-key")
            ),
        )
    return _distinct(locks)


def _drop_column(event: ir.DropColumn, index_table: IndexTable | None, schema: _Schema) -> _Locks:
    locks = [(event.table, ACCESS_EXCLUSIVE)]
    table = schema.table(event.table) if schema is not None else None
    if schema is None or table is None:
        return locks
    column = event.column
    locks += _referenced(schema, [c for c in table.live_constraints() if column in c.columns])
    if event.cascade:
        primary = table.primary_key()
        key = primary.columns if primary is not None else []
        locks += _referencing(schema, table, lambda fk: column in (fk.ref_columns or key))
    return _distinct(locks)


def _referenced(schema: SchemaState, constraints: list[ConstraintInfo]) -> _Locks:
    """ACCESS EXCLUSIVE on the tables the foreign keys among `constraints` reference."""
    return [
        (_as_written(schema, c.ref_table), ACCESS_EXCLUSIVE)
        for c in constraints
        if c.kind == "foreign-key" and c.ref_table is not None
    ]


def _referencing(
    schema: SchemaState, table: Table, dropped: Callable[[ConstraintInfo], bool]
) -> _Locks:
    """ACCESS EXCLUSIVE on the other tables whose foreign keys to `table` a CASCADE drops."""
    found: _Locks = []
    for name in schema.referrers.get(table.name, ()):
        other = schema.tables.get(name)
        if other is None or other is table:
            continue
        for fk in other.live_constraints():
            if fk.kind == "foreign-key" and fk.ref_table == table.name and dropped(fk):
                found.append((_as_written(schema, other.name), ACCESS_EXCLUSIVE))
                break
    return found


def _as_written(schema: SchemaState, name: ir.QName) -> ir.QName:
    """A resolved table name without its schema where the unqualified name finds the same
    table (as statements write it, so two locks on one table are one)."""
    table = schema.table(ir.QName(None, name.name))
    return ir.QName(None, name.name) if table is not None and table.name == name else name


def _distinct(locks: _Locks) -> _Locks:
    return list(dict.fromkeys(locks))


def _on_tables(indexes: tuple[ir.QName, ...], index_table: IndexTable, mode: str) -> _Locks:
    tables = [index_table(name) for name in indexes]
    return [(table, mode) for table in dict.fromkeys(tables) if table is not None]


_LOCKS: dict[type[ir.Event], Callable[[Any, IndexTable | None, _Schema], _Locks]] = {
    ir.AddConstraint: _constraint,
    **{
        kind: _table
        for kind in (
            ir.AddColumn,
            ir.AlterColumnType,
            ir.SetNotNull,
            ir.DropNotNull,
            ir.SetDefault,
            ir.DropDefault,
            ir.RenameColumn,
            ir.RenameTable,
        )
    },
    ir.DropColumn: _drop_column,
    ir.DropConstraint: _drop_constraint,
    ir.CreateTable: _create_table,
    ir.CreateObject: _create_object,
    ir.AlterTableAction: _action,
    ir.CreateIndex: _index,
    ir.DropObjects: _drop,
    ir.Truncate: _truncate,
    ir.Maintenance: _maintenance,
    ir.LockTables: _lock,
}
# The events `blocking_locks` may find a lock in.
LOCKING_EVENTS: tuple[type[ir.Event], ...] = tuple(_LOCKS)


def blocking_locks(
    event: ir.Event, index_table: IndexTable | None = None, schema: SchemaState | None = None
) -> _Locks:
    """The tables (new or existing) `event` locks in a mode that blocks reads or writes.

    `DROP INDEX` and `REINDEX INDEX` lock the index's table: they are counted only when
    `index_table` tells which table that is (the schema just before the statement knows). A
    drop that takes a foreign key with it locks the table at its other end too: counted only
    when `schema` (just before the statement) knows the foreign key.
    """
    lock = _LOCKS.get(type(event))
    return lock(event, index_table, schema) if lock is not None else []
