"""DBA209 missing-required-columns."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, SchemaContext, SchemaRule, Severity


class MissingRequiredColumnsOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA209's options: `required`, the columns every table must have."""

    required: tuple[str, ...] = ("created_at", "updated_at")

    def __post_init__(self) -> None:
        if any(not name.strip() for name in self.required):
            raise ValueError("required: a column name is empty")


class MissingRequiredColumns(SchemaRule[MissingRequiredColumnsOptions]):
    """A table that lacks columns every table of the house must have.

    ## What it does
    At the end of the replay of every migration, flags each table created in the history that
    does not have all the columns listed in the option `required` (by default `created_at` and
    `updated_at`). A column added by a later migration counts; one dropped later does not.
    Partitions (their columns come from the parent), temporary and foreign tables, views, and
    tables whose columns the replay cannot know (`CREATE TABLE ... AS`, `LIKE`, `OF type`, a
    parent never seen) are not checked. With an empty `required` list the rule reports nothing.

    ## Why is this bad?
    House conventions such as audit timestamps or a tenant key only help when every table has
    them: a table without `updated_at` cannot take part in incremental exports, and one without
    `tenant_id` escapes row-level security policies written for all the others. Adding the column
    later, to a large table, is a migration of its own.

    ## Example
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric(12, 2) NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE invoices (
        id bigint PRIMARY KEY,
        total numeric(12, 2) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    ```

    ## Options
    - `required` (list of column names; default `["created_at", "updated_at"]`): the columns
      every table must have, as stored (lower case unless the column was created with a quoted
      name). An empty list turns the rule into a no-op.
    """

    code = "DBA209"
    name = "missing-required-columns"
    family = "constraints"
    severity = Severity.WARNING
    default_enabled = False

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        required = self.options.required
        if not required:
            return
        for table in ctx.schema.tables.values():
            created = table.created_by
            if table.origin is None or not ctx.reported(table.origin):
                continue
            if not isinstance(created, ir.CreateTable):
                continue
            if not table.complete or table.temporary or table.partition_of or created.foreign:
                continue
            missing = [c for c in required if c not in table.columns]
            if not missing:
                continue
            name = ctx.schema.shown(table.name)
            listed = ", ".join(quote_ident(c) for c in missing)
            adds = ", ".join(f"ADD COLUMN {quote_ident(c)} <type>" for c in missing)
            yield ctx.report(
                table.origin,
                f"Table {name} lacks required column{'s' if len(missing) > 1 else ''} {listed}",
                hint=f"add {'them' if len(missing) > 1 else 'it'}: `ALTER TABLE {name} {adds};`",
                span=created.span,
            )
