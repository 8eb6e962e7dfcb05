"""DBA104 char-column."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import (
    Report,
    RuleContext,
    Severity,
    TypedColumn,
    prisma_hint,
)
from dbarch_lint.rules.types._typed import ColumnTypeRule


class CharColumn(ColumnTypeRule):
    """A column declared `char(n)` / `character(n)` (`bpchar`).

    ## What it does
    Flags `char`, `char(n)`, `character(n)` and `bpchar` columns (and arrays of them) in
    CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE.

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    `char(n)` pads every value with spaces to `n` characters and stores the padding. The
    padding is then insignificant in some places (comparing two `char` values; a cast to `text`
    strips it) and significant in others (what clients read back, `octet_length`), a steady
    source of surprises. It is no faster than `text` (usually slower, because of the padding),
    and like `varchar(n)` its length is a limit that is hard to change. A bare `char` means
    `char(1)`.

    ## Example
    ```sql
    CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE countries (
        code text PRIMARY KEY CONSTRAINT countries_code_format CHECK (code ~ '^[A-Z]{2}$'),
        name text NOT NULL
    );
    ```

    ## Known limits
    The single-byte internal type `"char"` (quoted) is a different type and is not flagged.

    ## References
    - PostgreSQL documentation, "Character Types"
    - PostgreSQL wiki, "Don't Do This: Don't use char(n)"
    """

    code = "DBA104"
    name = "char-column"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    column_types = ("bpchar",)

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        for table, column, type_, _ in typed:
            array = "[]" if type_.array else ""
            name = quote_ident(column)
            yield ctx.report(
                type_.span,
                f"Column {ctx.shown(table)}.{name} is {type_}: char(n) pads values with spaces and "
                "compares them inconsistently",
                hint=f"declare it `{name} text{array}` (add a CHECK constraint if "
                "the length is a rule)" + prisma_hint(ctx.runner, "char"),
            )
