"""DBA401 non-concurrent-index-creation."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.locking._sql import alone, index_word_end, moved_concurrently


class NonConcurrentIndexCreation(StatementRule):
    """An index is built on an existing table without `CONCURRENTLY`.

    ## What it does
    Flags `CREATE INDEX` (and `CREATE UNIQUE INDEX`) without `CONCURRENTLY` on a table that was
    not created earlier in the same migration. On a partitioned table, where `CONCURRENTLY` is
    not supported, the hint gives the per-partition procedure instead. `CREATE INDEX ... ON ONLY`
    a partitioned table builds nothing and is not flagged. `--fix` adds `CONCURRENTLY` where the
    statement runs outside a transaction block.

    Where the runner runs such a statement only from a migration file of its own
    (golang-migrate, dbmate, Diesel, Flyway), the hint says how: alone in its own file, with
    the runner's way to turn its transaction off (`-- migrate:up transaction:false`,
    `run_in_transaction = false` in `metadata.toml`; golang-migrate sends a file as one
    multi-statement string, so only a file holding nothing else runs it).

    Under Prisma 7.3 and earlier on PostgreSQL, which sends a migration of several statements
    as one query (one implicit transaction, where CONCURRENTLY fails with SQLSTATE 25001),
    `--unsafe-fixes` moves the statement, with `CONCURRENTLY` and the comment lines right above
    it (Prisma's `-- CreateIndex`), out of the file into a migration of its own right after it
    (`<timestamp>_<name>/migration.sql`, a second after the file's timestamp and sorting before
    the next migration; no fix where no such name is free, where the file has its own `BEGIN`,
    where a later statement of the file uses the same object, which would then run first, or,
    for a unique index, where a later statement adds a foreign key referencing its table, which
    may need the index). Unsafe: the statement no longer commits or rolls back with the rest of
    the file (a failure leaves the first migration applied, and a failed concurrent build an
    invalid index), and the statements after it in the file now run before it. Where the
    statement is the file's only one, or under Prisma 7.4 and later (each statement sent alone),
    `CONCURRENTLY` goes in place.

    ## Why is this bad?
    A plain `CREATE INDEX` holds a SHARE lock on the table for the whole build: every INSERT,
    UPDATE and DELETE waits until the index is built, which on a large table takes minutes. With
    `CONCURRENTLY` the build takes a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go
    on (it takes longer, and cannot run inside a transaction block).

    ## Example
    ```sql
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    ```

    ## References
    - PostgreSQL documentation, `CREATE INDEX`, "Building Indexes Concurrently"
    - PostgreSQL documentation, "Explicit Locking" (table-level lock modes)
    """

    code = "DBA401"
    name = "non-concurrent-index-creation"
    family = "locking"
    dialects = frozenset({"postgres"})
    # (not inside a transaction block, where CONCURRENTLY fails, nor on a partitioned table)
    fix_availability = FixAvailability.SOMETIMES
    severity = Severity.ERROR
    targets = (ir.CreateIndex,)

    def check(self, event: ir.CreateIndex, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        if event.concurrent or ctx.is_new_table(event.table):
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: ir.CreateIndex, ctx: RuleContext) -> Iterator[Report]:
        table = ctx.table(event.table)
        if table is not None and table.temporary:
            return  # only this session sees it
        shown = ctx.shown(event.table)
        if table is not None and table.partitioned:
            if event.only:
                return  # ON ONLY a partitioned table: an empty, invalid index, built later
            name = event.name or "<name>"
            yield ctx.report(
                event.span,
                f"Building an index on partitioned table {shown} holds a SHARE lock on it and "
                "its partitions, blocking writes (INSERT, UPDATE, DELETE) for the whole build; "
                "CONCURRENTLY is not supported on a partitioned table",
                hint=(
                    f"`CREATE INDEX {name} ON ONLY {shown} (...)`, then for each partition "
                    "`CREATE INDEX CONCURRENTLY` the same index and "
                    f"`ALTER INDEX {name} ATTACH PARTITION <partition index>`"
                ),
            )
            return
        yield ctx.report(
            event.span,
            f"Building an index on {shown} without CONCURRENTLY holds a SHARE lock on the table, "
            "blocking writes (INSERT, UPDATE, DELETE) for the whole build",
            hint=f"build it concurrently (outside a transaction block): `{_concurrent(ctx)};`"
            + alone(ctx),
            # (inside a transaction block CONCURRENTLY fails: no automatic rewrite there, but
            # Prisma's one-query file: moved to a migration of its own)
            fix=_moved(event, ctx) if ctx.in_transaction else _rewrite(ctx),
        )


def _concurrent(ctx: RuleContext) -> str:
    """The statement with CONCURRENTLY after its INDEX keyword."""
    span, at = ctx.statement.span, index_word_end(ctx)
    if at is None:  # (cannot happen for CREATE INDEX; keep the statement as it is)
        return ctx.text[span.start : span.end].decode("utf-8", errors="replace")
    fixed = ctx.text[span.start : at] + b" CONCURRENTLY" + ctx.text[at : span.end]
    return fixed.decode("utf-8", errors="replace")


def _moved(event: ir.CreateIndex, ctx: RuleContext) -> Rewrite | None:
    at = index_word_end(ctx)
    if at is None:
        return None
    slug = f"create_{event.name}" if event.name else f"create_index_on_{event.table.name}"
    return moved_concurrently(
        ctx,
        at,
        "Build the index concurrently, in a migration of its own right after this one",
        slug,
        (event.name or "",),
        event.table,
    )


def _rewrite(ctx: RuleContext) -> Rewrite | None:
    at = index_word_end(ctx)
    if at is None or ctx.statement.within:
        return None
    return Rewrite("Build the index concurrently", ((at, at, " CONCURRENTLY"),))
