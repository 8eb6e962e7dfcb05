"""DBA503 table-rename."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class TableRename(StatementRule):
    """An existing table is renamed.

    ## What it does
    Flags `ALTER TABLE ... RENAME TO` on a table that was not created earlier in the same
    migration.

    ## Why is this bad?
    The rename is instant, but every query of the application version still running names the
    old table: until the new code is deployed everywhere, they fail with `relation ... does not
    exist`. The rename also takes an ACCESS EXCLUSIVE lock on the table, queued behind any
    long-running query and blocking everything behind it meanwhile.

    ## Example
    ```sql
    ALTER TABLE customer RENAME TO customers;
    ```

    ## Use instead
    ```sql
    -- in one transaction: rename, and keep the old name as a view until no code uses it
    BEGIN;
    ALTER TABLE customer RENAME TO customers; -- noqa: DBA503 (the view keeps the old name)
    CREATE VIEW customer AS SELECT * FROM customers;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, "Updatable Views" (simple views accept INSERT/UPDATE/DELETE)
    - Martin Fowler, "ParallelChange" (expand/contract)
    """

    code = "DBA503"
    name = "table-rename"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.RenameTable,)

    def check(self, event: ir.RenameTable, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table):
            return
        old, new = str(event.table), str(QName(event.table.schema, event.new))
        # (MySQL commits each DDL statement: the view comes right after instead)
        when = "right after the rename" if ctx.dialect == "mysql" else "in the same transaction"
        yield ctx.report(
            event.span,
            f"Renaming table {old} to {quote_ident(event.new)} breaks the running application, "
            f"which still queries {old}",
            hint=(
                f"{when}, keep the old name as a view until no code uses it: "
                f"`CREATE VIEW {old} AS SELECT * FROM {new};` (a simple view accepts writes); or "
                f"expand/contract with a new table"
            ),
        )
