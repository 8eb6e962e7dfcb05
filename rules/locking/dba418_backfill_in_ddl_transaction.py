"""DBA418 backfill-in-ddl-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog import Origin
from dbarch_lint.catalog.locks import ACCESS_EXCLUSIVE
from dbarch_lint.model import ir
from dbarch_lint.rule import RelatedSpan, Report, RuleContext, Severity, StatementRule

_BACKFILLS = frozenset({"update", "delete", "insert"})


class BackfillInDdlTransaction(StatementRule):
    """A data change in the transaction of a statement that locked an existing table exclusively.

    ## What it does
    Flags `UPDATE`, `DELETE` and `INSERT ... SELECT` inside a transaction block (an explicit
    `BEGIN`, or a runner that wraps the file) after a statement of the same transaction took
    an ACCESS EXCLUSIVE lock on a table that was not created earlier in the same migration
    (`ALTER TABLE`, `DROP TABLE`, `TRUNCATE`, ...).

    ## Why is this bad?
    A lock is held until the transaction ends. The ALTER TABLE itself may take a millisecond,
    but the backfill after it runs for as long as it takes to change every row, and for all
    that time the table is locked against reads and writes.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN currency text;
    UPDATE orders SET currency = 'EUR';
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN currency text;
    COMMIT;
    -- then, in batches, each in a short transaction of its own:
    UPDATE orders SET currency = 'EUR' WHERE id BETWEEN 1 AND 10000;
    ```

    ## References
    - PostgreSQL documentation, "Explicit Locking" (locks are held until the end of the
      transaction)
    """

    code = "DBA418"
    name = "backfill-in-ddl-transaction"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = (ir.DataChange,)

    def check(self, event: ir.DataChange, ctx: RuleContext) -> Iterator[Report]:
        if event.kind not in _BACKFILLS or (event.kind == "insert" and not event.from_select):
            return
        for table, mode, statement in ctx.locks_held():
            if mode == ACCESS_EXCLUSIVE and not ctx.is_new_table(table):
                line = ctx.line_of(statement.span.start)
                change = "INSERT ... SELECT" if event.kind == "insert" else event.kind.upper()
                yield ctx.report(
                    event.span,
                    f"This {change} runs in the transaction that took an ACCESS EXCLUSIVE lock "
                    f"on {table} (line {line}): reads and writes of {table} stay blocked for "
                    "the whole data change",
                    hint="COMMIT after the schema change, then change the data in batches, "
                    "each in a short transaction of its own",
                    related=[
                        RelatedSpan(
                            Origin(ctx.file_index, statement.index, ctx.path, statement.span),
                            f"takes the ACCESS EXCLUSIVE lock on {table}",
                        )
                    ],
                )
                return
