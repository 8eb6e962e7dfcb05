"""DBA505 schema-or-database-drop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING


class SchemaOrDatabaseDrop(StatementRule):
    """A schema or a database is dropped.

    ## What it does
    Flags `DROP SCHEMA` and `DROP DATABASE`.

    ## Why is this bad?
    Everything inside goes with it: tables and their rows, views, functions, types (a schema
    with `CASCADE`; a database always). One statement in a migration should never be able to
    destroy that much; such a drop is an operation for a person, with a backup at hand.

    ## Example
    ```sql
    DROP SCHEMA reporting CASCADE;
    ```

    ## Use instead
    ```sql
    -- drop the objects one by one, each in the migration that retires it:
    DROP VIEW reporting.monthly_revenue;
    ```

    ## References
    - PostgreSQL documentation, `DROP SCHEMA`, `DROP DATABASE`
    """

    code = "DBA505"
    name = "schema-or-database-drop"
    family = "compatibility"
    severity = Severity.ERROR
    targets = (ir.DropObjects, ir.Utility)

    def check(self, event: ir.DropObjects | ir.Utility, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        if event.kind != "schema" and event.kind != "DropdbStmt":
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: ir.DropObjects | ir.Utility, ctx: RuleContext) -> Iterator[Report]:
        if type(event) is ir.Utility:  # (a DROP DATABASE)
            if event.kind == "DropdbStmt":
                yield ctx.report(
                    event.span,
                    "Dropping a database destroys every object and row in it",
                    hint="leave dropping databases to a person, with a backup at hand",
                )
            return
        event = cast("ir.DropObjects", event)  # (type(event) is, above: a miss is costly)
        if event.kind != "schema":
            return
        for name in event.names:
            message = (
                f"Dropping schema {name} with CASCADE destroys every object in it and their rows"
                if event.cascade
                else f"Dropping schema {name} removes a namespace running code may still name "
                "(and fails while anything is left in it)"
            )
            yield ctx.report(
                event.span,
                message,
                hint="drop the objects one by one, each in the migration that retires it",
            )
