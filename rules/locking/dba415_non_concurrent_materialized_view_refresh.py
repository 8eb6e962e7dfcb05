"""DBA415 non-concurrent-materialized-view-refresh."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule

_REFRESH = lazy(rb"(?is)REFRESH\s+MATERIALIZED\s+VIEW\b")


class NonConcurrentMaterializedViewRefresh(StatementRule):
    """`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`.

    ## What it does
    Flags `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`, unless the view was created
    earlier in the same migration.

    `--fix` adds `CONCURRENTLY` where it is known to work: the file runs outside a transaction
    block, not `WITH NO DATA`, and the replayed schema shows a unique index on the view over
    plain columns, without a WHERE clause (PostgreSQL refuses a concurrent refresh without
    one). A safe fix: the view ends up with the same rows.

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
    # (outside a transaction block, with a unique index on plain columns of the view)
    fix_availability = FixAvailability.SOMETIMES
    targets = (ir.Maintenance,)

    def check(self, event: ir.Maintenance, ctx: RuleContext) -> Iterator[Report]:
        if event.kind != "refresh" or "concurrently" in event.options or not event.tables:
            return
        view = event.tables[0]
        if ctx.is_new_object("materialized view", view):
            return
        yield ctx.report(
            event.span,
            f"Refreshing materialized view {ctx.shown(view)} without CONCURRENTLY holds an ACCESS "
            "EXCLUSIVE lock on it, blocking its reads for the whole refresh",
            hint=(
                f"`REFRESH MATERIALIZED VIEW CONCURRENTLY {ctx.shown(view)};` (the view needs a "
                "unique index)"
            ),
            fix=_fix(event, ctx, view),
        )


def _fix(event: ir.Maintenance, ctx: RuleContext, view: ir.QName) -> Rewrite | None:
    """CONCURRENTLY after `VIEW`, where PostgreSQL runs it: outside a transaction block, with
    data, and a unique index on plain columns of the view without WHERE."""
    if ctx.in_transaction or ctx.statement.within or "no data" in event.options:
        return None
    match = _REFRESH.match(ctx.text, ctx.statement.span.start)
    if match is None or not _uniquely_indexed(ctx, view):
        return None
    return Rewrite("Refresh it concurrently", ((match.end(), match.end(), " CONCURRENTLY"),))


def _uniquely_indexed(ctx: RuleContext, view: ir.QName) -> bool:
    """Whether the replayed schema shows `view` as a materialized view with a unique index
    that a concurrent refresh accepts."""
    name = ctx.schema.visible(ctx.schema.relations, view)
    # (an index on it makes the replay hold it as a table too: the object says what it is)
    if name is None or ("materialized view", name.name) not in ctx.schema.objects:
        return False
    return any(
        index.table == name
        and index.unique
        and index.predicate is None
        and index.columns
        and all(column is not None for column in index.columns)
        for index in ctx.schema.indexes.values()
    )
