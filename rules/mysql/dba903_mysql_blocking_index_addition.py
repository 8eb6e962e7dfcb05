"""DBA903 mysql-blocking-index-addition."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

_BLOCKING_METHODS = {"fulltext": "FULLTEXT", "spatial": "SPATIAL"}


class MysqlBlockingIndexAddition(StatementRule):
    """A FULLTEXT or SPATIAL index added to an existing MySQL table (no writes meanwhile).

    ## What it does
    Flags `ALTER TABLE ... ADD FULLTEXT|SPATIAL INDEX` and `CREATE FULLTEXT|SPATIAL INDEX` on a
    table that exists before the migration.

    ## Why is this bad?
    MySQL 8.0 builds other secondary indexes in place while the table keeps taking writes, but
    not these: adding a FULLTEXT or SPATIAL index permits no concurrent DML, so every INSERT,
    UPDATE and DELETE on the table waits for the whole build. The first FULLTEXT index of a table
    without an `FTS_DOC_ID` column also rebuilds the table.

    ## Example
    ```sql
    ALTER TABLE articles ADD FULLTEXT INDEX articles_body_ft (body);
    ```

    ## Use instead
    ```sql
    -- declare it when the table is created (or build it with gh-ost / pt-online-schema-change)
    CREATE TABLE articles (
      id BIGINT PRIMARY KEY, body TEXT, FULLTEXT INDEX articles_body_ft (body)
    );
    ```

    ## Known limits
    Only MySQL files are checked. Tables created in the same migration are exempt.

    ## References
    - MySQL 8.0 Reference Manual, "Online DDL Operations", secondary indexes ("Adding a FULLTEXT
      index", "Adding a SPATIAL index": Permits Concurrent DML No):
      https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    """

    code = "DBA903"
    name = "mysql-blocking-index-addition"
    family = "mysql"
    dialects = frozenset({"mysql"})
    severity = Severity.WARNING
    targets = (ir.CreateIndex,)

    def check(self, event: ir.CreateIndex, ctx: RuleContext) -> Iterator[Report]:
        kind = _BLOCKING_METHODS.get(event.method)
        if kind is None or ctx.is_new_table(event.table):
            return
        if any(
            isinstance(e, ir.CreateTable) and e.table == event.table for e in ctx.statement.events
        ):
            return  # (an index declared in the CREATE TABLE)
        yield ctx.report(
            event.span,
            f"Adding a {kind} index to {ctx.shown(event.table)} blocks writes (INSERT, UPDATE, "
            "DELETE) for the whole build: MySQL permits no concurrent DML while it builds a "
            f"{kind} index",
            hint=(
                "build it with an online schema change tool (gh-ost, pt-online-schema-change) "
                "or in a maintenance window"
            ),
        )
