"""DBA416 non-concurrent-partition-detach."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import extent_end
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule
from dbarch_lint.rules.locking._sql import moved_concurrently

_DETACH = lazy(rb"(?is)\bDETACH\s+PARTITION\s+")


class NonConcurrentPartitionDetach(StatementRule):
    """`DETACH PARTITION` without `CONCURRENTLY`.

    ## What it does
    Flags `ALTER TABLE parent DETACH PARTITION child` without `CONCURRENTLY` (or `FINALIZE`,
    which completes an interrupted concurrent detach), unless the parent was created earlier
    in the same migration. `CONCURRENTLY` exists from PostgreSQL 14 on; for an older target
    the statement is still flagged and the message says there is no concurrent form.

    `--fix` adds `CONCURRENTLY` where it is known to work: PostgreSQL 14 or later, the file runs
    outside a transaction block, the detach is the statement's only subcommand, and the replayed
    schema shows the parent partitioned, created in the history, with no DEFAULT partition. A
    safe fix: the partition ends up detached the same way, with one more CHECK constraint that
    PostgreSQL adds in place of the partition constraint (`<partition>_<column>_check`).

    Under Prisma 7.3 and earlier on PostgreSQL (a migration of several statements sent as one
    query: one implicit transaction, where CONCURRENTLY fails with SQLSTATE 25001),
    `--unsafe-fixes` moves the statement, with `CONCURRENTLY`, into a migration of its own right
    after the file, as DBA401's fix does (with the same exceptions, and unsafe for
    the same reasons: it no longer commits or rolls back with the file, and the file's later
    statements now run before it). Where the statement is the file's only one, or under Prisma
    7.4 and later (each statement sent alone), `CONCURRENTLY` goes in place.

    ## Why is this bad?
    A plain detach takes an ACCESS EXCLUSIVE lock on the parent and on the partition: while it
    waits for the lock behind any running query, and while it holds it, every read and write
    of the whole partitioned table queues. `DETACH PARTITION ... CONCURRENTLY` takes only
    SHARE UPDATE EXCLUSIVE and waits for running queries instead of blocking new ones. It
    cannot run inside a transaction block, and PostgreSQL refuses it when the parent has a
    DEFAULT partition.

    ## Example
    ```sql
    ALTER TABLE events DETACH PARTITION events_2023;
    ```

    ## Use instead
    ```sql
    -- outside a transaction block
    ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE` (`DETACH PARTITION ... CONCURRENTLY`, new in 14)
    """

    code = "DBA416"
    name = "non-concurrent-partition-detach"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    # (outside a transaction block, a parent known to have no DEFAULT partition)
    fix_availability = FixAvailability.SOMETIMES
    targets = (ir.AlterTableAction,)

    def check(self, event: ir.AlterTableAction, ctx: RuleContext) -> Iterator[Report]:
        if event.action != "DetachPartition" or event.concurrent or event.partition is None:
            return
        if ctx.is_new_table(event.table):
            return
        message = (
            f"DETACH PARTITION {ctx.shown(event.partition)} takes an ACCESS EXCLUSIVE lock on "
            f"{ctx.shown(event.table)} and {ctx.shown(event.partition)}, blocking reads and writes "
            "of the whole partitioned table while it waits for the lock and while it holds it"
        )
        if ctx.settings.pg_version < 14:
            message += " (PostgreSQL before 14 has no concurrent form)"
            hint = (
                "detach at a quiet time with `SET lock_timeout` (CONCURRENTLY needs PostgreSQL "
                "14 or later)"
            )
        else:
            hint = (
                f"`ALTER TABLE {ctx.shown(event.table)} DETACH PARTITION "
                f"{ctx.shown(event.partition)} CONCURRENTLY;` outside a transaction block "
                "(PostgreSQL refuses it when the parent has a DEFAULT partition)"
            )
        fix = _fix(event, ctx) if ctx.settings.pg_version >= 14 else None
        yield ctx.report(event.span, message, hint=hint, fix=fix)


def _fix(event: ir.AlterTableAction, ctx: RuleContext) -> Rewrite | None:
    """CONCURRENTLY after the partition's name, where PostgreSQL runs it."""
    if ctx.statement.within or len(ctx.statement.events) != 1:
        return None
    parent = ctx.table(event.table)
    if parent is None or not parent.partitioned or parent.origin is None:
        return None
    if any(
        table.partition_of == parent.name and table.default_partition
        for table in ctx.schema.tables.values()
    ):
        return None
    span = ctx.statement.span
    match = _DETACH.search(ctx.text, span.start, span.end)
    if match is None:
        return None
    at = extent_end(ctx.text, match.end(), "word")
    if ctx.in_transaction:  # (Prisma's one-query file: moved to a migration of its own)
        partition = event.partition.name if event.partition is not None else ""
        return moved_concurrently(
            ctx,
            at,
            "Detach it concurrently, in a migration of its own right after this one",
            f"detach_{partition}",
            (partition,),
            event.table,
        )
    return Rewrite("Detach it concurrently", ((at, at, " CONCURRENTLY"),))
