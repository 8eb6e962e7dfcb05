"""DBA413 missing-lock-timeout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dbarch_lint import ir
from dbarch_lint.context import Report, RuleContext, per_event
from dbarch_lint.findings import Severity
from dbarch_lint.rule import StatementRule
from dbarch_lint.rules.locking._locks import LOCKING_EVENTS, blocking_locks
from dbarch_lint.transactions import CLOSING


class MissingLockTimeout(StatementRule):
    """A blocking lock is taken with no `lock_timeout` set before it.

    ## What it does
    Flags the first statement of a file that takes a lock blocking reads or writes (ACCESS
    EXCLUSIVE, EXCLUSIVE, SHARE ROW EXCLUSIVE or SHARE, not SHARE UPDATE EXCLUSIVE) on a table
    that was not created earlier in the same migration, when no `SET lock_timeout` to a
    non-zero value comes before it (`SET LOCAL` counts only inside its own transaction;
    `SET lock_timeout = 0`, as pg_dump writes, does not count). Reported once per file. Option
    `set-by-runner = true` silences it where the runner or the role sets the timeout.

    ## Why is this bad?
    The statement waits for its lock behind any long-running query on the table, and while it
    waits, every other query on the table queues behind it: a migration that would take a
    millisecond stalls all traffic to the table for as long as that query runs. With a
    `lock_timeout` it gives up instead, and can be retried.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## References
    - PostgreSQL documentation, "Client Connection Defaults" (`lock_timeout`)
    """

    code = "DBA413"
    name = "missing-lock-timeout"
    family = "locking"
    severity = Severity.WARNING
    targets = LOCKING_EVENTS

    @dataclass(frozen=True)
    class Options:
        """`set_by_runner`: the runner or the role sets lock_timeout already."""

        set_by_runner: bool = False

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        if ctx.options.set_by_runner:
            return
        locked = _blocking(event, ctx)
        if locked is None or _earlier_blocking(ctx, event) or _timeout_set(ctx):
            return
        table, mode = locked
        article = "an" if mode.startswith("ACCESS") else "a"
        yield ctx.report(
            ctx.statement.span,
            f"This statement takes {article} {mode} lock on {table} with no lock_timeout set: "
            "while it waits behind a long query, every query on the table queues behind it",
            hint="`SET lock_timeout = '2s';` at the top of the migration (and retry on timeout)",
        )


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


def _timeout_set(ctx: RuleContext) -> bool:
    """Whether a non-zero lock_timeout is in force for this statement."""
    in_force = False
    local = False
    for statement in ctx.statements[: ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.SetParameter) and event.name in ("lock_timeout", "all"):
                value = event.value or ()
                in_force = event.name == "lock_timeout" and bool(value) and not _zero(value)
                local = event.local
            elif isinstance(event, ir.Transaction) and event.kind in CLOSING and local:
                in_force = False  # a SET LOCAL ends with its transaction
    return in_force and (not local or ctx.in_transaction)


def _zero(value: tuple[str, ...]) -> bool:
    text = "".join(value).strip().strip("'").lower()
    return text in ("0", "0ms", "0s", "0min", "default")
