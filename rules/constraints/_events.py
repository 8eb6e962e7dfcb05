"""What constraint and naming rules read from events: the constraints an event declares, and
the names it gives to new objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from dbarch_lint import ir
from dbarch_lint.context import per_event
from dbarch_lint.ir import QName, Span

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
    if isinstance(event, ir.CreateTable):
        for column in event.columns:
            found.extend(column.constraints)
        found.extend(event.constraints)
    elif isinstance(event, ir.AddColumn):
        found.extend(event.column.constraints)
    elif isinstance(event, ir.AddConstraint):
        found.append(event.constraint)
    else:
        return ()
    table = event.table
    return tuple((table, constraint) for constraint in found if constraint.kind in NAMED_KINDS)


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
    return tuple(_declared_names(event))


def _declared_names(event: ir.Event) -> Iterator[DeclaredName]:
    start = event.span.start
    if isinstance(event, ir.CreateTable):
        yield DeclaredName("table", event.table.name, start)
        for column in event.columns:
            if column.type is not None:  # `col WITH OPTIONS` names an inherited column
                yield DeclaredName("column", column.name, column.span.start)
    elif isinstance(event, ir.CreateTableAs):
        kind = "materialized view" if event.materialized else "table"
        yield DeclaredName(kind, event.table.name, start)
        for name in event.columns:
            yield DeclaredName("column", name, start)
    elif isinstance(event, ir.CreateView):
        yield DeclaredName("view", event.view.name, start)
    elif isinstance(event, ir.AddColumn):
        yield DeclaredName("column", event.column.name, event.column.span.start)
    elif isinstance(event, ir.CreateIndex) and event.name:
        yield DeclaredName("index", event.name, start)
    elif isinstance(event, (ir.RenameColumn, ir.RenameTable)):
        kind = "column" if isinstance(event, ir.RenameColumn) else "table"
        yield DeclaredName(kind, event.new, start)
    elif isinstance(event, ir.RenameObject) and event.kind in _NAMED_OBJECTS:
        yield DeclaredName(event.kind, event.new, start)
    elif isinstance(event, ir.CreateEnum):
        yield DeclaredName("type", event.name.name, start)
    elif isinstance(event, ir.CreateObject) and event.kind in _NAMED_OBJECTS:
        yield DeclaredName(event.kind, event.name.name, start)
    elif isinstance(event, ir.CreateFunction):
        yield DeclaredName("procedure" if event.procedure else "function", event.name.name, start)
    for _table, constraint in declared_constraints(event):
        if constraint.name:
            yield DeclaredName("constraint", constraint.name, constraint.span.start)


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
