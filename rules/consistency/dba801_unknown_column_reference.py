"""DBA801 unknown-column-reference."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any, TypeVar, cast

from dbarch_lint.catalog import Table
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.consistency._model import (
    SYSTEM_COLUMNS,
    column_types,
    create_table_columns,
    known_table,
    locate,
    suggestion,
)
from dbarch_lint.rules.constraints._events import table_constraints

# ALTER TABLE sub-commands (by PostgreSQL name) that act on one existing column.
COLUMN_ACTIONS = frozenset(
    {
        "SetStatistics",
        "SetStorage",
        "SetCompression",
        "SetOptions",
        "ResetOptions",
        "AddIdentity",
        "SetIdentity",
        "DropIdentity",
        "DropExpression",
        "AlterColumnGenericOptions",
    }
)
_C = TypeVar("_C", bound=Collection[str])
COLUMN_EVENTS = (ir.AlterColumnType, ir.SetNotNull, ir.DropNotNull, ir.SetDefault, ir.DropDefault)
# (by type: an isinstance against a tuple tries each class in turn, and a miss is costly)
_COLUMN_EVENT_TYPES: frozenset[type] = frozenset(COLUMN_EVENTS)


class UnknownColumnReference(StatementRule):
    """A constraint, index or ALTER TABLE names a column the table does not have.

    ## What it does
    Flags a column name that the table does not have, when the replay of the migrations knows
    the table's full definition: in the constraints of a CREATE TABLE (checked against the
    columns that statement declares), in constraints added by ALTER TABLE, in CREATE INDEX (its
    keys, INCLUDE columns and a partial index's `WHERE`), in ALTER COLUMN, DROP COLUMN (without
    IF EXISTS) and RENAME COLUMN, and the referenced columns of a foreign key when the referenced
    table is known.

    Conditional DDL (RULES.md) is read as PostgreSQL runs it: a statement in a PL/pgSQL branch
    guarded by "column c exists" (`IF EXISTS (SELECT ... FROM information_schema.columns ...)`)
    is not flagged when the replay says c is not there (the branch does not run), nor one in a
    block whose `EXCEPTION WHEN undefined_column` handler swallows that failure; a column only
    some branches add is unknown afterwards, so a table whose branches disagree is no longer
    fully known. Nor is a table made by `CREATE TABLE IF NOT EXISTS` of a name the history
    never had: on an install older than the history it was there already, perhaps with more
    columns (unless the config says `if-not-exists = "new"`).

    ## Why is this bad?
    PostgreSQL rejects the statement (`column "..." does not exist`), so the migration fails when
    it is deployed, often half-applied. It is usually a typo or a column renamed or dropped by an
    earlier migration.

    ## Example
    ```sql
    CREATE TABLE payments (
        id bigint PRIMARY KEY,
        amount numeric(12, 2) NOT NULL,
        CONSTRAINT payments_amount_check CHECK (ammount > 0)
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE payments (
        id bigint PRIMARY KEY,
        amount numeric(12, 2) NOT NULL,
        CONSTRAINT payments_amount_check CHECK (amount > 0)
    );
    ```

    ## Known limits
    A table created by `CREATE TABLE ... AS`, `LIKE`, `OF type`, or that inherits from a table
    the replay does not fully know, is not checked; neither are `USING` expressions.
    """

    code = "DBA801"
    name = "unknown-column-reference"
    family = "consistency"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (
        ir.CreateTable,
        ir.AddColumn,
        ir.AddConstraint,
        ir.CreateIndex,
        ir.DropColumn,
        ir.RenameColumn,
        ir.AlterTableAction,
        *COLUMN_EVENTS,
    )

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: nearly every reference is to a column the table has)
        kind = type(event)
        if kind is ir.CreateTable:
            return self._create_table(event, ctx)
        table = known_table(ctx, event.table)
        if table is None:
            return NOTHING
        # The table's own columns settle most references; the whole statement's view of them
        # (`column_types`) is built only when needed.
        if kind is ir.AddColumn:
            if event.if_not_exists and event.column.name in table.columns:
                return NOTHING
            own = table.columns.keys() | {event.column.name}
            if all(_plainly_known(ctx, event.table, own, c) for c in event.column.constraints):
                return NOTHING
            return self._constraints(event, ctx, table, event.column.constraints)
        if kind is ir.AddConstraint:
            if _plainly_known(ctx, event.table, table.columns, event.constraint):
                return NOTHING
            return self._constraints(event, ctx, table, (event.constraint,))
        if kind is ir.CreateIndex:
            skipped = event.if_not_exists and QName(table.name.schema, event.name or "") in (
                ctx.schema.relations
            )
            if skipped:  # IF NOT EXISTS skips the statement only when the name is taken
                return NOTHING
            names: list[str] = []
            for elem in event.elems:  # (a plain loop: no comprehension, no list per key)
                if elem.column:
                    names.append(elem.column)
                else:
                    names += elem.expression_columns
            names += event.include
            names += event.predicate_columns  # a partial index's WHERE
            if table.columns.keys() >= set(names):  # (each a column: no generator to tell)
                return NOTHING
            return self._index(event, ctx, table, names)
        column = _column_of(event)
        if column is None or column in table.columns:
            return NOTHING
        return self._column(event, ctx, table, column)

    def _constraints(
        self, event: Any, ctx: RuleContext, table: Table, constraints: Iterable[ir.Constraint]
    ) -> Iterator[Report]:
        columns = list(column_types(ctx, table, event.table))
        for constraint in constraints:
            yield from _constraint(ctx, event.table, columns, constraint)

    def _index(
        self, event: ir.CreateIndex, ctx: RuleContext, table: Table, names: list[str]
    ) -> Iterator[Report]:
        columns = list(column_types(ctx, table, event.table))
        for name in _missing(names, columns, event.table):
            yield _unknown(ctx, event.table, name, columns, locate(ctx, name, _after_on(ctx)))

    def _column(self, event: Any, ctx: RuleContext, table: Table, column: str) -> Iterator[Report]:
        columns = list(column_types(ctx, table, event.table))
        if column not in columns and column not in SYSTEM_COLUMNS:
            yield _unknown(ctx, event.table, column, columns, locate(ctx, column))

    def _create_table(self, event: ir.CreateTable, ctx: RuleContext) -> Iterator[Report]:
        if event.if_not_exists and ctx.table(event.table) is not None:
            return NOTHING  # PostgreSQL skips the whole statement
        constraints = table_constraints(event)
        declared = {column.name for column in event.columns}
        for constraint in constraints:  # (a plain loop: most are plainly known)
            if not _plainly_known(ctx, event.table, declared, constraint):
                return self._table_constraints(event, ctx, constraints)
        return NOTHING

    def _table_constraints(
        self, event: ir.CreateTable, ctx: RuleContext, constraints: tuple[ir.Constraint, ...]
    ) -> Iterator[Report]:
        known = create_table_columns(ctx, event)
        if known is None:
            return
        columns = list(known)
        for constraint in constraints:
            yield from _constraint(ctx, event.table, columns, constraint)


def _constraint(
    ctx: RuleContext, table: QName, columns: list[str], constraint: ir.Constraint
) -> Iterator[Report]:
    """Unknown local and referenced columns of one constraint."""
    for name in _missing(_local_names(constraint), columns, table):
        yield _unknown(ctx, table, name, columns, constraint.span)
    if (
        constraint.kind == "foreign-key"
        and constraint.ref_table is not None
        and constraint.ref_columns
    ):
        referenced = _referenced_columns(ctx, table, columns, constraint.ref_table)
        if referenced is not None:
            for name in _missing(constraint.ref_columns, referenced, constraint.ref_table):
                yield ctx.report(
                    constraint.span,
                    f"Foreign key references column {quote_ident(name)}, which table "
                    f"{ctx.shown(constraint.ref_table)} does not have",
                    hint=suggestion(name, referenced),
                )


_KEYED_KINDS = frozenset(("primary-key", "unique", "foreign-key", "exclude"))
_EXPRESSION_KINDS = frozenset(("check", "generated", "exclude"))


def _local_names(constraint: ir.Constraint) -> list[str]:
    """The columns of its own table a constraint names."""
    names: list[str] = []
    if constraint.kind in _KEYED_KINDS:
        names += [*constraint.columns, *constraint.include]
    if constraint.kind in _EXPRESSION_KINDS:
        names += constraint.check_columns
    return names


def _plainly_known(
    ctx: RuleContext, table: QName, own: Collection[str], constraint: ir.Constraint
) -> bool:
    """Whether every column a constraint names is plainly there: among `own` (columns the table
    certainly has), or a column of the referenced table. Most are, and this is cheap; only the
    others need the full look (`_constraint`)."""
    # (`_local_names` by plain loops, no list: asked of most constraints, most of them NOT
    # NULL or DEFAULT, which name none)
    kind = constraint.kind
    if kind in _KEYED_KINDS:
        for name in constraint.columns:
            if name not in own:
                return False
        for name in constraint.include:
            if name not in own:
                return False
    if kind in _EXPRESSION_KINDS:
        for name in constraint.check_columns:
            if name not in own:
                return False
    if (
        constraint.kind == "foreign-key"
        and constraint.ref_table is not None
        and constraint.ref_columns
    ):
        referenced = _referenced_columns(ctx, table, own, constraint.ref_table)
        return referenced is None or all(name in referenced for name in constraint.ref_columns)
    return True


def _referenced_columns(
    ctx: RuleContext, table: QName, columns: _C, ref: QName
) -> _C | list[str] | None:
    if ctx.schema.resolve(ref) == ctx.schema.resolve(table) and ctx.table(table) is None:
        return columns  # the table being created references itself
    referenced = known_table(ctx, ref)
    if referenced is None:
        return None
    if ctx.table(table) is referenced:
        return columns
    return list(referenced.columns)


def _missing(names: Iterable[str], columns: list[str], table: QName) -> Iterator[str]:
    """The names that are not columns (the table's own name is a whole-row reference)."""
    known = set(columns)
    for name in dict.fromkeys(names):
        if name and name not in known and name not in SYSTEM_COLUMNS and name != table.name:
            yield name


def _unknown(ctx: RuleContext, table: QName, name: str, columns: list[str], span: Span) -> Report:
    return ctx.report(
        span,
        f"Column {quote_ident(name)} does not exist in table {ctx.shown(table)}",
        hint=suggestion(name, columns),
    )


def _column_of(event: ir.Event) -> str | None:
    """The existing column an ALTER TABLE sub-command acts on."""
    if type(event) is ir.DropColumn:
        return None if event.if_exists else event.column
    if type(event) is ir.RenameColumn:
        return event.old
    if type(event) is ir.AlterTableAction:
        return event.column if event.action in COLUMN_ACTIONS and event.objtype == "table" else None
    if type(event) in _COLUMN_EVENT_TYPES:
        return str(cast("ir.SetNotNull", event).column)
    return None


def _after_on(ctx: RuleContext) -> int:
    """Where a CREATE INDEX's column list can start (past `ON table`), to skip its name."""
    text = ctx.text[ctx.statement.span.start : ctx.statement.span.end]
    paren = text.find(b"(")
    return ctx.statement.span.start + (paren if paren >= 0 else 0)
