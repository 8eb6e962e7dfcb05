"""Which table locks a statement takes that block reads or writes (ACCESS EXCLUSIVE, EXCLUSIVE,
SHARE ROW EXCLUSIVE, SHARE), per PostgreSQL's documentation of each command ("Explicit
Locking", and the lock each form of ALTER TABLE acquires)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbarch_lint import ir

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"

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


def _constraint(event: ir.AddConstraint) -> list[tuple[ir.QName, str]]:
    if event.constraint.kind == "foreign-key":
        tables = [event.table]
        if event.constraint.ref_table is not None:
            tables.append(event.constraint.ref_table)
        return [(t, SHARE_ROW_EXCLUSIVE) for t in tables]
    return [(event.table, ACCESS_EXCLUSIVE)]


def _table(event: ir.Event) -> list[tuple[ir.QName, str]]:
    return [(event.table, ACCESS_EXCLUSIVE)]  # type: ignore[attr-defined]


def _action(event: ir.AlterTableAction) -> list[tuple[ir.QName, str]]:
    if event.objtype != "table" or event.action in _LIGHT_ACTIONS:
        return []
    if event.action == "DetachPartition" and event.partition is not None:
        # CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on both.
        return (
            []
            if event.concurrent
            else [(event.table, ACCESS_EXCLUSIVE), (event.partition, ACCESS_EXCLUSIVE)]
        )
    return [(event.table, ACCESS_EXCLUSIVE)]


def _index(event: ir.CreateIndex) -> list[tuple[ir.QName, str]]:
    return [] if event.concurrent else [(event.table, SHARE)]


def _drop(event: ir.DropObjects) -> list[tuple[ir.QName, str]]:
    if event.kind in ("table", "foreign table"):
        return [(name, ACCESS_EXCLUSIVE) for name in event.names]
    return []


def _truncate(event: ir.Truncate) -> list[tuple[ir.QName, str]]:
    return [(name, ACCESS_EXCLUSIVE) for name in event.tables]


def _maintenance(event: ir.Maintenance) -> list[tuple[ir.QName, str]]:
    if event.kind == "cluster" or (event.kind == "vacuum" and "full" in event.options):
        return [(name, ACCESS_EXCLUSIVE) for name in event.tables]
    return []


_LOCKS: dict[type[ir.Event], Callable[[Any], list[tuple[ir.QName, str]]]] = {
    ir.AddConstraint: _constraint,
    **{
        kind: _table
        for kind in (
            ir.AddColumn,
            ir.DropColumn,
            ir.AlterColumnType,
            ir.SetNotNull,
            ir.DropNotNull,
            ir.SetDefault,
            ir.DropDefault,
            ir.DropConstraint,
            ir.RenameColumn,
            ir.RenameTable,
        )
    },
    ir.AlterTableAction: _action,
    ir.CreateIndex: _index,
    ir.DropObjects: _drop,
    ir.Truncate: _truncate,
    ir.Maintenance: _maintenance,
}
# The events `blocking_locks` may find a lock in.
LOCKING_EVENTS: tuple[type[ir.Event], ...] = tuple(_LOCKS)


def blocking_locks(event: ir.Event) -> list[tuple[ir.QName, str]]:
    """The tables (new or existing) `event` locks in a mode that blocks reads or writes."""
    lock = _LOCKS.get(type(event))
    return lock(event) if lock is not None else []
