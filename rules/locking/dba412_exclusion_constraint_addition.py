"""DBA412 exclusion-constraint-addition."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING


class ExclusionConstraintAddition(StatementRule):
    """An EXCLUDE constraint is added to an existing table.

    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE` on a table that was not created earlier
    in the same migration.

    ## Why is this bad?
    The constraint builds its index and checks every row while holding an ACCESS EXCLUSIVE lock
    on the table: no reads and no writes until it is done. Unlike UNIQUE there is no
    `USING INDEX` form and no `NOT VALID`: there is no online way to add it to a large table.

    ## Example
    ```sql
    ALTER TABLE bookings ADD CONSTRAINT bookings_room_during_excl
        EXCLUDE USING gist (room_id WITH =, during WITH &&);
    ```

    ## Use instead
    ```sql
    -- declare it when the table is created (or add it in a maintenance window):
    CREATE TABLE bookings (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        room_id bigint NOT NULL,
        during tstzrange NOT NULL,
        CONSTRAINT bookings_room_during_excl EXCLUDE USING gist (room_id WITH =, during WITH &&)
    );
    ```

    ## References
    - PostgreSQL documentation, "Exclusion Constraints"
    """

    code = "DBA412"
    name = "exclusion-constraint-addition"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AddConstraint,)

    def check(self, event: ir.AddConstraint, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        if event.constraint.kind != "exclude" or ctx.is_new_table(event.table):
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: ir.AddConstraint, ctx: RuleContext) -> Iterator[Report]:
        name = quote_ident(ctx.constraint_name(event.table, event.constraint))
        yield ctx.report(
            event.constraint.span,
            f"Adding EXCLUDE constraint {name} to {ctx.shown(event.table)} builds its index and "
            "checks every row under an ACCESS EXCLUSIVE lock, blocking reads and writes until done",
            hint=(
                "there is no online form: declare it when the table is created, or add it in a "
                "maintenance window"
            ),
        )
