"""DBA418 backfill-in-ddl-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog import Origin
from dbarch_lint.catalog.locks import ACCESS_EXCLUSIVE
from dbarch_lint.model import ir
from dbarch_lint.rule import RelatedSpan, Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING

_CHANGES = frozenset({"update", "delete", "merge"})
# Relations whose reads are catalog look-ups, not scans of the application's data.
_CATALOGS = frozenset({"pg_catalog", "information_schema"})


class BackfillInDdlTransaction(StatementRule):
    """A data change or scan in a transaction that locked an existing table exclusively.

    ## What it does
    Flags a statement that changes or reads a table's rows (`UPDATE`, `DELETE`, `MERGE`,
    `INSERT ... SELECT`, a `SELECT` or `COPY ... TO` that reads a table, `CREATE TABLE ... AS`,
    `SELECT ... INTO`, `CREATE MATERIALIZED VIEW`, a plain `CREATE INDEX` on a table not created
    earlier in the same migration, `REFRESH MATERIALIZED VIEW`) inside a transaction block (an
    explicit `BEGIN`, or a runner that wraps the file) after a statement of the same
    transaction took an ACCESS EXCLUSIVE lock on a table that was not created earlier in the
    same migration and is not dropped in that transaction, before or after the data change,
    under its name or one a rename gave it (a table swapped for a new one of the same name
    still counts: the waiting queries run on the new one) (`ALTER TABLE`, `DROP TABLE`,
    `TRUNCATE`, the drop of a foreign key, which locks the referenced table too, ...). Names the
    lock it prolongs; one finding per statement.

    A `SELECT` that reads no table (`SELECT 1`, `SELECT set_config(...)`,
    `SELECT pg_advisory_lock(...)`) or reads only the system catalogs, or only tables created
    earlier in the same migration, scans nothing that takes long: it is not flagged. An index
    on a table created earlier in the same migration is not flagged either.

    ## Why is this bad?
    A lock is held until the transaction ends. The ALTER TABLE itself may take a millisecond,
    but the backfill, the scan or the index build after it runs for as long as it takes to go
    through every row, and for all that time the locked table is blocked against reads and
    writes.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN currency text;
    UPDATE orders SET currency = 'EUR';
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN currency text;
    COMMIT;
    -- then, in batches, each in a short transaction of its own:
    UPDATE orders SET currency = 'EUR' WHERE id BETWEEN 1 AND 10000;
    ```

    ## References
    - PostgreSQL documentation, "Explicit Locking" (locks are held until the end of the
      transaction)
    - eugene, E4 "Running more statements after taking AccessExclusiveLock"
    """

    code = "DBA418"
    name = "backfill-in-ddl-transaction"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = (ir.DataChange, ir.CreateTableAs, ir.CreateIndex, ir.Maintenance)

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        what = _scan(event, ctx)
        return NOTHING if what is None else self._reports(event, ctx, what)

    def _reports(
        self, event: ir.Event, ctx: RuleContext, what: tuple[str, str]
    ) -> Iterator[Report]:
        statement_kind, duration = what
        for table, mode, statement in ctx.locks_held():
            if mode != ACCESS_EXCLUSIVE or ctx.is_new_table(table):
                continue
            if ctx.dies_in_transaction(table, statement.index):
                continue  # (a lock on a table the transaction drops blocks no one who matters)
            line, shown = ctx.line_of(statement.span.start), ctx.shown(table)
            yield ctx.report(
                event.span,
                f"This {statement_kind} runs in the transaction that took an ACCESS EXCLUSIVE "
                f"lock on {shown} (line {line}): reads and writes of {shown} stay blocked for "
                f"the whole {duration}",
                hint="COMMIT after the schema change, then change or read the data in batches, "
                "each in a short transaction of its own",
                related=[
                    RelatedSpan(
                        Origin(ctx.file_index, statement.index, ctx.path, statement.span),
                        f"takes the ACCESS EXCLUSIVE lock on {shown}",
                    )
                ],
            )
            return


def _scan(event: ir.Event, ctx: RuleContext) -> tuple[str, str] | None:
    """What the statement is and what it spends its time on, when it changes or reads a table's
    rows (None: it does not)."""
    if type(event) is ir.DataChange:
        if event.kind in _CHANGES:
            return event.kind.upper(), "data change"
        if event.kind == "insert" and event.from_select:
            return "INSERT ... SELECT", "data change"
        if event.kind == "select" and _reads_data(event.reads, ctx):
            return ("COPY ... TO" if event.table is not None else "SELECT"), "scan"
        return None
    if type(event) is ir.CreateTableAs:
        if not _reads_data(event.reads, ctx):
            return None
        if event.materialized:
            return "CREATE MATERIALIZED VIEW", "scan"
        first = ctx.text[ctx.statement.span.start : ctx.statement.span.start + 6].upper()
        return ("SELECT ... INTO" if first in (b"SELECT", b"WITH (") else "CREATE TABLE AS"), "scan"
    if type(event) is ir.CreateIndex:
        if event.concurrent or ctx.is_new_table(event.table):
            return None
        return "CREATE INDEX", "index build"
    if type(event) is ir.Maintenance and event.kind == "refresh":
        return "REFRESH MATERIALIZED VIEW", "refresh"
    return None


def _reads_data(reads: tuple[ir.QName, ...], ctx: RuleContext) -> bool:
    """Whether the relations a query reads include one that is not a system catalog nor a
    table created earlier in the same migration."""
    return any(
        name.schema not in _CATALOGS
        and not (name.schema is None and name.name.startswith("pg_"))
        and not ctx.is_new_table(name)
        for name in reads
    )
