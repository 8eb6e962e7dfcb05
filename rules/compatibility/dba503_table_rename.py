"""DBA503 table-rename."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class TableRename(StatementRule):
    """An existing table is renamed.

    ## What it does
    Flags `ALTER TABLE ... RENAME TO` on a table that was not created earlier in the same
    migration, unless the same migration then creates a view under the old name that reads the
    renamed table (`CREATE [OR REPLACE] VIEW old AS SELECT * FROM new`, with or without a
    column list or a schema, following later renames of the table): the compatibility shim
    this rule's hint recommends, through which old code still reads and writes. The view must
    come in the same transaction as the rename when the rename runs in one (a COMMIT in between
    leaves a moment without the old name); a view created in a later migration leaves old code
    broken until then, so the rename is still flagged. Renaming a table again from a name the
    same migration gave it is silent (running code never used that name).

    ## Why is this bad?
    The rename is instant, but every query of the application version still running names the
    old table: until the new code is deployed everywhere, they fail with `relation ... does not
    exist`. The rename also takes an ACCESS EXCLUSIVE lock on the table, queued behind any
    long-running query and blocking everything behind it meanwhile.

    ## Example
    ```sql
    ALTER TABLE customer RENAME TO customers;
    ```

    ## Use instead
    ```sql
    -- in one transaction: rename, and keep the old name as a view until no code uses it
    BEGIN;
    ALTER TABLE customer RENAME TO customers; -- noqa: DBA503 (the view keeps the old name)
    CREATE VIEW customer AS SELECT * FROM customers;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, "Updatable Views" (simple views accept INSERT/UPDATE/DELETE)
    - MySQL 8.0 Reference Manual, 27.5.3 "Updatable and Insertable Views" (a view of one table
      with no aggregates, DISTINCT or UNION accepts INSERT/UPDATE/DELETE); 15.1.36
      "RENAME TABLE" (each DDL statement commits: the view comes right after the rename)
    - Martin Fowler, "ParallelChange" (expand/contract)
    """

    code = "DBA503"
    name = "table-rename"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.RenameTable,)

    def check(self, event: ir.RenameTable, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or ctx.is_renamed_here("table", event.table.name):
            return  # (a name given in this migration: the rename that gave it was the break)
        old, new = ctx.shown(event.table), ctx.shown(QName(event.table.schema, event.new))
        renamed = ctx.shown(QName(None, event.new))
        # (MySQL commits each DDL statement: the view comes right after instead)
        when = "right after the rename" if ctx.dialect == "mysql" else "in the same transaction"
        shim = _shim(ctx, event)
        if shim is not None and (ctx.dialect == "mysql" or _same_transaction(ctx, shim)):
            return
        if shim is not None:
            line = ctx.line_of(shim.span.start)
            yield ctx.report(
                event.span,
                f"Renaming table {old} to {renamed} breaks the running "
                f"application until the view {old} is created on line {line}: a COMMIT comes "
                "in between",
                hint="create the view in the same transaction as the rename",
            )
            return
        yield ctx.report(
            event.span,
            f"Renaming table {old} to {renamed} breaks the running application, "
            f"which still queries {old}",
            hint=(
                f"{when}, keep the old name as a view until no code uses it: "
                f"`CREATE VIEW {old} AS SELECT * FROM {new};` (a simple view accepts writes); or "
                f"expand/contract with a new table"
            ),
        )


def _shim(ctx: RuleContext, event: ir.RenameTable) -> ir.Statement | None:
    """The later statement of this migration that creates a view under the table's old name
    reading the renamed table (under its new name, or a name a later rename gave it)."""
    known = ctx.table(event.table)
    old = known.name if known is not None else ctx.schema.resolve(event.table)
    names = {event.new}
    for statement in ctx.statements[ctx.statement.index + 1 :]:
        for later in statement.events:
            if type(later) is ir.RenameTable and later.table.name in names:
                names.add(later.new)
            elif type(later) is ir.CreateView and ctx.schema.resolve(later.view) == old:
                reads = later.reads
                if reads is None or any(
                    r.name in names and r.schema in (None, old.schema) for r in reads
                ):
                    return statement
    return None


def _same_transaction(ctx: RuleContext, shim: ir.Statement) -> bool:
    """Whether the view comes in the rename's transaction block (any statement does, when the
    rename runs outside one: there is no block to keep them together)."""
    if not ctx.transactions:
        return True
    start = ctx.transactions[ctx.statement.index]
    return start < 0 or ctx.transactions[shim.index] == start
