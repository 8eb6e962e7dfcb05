"""DBA507 required-column-addition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class RequiredColumnAddition(StatementRule):
    """A NOT NULL column without a default is added to an existing table.

    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN ... NOT NULL` (or `PRIMARY KEY`, which implies it)
    without a non-null `DEFAULT` on a table that was not created earlier in the same migration.
    Identity, generated and serial columns get their values from elsewhere and are not flagged.
    Nor is `ADD COLUMN IF NOT EXISTS` of a column the replayed table already has (PostgreSQL
    skips it with a notice), or MySQL DDL run from a string under a "column does not exist yet"
    guard for such a column: nothing is added.

    Also flags `ALTER COLUMN ... DROP DEFAULT` of a NOT NULL column that the same migration
    added to an existing table with a default (Django's `AddField` adds the column with a
    default for the existing rows and drops the default in the next statement): the result is
    the same required column without a default.

    ## Why is this bad?
    The existing rows would get NULL in the new column, so on any table with rows the statement
    fails (`column ... contains null values`) and the migration with it. Where it does succeed
    (an empty table), the application version still running inserts rows without the column and
    those inserts fail.

    MySQL does not fail the statement: it fills the existing rows with the type's implicit
    default (0, the empty string, an ENUM's first member). But under strict SQL mode (the
    default since MySQL 5.7) the running application's INSERTs that omit the column fail
    (`Field '...' doesn't have a default value`); without strict mode they silently store the
    implicit default. AUTO_INCREMENT and generated columns get their values from elsewhere and
    are not flagged.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN currency text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';
    -- drop the default in a later release, once every writer sets the column
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE ... ADD COLUMN`
    - MySQL 8.0 Reference Manual, "Data Type Default Values" (implicit defaults; with strict SQL
      mode an INSERT that gives no value for a NOT NULL column without a DEFAULT is an error):
      https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html
    - MySQL 8.0 Reference Manual, "Server SQL Modes" (strict mode, `STRICT_TRANS_TABLES`, is in
      the default SQL mode): https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html
    """

    code = "DBA507"
    name = "required-column-addition"
    family = "compatibility"
    dialects = frozenset({"postgres", "mysql"})
    severity = Severity.ERROR
    targets = (ir.AddColumn, ir.DropDefault)

    def check(self, event: ir.AddColumn | ir.DropDefault, ctx: RuleContext) -> Iterator[Report]:
        if type(event) is ir.DropDefault:
            yield from _default_dropped(event, ctx)
            return
        event = cast("ir.AddColumn", event)  # (type(event) is, above: a miss is costly)
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
        table = ctx.table(event.table)
        if event.if_not_exists and table is not None and column.name in table.columns:
            return  # (a no-op: IF NOT EXISTS, or MySQL DDL guarded by "column does not exist")
        name = ctx.shown_column(event.table, column.name)
        if ctx.dialect == "mysql":
            yield ctx.report(
                event.span,
                f"Adding NOT NULL column {name} to {ctx.shown(event.table)} without a "
                "default: MySQL fills the existing rows with the type's implicit default, but "
                "under strict SQL mode (the default) the running application's INSERTs that omit "
                "the column fail; without strict mode they silently store the implicit default",
                hint=(
                    f"add {name} with a DEFAULT the running code can live with (`NOT NULL "
                    "DEFAULT ...`), or nullable: backfill it, then make it NOT NULL once every "
                    "writer sets it"
                ),
            )
            return
        yield ctx.report(
            event.span,
            f"Adding NOT NULL column {name} to {ctx.shown(event.table)} without a default fails on "
            "any table with rows, and the running application's inserts fail without it",
            hint=(
                f"add {name} with a DEFAULT, or nullable: backfill it, then set NOT NULL "
                "(see DBA408 for doing that without a long lock)"
            ),
        )


def _default_dropped(event: ir.DropDefault, ctx: RuleContext) -> Iterator[Report]:
    """DROP DEFAULT of a NOT NULL column this migration added, with that default, to an
    existing table: a required column without a default, in two steps."""
    table = ctx.table(event.table)
    column = table.columns.get(event.column) if table is not None else None
    if column is None or not column.not_null or not ctx.has_default(event.table, event.column):
        return
    if ctx.is_new_table(event.table) or not ctx.is_new_column(event.table, event.column):
        return
    name = ctx.shown_column(event.table, event.column)
    yield ctx.report(
        event.span,
        f"Dropping the default of NOT NULL column {name}, which this migration added to "
        f"{ctx.shown(event.table)}: the running application's inserts, which do not name {name}, "
        "fail",
        hint=(
            "keep the default until every writer sets the column, and drop it in a later migration"
        ),
    )
