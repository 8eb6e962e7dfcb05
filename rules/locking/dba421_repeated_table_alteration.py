"""DBA421 repeated-table-alteration."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog import Origin
from dbarch_lint.catalog.locks import ACCESS_EXCLUSIVE, blocking_locks
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName
from dbarch_lint.rule import RelatedSpan, Report, RuleContext, Severity, StatementRule

# The events an ALTER TABLE statement lowers to (subcommands that can share one statement).
_SUBCOMMANDS: tuple[type[ir.Event], ...] = (
    ir.AddColumn,
    ir.DropColumn,
    ir.AlterColumnType,
    ir.SetNotNull,
    ir.DropNotNull,
    ir.SetDefault,
    ir.DropDefault,
    ir.AddConstraint,
    ir.DropConstraint,
    ir.AlterTableAction,
)
# PostgreSQL refuses these with other subcommands (RENAME and SET SCHEMA are statements of
# their own; ATTACH / DETACH PARTITION must stand alone).
_ALONE = frozenset(("AttachPartition", "DetachPartition"))
_ON_A_COLUMN = (
    ir.DropColumn,
    ir.AlterColumnType,
    ir.SetNotNull,
    ir.DropNotNull,
    ir.SetDefault,
    ir.DropDefault,
)
# Statements between two ALTERs that change nothing either could depend on.
_NEUTRAL = (ir.SetParameter,)


class RepeatedTableAlteration(StatementRule):
    """Several `ALTER TABLE` statements on one existing table that could be one.

    ## What it does
    Flags an `ALTER TABLE` on a table that was not created earlier in the same migration when
    an earlier `ALTER TABLE` of the same file, on the same table and in the same transaction,
    could take its subcommands: it is reported at the second (third, ...) statement, naming
    the first. Off by default.

    It is left alone when the two cannot be one statement, or should not be:
    - a `COMMIT` / `BEGIN` (or any other statement that is not a `SET`) between them: a data
      change may need the first ALTER's column, an index or another table may need it, and
      transactions split on purpose stay split;
    - subcommands PostgreSQL does not combine: `RENAME` (of the table, a column or a
      constraint), `SET SCHEMA`, `ATTACH PARTITION`, `DETACH PARTITION`;
    - `VALIDATE CONSTRAINT`, which belongs in a transaction of its own (DBA410);
    - `SET NOT NULL` beside a `DROP CONSTRAINT` (the last steps of DBA408's recipe: the
      validated CHECK must still exist while NOT NULL is checked);
    - both statements touching the same column: PostgreSQL runs an ALTER TABLE's subcommands
      in passes, not in the order written, so `ADD COLUMN c` then `ALTER COLUMN c TYPE ...`,
      or Django's `ADD COLUMN c ... DEFAULT 5` then `ALTER COLUMN c DROP DEFAULT`, fail as one
      statement (the column is not there yet);
    - a statement that does not take ACCESS EXCLUSIVE (a `NOT VALID` foreign key, `SET
      (fillfactor = ...)`): combined, it would hold the stronger lock.

    ## Why is this bad?
    Each `ALTER TABLE` queues for its ACCESS EXCLUSIVE lock (behind every running query on
    the table, with every later query queued behind it) and does its own pass over the table
    when a subcommand needs a scan or a rewrite. One statement with several subcommands waits
    in the queue once and scans or rewrites the table once, applying them all.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN currency text;
    ALTER TABLE orders ADD COLUMN rate numeric;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN currency text, ADD COLUMN rate numeric;
    ```

    ## References
    - eugene, lint rule W12 ("multiple ALTER TABLE statements where one will do")
    - PostgreSQL documentation, `ALTER TABLE` ("All the forms of ALTER TABLE that act on a
      single table, except RENAME, SET SCHEMA, ATTACH PARTITION, and DETACH PARTITION can be
      combined into a list of multiple alterations to be applied together")
    """

    code = "DBA421"
    name = "repeated-table-alteration"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.INFO
    default_enabled = False
    targets = _SUBCOMMANDS

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        statement = ctx.statement
        if event is not statement.events[0]:
            return  # (once per statement)
        table = _altered(statement, ctx)
        if table is None or ctx.is_new_table(table):
            return
        first = _first_combinable(statement, table, ctx)
        if first is None:
            return
        line = ctx.line_of(first.span.start)
        name = ctx.shown(_table_of(event) or table)
        where = ", in the same transaction" if ctx.in_transaction else ""
        yield ctx.report(
            statement.span,
            f"{name} was already altered on line {line}{where}: one ALTER "
            f"TABLE with both statements' subcommands takes its ACCESS EXCLUSIVE lock on {name} "
            "once (and scans or rewrites it at most once)",
            hint=f"append these subcommands to the ALTER TABLE {name} on line {line}, "
            "separated by commas",
            related=[
                RelatedSpan(
                    Origin(ctx.file_index, first.index, ctx.path, first.span),
                    f"the first ALTER TABLE {name}",
                )
            ],
        )


def _altered(statement: ir.Statement, ctx: RuleContext) -> QName | None:
    """The table an ALTER TABLE statement alters, when all its subcommands can be combined and
    it takes ACCESS EXCLUSIVE on the table."""
    if statement.kind != "AlterTableStmt" or statement.within or not statement.events:
        return None
    table: QName | None = None
    strongest = False
    for event in statement.events:
        if not isinstance(event, _SUBCOMMANDS):
            return None
        if isinstance(event, ir.AlterTableAction) and (
            event.objtype != "table" or event.action in _ALONE
        ):
            return None
        written = _table_of(event)
        if written is None:
            return None
        name = ctx.schema.resolve(written)
        if table is not None and name != table:
            return None
        table = name
        locks = blocking_locks(event, ctx.index_table)
        strongest = strongest or any(mode == ACCESS_EXCLUSIVE for _, mode in locks)
    return table if strongest else None


def _first_combinable(
    statement: ir.Statement, table: QName, ctx: RuleContext
) -> ir.Statement | None:
    """The earliest ALTER TABLE on `table` before `statement` that it could join, through
    statements that neither could depend on."""
    block = ctx.transactions[statement.index] if ctx.transactions else -1
    group = [statement]  # (every statement of the group must go with every other one)
    for earlier in reversed(ctx.statements[: statement.index]):
        if ctx.transactions and ctx.transactions[earlier.index] != block:
            break
        if all(isinstance(e, _NEUTRAL) for e in earlier.events) and earlier.events:
            continue
        if _altered(earlier, ctx) != table or not all(_compatible(earlier, g) for g in group):
            break
        group.append(earlier)
    return group[-1] if len(group) > 1 else None


def _compatible(earlier: ir.Statement, later: ir.Statement) -> bool:
    """Whether the subcommands of both can be one statement with the same effect."""
    if _columns(earlier) & _columns(later):
        return False
    kinds = {type(e) for e in (*earlier.events, *later.events)}
    return not (ir.SetNotNull in kinds and ir.DropConstraint in kinds)


def _columns(statement: ir.Statement) -> set[str]:
    """The columns a statement's subcommands add, drop or change."""
    found: set[str] = set()
    for event in statement.events:
        if isinstance(event, ir.AddColumn):
            found.add(event.column.name)
        elif isinstance(event, ir.AlterTableAction):
            if event.column is not None:
                found.add(event.column)
        elif isinstance(event, _ON_A_COLUMN):
            found.add(event.column)
    return found


def _table_of(event: ir.Event) -> QName | None:
    """The table a subcommand names, as written."""
    table = getattr(event, "table", None)
    return table if isinstance(table, QName) else None
