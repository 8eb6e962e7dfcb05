"""The first blocking lock of a file, and whether a timeout guards it (DBA413, DBA603)."""

from __future__ import annotations

from dbarch_lint import ir
from dbarch_lint.context import RuleContext, per_event
from dbarch_lint.locks import blocking_locks
from dbarch_lint.transactions import CLOSING


def first_unguarded_lock(
    event: ir.Event, ctx: RuleContext, parameter: str
) -> tuple[ir.QName, str] | None:
    """The existing table and lock mode, when `event` is the first in its file to take a lock
    that blocks reads or writes on an existing table and no non-zero `parameter` (a timeout
    setting) is in force for it."""
    locked = _blocking(event, ctx)
    if locked is None or _earlier_blocking(ctx, event) or _timeout_set(ctx, parameter):
        return None
    return locked


def _blocking(event: ir.Event, ctx: RuleContext) -> tuple[ir.QName, str] | None:
    for table, mode in blocking_locks(event):
        if not ctx.is_new_table(table):
            return table, mode
    return None


def _earlier_blocking(ctx: RuleContext, event: ir.Event) -> bool:
    """Whether an earlier statement (or event of this one) already took such a lock."""
    for index, earlier, tables in _locking_events(ctx.statements):
        if earlier is event or index > ctx.statement.index:
            return False
        if any(not ctx.is_new_table(table) for table, _mode in tables):
            return True
    return False


@per_event  # (once per file)
def _locking_events(
    statements: tuple[ir.Statement, ...],
) -> tuple[tuple[int, ir.Event, list[tuple[ir.QName, str]]], ...]:
    """The events of a file that take a blocking lock on some table, with those tables."""
    found = []
    for statement in statements:
        for event in statement.events:
            tables = blocking_locks(event)
            if tables:
                found.append((statement.index, event, tables))
    return tuple(found)


def _timeout_set(ctx: RuleContext, parameter: str) -> bool:
    """Whether a non-zero `parameter` is in force for this statement."""
    in_force = False
    local = False
    for statement in ctx.statements[: ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.SetParameter) and event.name in (parameter, "all"):
                value = event.value or ()
                in_force = event.name == parameter and bool(value) and not _zero(value)
                local = event.local
            elif isinstance(event, ir.Transaction) and event.kind in CLOSING and local:
                in_force = False  # a SET LOCAL ends with its transaction
    return in_force and (not local or ctx.in_transaction)


def _zero(value: tuple[str, ...]) -> bool:
    text = "".join(value).strip().strip("'").lower()
    return text in ("0", "0ms", "0s", "0min", "default")
