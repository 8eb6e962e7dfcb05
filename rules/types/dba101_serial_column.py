"""DBA101 serial-column."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model.ir import SERIAL_BASE_TYPES
from dbarch_lint.rule import (
    Applicability,
    FixAvailability,
    Report,
    RuleContext,
    Severity,
    TypedColumn,
    prisma_hint,
)
from dbarch_lint.rules.types._fixes import IDENTITY, is_foreign_key, referenced_later, retype
from dbarch_lint.rules.types._typed import ColumnTypeRule


class SerialColumn(ColumnTypeRule):
    """A column declared `serial`, `bigserial` or `smallserial`.

    ## What it does
    Flags `serial`, `bigserial`, `smallserial` and `serial2/4/8` columns in CREATE TABLE,
    ADD COLUMN and ALTER COLUMN TYPE.

    `--fix --unsafe-fixes` declares it `bigint GENERATED ALWAYS AS IDENTITY` where the table is
    created in the same migration (it holds no rows yet; not a column that is also a foreign
    key): unsafe, since an identity column generated always refuses the explicit values a
    serial column accepts (`OVERRIDING SYSTEM VALUE` is needed), and a smaller serial widens.

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    `serial` is not a type but a shorthand for an integer column, a separately owned sequence and
    a `nextval()` default. The sequence has its own permissions and ownership, is not copied by
    `CREATE TABLE ... (LIKE ...)`, and explicit ids inserted by hand silently collide with it
    later. The SQL-standard identity column ties the sequence to the column and, with `ALWAYS`,
    rejects stray explicit ids. `serial` and `smallserial` are also 32/16-bit: keys run out.

    ## Example
    ```sql
    CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE customers (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL
    );
    ```

    ## References
    - PostgreSQL documentation, "Serial Types" and `CREATE TABLE ... GENERATED ... AS IDENTITY`
    - Peter Eisentraut, "Waiting for PostgreSQL 10 - identity columns"
    """

    code = "DBA101"
    name = "serial-column"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    column_types = tuple(SERIAL_BASE_TYPES)
    fix_availability = FixAvailability.SOMETIMES  # (on a table this migration creates)
    fix_applicability = Applicability.UNSAFE

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        for table, column, type_, builtin in typed:
            if type_.array:
                continue
            base = SERIAL_BASE_TYPES[builtin]
            fix = None
            if not (is_foreign_key(event, column) or referenced_later(ctx, table)):
                fix = retype(event, ctx, type_, IDENTITY, f"Declare it {IDENTITY}")
            yield ctx.report(
                type_.span,
                f"Column {ctx.shown(table)}.{column} is declared {type_.name}, which creates a "
                f"separately owned {base} sequence",
                hint=f"use `{column} bigint GENERATED ALWAYS AS IDENTITY`"
                + prisma_hint(ctx.runner, "key"),
                fix=fix,
            )
