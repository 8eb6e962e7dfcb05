"""DBA601 nested-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint import ir
from dbarch_lint.context import Report, RuleContext
from dbarch_lint.findings import Severity
from dbarch_lint.rule import StatementRule
from dbarch_lint.transactions import CLOSING, OPENING


class NestedTransaction(StatementRule):
    """`BEGIN` inside an open transaction, or `COMMIT`/`ROLLBACK` with none open or in a file
    the runner wraps.

    ## What it does
    Flags `BEGIN`/`START TRANSACTION` when a transaction is already open, `COMMIT`/`ROLLBACK`
    when none is, and an explicit `COMMIT`/`ROLLBACK` in a file the runner already wraps in a
    transaction (`--assume-in-transaction`).

    ## Why is this bad?
    PostgreSQL only warns, but the harm is real: in a wrapped file the COMMIT ends the runner's
    transaction early, so the rest of the file runs outside it (a failure no longer rolls back
    what ran before), and the runner's own COMMIT then finds nothing to commit.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    BEGIN;
    ALTER TABLE orders ADD COLUMN tag text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    ALTER TABLE orders ADD COLUMN tag text;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, `BEGIN`, `COMMIT`
    """

    code = "DBA601"
    name = "nested-transaction"
    family = "transactions"
    severity = Severity.WARNING
    targets = (ir.Transaction,)

    def check(self, event: ir.Transaction, ctx: RuleContext) -> Iterator[Report]:
        wrapped = ctx.settings.assume_in_transaction
        if event.kind in OPENING and ctx.in_transaction:
            yield ctx.report(
                event.span,
                "BEGIN inside an open transaction"
                + (" (the runner wraps this file in one)" if wrapped else "")
                + ": PostgreSQL ignores it, and the COMMIT that follows ends the outer one",
                hint="remove the inner BEGIN (and its COMMIT)",
            )
        elif event.kind in CLOSING - {"prepare"} and not ctx.in_transaction:
            yield ctx.report(
                event.span,
                f"{event.kind.upper()} with no transaction open",
                hint="remove it, or add the BEGIN it belongs to",
            )
        elif event.kind in CLOSING and wrapped and not _opened_in_file(ctx):
            yield ctx.report(
                event.span,
                f"{event.kind.upper()} ends the transaction the runner wraps this file in: the "
                "rest of the file runs outside it",
                hint="leave committing to the runner (or turn its transaction off for this file)",
            )


def _opened_in_file(ctx: RuleContext) -> bool:
    """Whether the open transaction was begun by a statement of this file."""
    depth = 0
    for statement in ctx.statements[: ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.Transaction):
                if event.kind in OPENING:
                    depth += 1
                elif event.kind in CLOSING:
                    depth = max(0, depth - 1)
    return depth > 0
