"""DBA402 non-concurrent-index-drop."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.locking._sql import alone, index_word_end, moved_concurrently


class NonConcurrentIndexDrop(StatementRule):
    """An index of an existing table is dropped without `CONCURRENTLY`.

    ## What it does
    Flags `DROP INDEX` without `CONCURRENTLY` unless the replay knows the index belongs to a
    table created earlier in the same migration (an index the replay never saw belongs to an
    existing table), or to a table that the same transaction drops, before or after it, under
    its name or a new one (dropping the index first protects nothing: whoever waits for the lock
    finds no table once it is released). `--fix` adds `CONCURRENTLY` where PostgreSQL accepts
    it: one index, no `CASCADE`, outside a transaction block.
    The finding names the table the index is on when the replay knows it, and says that it
    does not know the table otherwise.

    Where the runner runs such a statement only from a migration file of its own
    (golang-migrate, dbmate, Diesel, Flyway), the hint says how: alone in its own file, with
    the runner's way to turn its transaction off (`-- migrate:up transaction:false`,
    `run_in_transaction = false` in `metadata.toml`; golang-migrate sends a file as one
    multi-statement string, so only a file holding nothing else runs it).

    Under Prisma 7.3 and earlier on PostgreSQL (a migration of several statements sent as one
    query: one implicit transaction, where CONCURRENTLY fails with SQLSTATE 25001),
    `--unsafe-fixes` moves the statement, with `CONCURRENTLY`, into a migration of its own right
    after the file, as DBA401's fix does (with the same exceptions, and unsafe for
    the same reasons: it no longer commits or rolls back with the file, and the file's later
    statements now run before it). Where the statement is the file's only one, or under Prisma
    7.4 and later (each statement sent alone), `CONCURRENTLY` goes in place.

    ## Why is this bad?
    `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: it waits for every running
    query on the table, and while it waits, every new read and write queues behind it. On a busy
    table a drop that itself takes milliseconds stalls all traffic to the table.
    `DROP INDEX CONCURRENTLY` waits for those queries without blocking others (it drops one index
    at a time, cannot use CASCADE, cannot run in a transaction block, and is not supported for
    indexes of partitioned tables).

    ## Example
    ```sql
    DROP INDEX orders_status_idx;
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY orders_status_idx;
    ```

    ## References
    - PostgreSQL documentation, `DROP INDEX`
    """

    code = "DBA402"
    name = "non-concurrent-index-drop"
    family = "locking"
    dialects = frozenset({"postgres"})
    # (one index, no CASCADE, outside a transaction block, not of a partitioned table)
    fix_availability = FixAvailability.SOMETIMES
    severity = Severity.ERROR
    targets = (ir.DropObjects,)

    def check(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        if event.kind != "index" or event.concurrent:
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        for name in event.names:
            index = ctx.schema.index(name)
            if index is not None and (
                ctx.is_new_table(index.table) or ctx.dies_in_transaction(index.table)
            ):
                continue  # (nobody reads it yet, or its table is dropped with it)
            table = ctx.table(index.table) if index is not None else None
            if table is not None and table.temporary:
                continue
            on = (
                f"on {ctx.shown(index.table)}"
                if index is not None
                else "on its table (which table is not known from the migrations)"
            )
            fix = None
            if table is not None and table.partitioned:
                hint = (
                    "CONCURRENTLY is not supported for an index of a partitioned table: "
                    "set a short lock_timeout and retry the drop, at a quiet time"
                )
            else:
                hint = (
                    "drop it concurrently (outside a transaction block): "
                    f"`{_drop(ctx.shown(name), event.if_exists)}`"
                ) + alone(ctx)
                fix = _rewrite(event, ctx)
            yield ctx.report(
                event.span,
                f"Dropping index {ctx.shown(name)} without CONCURRENTLY takes an ACCESS EXCLUSIVE "
                f"lock {on}, blocking reads and writes while it waits for running queries",
                hint=hint,
                fix=fix,
            )


def _rewrite(event: ir.DropObjects, ctx: RuleContext) -> Rewrite | None:
    """CONCURRENTLY after INDEX, where PostgreSQL accepts it: one index, no CASCADE, outside a
    transaction block."""
    if len(event.names) != 1 or event.cascade or ctx.statement.within:
        return None
    at = index_word_end(ctx)
    if at is None:
        return None
    if ctx.in_transaction:  # (Prisma's one-query file: moved to a migration of its own)
        name = event.names[0]
        return moved_concurrently(
            ctx,
            at,
            "Drop the index concurrently, in a migration of its own right after this one",
            f"drop_{name.name}",
            (name.name,),
            None,
        )
    return Rewrite("Drop the index concurrently", ((at, at, " CONCURRENTLY"),))


def _drop(name: str, if_exists: bool) -> str:
    return f"DROP INDEX CONCURRENTLY {'IF EXISTS ' if if_exists else ''}{name};"
