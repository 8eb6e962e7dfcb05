"""Which table locks a statement takes that block reads or writes (ACCESS EXCLUSIVE, EXCLUSIVE,
SHARE ROW EXCLUSIVE, SHARE), per PostgreSQL's documentation of each command ("Explicit
Locking", and the lock each form of ALTER TABLE acquires)."""

from __future__ import annotations

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


# The events `blocking_locks` may find a lock in.
LOCKING_EVENTS: tuple[type[ir.Event], ...] = (
    ir.AddConstraint,
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
    ir.AlterTableAction,
    ir.CreateIndex,
    ir.DropObjects,
    ir.Truncate,
    ir.Maintenance,
)


def blocking_locks(event: ir.Event) -> list[tuple[ir.QName, str]]:
    """The existing-or-not tables `event` locks in a mode that blocks reads or writes."""
    if isinstance(event, ir.AddConstraint):
        if event.constraint.kind == "foreign-key":
            tables = [event.table]
            if event.constraint.ref_table is not None:
                tables.append(event.constraint.ref_table)
            return [(t, SHARE_ROW_EXCLUSIVE) for t in tables]
        return [(event.table, ACCESS_EXCLUSIVE)]
    if isinstance(
        event,
        (
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
        ),
    ):
        return [(event.table, ACCESS_EXCLUSIVE)]
    if isinstance(event, ir.AlterTableAction):
        if event.objtype != "table" or event.action in _LIGHT_ACTIONS:
            return []
        return [(event.table, ACCESS_EXCLUSIVE)]
    if isinstance(event, ir.CreateIndex):
        return [] if event.concurrent else [(event.table, SHARE)]
    if isinstance(event, ir.DropObjects) and event.kind in ("table", "foreign table"):
        return [(name, ACCESS_EXCLUSIVE) for name in event.names]
    if isinstance(event, ir.Truncate):
        return [(name, ACCESS_EXCLUSIVE) for name in event.tables]
    if isinstance(event, ir.Maintenance) and (
        event.kind == "cluster" or (event.kind == "vacuum" and "full" in event.options)
    ):
        return [(name, ACCESS_EXCLUSIVE) for name in event.tables]
    return []
