"""DBA507 required-column-addition."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class RequiredColumnAddition(StatementRule):
    """A NOT NULL column without a default is added to an existing table.

    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN ... NOT NULL` (or `PRIMARY KEY`, which implies it)
    without a non-null `DEFAULT` on a table that was not created earlier in the same migration.
    Identity, generated and serial columns get their values from elsewhere and are not flagged.

    ## Why is this bad?
    The existing rows would get NULL in the new column, so on any table with rows the statement
    fails (`column ... contains null values`) and the migration with it. Where it does succeed
    (an empty table), the application version still running inserts rows without the column and
    those inserts fail.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN currency text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE ... ADD COLUMN`
    """

    code = "DBA507"
    name = "required-column-addition"
    family = "compatibility"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AddColumn,)

    def check(self, event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        column = event.column
        kinds = {c.kind for c in column.constraints}
        if not kinds & {"not-null", "primary-key"} or kinds & {"identity", "generated"}:
            return
        if any(c.kind == "default" and not c.null_default for c in column.constraints):
            return
        if column.type is not None and column.type.names[-1:] in [(n,) for n in SERIAL_BASE_TYPES]:
            return
        if ctx.is_new_table(event.table):
            return
        name = quote_ident(column.name)
        yield ctx.report(
            event.span,
            f"Adding NOT NULL column {name} to {event.table} without a default fails on any "
            "table with rows, and the running application's inserts fail without it",
            hint=(
                f"add {name} with a DEFAULT, or nullable: backfill it, then set NOT NULL "
                "(see DBA408 for doing that without a long lock)"
            ),
        )
