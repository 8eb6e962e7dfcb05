"""DBA404 concurrent-operation-in-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import (
    CONCURRENT_ALONE,
    IMPLICIT,
    RUNNER,
    TURN_OFF,
    FixAvailability,
    Report,
    Rewrite,
    RuleContext,
    Severity,
    StatementRule,
    named,
)
from dbarch_lint.rules._checks import NOTHING

# dbmate's markers (pkg/dbmate/migration.go), at the start of a line
_DBMATE_UP = lazy(rb"(?m)^--[ \t]*migrate:up\b([^\r\n]*)")
_DBMATE_DOWN = lazy(rb"(?m)^--[ \t]*migrate:down\b")

_UTILITIES = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "AlterSystemStmt": "ALTER SYSTEM",
}

_Event = (
    ir.CreateIndex
    | ir.DropObjects
    | ir.Maintenance
    | ir.Utility
    | ir.AlterTableAction
    | ir.AlterEnum
)


class ConcurrentOperationInTransaction(StatementRule):
    """A statement that cannot run inside a transaction block, inside one.

    ## What it does
    Flags, inside a transaction block, `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`,
    `REINDEX ... CONCURRENTLY`, `REINDEX SCHEMA/DATABASE/SYSTEM`, `DETACH PARTITION ...
    CONCURRENTLY`, any `VACUUM`, a bare `CLUSTER`, `CREATE/DROP DATABASE`, `CREATE/DROP
    TABLESPACE`, `ALTER DATABASE ... SET TABLESPACE` and `ALTER SYSTEM`. It applies whatever
    the table's age. The block is an explicit `BEGIN`, a runner that wraps the file (Flyway,
    dbmate and Diesel by default, or `--assume-in-transaction`), or a runner that sends the
    file as one multi-statement string, which PostgreSQL runs as one implicit transaction
    (golang-migrate; Diesel and dbmate with their transaction turned off) when it holds more
    than one statement. Inside a `DO` block (also through `EXECUTE`) they are flagged wherever
    the block runs: PostgreSQL refuses them from any function. It also flags the statement
    Flyway refuses a migration for: one Flyway runs outside a transaction, in a file whose
    other statements it runs inside one.

    `--fix` turns the runner's transaction off where the runner has a switch for one migration:
    - dbmate: `-- migrate:up transaction:false`, when the up section holds only this statement
      (dbmate sends a section in one call: with others it would still be an implicit block);
      a safe fix.
    - Flyway: `executeInTransaction=false` in the migration's script configuration,
      `<file>.sql.conf` beside it (Flyway 6.1 and later), written if there is none, else its
      `executeInTransaction` line changed or the line added, every other line kept. Safe when
      the statement is the file's only one; unsafe beside others (`--unsafe-fixes`), which then
      each commit on their own: a failure midway leaves the migration half applied.
    - Diesel: `run_in_transaction = false` in the migration folder's `metadata.toml` (written
      if there is none, else the top-level key's line changed or added, every other line kept),
      when `up.sql` (or `down.sql`) holds only this statement: Diesel sends a file in one
      `batch_execute`, so with others it would still run in an implicit block. The setting
      covers the folder's `up.sql` and `down.sql` both; a `down.sql` of several statements
      still runs them in one implicit block. A safe fix.

    None in a file with its own `BEGIN`/`COMMIT` (yours to remove); golang-migrate and Sqitch
    have no such switch.

    ## Why is this bad?
    PostgreSQL refuses them (`cannot run inside a transaction block`, or `cannot be executed
    from a function` in a DO block): the migration fails when it is deployed, often after the
    statements before it already ran in other environments.

    ## Example
    ```sql
    BEGIN;
    CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
    COMMIT;
    ```

    ## Use instead
    ```sql
    -- a migration of its own, run outside a transaction block
    CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
    ```

    ## References
    - PostgreSQL documentation, `CREATE INDEX` ("Building Indexes Concurrently"), `VACUUM`
    """

    code = "DBA404"
    name = "concurrent-operation-in-transaction"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES  # (dbmate: the statement alone in its section)
    targets = (
        ir.CreateIndex,
        ir.DropObjects,
        ir.Maintenance,
        ir.Utility,
        ir.AlterTableAction,
        ir.AlterEnum,
    )

    def check(self, event: _Event, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once, as
        # `_reports` would)
        if ctx.refused.get(ctx.statement.index) is None and (
            not (ctx.in_transaction or ctx.statement.within == "do")
            or _non_transactional(event) is None
        ):
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: _Event, ctx: RuleContext) -> Iterator[Report]:
        refusal = ctx.refused.get(ctx.statement.index)
        if refusal is not None:
            if event is next(e for e in ctx.statement.events if isinstance(e, self.targets)):
                yield ctx.report(
                    event.span,
                    refusal,
                    hint="move it to a migration of its own (Flyway runs that one outside a "
                    "transaction), or enable Flyway's `mixed` (and `runners.flyway.mixed`)",
                    fix=_side_file_fix(ctx),
                )
            return
        in_block = ctx.statement.within == "do"
        if not (ctx.in_transaction or in_block):
            return
        what = _non_transactional(event)
        if what is None:
            return
        if in_block:
            yield ctx.report(
                event.span,
                f"{what} cannot run inside a DO block (PostgreSQL refuses it from any function): "
                "the migration fails",
                hint="run it as a statement of its own, outside the DO block and any transaction",
            )
            return
        kind = ctx.transaction_kind
        runner = named(ctx.runner)
        if kind == RUNNER:
            off = f" ({TURN_OFF[ctx.runner]})" if ctx.runner in TURN_OFF else ""
            why = f", and {runner} runs this migration in one"
            hint = (
                f"turn off {runner}'s transaction for this migration{off}"
                if sum(not s.within for s in ctx.statements) == 1
                else f"move it to a migration of its own, and turn off {runner}'s transaction "
                f"there{off}"
            )
        elif kind == IMPLICIT:
            why = (
                f", and {runner} sends this file as one multi-statement string, which PostgreSQL "
                "runs as one implicit transaction"
            )
            hint = "move it to a migration file of its own, alone" + (
                " (or turn on x-multi-statement)" if ctx.runner == "golang-migrate" else ""
            )
            hint = CONCURRENT_ALONE["prisma"] if ctx.runner == "prisma" else hint
        else:
            why = ""
            hint = (
                "move it to a migration of its own that runs outside a transaction (drop the "
                "BEGIN/COMMIT, or turn off the runner's transaction for that migration)"
            )
        yield ctx.report(
            event.span,
            f"{what} cannot run inside a transaction block{why}: PostgreSQL refuses it and the "
            "migration fails",
            hint=hint,
            fix=_runner_fix(ctx) if kind == RUNNER else None,
        )


def _runner_fix(ctx: RuleContext) -> Rewrite | None:
    if ctx.runner == "dbmate":
        return _dbmate_fix(ctx)
    if ctx.runner in ("flyway", "diesel"):
        return _side_file_fix(ctx)
    return None


def _side_file_fix(ctx: RuleContext) -> Rewrite | None:
    """Flyway's `executeInTransaction=false` in the migration's `.sql.conf`, or Diesel's
    `run_in_transaction = false` in its folder's `metadata.toml` (`--fix` writes the file).
    Not in a file with its own BEGIN/COMMIT (the statement would still run in that block).
    Diesel sends the file in one `batch_execute`: only a file holding this statement alone
    runs it outside a block. Flyway then runs every statement on its own: with others in the
    file they no longer roll back together, so there the fix is unsafe."""
    if ctx.runner not in ("flyway", "diesel"):
        return None
    top = [s for s in ctx.statements if not s.within]
    if any(type(e) is ir.Transaction for s in ctx.statements for e in s.events):
        return None
    alone = top == [ctx.statement]
    if ctx.runner == "diesel":
        if not alone:
            return None
        return Rewrite(
            "Run this migration outside a transaction (`run_in_transaction = false` in its "
            "metadata.toml)",
            (),
            transaction_off=True,
        )
    return Rewrite(
        "Run this migration outside a transaction (`executeInTransaction=false` in its .sql.conf)",
        (),
        unsafe=not alone,
        transaction_off=True,
    )


def _dbmate_fix(ctx: RuleContext) -> Rewrite | None:
    """`transaction:false` on the `-- migrate:up` line, when the up section holds only this
    statement (dbmate sends a section in one call: several statements would still form
    PostgreSQL's implicit transaction block)."""
    up = _DBMATE_UP.search(ctx.text)
    if up is None or b"transaction:" in up.group(1):
        return None
    down = _DBMATE_DOWN.search(ctx.text, up.end())
    end = down.start() if down is not None else len(ctx.text)
    section = [s for s in ctx.statements if not s.within and up.end() <= s.span.start < end]
    if section != [ctx.statement]:
        return None
    at = up.start(1)
    return Rewrite("Run this migration outside a transaction", ((at, at, " transaction:false"),))


def _non_transactional(event: _Event) -> str | None:
    """How to name the statement, if it cannot run inside a transaction block."""
    if type(event) is ir.AlterEnum:
        return None  # (DBA417's, before PostgreSQL 12)
    if type(event) is ir.AlterTableAction:
        concurrent = event.action == "DetachPartition" and event.concurrent
        return "DETACH PARTITION ... CONCURRENTLY" if concurrent else None
    if type(event) is ir.CreateIndex:
        return "CREATE INDEX CONCURRENTLY" if event.concurrent else None
    if type(event) is ir.DropObjects:
        return "DROP INDEX CONCURRENTLY" if event.kind == "index" and event.concurrent else None
    if type(event) is ir.Utility:
        if event.kind == "AlterDatabaseStmt":
            return "ALTER DATABASE ... SET TABLESPACE" if "tablespace" in event.options else None
        return _UTILITIES.get(event.kind)
    if type(event) is not ir.Maintenance:
        return None
    if event.kind == "vacuum":
        return "VACUUM"
    if event.kind == "cluster" and not event.tables:
        return "CLUSTER without a table"
    if event.kind == "reindex":
        if "concurrently" in event.options:
            return "REINDEX CONCURRENTLY"
        if event.target in ("schema", "database", "system"):
            return f"REINDEX {event.target.upper()}"
    return None
