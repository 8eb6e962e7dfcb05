"""DBA408 set-not-null-with-scan."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog import make_object_name
from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.locking._not_null import proven_not_null


class SetNotNullWithScan(StatementRule):
    """`SET NOT NULL` on an existing table scans it under an ACCESS EXCLUSIVE lock.

    ## What it does
    Flags `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` (and PostgreSQL 18's `ADD CONSTRAINT
    ... NOT NULL col` without `NOT VALID`) on a table that was not created earlier in the same
    migration. Silent on PostgreSQL 12+ when a validated
    `CHECK (col IS NOT NULL)` (alone or AND-ed with other conditions) exists for that column
    before the statement, and when the column is known to be NOT NULL already.

    Not flagged when the replay knows the table's whole definition and it has no such column:
    the statement then fails (DBA801 says so) or, with `IF EXISTS`, does nothing, and two
    findings on one statement must not contradict each other.

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

    The last step is not a DBA509 (object-drop) finding: once the column is NOT NULL, the check
    keeps out nothing that NOT NULL does not.

    ## References
    - PostgreSQL 12 release notes: "Allow ALTER TABLE ... SET NOT NULL to avoid unnecessary
      table scans"
    - PostgreSQL documentation, `ALTER TABLE ... SET NOT NULL`
    """

    code = "DBA408"
    name = "set-not-null-with-scan"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.SetNotNull, ir.AddConstraint)

    def check(self, event: ir.SetNotNull | ir.AddConstraint, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most ADD CONSTRAINT events add no NOT NULL constraint to check)
        if type(event) is ir.AddConstraint and (
            event.constraint.kind != "not-null" or event.constraint.not_valid
        ):
            return NOTHING
        return self._reports(event, ctx)

    def _reports(
        self, event: ir.SetNotNull | ir.AddConstraint, ctx: RuleContext
    ) -> Iterator[Report]:
        if type(event) is ir.SetNotNull:
            if ctx.column_absent(event.table, event.column):
                return  # (no such column: the statement fails, DBA801 says so)
            yield from _scan(event.table, event.column, "SET NOT NULL", event.span, ctx)
        elif (
            type(event) is ir.AddConstraint
            and event.constraint.kind == "not-null"
            and not event.constraint.not_valid
        ):
            for column in event.constraint.columns:
                yield from _scan(
                    event.table, column, "ADD CONSTRAINT ... NOT NULL", event.span, ctx
                )


def _scan(
    table_name: ir.QName, column_name: str, how: str, span: ir.Span, ctx: RuleContext
) -> Iterator[Report]:
    if ctx.is_new_table(table_name):
        return
    version = ctx.settings.pg_version
    if proven_not_null(ctx.table(table_name), column_name, version):
        return
    name, shown = quote_ident(column_name), ctx.shown(table_name)
    check = quote_ident(make_object_name(table_name.name, column_name, "not_null"))
    if version >= 18:
        steps = (
            f"`ALTER TABLE {shown} ADD CONSTRAINT {check} NOT NULL {name} NOT VALID;`, then "
            f"in a separate transaction `ALTER TABLE {shown} VALIDATE CONSTRAINT {check};`"
        )
    else:
        steps = (
            f"`ALTER TABLE {shown} ADD CONSTRAINT {check} CHECK ({name} IS NOT NULL) NOT "
            f"VALID;`, in a separate transaction `ALTER TABLE {shown} VALIDATE CONSTRAINT "
            f"{check};`, then `ALTER TABLE {shown} ALTER COLUMN {name} SET NOT NULL;` and "
            f"`ALTER TABLE {shown} DROP CONSTRAINT {check};`"
        )
    older = "" if version >= 12 else " (before PostgreSQL 12 no CHECK spares the scan)"
    yield ctx.report(
        span,
        f"{how} on {name} of {shown} scans the whole table under an ACCESS EXCLUSIVE "
        f"lock, blocking reads and writes for the whole scan{older}",
        hint=steps,
    )
