"""DBA403 non-concurrent-reindex."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules.locking._sql import alone

# A TOAST table (or its index) named after an OID below the first user OID is a catalog's.
_CATALOG_TOAST = lazy(r"pg_toast_(\d+)(?:_index)?")
_FIRST_USER_OID = 16384


class NonConcurrentReindex(StatementRule):
    """`REINDEX` without `CONCURRENTLY`.

    ## What it does
    Flags `REINDEX` of a table, an index, a schema, a database or the system catalogs without
    `CONCURRENTLY`, unless the replay knows the table (or the index's table) was created earlier
    in the same migration. `CONCURRENTLY` exists from PostgreSQL 12 on; for an older target the
    statement is still flagged and the message says there is no concurrent form. `REINDEX SYSTEM`
    and a `REINDEX` of a table or index in `pg_catalog` (or of a catalog's TOAST table) are not
    flagged: system catalogs cannot be reindexed concurrently (PostgreSQL refuses it), so there is
    nothing to ask for.

    Where the runner runs such a statement only from a migration file of its own
    (golang-migrate, dbmate, Diesel, Flyway), the hint says how: alone in its own file, with
    the runner's way to turn its transaction off (`-- migrate:up transaction:false`,
    `run_in_transaction = false` in `metadata.toml`; golang-migrate sends a file as one
    multi-statement string, so only a file holding nothing else runs it).

    ## Why is this bad?
    A plain REINDEX holds a SHARE lock on the table (no writes) and an ACCESS EXCLUSIVE lock on
    each index it rebuilds (no query that would use it) for the whole rebuild. `REINDEX
    CONCURRENTLY` builds a replacement next to each index while reads and writes go on (it
    cannot run in a transaction block).

    ## Example
    ```sql
    REINDEX TABLE orders;
    ```

    ## Use instead
    ```sql
    REINDEX TABLE CONCURRENTLY orders;
    ```

    ## References
    - PostgreSQL documentation, `REINDEX`, "Rebuilding Indexes Concurrently"
    """

    code = "DBA403"
    name = "non-concurrent-reindex"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.Maintenance,)

    def check(self, event: ir.Maintenance, ctx: RuleContext) -> Iterator[Report]:
        if event.kind != "reindex" or "concurrently" in event.options:
            return
        if event.target == "system" or any(_system_catalog(t) for t in event.tables):
            return  # system catalogs have no concurrent rebuild
        tables = event.tables
        if event.target == "index" and tables:
            index = ctx.schema.index(tables[0])
            tables = (index.table,) if index is not None else ()
        if tables and all(ctx.is_new_table(t) for t in tables):
            return
        what = (
            f"{event.target} {ctx.shown(event.tables[0])}"
            if event.tables
            else f"the {event.target}"
        )
        if ctx.settings.pg_version < 12:
            hint = "PostgreSQL before 12 has no REINDEX CONCURRENTLY: build a new index "
            hint += "concurrently, then drop the old one (or REINDEX at a quiet time)"
        else:
            hint = "`REINDEX ... CONCURRENTLY` (outside a transaction block)" + alone(ctx)
        yield ctx.report(
            event.span,
            f"REINDEX of {what} without CONCURRENTLY holds a SHARE lock on each table and an "
            "ACCESS EXCLUSIVE lock on each index, blocking writes and the queries that use the "
            "indexes for the whole rebuild",
            hint=hint,
        )


def _system_catalog(name: ir.QName) -> bool:
    """Whether a table or index is a system catalog's (PostgreSQL's own OIDs)."""
    if name.schema == "pg_catalog":
        return True
    toast = _CATALOG_TOAST.fullmatch(name.name) if name.schema == "pg_toast" else None
    return toast is not None and int(toast.group(1)) < _FIRST_USER_OID
