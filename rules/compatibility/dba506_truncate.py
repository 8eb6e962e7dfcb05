"""DBA506 truncate."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class Truncate(StatementRule):
    """An existing table is emptied with `TRUNCATE`.

    ## What it does
    Flags `TRUNCATE` of a table that was not created earlier in the same migration (one finding
    per table). With `CASCADE`, DBA511 fires too.

    ## Why is this bad?
    Every row is gone, at once and without a trace in the table's history: no `DELETE` triggers
    fire, and a code rollback cannot bring the data back. It also takes an ACCESS EXCLUSIVE lock.
    A migration that empties a production table is rarely what was meant.

    ## Example
    ```sql
    TRUNCATE sessions;
    ```

    ## Use instead
    ```sql
    -- delete what is no longer needed, in batches, from a job rather than a migration:
    DELETE FROM sessions WHERE expires_at < now() - interval '30 days';
    ```

    ## References
    - PostgreSQL documentation, `TRUNCATE`
    """

    code = "DBA506"
    name = "truncate"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.Truncate,)

    def check(self, event: ir.Truncate, ctx: RuleContext) -> Iterator[Report]:
        for name in event.tables:
            table = ctx.table(name)
            if ctx.is_new_table(name) or (table is not None and table.temporary):
                continue
            yield ctx.report(
                event.span,
                f"TRUNCATE empties {name}: every row is lost, under an ACCESS EXCLUSIVE lock",
                hint="delete what is no longer needed in batches, from a job",
            )
