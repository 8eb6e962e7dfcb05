"""DBA107 money-type-column."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import (
    Applicability,
    FixAvailability,
    Report,
    RuleContext,
    Severity,
    TypedColumn,
    prisma_hint,
)
from dbarch_lint.rules.types._fixes import retype
from dbarch_lint.rules.types._typed import ColumnTypeRule


class MoneyTypeColumn(ColumnTypeRule):
    """A column declared with the `money` type.

    ## What it does
    Flags `money` columns (and arrays of them) in CREATE TABLE, ADD COLUMN and
    ALTER COLUMN TYPE.

    `--fix --unsafe-fixes` declares it `numeric(19,4)` where the table is created in the same
    migration (it holds no rows yet): unsafe, since the values' text changes (no currency
    symbol, no thousands separators, four fraction digits).

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    `money` has a fixed number of fraction digits taken from the server's `lc_monetary` setting:
    its text input and output depend on that locale, so a dump restored on a server with another
    locale reads different amounts, and it holds no currency. Its fixed scale cannot hold
    fractions of a cent (unit prices, exchange rates, tax rates), and division and rounding behave
    unlike `numeric`. `numeric(p,s)` is exact, locale-independent and has the scale you choose;
    keep the currency in its own column.

    ## Example
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, total money NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE invoices (
        id bigint PRIMARY KEY,
        total numeric(12,2) NOT NULL,
        currency text NOT NULL
    );
    ```

    ## References
    - PostgreSQL documentation, "Monetary Types"
    - PostgreSQL wiki, "Don't Do This: Don't use money"
    """

    code = "DBA107"
    name = "money-type-column"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    column_types = ("money",)
    fix_availability = FixAvailability.SOMETIMES  # (on a table this migration creates)
    fix_applicability = Applicability.UNSAFE

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        for table, column, type_, _ in typed:
            array = "[]" if type_.array else ""
            name = quote_ident(column)
            yield ctx.report(
                type_.span,
                f"Column {ctx.shown(table)}.{name} is money{array}: its scale and text format "
                "depend on the server's lc_monetary locale",
                hint=f"declare it `{name} numeric(12,2){array}` (pick the precision "
                "and scale), with the currency in its own column"
                + prisma_hint(ctx.runner, "money"),
                fix=retype(
                    event, ctx, type_, f"numeric(19,4){array}", f"Declare it numeric(19,4){array}"
                ),
            )
