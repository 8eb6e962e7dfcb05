"""DBA414 blocking-table-rewrite."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

_REWRITING_ACTIONS = {
    "SetTableSpace": "SET TABLESPACE copies the table's files",
    "SetLogged": "SET LOGGED rewrites the table",
    "SetUnLogged": "SET UNLOGGED rewrites the table",
    "SetAccessMethod": "SET ACCESS METHOD rewrites the table",
}


class BlockingTableRewrite(StatementRule):
    """A statement that rewrites (or copies) a whole existing table under ACCESS EXCLUSIVE.

    ## What it does
    Flags `VACUUM FULL`, `CLUSTER`, and `ALTER TABLE ... SET TABLESPACE`, `SET LOGGED`,
    `SET UNLOGGED` and `SET ACCESS METHOD` on a table that was not created earlier in the same
    migration (a bare `VACUUM FULL` or `CLUSTER` reaches every table). `SET LOGGED`,
    `SET UNLOGGED` and `SET ACCESS METHOD` are silent when the replay shows the table already
    has that persistence or access method: PostgreSQL then leaves the table as it is.

    ## Why is this bad?
    Each writes a new copy of the whole table (and rebuilds its indexes) while holding an ACCESS
    EXCLUSIVE lock: no reads and no writes for as long as the copy takes, and twice the disk
    space meanwhile. On a large table that is an outage.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    -- plain VACUUM reclaims space for reuse without locking out reads and writes;
    -- to shrink the files online, use an extension such as pg_repack or pg_squeeze
    VACUUM orders;
    ```

    ## Known limits
    A table created without `USING` has the access method of the last `SET
    default_table_access_method` in the replay, else `heap` (the server's own default setting is
    not known).

    ## References
    - PostgreSQL documentation, `VACUUM`, `CLUSTER`, `ALTER TABLE`
    """

    code = "DBA414"
    name = "blocking-table-rewrite"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.Maintenance, ir.AlterTableAction)

    def check(
        self, event: ir.Maintenance | ir.AlterTableAction, ctx: RuleContext
    ) -> Iterator[Report]:
        if type(event) is ir.AlterTableAction:
            why = _REWRITING_ACTIONS.get(event.action)
            if why is None or event.objtype != "table" or ctx.is_new_table(event.table):
                return
            if _unchanged(event, ctx):
                return
            what = f"ALTER TABLE {ctx.shown(event.table)} {why}"
        elif type(event) is ir.Maintenance and (
            event.kind == "cluster" or (event.kind == "vacuum" and "full" in event.options)
        ):
            if event.tables and all(ctx.is_new_table(t) for t in event.tables):
                return
            command = "CLUSTER" if event.kind == "cluster" else "VACUUM FULL"
            shown = ", ".join(ctx.shown(t) for t in event.tables) or "every table"
            what = f"{command} rewrites {shown}"
        else:
            return
        yield ctx.report(
            event.span,
            f"{what} under an ACCESS EXCLUSIVE lock, blocking reads and writes for the whole "
            "rewrite",
            hint="plain VACUUM, or an online tool such as pg_repack; else a maintenance window",
        )


def _unchanged(event: ir.AlterTableAction, ctx: RuleContext) -> bool:
    """Whether the replay shows the table already as SET LOGGED/UNLOGGED/ACCESS METHOD would
    make it (PostgreSQL then does nothing: `ATPrepChangePersistence`, `ATPrepSetAccessMethod`)."""
    table = ctx.table(event.table)
    if table is None or table.origin is None:  # never created in the replay: unknown
        return False
    if event.action == "SetAccessMethod":
        return (table.access_method or _DEFAULT_METHOD) == (event.column or _DEFAULT_METHOD)
    if event.action in ("SetLogged", "SetUnLogged"):
        return table.unlogged == (event.action == "SetUnLogged")
    return False


_DEFAULT_METHOD = "heap"  # default_table_access_method's default
