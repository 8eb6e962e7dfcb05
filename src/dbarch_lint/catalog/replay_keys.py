"""The replay of what keeps a table's rows in order: its constraints and indexes, and the two
helpers every table handler starts from (the table an event changes, or a placeholder for one
the replay has not seen; whether an `IF NOT EXISTS` event is skipped).

`replay_tables.py` replays tables and columns over these; `replay.py` dispatches each event to
its handler (`KEY_HANDLERS` here, `TABLE_HANDLERS` there). A constraint that an index backs
(primary key, unique, exclusion) brings that index with it, named as PostgreSQL names it.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from operator import attrgetter
from typing import Any

from dbarch_lint.catalog.naming import INDEX_BACKED, named_columns
from dbarch_lint.catalog.records import ConstraintInfo, Index, Origin, Table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName


def table_or_placeholder(schema: SchemaState, name: QName) -> Table:
    """The table `name` refers to, ready to change; a placeholder when the replay has none."""
    table = schema.table(name)
    if table is None:
        table = Table(schema.resolve(name), None, complete=False)
        schema.add_table(table)
        schema.met_unknown = True
        return table
    return schema.writable_table(table)


def skipped(schema: SchemaState, event: ir.Event) -> bool:
    """Whether an `IF NOT EXISTS` event does nothing, as PostgreSQL (and MySQL) would skip it
    with a notice: `CREATE TABLE` of a relation name the replay has, `ADD COLUMN` of a column the
    table has, `CREATE INDEX` of a relation name the replay has (by name only: a different
    definition under that name is skipped too)."""
    if not getattr(event, "if_not_exists", False):
        return False  # (most events: this is asked of every event a rule sees)
    if type(event) is ir.CreateTable:
        return event.if_not_exists and schema.resolve(event.table) in schema.relations
    if type(event) is ir.AddColumn:
        table = schema.table(event.table)
        return event.if_not_exists and table is not None and event.column.name in table.columns
    if type(event) is ir.CreateIndex and event.if_not_exists and event.name:
        table = schema.table(event.table)
        namespace = table.name.schema if table is not None else schema.resolve(event.table).schema
        return QName(namespace, event.name) in schema.relations
    return False


def set_not_null(schema: SchemaState, table: Table, names: list[str]) -> None:
    """Make the columns `names` of writable `table` NOT NULL (a primary key's columns are)."""
    for name in names:
        column = schema.writable_column(table, name)
        if column is not None:
            column.not_null = True


# --- constraints -------------------------------------------------------------------------


def add_constraint(
    schema: SchemaState, table: Table, constraint: ir.Constraint, origin: Origin
) -> None:
    """Add `constraint` to writable `table`, and the index that backs it.

    A second primary key is not added: PostgreSQL refuses it (the statement's drops, which
    could free the key, are replayed first).
    """
    if constraint.kind == "primary-key" and table.primary_key() is not None:
        return
    columns = named_columns(constraint)
    name = constraint.name or constraint.using_index
    name = name or schema.invented_constraint_name(table, constraint.kind, columns)
    ref_table = None
    if constraint.ref_table is not None:
        referenced = schema.table(constraint.ref_table)
        ref_table = referenced.name if referenced else schema.resolve(constraint.ref_table)
    info = ConstraintInfo(
        name=name,
        kind=constraint.kind,
        columns=columns,
        constraint=constraint,
        origin=origin,
        validated=not constraint.not_valid,
        ref_table=ref_table,
        ref_columns=list(constraint.ref_columns),
    )
    if constraint.kind == "foreign-key" and not info.ref_columns and ref_table is not None:
        referenced = schema.tables.get(ref_table)
        pk = referenced.primary_key() if referenced else None
        info.ref_columns = list(pk.columns) if pk else []
    schema.add_constraint(table, info)
    if constraint.kind == "primary-key":
        set_not_null(schema, table, columns)
    if constraint.kind in INDEX_BACKED:
        if constraint.using_index:
            index = schema.index(QName(table.name.schema, constraint.using_index))
            if index is not None:
                index = schema.writable_index(None, index)
                rename_index(schema, index, name)
                index.constraint = info
                info.columns = [c for c in index.columns if c is not None]
                if constraint.kind == "primary-key":
                    set_not_null(schema, table, info.columns)
                return
        index = Index(
            name=name,
            table=table.name,
            columns=list(columns),
            unique=constraint.kind != "exclude",
            method="btree" if constraint.kind != "exclude" else "gist",
            predicate=None,
            predicate_not_null=None,
            origin=origin,
            constraint=info,
            include=list(constraint.include),
            mentions=set(constraint.include),
            invented=constraint.name is None,
        )
        schema.add_index(table, index)


def _add_table_constraint(schema: SchemaState, event: ir.AddConstraint, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    add_constraint(schema, table, event.constraint, origin)


def _drop_constraint(schema: SchemaState, event: ir.DropConstraint, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    dropped = table.constraint(event.name)
    if dropped is not None:
        dropped = schema.writable_constraint(table, dropped)
        dropped.dropped = origin
        for index in table.live_indexes():
            if index.constraint is dropped:
                drop_index(schema, schema.writable_index(table, index), origin)


def _validate_constraint(schema: SchemaState, event: ir.ValidateConstraint, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    validated = table.constraint(event.name)
    if validated is not None:
        schema.writable_constraint(table, validated).validated = True


def referencing(schema: SchemaState, name: QName, column: str | None = None) -> list[Table]:
    """The live tables with a constraint that references table `name` (and its `column`, if
    given), ready to change."""
    found: list[Table] = []
    tables, short = schema.tables, name.name
    for referrer in schema.referrers.get(name, ()):
        table = tables.get(referrer)
        if table is None:
            continue
        # (`refers_to` inlined, in a plain loop: a much-referenced table has many referrers,
        # each with its constraints)
        for info in table.constraints:
            ref_table = info.ref_table
            if (
                ref_table is not None
                and ref_table.name == short
                and ref_table == name
                and (column is None or column in info.ref_columns)
            ):
                found.append(table)
                break
    return [schema.writable_table(table) for table in found]


def refers_to(info: ConstraintInfo, table: QName) -> bool:
    return (
        info.ref_table is not None and info.ref_table.name == table.name and info.ref_table == table
    )


# --- indexes -----------------------------------------------------------------------------


def _create_index(schema: SchemaState, event: ir.CreateIndex, origin: Origin) -> None:
    table = table_or_placeholder(schema, event.table)
    if skipped(schema, event):
        return
    name, elems = event.name, event.elems
    if not name:
        keys = [*(e.name_part for e in elems), *event.include]
        name = schema.invented_index_name(table.name, keys)
    index = Index(
        name=name,
        table=table.name,
        columns=list(map(_KEY_COLUMN, elems)),
        unique=event.unique,
        method=event.method,
        predicate=event.predicate,
        predicate_not_null=event.predicate_not_null,
        origin=origin,
        key_options=list(map(_KEY_OPTIONS, elems)),
        include=list(event.include),
        nulls_not_distinct=event.nulls_not_distinct,
        invented=not event.name,
        span=event.span if event.span != origin.span else None,
        mentions={
            *chain.from_iterable(map(_KEY_EXPRESSION_COLUMNS, elems)),
            *event.include,
            *event.predicate_columns,
        },
    )
    schema.add_index(table, index)


# (what `_create_index` reads of each key, read in C: once per index of the history)
_KEY_COLUMN = attrgetter("column")
_KEY_OPTIONS = attrgetter("options")
_KEY_EXPRESSION_COLUMNS = attrgetter("expression_columns")


def rename_index(schema: SchemaState, index: Index, new: str) -> None:
    """Rename `index` (a writable index) and the relation name it lives under."""
    old_key = QName(index.table.schema, index.name)
    schema.indexes.pop(old_key, None)
    schema.relations.pop(old_key, None)
    index.name = new
    key = QName(index.table.schema, new)
    schema.indexes[key] = index
    schema.relations[key] = "index"


def drop_index(schema: SchemaState, index: Index, origin: Origin) -> None:
    """Drop `index` (a writable index)."""
    index.dropped = origin
    key = QName(index.table.schema, index.name)
    schema.indexes.pop(key, None)
    schema.relations.pop(key, None)


KEY_HANDLERS: dict[type[ir.Event], Callable[[SchemaState, Any, Origin], None]] = {
    ir.AddConstraint: _add_table_constraint,
    ir.DropConstraint: _drop_constraint,
    ir.ValidateConstraint: _validate_constraint,
    ir.CreateIndex: _create_index,
}
