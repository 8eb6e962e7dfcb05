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
    fire, and a code rollback cannot bring the data back. In PostgreSQL it also takes an ACCESS
    EXCLUSIVE lock. In MySQL, `TRUNCATE TABLE` is DDL: it drops and re-creates the table under
    an exclusive metadata lock (every query of the table waits) and commits implicitly, so it
    cannot be rolled back. A migration that empties a production table is rarely what was meant.

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
    - MySQL 8.0 Reference Manual, 15.1.37 "TRUNCATE TABLE Statement" ("Truncate operations drop
      and re-create the table"; "cause an implicit commit, and so cannot be rolled back"; "do
      not cause ON DELETE triggers to fire"):
      https://dev.mysql.com/doc/refman/8.0/en/truncate-table.html
    - MySQL 8.0 Reference Manual, 10.11.4 "Metadata Locking" (DDL statements take exclusive
      metadata locks): https://dev.mysql.com/doc/refman/8.0/en/metadata-locking.html
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
            how = (
                "MySQL drops and re-creates it under an exclusive metadata lock and commits "
                "implicitly (no rollback)"
                if ctx.dialect == "mysql"
                else "under an ACCESS EXCLUSIVE lock"
            )
            yield ctx.report(
                event.span,
                f"TRUNCATE empties {ctx.shown(name)}: every row is lost, {how}",
                hint="delete what is no longer needed in batches, from a job",
            )
