"""DBA803 duplicate-definition."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from typing import Any

from dbarch_lint.catalog import MAX_IDENTIFIER_BYTES, ConstraintInfo
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.consistency._model import locate, statement_events
from dbarch_lint.rules.constraints._events import table_constraints

TABLE_CONSTRAINTS = frozenset({"primary-key", "unique", "check", "foreign-key", "exclude"})
INDEX_CONSTRAINTS = frozenset({"primary-key", "unique", "exclude"})  # each creates an index


class DuplicateDefinition(StatementRule):
    """A column, constraint or index name defined twice.

    ## What it does
    Flags the same column declared twice in one table (in CREATE TABLE, or ADD COLUMN of a column
    the table already has, without `IF NOT EXISTS`); the same constraint name used twice on one
    table; and an index, PRIMARY KEY, UNIQUE or EXCLUDE name already taken in its schema. Those
    constraints create an index, and indexes share one namespace per schema with tables, views,
    sequences and other indexes.

    Conditional DDL (RULES.md) is read as PostgreSQL runs it: an `ADD COLUMN` in a PL/pgSQL
    branch guarded by "column c does not exist" is a no-op when the replay already has c (the
    branch does not run), and so is a statement in a block whose `EXCEPTION WHEN
    duplicate_column | duplicate_table | duplicate_object` handler swallows that failure. A
    handler for another condition protects nothing: the duplicate is reported.

    ## Why is this bad?
    PostgreSQL rejects the statement (`column ... specified more than once`, `constraint ...
    already exists`, `relation ... already exists`): the migration fails when it is deployed. The
    usual cause is a copy-pasted definition, or a name reused from another table.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
    CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint);
    CREATE INDEX by_order ON orders (customer_id);
    CREATE INDEX by_order ON invoices (order_id);
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
    CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint);
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    CREATE INDEX invoices_order_id_idx ON invoices (order_id);
    ```

    Names are compared as PostgreSQL keeps them: it truncates a name to its first 63 bytes, so two
    names that differ only after that are the same name.

    ## Known limits
    Names PostgreSQL generates are compared only where the replay derives them the same way
    (not for unnamed CHECK constraints, expression indexes or generated names it truncated).
    """

    code = "DBA803"
    name = "duplicate-definition"
    family = "consistency"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.CreateTable, ir.AddColumn, ir.AddConstraint, ir.CreateIndex)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most columns, constraints and indexes it sees are new)
        kind = type(event)
        if kind is ir.CreateTable:
            return _create_table(ctx, event)
        if kind is ir.AddColumn:
            if _new_column(ctx, event) and not _any_named(event.column.constraints):
                return NOTHING
            return self._add_column(event, ctx)
        if kind is ir.AddConstraint:
            if not _any_named((event.constraint,)):
                return NOTHING
            return _add_constraint(ctx, event, event.constraint)
        if kind is ir.CreateIndex and event.name and not event.if_not_exists:
            schema = _schema_of(ctx, event.table)
            taken = _relation(ctx, QName(schema, event.name), ())
            if taken is not None:
                return iter(
                    (
                        ctx.report(
                            locate(ctx, event.name),
                            f"Index name {_named(event.name)} is already used by {taken} in "
                            f"schema {quote_ident(schema)}",
                            hint="choose another name, e.g. `<table>_<columns>_idx`",
                        ),
                    )
                )
        return NOTHING

    def _add_column(self, event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        yield from _add_column(ctx, event)
        for constraint in event.column.constraints:
            yield from _add_constraint(ctx, event, constraint)


def _new_column(ctx: RuleContext, event: ir.AddColumn) -> bool:
    """Whether `_add_column` has nothing to say, told cheaply: an IF NOT EXISTS, or the only
    event of its statement adding a column its table does not have (None: not told)."""
    if event.if_not_exists:
        return True
    if len(ctx.statement.events) != 1:
        return False  # (an earlier event of the statement may add or drop it)
    table = ctx.table(event.table)
    return table is None or event.column.name not in table.columns


def _any_named(constraints: Iterable[ir.Constraint]) -> bool:
    """Whether any of them is a named constraint `_add_constraint` looks at."""
    for constraint in constraints:
        if constraint.name is not None and constraint.kind in TABLE_CONSTRAINTS:
            return True
    return False


def _create_table(ctx: RuleContext, event: ir.CreateTable) -> Iterator[Report]:
    if event.if_not_exists and ctx.table(event.table) is not None:
        return NOTHING  # PostgreSQL skips the whole statement
    return _create_table_reports(ctx, event)


_written_at = operator.attrgetter("span.start")  # (a C key: no lambda called per constraint)


def _create_table_reports(ctx: RuleContext, event: ir.CreateTable) -> Iterator[Report]:
    declared: set[str] = set()
    for column in event.columns:
        if column.type is None:  # `col WITH OPTIONS` of a partition: not a declaration
            continue
        if column.name in declared:
            yield ctx.report(
                column.span,
                f"Column {_named(column.name)} is declared twice in table {ctx.shown(event.table)}",
                hint="remove or rename one of the two definitions",
            )
        declared.add(column.name)
    table = ctx.schema.resolve(event.table)
    constraints = table_constraints(event)
    named: set[str] = set()
    for constraint in sorted(constraints, key=_written_at):
        if constraint.name is None or constraint.kind not in TABLE_CONSTRAINTS:
            continue
        if constraint.name in named:
            yield _constraint_taken(ctx, constraint, event.table)
        elif constraint.kind in INDEX_CONSTRAINTS:
            taken = (
                "the table being created"
                if constraint.name == table.name
                else _relation(ctx, QName(table.schema, constraint.name), ())
            )
            if taken is not None:
                yield _relation_taken(ctx, constraint, taken, table.schema or "public")
        named.add(constraint.name)


def _add_column(ctx: RuleContext, event: ir.AddColumn) -> Iterator[Report]:
    if event.if_not_exists:
        return
    table = ctx.table(event.table)
    events = statement_events(ctx, event.table)
    earlier = events[: next(i for i, e in enumerate(events) if e is event)]
    dropped = any(type(e) is ir.DropColumn and e.column == event.column.name for e in earlier)
    exists = table is not None and event.column.name in table.columns and not dropped
    again = any(type(e) is ir.AddColumn and e.column.name == event.column.name for e in earlier)
    if exists or again:
        yield ctx.report(
            event.column.span,
            f"Column {_named(event.column.name)} already exists in table {ctx.shown(event.table)}",
            hint="use another name, or `ADD COLUMN IF NOT EXISTS` if re-running is intended",
        )


def _add_constraint(ctx: RuleContext, event: Any, constraint: ir.Constraint) -> Iterator[Report]:
    name = constraint.name
    if name is None or constraint.kind not in TABLE_CONSTRAINTS:
        return
    events = statement_events(ctx, event.table)
    earlier = events[: next(i for i, e in enumerate(events) if e is event)]
    if any(type(e) is ir.DropConstraint and e.name == name for e in events):
        return  # dropped and re-added in one ALTER TABLE
    table = ctx.table(event.table)
    existing = table.constraint(name) if table is not None else None
    if existing is not None and _drops_column(events, existing.columns):
        existing = None  # a DROP COLUMN in the same ALTER TABLE drops the constraint with it
    again = any(type(e) is ir.AddConstraint and e.constraint.name == name for e in earlier)
    if (existing is not None and _reliable(existing)) or again:
        yield _constraint_taken(ctx, constraint, event.table)
    elif constraint.kind in INDEX_CONSTRAINTS and name != constraint.using_index:
        schema = _schema_of(ctx, event.table)
        taken = _relation(ctx, QName(schema, name), events)
        if taken is not None:
            yield _relation_taken(ctx, constraint, taken, schema)


def _reliable(info: ConstraintInfo) -> bool:
    """Whether the replay's name for a constraint is the one PostgreSQL gave it."""
    if info.constraint.name is not None:
        return True
    return info.kind != "check" and len(info.name.encode()) < MAX_IDENTIFIER_BYTES


def _relation(ctx: RuleContext, name: QName, events: Iterable[ir.Event]) -> str | None:
    """What already holds `name` in the relation namespace, described; None when it is free."""
    kind = ctx.schema.relations.get(name)
    if kind is None:
        return None
    if kind == "index":
        index = ctx.schema.indexes.get(name)
        if index is not None:
            table = ctx.schema.tables.get(index.table)
            if table is None or table.origin is None:
                return None  # on a relation the replay does not know (a materialized view ...)
            if index.constraint is not None and any(
                type(e) is ir.DropConstraint and e.name == index.constraint.name for e in events
            ):
                return None
            if _drops_column(events, [*index.columns, *index.mentions]):
                return None
            if None in index.columns and index.constraint is None and "expr" in index.name:
                return None  # PostgreSQL names expression indexes after the expression
            if index.invented and len(index.name.encode()) >= MAX_IDENTIFIER_BYTES:
                return None  # an invented name PostgreSQL truncated: not compared
            return f"an index on {ctx.shown(index.table)}"
    return f"a {kind}"


def _drops_column(events: Iterable[ir.Event], columns: Iterable[str | None]) -> bool:
    dropped = {e.column for e in events if type(e) is ir.DropColumn}
    return not dropped.isdisjoint(columns)


def _schema_of(ctx: RuleContext, name: QName) -> str:
    table = ctx.table(name)
    resolved = table.name if table is not None else ctx.schema.resolve(name)
    return resolved.schema or "public"


def _named(name: str) -> str:
    """A name for a message; one of MAX_IDENTIFIER_BYTES may be what PostgreSQL kept of a longer
    one, and two names that differ only after it are the same name."""
    if len(name.encode()) < MAX_IDENTIFIER_BYTES:
        return quote_ident(name)
    kept = f"PostgreSQL keeps only a name's first {MAX_IDENTIFIER_BYTES} bytes"
    return f"{quote_ident(name)} ({kept})"


def _constraint_taken(ctx: RuleContext, constraint: ir.Constraint, table: QName) -> Report:
    name = _named(constraint.name or "")
    return ctx.report(
        constraint.span,
        f"Constraint name {name} is already used on table {ctx.shown(table)}",
        hint="give each constraint of a table its own name, e.g. `<table>_<columns>_<kind>`",
    )


def _relation_taken(ctx: RuleContext, constraint: ir.Constraint, taken: str, schema: str) -> Report:
    name = _named(constraint.name or "")
    return ctx.report(
        constraint.span,
        f"Constraint name {name} would also name the constraint's index, but {taken} already "
        f"has that name in schema {quote_ident(schema)}",
        hint="indexes share a namespace with tables, views and sequences: choose another name",
    )
