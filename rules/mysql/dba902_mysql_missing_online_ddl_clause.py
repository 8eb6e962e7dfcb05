"""DBA902 mysql-missing-online-ddl-clause."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class MysqlMissingOnlineDdlClause(StatementRule):
    """An ALTER TABLE of an existing MySQL table that does not demand an online algorithm.

    ## What it does
    Flags an `ALTER TABLE` of an existing table unless it says `ALGORITHM=INSTANT`, or
    `ALGORITHM=INPLACE` together with `LOCK=NONE`. (MySQL accepts no `LOCK` clause but the
    default with `ALGORITHM=INSTANT`: instant changes take no lock to speak of.)

    ## Why is this bad?
    Without the clauses MySQL picks the least restrictive algorithm and lock it can: when the
    change cannot be made online, it silently copies the table or locks it against writes,
    instead of failing. With `ALGORITHM=INPLACE, LOCK=NONE` (or `ALGORITHM=INSTANT`) a change
    that cannot be made online fails at once, before it blocks anything, and the migration's
    author finds out in review or staging rather than in production.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note TEXT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT;
    ```

    ## Known limits
    Off by default (it asks for a clause on every ALTER TABLE). Only MySQL files are checked.
    Tables created in the same migration are exempt: nobody writes to them yet.

    ## References
    - MySQL 8.0 Reference Manual, "Online DDL Operations" and "ALTER TABLE Statement"
      (`ALGORITHM` and `LOCK` clauses):
      https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    """

    code = "DBA902"
    name = "mysql-missing-online-ddl-clause"
    family = "mysql"
    dialects = frozenset({"mysql"})
    severity = Severity.INFO
    default_enabled = False
    targets = (ir.OnlineDdl,)

    def check(self, event: ir.OnlineDdl, ctx: RuleContext) -> Iterator[Report]:
        online = event.algorithm == "INSTANT" or (
            event.algorithm == "INPLACE" and event.lock == "NONE"
        )
        if online or ctx.is_new_table(event.table):
            return
        named = ", ".join(
            f"{clause}={value}"
            for clause, value in (("ALGORITHM", event.algorithm), ("LOCK", event.lock))
            if value is not None
        )
        yield ctx.report(
            event.span,
            f"This ALTER TABLE of {ctx.shown(event.table)} "
            + (f"names only {named}" if named else "names no ALGORITHM or LOCK")
            + ": if MySQL cannot make the change online it blocks writes instead of failing",
            hint="append `, ALGORITHM=INPLACE, LOCK=NONE` (or `, ALGORITHM=INSTANT`)",
        )
