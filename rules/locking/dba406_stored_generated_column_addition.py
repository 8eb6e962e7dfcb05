"""DBA406 stored-generated-column-addition."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class StoredGeneratedColumnAddition(StatementRule):
    """A stored generated column is added to an existing table.

    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN ... GENERATED ALWAYS AS (...) STORED` on a table that was
    not created earlier in the same migration. On PostgreSQL 18+ a generated column without
    `STORED` is virtual: computed when read, nothing is rewritten, not flagged.

    ## Why is this bad?
    PostgreSQL computes the value for every existing row and writes a new copy of the table to
    hold it, under an ACCESS EXCLUSIVE lock: no reads and no writes for the whole rewrite, and
    twice the table's disk space while it runs.

    ## Example
    ```sql
    ALTER TABLE order_items ADD COLUMN total_cents bigint
        GENERATED ALWAYS AS (quantity * unit_price_cents) STORED;
    ```

    ## Use instead
    ```sql
    -- a plain column, kept up to date by a trigger, filled for old rows in batches
    ALTER TABLE order_items ADD COLUMN total_cents bigint;
    ```

    ## References
    - PostgreSQL documentation, "Generated Columns", `ALTER TABLE ... ADD COLUMN`
    """

    code = "DBA406"
    name = "stored-generated-column-addition"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AddColumn,)

    def check(self, event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        stored = [c for c in event.column.constraints if c.generated == "stored"]
        if not stored or ctx.is_new_table(event.table):
            return
        column = quote_ident(event.column.name)
        newer = (
            "; on PostgreSQL 18 a virtual generated column (without STORED) rewrites nothing"
            if ctx.settings.pg_version >= 18
            else ""
        )
        yield ctx.report(
            stored[0].span,
            f"Adding stored generated column {column} to {ctx.shown(event.table)} rewrites the "
            "whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the whole "
            "rewrite",
            hint=(
                f"add {column} as a plain column, keep it current with a trigger and fill old "
                f"rows in batches{newer}"
            ),
        )
