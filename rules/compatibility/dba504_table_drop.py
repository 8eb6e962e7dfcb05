"""DBA504 table-drop."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING

# The tables migration runners keep their own bookkeeping in: no migration creates them.
RUNNER_TABLES = frozenset(
    (
        "schema_migrations",
        "__diesel_schema_migrations",
        "flyway_schema_history",
        "goose_db_version",
        "alembic_version",
        "django_migrations",
        "ar_internal_metadata",
        "_prisma_migrations",
    )
)


class TableDrop(StatementRule):
    """An existing table is dropped.

    ## What it does
    Flags `DROP TABLE` of a table that was not created earlier in the same migration (one
    finding per table). When the replay knows the history's tables but never saw this one, and
    no guard (a DO block's condition) protects the statement, the message adds that the name may
    be misspelt: without `IF EXISTS` the drop then fails, with `IF EXISTS` it does nothing (a
    down migration dropping a misspelt table can do nothing for years unnoticed).

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
        # (a plain function: most events it is called for it passes over at once)
        if event.kind not in ("table", "foreign table"):
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        for name in event.names:
            table = ctx.table(name)
            if ctx.is_new_table(name) or (table is not None and table.temporary):
                continue
            message = (
                f"Dropping table {ctx.shown(name)} breaks the code that still uses it and loses "
                "its rows"
            )
            hint = "drop it in a migration of its own once no running code uses it"
            if (
                table is None
                and not ctx.statement.within
                and name.name not in RUNNER_TABLES
                and _knows_tables(ctx)
            ):
                never = (
                    f"; the migrations before it never created {ctx.shown(name)} (a misspelt name?)"
                )
                if event.if_exists:
                    message += never + ": if the name is wrong, IF EXISTS makes it do nothing"
                else:
                    message += never + ": if no such table exists, the drop fails"
                hint = f"check the name; {hint}"
            yield ctx.report(event.span, message, hint=hint)


def _knows_tables(ctx: RuleContext) -> bool:
    """Whether the replay knows tables the migrations created (a history, not a lone file), and
    read every statement of it (one it could not read may have created the table)."""
    return ctx.schema.unread == 0 and any(
        table.origin is not None for table in ctx.schema.tables.values()
    )
