"""DBA508 not-null-drop."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class NotNullDrop(StatementRule):
    """`DROP NOT NULL` on a column of an existing table.

    ## What it does
    Flags `ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL` on a table that was not created
    earlier in the same migration.

    Not flagged when the replay knows the table's whole definition and it has no such column:
    the statement then fails (DBA801 says so) or, with `IF EXISTS`, does nothing, and two
    findings on one statement must not contradict each other.

    ## Why is this bad?
    Code written when the column could not be NULL does not expect NULLs: once new code (or a
    backfill) writes them, old readers, reports and consumers that never check for NULL break.
    It is usually the right change, made in the right order: readers first.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN coupon_code DROP NOT NULL;
    ```

    ## Use instead
    ```sql
    -- after every reader handles NULL in orders.coupon_code:
    ALTER TABLE orders ALTER COLUMN coupon_code DROP NOT NULL;  -- noqa: DBA508 (readers ready)
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE ... DROP NOT NULL`
    """

    code = "DBA508"
    name = "not-null-drop"
    family = "compatibility"
    dialects = frozenset({"postgres"})
    severity = Severity.INFO
    targets = (ir.DropNotNull,)

    def check(self, event: ir.DropNotNull, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or ctx.column_absent(event.table, event.column):
            return  # (no such column: the statement fails, DBA801 says so)
        column = quote_ident(event.column)
        yield ctx.report(
            event.span,
            f"Column {column} of {ctx.shown(event.table)} may now hold NULL: readers that never "
            "expected one can break",
            hint=f"make every reader handle NULL in {column} before this migration runs",
        )
