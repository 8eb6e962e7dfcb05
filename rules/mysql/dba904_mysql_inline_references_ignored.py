"""DBA904 mysql-inline-references-ignored."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class MysqlInlineReferencesIgnored(StatementRule):
    """An inline `REFERENCES` on a MySQL column definition, which MySQL ignores.

    ## What it does
    Flags a column definition that declares its foreign key inline (`customer_id BIGINT
    REFERENCES customers (id)`), in `CREATE TABLE` or `ALTER TABLE ... ADD|MODIFY|CHANGE
    COLUMN`, in a MySQL file. It is reported instead of DBA205, and the replayed schema holds no
    foreign key for it, as MySQL's does not (so no rule about foreign keys judges it either).

    ## Why is this bad?
    MySQL 8.0 parses an inline `REFERENCES` and ignores it: no foreign key is created, no index
    for it, nothing is checked. The schema looks as if it enforced the reference, and it does
    not: rows pointing at nothing go in unnoticed, and `ON DELETE CASCADE` written there never
    deletes anything.

    ## Example
    ```sql
    CREATE TABLE orders (
      id BIGINT PRIMARY KEY,
      customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (
      id BIGINT PRIMARY KEY,
      customer_id BIGINT NOT NULL,
      CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE CASCADE
    );
    ```

    ## Known limits
    Only MySQL files are checked (PostgreSQL creates the foreign key). MySQL 9.0 accepts inline
    foreign keys; this rule describes MySQL 8.0.

    ## References
    - MySQL 8.0 Reference Manual, "FOREIGN KEY Constraint Differences": "MySQL parses but
      ignores 'inline REFERENCES specifications' (as defined in the SQL standard) where the
      references are defined as part of the column specification. MySQL accepts REFERENCES
      clauses only when specified as part of a separate FOREIGN KEY specification."
      https://dev.mysql.com/doc/refman/8.0/en/ansi-diff-foreign-keys.html
    - MySQL 8.0 Reference Manual, "CREATE TABLE Statement", "FOREIGN KEY Constraints":
      https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
    """

    code = "DBA904"
    name = "mysql-inline-references-ignored"
    family = "mysql"
    dialects = frozenset({"mysql"})
    severity = Severity.WARNING
    targets = (ir.InlineReference,)

    def check(self, event: ir.InlineReference, ctx: RuleContext) -> Iterator[Report]:
        referenced = (ctx.shown_column(event.ref_table, c) for c in event.ref_columns)
        columns = f" ({', '.join(referenced)})" if event.ref_columns else ""
        column = ctx.shown_column(event.table, event.column)
        clause = f"FOREIGN KEY ({column}) REFERENCES {ctx.shown(event.ref_table)}{columns}"
        created = any(
            isinstance(e, ir.CreateTable) and e.table == event.table for e in ctx.statement.events
        )
        where = (
            f"add `{clause}` to the table's definitions (after the columns)"
            if created
            else f"add it at table level: `ALTER TABLE {ctx.shown(event.table)} ADD {clause}`"
        )
        yield ctx.report(
            event.span,
            f"Column {column} of {ctx.shown(event.table)} declares REFERENCES "
            f"{ctx.shown(event.ref_table)} inline: MySQL 8.0 parses and ignores that, so no "
            "foreign key is created",
            hint=f"{where}, with the ON DELETE action you mean",
        )
