"""DBA805 drop-of-unknown-object."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING

# The kinds of object the replay follows by name from their creation (a function, a trigger or
# an extension may come from outside the SQL the history holds: not judged).
_KINDS = frozenset(
    {"table", "foreign table", "index", "view", "materialized view", "sequence", "type", "domain"}
)
_CREATES = (
    ir.CreateTable,
    ir.CreateTableAs,
    ir.CreateView,
    ir.CreateIndex,
    ir.CreateObject,
    ir.CreateEnum,
    ir.RenameTable,
    ir.RenameObject,
)


class DropOfUnknownObject(StatementRule):
    """`DROP ... IF EXISTS` of an object the whole history never had: probably a misspelt name.

    ## What it does
    Flags each name in a `DROP TABLE | INDEX | VIEW | MATERIALIZED VIEW | SEQUENCE | TYPE |
    DOMAIN ... IF EXISTS` that no earlier statement of the history made, renamed to, altered or
    used (tables, indexes, types, the sequence a `serial` or identity column owns, ...) and no
    later statement of the same file creates (`DROP TABLE IF EXISTS t; CREATE TABLE t ...`, a
    script made re-runnable, is not flagged). Only where the history is complete, so that what
    the replay never saw does not exist: the run starts from a `schema-snapshot`, or replays
    whole histories from their first file (`migrations`, a folder or glob, or files named one
    by one in the history they belong to), and no earlier statement changed a table the replay
    never saw made (which shows that the history, or the snapshot, does not hold everything).
    Files named alone (`--no-context`, or in no history the linter can find) are not judged.
    Names are compared without their schema, so an object of the same name in any schema
    counts. Functions, procedures, triggers, extensions and schemas are not judged: they often
    come from outside the migrations.

    ## Why is this bad?
    `IF EXISTS` turns a misspelt name into a notice: the statement succeeds and drops nothing,
    so the object meant to go (a table that holds personal data, an index that slows writes, a
    down migration's undo) stays in production for years, and nobody notices until the
    migration that re-creates it fails.

    ## Example
    ```sql
    CREATE TABLE order_items (id bigint PRIMARY KEY);
    DROP TABLE IF EXISTS order_item;
    ```

    ## Use instead
    ```sql
    CREATE TABLE order_items (id bigint PRIMARY KEY);
    DROP TABLE IF EXISTS order_items;
    ```

    ## Known limits
    Objects made by SQL the replay cannot read (dynamic SQL in a DO block, a statement that does
    not parse, a database restored outside the migrations without a `schema-snapshot`) are not
    known: in such a history set a snapshot, or turn the rule off.

    ## References
    - PostgreSQL documentation, `DROP TABLE` (`IF EXISTS`: "a notice is issued in this case")
    - MySQL 8.0 Reference Manual, 15.1.32 "DROP TABLE Statement" (`IF EXISTS` makes a note,
      not an error, for each table that does not exist)
    """

    code = "DBA805"
    name = "drop-of-unknown-object"
    family = "consistency"
    dialects = frozenset({"postgres", "mysql"})
    severity = Severity.INFO
    targets = (ir.DropObjects,)

    def check(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        if not event.if_exists or event.kind not in _KINDS or not ctx.settings.complete_history:
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        if ctx.schema.met_unknown:
            return  # (it changed a table it never saw made: it does not start from empty)
        seen = ctx.schema.seen
        for name in event.names:
            if name.name in seen or _made_later(ctx, name.name):
                continue
            kind = event.kind
            yield ctx.report(
                event.span,
                f"No {kind} {ctx.shown(name)} exists in the replayed history: DROP {kind.upper()} "
                f"IF EXISTS {ctx.shown(name)} drops nothing (is the name misspelt?)",
                hint="compare the name with the schema (`dbarch-lint schema`); if the object "
                "never existed, remove the statement",
            )


def _made_later(ctx: RuleContext, name: str) -> bool:
    """Whether a later statement of this file makes (or renames something to) `name`."""
    for statement in ctx.statements[ctx.statement.index + 1 :]:
        for event in statement.events:
            if not isinstance(event, _CREATES):
                continue
            if isinstance(event, ir.RenameTable | ir.RenameObject):
                made: object = event.new
            elif isinstance(event, ir.CreateView):
                made = event.view
            elif isinstance(event, ir.CreateTable | ir.CreateTableAs):
                made = event.table
            else:
                made = event.name
            if (made.name if isinstance(made, QName) else made) == name:
                return True
    return False
