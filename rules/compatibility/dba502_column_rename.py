"""DBA502 column-rename."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class ColumnRename(StatementRule):
    """A column of an existing table is renamed.

    ## What it does
    Flags `ALTER TABLE ... RENAME COLUMN` on a table that was not created earlier in the same
    migration, unless the column itself was added earlier in that migration. Renames made in
    the migration keep a table's and a column's age: a column added in it and renamed, or a
    table created in it and renamed, is still new; an existing table renamed in it is still
    existing under its new name. Renaming a column again from a name the same migration gave
    it is silent: running code never used that name (the first rename is the one reported).

    Not flagged when the replay knows the table's whole definition and it has no such column:
    the statement then fails (DBA801 says so) or, with `IF EXISTS`, does nothing, and two
    findings on one statement must not contradict each other.

    ## Why is this bad?
    The rename is instant, but every query of the application version still running names the
    old column: from the moment the migration commits until the new code is deployed everywhere,
    those reads and writes fail with `column ... does not exist`. Views, functions, replicas'
    consumers and reports break the same way. A rename cannot be deployed atomically with code.

    ## Example
    ```sql
    ALTER TABLE customers RENAME COLUMN mail TO email;
    ```

    ## Use instead
    ```sql
    -- expand: add the new column; the application writes both and reads the old one
    ALTER TABLE customers ADD COLUMN email text;
    -- backfill in batches, switch readers to email, then contract in a later migration:
    -- ALTER TABLE customers DROP COLUMN mail;
    ```

    ## References
    - Martin Fowler, "ParallelChange" (expand/contract)
    - PostgreSQL documentation, `ALTER TABLE ... RENAME COLUMN`
    """

    code = "DBA502"
    name = "column-rename"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.RenameColumn,)

    def check(self, event: ir.RenameColumn, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or ctx.is_new_column(event.table, event.old):
            return
        if ctx.is_renamed_here("column", event.old, event.table):
            return  # (the rename that gave the name was the break)
        if ctx.column_absent(event.table, event.old):
            return  # (no such column: the rename fails, DBA801 says so)
        table = ctx.table(event.table)
        column = table.columns.get(event.old) if table else None
        name = ctx.shown(event.table)
        old, new = (
            ctx.shown_column(event.table, event.old),
            ctx.shown_column(event.table, event.new),
        )
        type_ = str(column.type) if column is not None and column.type is not None else "<type>"
        yield ctx.report(
            event.span,
            f"Renaming column {old} of {name} to {new} breaks the running application, which still "
            f"reads and writes {old}",
            hint=(
                f"expand/contract: `ALTER TABLE {name} ADD COLUMN {new} {type_};`, make the "
                f"application write both columns, backfill `UPDATE {name} SET {new} = {old}` in "
                f"batches, switch readers to {new}, then drop {old} in a later migration"
            ),
        )
