"""DBA103 varchar-column."""

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
from dbarch_lint.rules.constraints._names import snake_case
from dbarch_lint.rules.types._fixes import check_name, retype
from dbarch_lint.rules.types._typed import ColumnTypeRule


class VarcharColumn(ColumnTypeRule):
    """A column declared `varchar(n)` / `character varying(n)`.

    ## What it does
    Flags `varchar(n)` and `character varying(n)` columns (also `pg_catalog.varchar(n)` and
    arrays of them) in CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE.

    `--fix --unsafe-fixes` declares it `text` with the same limit as a named CHECK
    (`CONSTRAINT <table>_<column>_check CHECK (char_length(<column>) <= n)`, the name
    PostgreSQL would give it, in snake_case) where the table is created in the same migration
    (it holds no rows yet; not for arrays): unsafe, since varchar(n) silently cuts trailing
    spaces past the limit where the CHECK rejects the value.

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    In PostgreSQL `varchar(n)` is stored exactly like `text` and is no faster; the only thing the
    `(n)` adds is a limit that is hard to change. Shrinking it is an `ALTER COLUMN ... TYPE` that
    takes an ACCESS EXCLUSIVE lock and rewrites the table, and limits picked out of habit
    (`varchar(255)`) end up rejecting real data. Where a limit is a real business rule, a named
    CHECK constraint says so and can be replaced online (`NOT VALID`, then `VALIDATE`).

    ## Example
    ```sql
    CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(255) NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE customers (
        id bigint PRIMARY KEY,
        email text NOT NULL CONSTRAINT customers_email_length CHECK (char_length(email) <= 320)
    );
    ```

    ## Known limits
    `varchar` without a length is `text` in all but name and is not flagged. Domains over
    `varchar(n)` are not looked into.

    ## References
    - PostgreSQL documentation, "Character Types" (tip: no performance difference)
    - PostgreSQL wiki, "Don't Do This: Don't use varchar(n) by default"
    """

    code = "DBA103"
    name = "varchar-column"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    column_types = ("varchar",)
    fix_availability = FixAvailability.SOMETIMES  # (on a table this migration creates)
    fix_applicability = Applicability.UNSAFE

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        for table, column, type_, _ in typed:
            if not type_.mods:
                continue
            limit = type_.mods[0]
            name = quote_ident(column)
            array = "[]" if type_.array else ""
            check = f" with `CHECK (char_length({name}) <= {limit})` if the limit is real"
            fix = None
            if not array:
                constraint = snake_case(check_name(ctx, table, column, type_.span.start))
                text = f"text CONSTRAINT {constraint} CHECK (char_length({name}) <= {limit})"
                fix = retype(event, ctx, type_, text, "Declare it text with a CHECK of its limit")
            yield ctx.report(
                type_.span,
                f"Column {ctx.shown(table)}.{name} is varchar({limit}){array}: the length limit is "
                "hard to change, and no faster than text",
                hint=f"declare it `{name} text{array}`{'' if array else check}"
                + prisma_hint(ctx.runner, "varchar", n=str(limit)),
                fix=fix,
            )
