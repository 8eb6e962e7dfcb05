"""DBA404 concurrent-operation-in-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint import ir
from dbarch_lint.context import Report, RuleContext
from dbarch_lint.findings import Severity
from dbarch_lint.rule import StatementRule

_UTILITIES = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "AlterSystemStmt": "ALTER SYSTEM",
}

_Event = ir.CreateIndex | ir.DropObjects | ir.Maintenance | ir.Utility | ir.AlterTableAction


class ConcurrentOperationInTransaction(StatementRule):
    """A statement that cannot run inside a transaction block, inside one.

    ## What it does
    Flags, inside a transaction block (an explicit `BEGIN`, or a runner that wraps the file:
    `--assume-in-transaction`), `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`,
    `REINDEX ... CONCURRENTLY`, `REINDEX SCHEMA/DATABASE/SYSTEM`, `DETACH PARTITION ...
    CONCURRENTLY`, any `VACUUM`, a bare `CLUSTER`, `CREATE/DROP DATABASE`, `CREATE/DROP
    TABLESPACE`, `ALTER DATABASE ... SET TABLESPACE` and `ALTER SYSTEM`. It applies whatever
    the table's age. Inside a `DO` block (also through `EXECUTE`) they are flagged wherever the
    block runs: PostgreSQL refuses them from any function.

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
    severity = Severity.ERROR
    targets = (ir.CreateIndex, ir.DropObjects, ir.Maintenance, ir.Utility, ir.AlterTableAction)

    def check(
        self,
        event: _Event,
        ctx: RuleContext,
    ) -> Iterator[Report]:
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
        yield ctx.report(
            event.span,
            f"{what} cannot run inside a transaction block: PostgreSQL refuses it and the "
            "migration fails",
            hint=(
                "move it to a migration of its own that runs outside a transaction (drop the "
                "BEGIN/COMMIT, or turn off the runner's transaction for that migration)"
            ),
        )


def _non_transactional(event: _Event) -> str | None:
    """How to name the statement, if it cannot run inside a transaction block."""
    if isinstance(event, ir.AlterTableAction):
        concurrent = event.action == "DetachPartition" and event.concurrent
        return "DETACH PARTITION ... CONCURRENTLY" if concurrent else None
    if isinstance(event, ir.CreateIndex):
        return "CREATE INDEX CONCURRENTLY" if event.concurrent else None
    if isinstance(event, ir.DropObjects):
        return "DROP INDEX CONCURRENTLY" if event.kind == "index" and event.concurrent else None
    if isinstance(event, ir.Utility):
        if event.kind == "AlterDatabaseStmt":
            return "ALTER DATABASE ... SET TABLESPACE" if "tablespace" in event.options else None
        return _UTILITIES.get(event.kind)
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
