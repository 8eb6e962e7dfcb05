"""DBA602 unterminated-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import CLOSING, OPENING, RUNNER, Report, RuleContext, Severity, StatementRule


class UnterminatedTransaction(StatementRule):
    """A `BEGIN` with no `COMMIT` or `ROLLBACK` before the end of the file.

    ## What it does
    Flags `BEGIN`/`START TRANSACTION` when no `COMMIT`, `END`, `ROLLBACK` or
    `PREPARE TRANSACTION` follows it in the same file. Not a `BEGIN` inside the transaction
    the runner wraps the file in (Flyway, dbmate, Diesel): PostgreSQL ignores it and the runner
    commits (DBA601 reports the nested BEGIN).

    ## Why is this bad?
    What happens to the migration then depends on the tool that runs it: psql rolls it back
    when the connection closes, a runner may commit it with its own transaction or leave the
    session idle in transaction, holding every lock the migration took.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, `BEGIN`
    """

    code = "DBA602"
    name = "unterminated-transaction"
    family = "transactions"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.Transaction,)

    def check(self, event: ir.Transaction, ctx: RuleContext) -> Iterator[Report]:
        if event.kind not in OPENING or ctx.transaction_kind == RUNNER:
            return
        for statement in ctx.statements[ctx.statement.index + 1 :]:
            for later in statement.events:
                if isinstance(later, ir.Transaction) and later.kind in CLOSING:
                    return
        yield ctx.report(
            event.span,
            "This transaction is never committed or rolled back in this file",
            hint="end it with COMMIT (or ROLLBACK)",
        )
