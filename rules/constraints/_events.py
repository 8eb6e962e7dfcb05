"""What constraint and naming rules read from events: the constraints an event declares, and
the names it gives to new objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.rule import per_event

if TYPE_CHECKING:
    from collections.abc import Callable

CONSTRAINT_EVENTS: tuple[type[ir.Event], ...] = (ir.CreateTable, ir.AddColumn, ir.AddConstraint)
NAMED_KINDS = ("primary-key", "unique", "check", "foreign-key", "exclude")
KIND_WORDS = {
    "primary-key": "PRIMARY KEY",
    "unique": "UNIQUE",
    "check": "CHECK",
    "foreign-key": "FOREIGN KEY",
    "exclude": "EXCLUDE",
}


@per_event  # (the constraint and consistency rules all ask)
def table_constraints(event: ir.CreateTable) -> tuple[ir.Constraint, ...]:
    """Every constraint a CREATE TABLE declares: its columns' (in order), then the table's."""
    found: list[ir.Constraint] = []
    for column in event.columns:  # (a plain loop: no frame of a comprehension)
        found += column.constraints
    found += event.constraints
    return tuple(found)


@per_event  # (the constraint and naming rules all ask)
def declared_constraints(event: ir.Event) -> tuple[tuple[QName, ir.Constraint], ...]:
    """The PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY and EXCLUDE constraints an event declares."""
    if type(event) is ir.AddConstraint:  # (one constraint: no list made)
        constraint = event.constraint
        return ((event.table, constraint),) if constraint.kind in NAMED_KINDS else ()
    found: tuple[ir.Constraint, ...]
    if type(event) is ir.CreateTable:
        found = table_constraints(event)
    elif type(event) is ir.AddColumn:
        found = event.column.constraints
    else:
        return ()
    table = event.table
    named = []
    for constraint in found:  # (a plain loop: a comprehension costs a frame of its own)
        if constraint.kind in NAMED_KINDS:
            named.append((table, constraint))
    return tuple(named)


class DeclaredName(NamedTuple):  # (a named tuple: cheaper to make than a frozen dataclass)
    """A name a statement gives to a new (or renamed) object.

    `near` is where to start looking for the name in the text (the name itself, or the clause
    that declares it).
    """

    kind: str
    name: str
    near: int


# Objects whose names the naming rules judge. Extensions, casts, languages and roles have names
# chosen elsewhere (`"uuid-ossp"` must be written that way).
_NAMED_OBJECTS = frozenset(
    {
        "table",
        "foreign table",
        "column",
        "constraint",
        "index",
        "view",
        "materialized view",
        "sequence",
        "type",
        "domain",
        "schema",
        "function",
        "procedure",
        "aggregate",
        "trigger",
        "policy",
        "rule",
        "statistics",
        "publication",
        "event trigger",
        "collation",
    }
)


@per_event  # (the naming rules all ask)
def declared_names(event: ir.Event) -> tuple[DeclaredName, ...]:
    """The names an event declares: tables, columns, constraints, indexes, views, types, ..."""
    # (one look-up of the event's type, not a test of each type in turn)
    names = _NAMES_OF.get(type(event))
    return () if names is None else tuple(names(event))


def _create_table(event: ir.CreateTable) -> list[DeclaredName]:
    found = [DeclaredName("table", event.table.name, event.span.start)]
    for column in event.columns:
        if column.type is not None:  # `col WITH OPTIONS` names an inherited column
            found.append(DeclaredName("column", column.name, column.span.start))
    return _with_constraint_names(found, event)


def _create_table_as(event: ir.CreateTableAs) -> list[DeclaredName]:
    kind = "materialized view" if event.materialized else "table"
    start = event.span.start
    return [
        DeclaredName(kind, event.table.name, start),
        *[DeclaredName("column", name, start) for name in event.columns],
    ]


def _create_view(event: ir.CreateView) -> list[DeclaredName]:
    return [DeclaredName("view", event.view.name, event.span.start)]


def _add_column(event: ir.AddColumn) -> list[DeclaredName]:
    found = [DeclaredName("column", event.column.name, event.column.span.start)]
    return _with_constraint_names(found, event)


def _add_constraint(event: ir.AddConstraint) -> list[DeclaredName]:
    return _with_constraint_names([], event)


def _create_index(event: ir.CreateIndex) -> list[DeclaredName]:
    return [DeclaredName("index", event.name, event.span.start)] if event.name else []


def _rename_column(event: ir.RenameColumn) -> list[DeclaredName]:
    return [DeclaredName("column", event.new, event.span.start)]


def _rename_table(event: ir.RenameTable) -> list[DeclaredName]:
    return [DeclaredName("table", event.new, event.span.start)]


def _rename_object(event: ir.RenameObject) -> list[DeclaredName]:
    if event.kind in _NAMED_OBJECTS:
        return [DeclaredName(event.kind, event.new, event.span.start)]
    return []


def _create_enum(event: ir.CreateEnum) -> list[DeclaredName]:
    return [DeclaredName("type", event.name.name, event.span.start)]


def _create_object(event: ir.CreateObject) -> list[DeclaredName]:
    if event.kind in _NAMED_OBJECTS:
        return [DeclaredName(event.kind, event.name.name, event.span.start)]
    return []


def _create_function(event: ir.CreateFunction) -> list[DeclaredName]:
    kind = "procedure" if event.procedure else "function"
    return [DeclaredName(kind, event.name.name, event.span.start)]


def _with_constraint_names(found: list[DeclaredName], event: ir.Event) -> list[DeclaredName]:
    """`found`, and the names of the constraints `event` declares."""
    for _table, constraint in declared_constraints(event):
        if constraint.name:
            found.append(DeclaredName("constraint", constraint.name, constraint.span.start))
    return found


# The names each kind of event declares (by exact type, as the rules' targets are matched).
_NAMES_OF: dict[type[ir.Event], Callable[[Any], list[DeclaredName]]] = {
    ir.CreateTable: _create_table,
    ir.CreateTableAs: _create_table_as,
    ir.CreateView: _create_view,
    ir.AddColumn: _add_column,
    ir.AddConstraint: _add_constraint,
    ir.CreateIndex: _create_index,
    ir.RenameColumn: _rename_column,
    ir.RenameTable: _rename_table,
    ir.RenameObject: _rename_object,
    ir.CreateEnum: _create_enum,
    ir.CreateObject: _create_object,
    ir.CreateFunction: _create_function,
}


NAMING_EVENTS: tuple[type[ir.Event], ...] = (
    ir.CreateTable,
    ir.CreateTableAs,
    ir.CreateView,
    ir.AddColumn,
    ir.AddConstraint,
    ir.CreateIndex,
    ir.RenameColumn,
    ir.RenameTable,
    ir.RenameObject,
    ir.CreateEnum,
    ir.CreateObject,
    ir.CreateFunction,
)


def statement_range(statement: ir.Statement | None, fallback: Span) -> tuple[int, int]:
    """The byte range of the statement being checked."""
    span = statement.span if statement is not None else fallback
    return span.start, max(span.end, span.start)
