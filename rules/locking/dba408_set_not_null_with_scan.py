"""DBA408 set-not-null-with-scan."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint import ir
from dbarch_lint.context import Report, RuleContext
from dbarch_lint.findings import Severity
from dbarch_lint.ir import quote_ident
from dbarch_lint.naming import make_object_name
from dbarch_lint.rule import StatementRule
from dbarch_lint.schema import ConstraintInfo


class SetNotNullWithScan(StatementRule):
    """`SET NOT NULL` on an existing table scans it under an ACCESS EXCLUSIVE lock.

    ## What it does
    Flags `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` on a table that was not created
    earlier in the same migration. Silent on PostgreSQL 12+ when a validated
    `CHECK (col IS NOT NULL)` (alone or AND-ed with other conditions) exists for that column
    before the statement, and when the column is known to be NOT NULL already.

    ## Why is this bad?
    PostgreSQL reads every row to prove there is no NULL, while holding an ACCESS EXCLUSIVE
    lock: no reads and no writes for the whole scan. From version 12 on it skips the scan when a
    validated CHECK constraint already proves it, and that constraint can be added without a
    long lock (`NOT VALID`, then `VALIDATE CONSTRAINT` in a separate transaction).

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_placed_at_not_null
        CHECK (placed_at IS NOT NULL) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_placed_at_not_null;  -- separate transaction
    ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;  -- no scan: the CHECK proves it
    ALTER TABLE orders DROP CONSTRAINT orders_placed_at_not_null;
    ```

    ## References
    - PostgreSQL 12 release notes: "Allow ALTER TABLE ... SET NOT NULL to avoid unnecessary
      table scans"
    - PostgreSQL documentation, `ALTER TABLE ... SET NOT NULL`
    """

    code = "DBA408"
    name = "set-not-null-with-scan"
    family = "locking"
    severity = Severity.ERROR
    targets = (ir.SetNotNull,)

    def check(self, event: ir.SetNotNull, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table):
            return
        table = ctx.table(event.table)
        column = table.columns.get(event.column) if table is not None else None
        if column is not None and column.not_null:
            return
        version = ctx.settings.pg_version
        if version >= 12 and table is not None and _proven(table.live_constraints(), event.column):
            return
        name, shown = quote_ident(event.column), str(event.table)
        check = quote_ident(make_object_name(event.table.name, event.column, "not_null"))
        if version >= 18:
            steps = (
                f"`ALTER TABLE {shown} ADD CONSTRAINT {check} NOT NULL {name} NOT VALID;`, then "
                f"in a separate transaction `ALTER TABLE {shown} VALIDATE CONSTRAINT {check};`"
            )
        else:
            steps = (
                f"`ALTER TABLE {shown} ADD CONSTRAINT {check} CHECK ({name} IS NOT NULL) NOT "
                f"VALID;`, in a separate transaction `ALTER TABLE {shown} VALIDATE CONSTRAINT "
                f"{check};`, then this SET NOT NULL and `ALTER TABLE {shown} DROP CONSTRAINT "
                f"{check};`"
            )
        older = "" if version >= 12 else " (before PostgreSQL 12 no CHECK spares the scan)"
        yield ctx.report(
            event.span,
            f"SET NOT NULL on {name} of {shown} scans the whole table under an ACCESS EXCLUSIVE "
            f"lock, blocking reads and writes for the whole scan{older}",
            hint=steps,
        )


def _proven(constraints: list[ConstraintInfo], column: str) -> bool:
    """Whether a validated CHECK constraint proves `column IS NOT NULL`."""
    return any(
        info.kind == "check" and info.validated and column in info.constraint.not_null_columns
        for info in constraints
    )
