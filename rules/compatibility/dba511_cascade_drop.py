"""DBA511 cascade-drop."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING


class CascadeDrop(StatementRule):
    """A `DROP ... CASCADE` or `TRUNCATE ... CASCADE`.

    ## What it does
    Flags every `DROP ... CASCADE` (of any object, a column or a constraint) and
    `TRUNCATE ... CASCADE`.

    ## Why is this bad?
    CASCADE drops whatever depends on the object, without naming it: views, foreign keys,
    defaults, functions, even other tables' data (`TRUNCATE ... CASCADE` empties every table
    that references this one). What goes is decided by the database's state at run time, not by
    what the migration says, so a review of the migration cannot see it.

    ## Example
    ```sql
    DROP TABLE customers CASCADE;
    ```

    ## Use instead
    ```sql
    -- drop the dependents by name first, then the object itself:
    ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
    DROP TABLE customers;
    ```

    ## References
    - PostgreSQL documentation, "Dependency Tracking"
    """

    code = "DBA511"
    name = "cascade-drop"
    family = "compatibility"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.DropObjects, ir.DropColumn, ir.DropConstraint, ir.Truncate)

    def check(
        self,
        event: ir.DropObjects | ir.DropColumn | ir.DropConstraint | ir.Truncate,
        ctx: RuleContext,
    ) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        return self._reports(event, ctx) if event.cascade else NOTHING

    def _reports(
        self,
        event: ir.DropObjects | ir.DropColumn | ir.DropConstraint | ir.Truncate,
        ctx: RuleContext,
    ) -> Iterator[Report]:
        if type(event) is ir.Truncate:
            what = "TRUNCATE ... CASCADE also empties every table that references "
            what += ", ".join(ctx.shown(t) for t in event.tables)
        else:
            what = "DROP ... CASCADE also drops every object that depends on what it drops"
        yield ctx.report(
            event.span,
            f"{what}, whatever they are when the migration runs",
            hint="drop (or empty) the dependents by name first, then drop without CASCADE",
        )
