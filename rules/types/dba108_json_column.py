"""DBA108 json-column."""

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


class JsonColumn(ColumnTypeRule):
    """A column declared `json` rather than `jsonb`.

    ## What it does
    Flags `json` columns (and arrays of them) in CREATE TABLE, ADD COLUMN and
    ALTER COLUMN TYPE.

    `--fix --unsafe-fixes` declares it `jsonb` where the table is created in the same
    migration (it holds no rows yet): unsafe, since jsonb drops duplicate keys, reorders keys
    and whitespace, so what reads the column back may see other text.

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    `json` stores the text as written and re-parses it on every access. It has no equality
    operator, so `SELECT DISTINCT`, `GROUP BY`, `UNION` and unique constraints on it fail, and it
    cannot be indexed with GIN or use the containment (`@>`) and existence (`?`) operators.
    `jsonb` is stored parsed, is faster to query and indexable. Keep `json` only when the exact
    text (key order, duplicate keys, whitespace) must be preserved.

    ## Example
    ```sql
    CREATE TABLE webhooks (id bigint PRIMARY KEY, payload json NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE webhooks (id bigint PRIMARY KEY, payload jsonb NOT NULL);
    ```

    ## References
    - PostgreSQL documentation, "JSON Types"
    """

    code = "DBA108"
    name = "json-column"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    column_types = ("json",)
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
                f"Column {ctx.shown(table)}.{name} is json{array}: it is re-parsed on every "
                "access, has no equality operator and cannot be GIN-indexed",
                hint=f"declare it `{name} jsonb{array}` (keep json only to preserve "
                "the exact text)" + prisma_hint(ctx.runner, "json"),
                fix=retype(event, ctx, type_, f"jsonb{array}", f"Declare it jsonb{array}"),
            )
