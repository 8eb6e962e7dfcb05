"""DBA504 table-drop."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class TableDrop(StatementRule):
    """An existing table is dropped.

    ## What it does
    Flags `DROP TABLE` of a table that was not created earlier in the same migration (one
    finding per table).

    ## Why is this bad?
    Code still running queries the table and fails, and its rows are gone: no deploy of older
    code can bring them back. Dropping a table belongs in a migration of its own, after the code
    that used it is gone, and after a backup or archive if the data matters.

    ## Example
    ```sql
    DROP TABLE legacy_invoices;
    ```

    ## Use instead
    ```sql
    -- after the code no longer uses it (and the data is archived):
    DROP TABLE legacy_invoices;  -- noqa: DBA504 (unused since release 42; archived)
    ```

    ## References
    - PostgreSQL documentation, `DROP TABLE`
    """

    code = "DBA504"
    name = "table-drop"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.DropObjects,)

    def check(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        if event.kind not in ("table", "foreign table"):
            return
        for name in event.names:
            table = ctx.table(name)
            if ctx.is_new_table(name) or (table is not None and table.temporary):
                continue
            yield ctx.report(
                event.span,
                f"Dropping table {name} breaks the code that still uses it and loses its rows",
                hint="drop it in a migration of its own once no running code uses it",
            )
