"""DBA415 non-concurrent-materialized-view-refresh."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class NonConcurrentMaterializedViewRefresh(StatementRule):
    """`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`.

    ## What it does
    Flags `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`, unless the view was created
    earlier in the same migration.

    ## Why is this bad?
    A plain refresh holds an ACCESS EXCLUSIVE lock on the view while it recomputes it: every
    query reading the view waits for the whole refresh. `CONCURRENTLY` computes the new contents
    beside the old and lets reads go on (it needs a unique index on the view).

    ## Example
    ```sql
    REFRESH MATERIALIZED VIEW daily_sales;
    ```

    ## Use instead
    ```sql
    REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;
    ```

    ## References
    - PostgreSQL documentation, `REFRESH MATERIALIZED VIEW`
    """

    code = "DBA415"
    name = "non-concurrent-materialized-view-refresh"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = (ir.Maintenance,)

    def check(self, event: ir.Maintenance, ctx: RuleContext) -> Iterator[Report]:
        if event.kind != "refresh" or "concurrently" in event.options or not event.tables:
            return
        view = event.tables[0]
        if ctx.is_new_object("materialized view", view):
            return
        yield ctx.report(
            event.span,
            f"Refreshing materialized view {view} without CONCURRENTLY holds an ACCESS EXCLUSIVE "
            "lock on it, blocking its reads for the whole refresh",
            hint=(
                f"`REFRESH MATERIALIZED VIEW CONCURRENTLY {view};` (the view needs a unique index)"
            ),
        )
