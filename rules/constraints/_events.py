"""What constraint and naming rules read from events: the constraints an event declares, and
the names it gives to new objects."""

from __future__ import annotations

from typing import NamedTuple

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.rule import per_event

CONSTRAINT_EVENTS: tuple[type[ir.Event], ...] = (ir.CreateTable, ir.AddColumn, ir.AddConstraint)
NAMED_KINDS = ("primary-key", "unique", "check", "foreign-key", "exclude")
KIND_WORDS = {
    "primary-key": "PRIMARY KEY",
    "unique": "UNIQUE",
    "check": "CHECK",
    "foreign-key": "FOREIGN KEY",
    "exclude": "EXCLUDE",
}


@per_event  # (the constraint and naming rules all ask)
def declared_constraints(event: ir.Event) -> tuple[tuple[QName, ir.Constraint], ...]:
    """The PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY and EXCLUDE constraints an event declares."""
    found: list[ir.Constraint] = []
    if type(event) is ir.CreateTable:
        for column in event.columns:
            found.extend(column.constraints)
        found.extend(event.constraints)
    elif type(event) is ir.AddColumn:
        found.extend(event.column.constraints)
    elif type(event) is ir.AddConstraint:
        found.append(event.constraint)
    else:
        return ()
    table = event.table
    # (a list made in one frame: a generator would be resumed for each constraint)
    return tuple([(table, constraint) for constraint in found if constraint.kind in NAMED_KINDS])


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
    found: list[DeclaredName] = []
    start = event.span.start
    if type(event) is ir.CreateTable:
        found.append(DeclaredName("table", event.table.name, start))
        for column in event.columns:
            if column.type is not None:  # `col WITH OPTIONS` names an inherited column
                found.append(DeclaredName("column", column.name, column.span.start))
    elif type(event) is ir.CreateTableAs:
        kind = "materialized view" if event.materialized else "table"
        found.append(DeclaredName(kind, event.table.name, start))
        found += [DeclaredName("column", name, start) for name in event.columns]
    elif type(event) is ir.CreateView:
        found.append(DeclaredName("view", event.view.name, start))
    elif type(event) is ir.AddColumn:
        found.append(DeclaredName("column", event.column.name, event.column.span.start))
    elif type(event) is ir.CreateIndex:
        if event.name:
            found.append(DeclaredName("index", event.name, start))
    elif type(event) is ir.RenameColumn or type(event) is ir.RenameTable:
        kind = "column" if type(event) is ir.RenameColumn else "table"
        found.append(DeclaredName(kind, event.new, start))
    elif type(event) is ir.RenameObject:
        if event.kind in _NAMED_OBJECTS:
            found.append(DeclaredName(event.kind, event.new, start))
    elif type(event) is ir.CreateEnum:
        found.append(DeclaredName("type", event.name.name, start))
    elif type(event) is ir.CreateObject:
        if event.kind in _NAMED_OBJECTS:
            found.append(DeclaredName(event.kind, event.name.name, start))
    elif type(event) is ir.CreateFunction:
        found.append(
            DeclaredName("procedure" if event.procedure else "function", event.name.name, start)
        )
    if type(event) in CONSTRAINT_EVENTS:
        for _table, constraint in declared_constraints(event):
            if constraint.name:
                found.append(DeclaredName("constraint", constraint.name, constraint.span.start))
    return tuple(found)


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
