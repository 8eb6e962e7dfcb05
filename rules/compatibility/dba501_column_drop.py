"""DBA501 column-drop."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class ColumnDrop(StatementRule):
    """A column of an existing table is dropped.

    ## What it does
    Flags `ALTER TABLE ... DROP COLUMN` on a table that was not created earlier in the same
    migration, unless the column itself was added earlier in that migration. Renames made in
    the migration keep a table's and a column's age: a table created in it and renamed, or a
    column added in it and renamed, is still new; an existing table renamed in it is still
    existing under its new name.

    Not flagged when the replay knows the table's whole definition and it has no such column:
    the statement then fails (DBA801 says so) or, with `IF EXISTS`, does nothing, and two
    findings on one statement must not contradict each other.

    ## Why is this bad?
    The application version still running reads and writes the column: from the moment the
    migration commits until new code is deployed everywhere, those queries fail with
    `column ... does not exist` (an `INSERT` naming it, a `SELECT` listing it, an ORM that maps
    every column). And the data is gone: a rollback of the code cannot bring it back.

    ## Example
    ```sql
    ALTER TABLE customers DROP COLUMN fax;
    ```

    ## Use instead
    ```sql
    -- 1. deploy code that no longer reads or writes customers.fax (ORMs: ignore the column)
    -- 2. then, in a later migration:
    ALTER TABLE customers DROP COLUMN fax;  -- noqa: DBA501 (code no longer uses it)
    ```

    ## References
    - Martin Fowler, "ParallelChange" (expand/contract)
    - PostgreSQL documentation, `ALTER TABLE ... DROP COLUMN`
    """

    code = "DBA501"
    name = "column-drop"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.DropColumn,)

    def check(self, event: ir.DropColumn, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or ctx.is_new_column(event.table, event.column):
            return
        if ctx.column_absent(event.table, event.column):
            return  # (no such column: the drop fails, or with IF EXISTS does nothing)
        name = ctx.shown_column(event.table, event.column)
        yield ctx.report(
            event.span,
            f"Dropping column {name} of {ctx.shown(event.table)} breaks the running application, "
            f"which still reads and writes {name}, and loses its data",
            hint=(
                f"first deploy code that no longer uses {name}; drop it in a later migration "
                "(and suppress this finding there)"
            ),
        )
