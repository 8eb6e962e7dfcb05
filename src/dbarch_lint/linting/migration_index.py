"""What a migration's statements hold, indexed once per file (or once per event) for the
questions of `migration_questions.py`: the tables each statement creates, renames, drops or
names, the columns whose types change, the names renames give, the columns of each built-in
type an event declares. A rule asks many questions of one file; each index is built on the
first (`per_event`), so a file of many statements is not walked once per question."""

from __future__ import annotations

import itertools
from operator import attrgetter
from typing import Any

from dbarch_lint.linting.memo import per_event
from dbarch_lint.model.ir import (
    AddColumn,
    AlterColumnType,
    AlterEnum,
    CreateTable,
    CreateTableAs,
    DropColumn,
    DropObjects,
    Event,
    QName,
    RenameColumn,
    RenameObject,
    RenameTable,
    Statement,
    TypeRef,
)

# The events that give columns their types (`RuleContext.columns_of_type` looks into them).
COLUMN_TYPE_EVENTS: tuple[type[Event], ...] = (CreateTable, AddColumn, AlterColumnType)


_EVENTS = attrgetter("events")  # (a statement's)

# A column an event declares or changes the type of: (table, column, type, the built-in type it
# is, as `TypeRef.builtin` names it). A plain tuple: type rules make and read them on a hot path.
TypedColumn = tuple[QName, str, TypeRef, str]


@per_event  # (once per file)
def created_tables(statements: tuple[Statement, ...]) -> dict[str, list[tuple[int, bool]]]:
    """Per unqualified table name, the statements of a file that create a table of that name
    (True) or rename one away (False), in order."""
    changes: dict[str, list[tuple[int, bool]]] = {}
    event: Any  # (its `table` read only of the types in `_CREATES_OR_RENAMES`)
    for statement in statements:
        for event in statement.events:
            if type(event) in _CREATES_OR_RENAMES:  # (one test for most events: neither)
                made = type(event) is not RenameTable
                changes.setdefault(event.table.name, []).append((statement.index, made))
    return changes


_CREATES_OR_RENAMES = frozenset((CreateTable, CreateTableAs, RenameTable))


@per_event  # (once per file)
def table_events(statements: tuple[Statement, ...]) -> dict[str, list[tuple[int, Event]]]:
    """Per unqualified table name, the events of a file that name a table of that name (as
    the table they act on, or among the tables they drop), with their statement's position,
    in order."""
    found: dict[str, list[tuple[int, Event]]] = {}
    for position, statement in enumerate(statements):
        for event in statement.events:
            if type(event) is DropObjects:
                if event.kind == "table":
                    for name in dict.fromkeys(n.name for n in event.names):
                        found.setdefault(name, []).append((position, event))
                continue
            named = getattr(event, "table", None)
            if type(named) is QName:
                found.setdefault(named.name, []).append((position, event))
    return found


@per_event  # (once per file)
def retyped_columns(statements: tuple[Statement, ...]) -> frozenset[tuple[str, str]]:
    """(unqualified table name, column) of every column type change of a file: a column none
    of them names is retyped by no later statement (`RuleContext.retyped_later`)."""
    # (the file's events in one C iterator, and a list made in one frame: no generator resumed
    # per event, nor an inner loop per statement)
    return frozenset(
        [
            (event.table.name, event.column)
            for event in itertools.chain.from_iterable(map(_EVENTS, statements))
            if type(event) is AlterColumnType
        ]
    )


@per_event  # (once per file)
def dropped_tables(statements: tuple[Statement, ...]) -> dict[str, list[int]]:
    """Per unqualified table name, the statements of a file that drop a table of that name."""
    drops: dict[str, list[int]] = {}
    for statement in statements:
        for event in statement.events:
            if type(event) is DropObjects and event.kind in ("table", "foreign table"):
                for name in event.names:
                    drops.setdefault(name.name, []).append(statement.index)
    return drops


def type_names(event: RenameObject | DropObjects) -> tuple[str, ...]:
    """The unqualified names of the objects a rename or drop is of."""
    if isinstance(event, RenameObject):
        return (event.name.name,)
    return tuple(name.name for name in event.names)


RENAME_KINDS = {"table constraint": "constraint", "foreign table": "table"}


@per_event  # (once per file)
def renamed_to(statements: tuple[Statement, ...]) -> dict[tuple[str, str], list[int]]:
    """Per kind and new name (`table.name` for columns, constraints and enum values), the
    statements of a file that rename something to that name."""
    found: dict[tuple[str, str], list[int]] = {}
    for statement in statements:
        for event in statement.events:
            if type(event) not in _RENAMES:  # (one test for most events: no rename)
                continue
            if type(event) is RenameTable:
                key = ("table", event.new)
            elif type(event) is RenameColumn:
                key = ("column", f"{event.table.name}.{event.new}")
            elif type(event) is RenameObject:
                kind = RENAME_KINDS.get(event.kind, event.kind)
                table = event.table
                key = (kind, f"{table.name}.{event.new}" if table else event.new)
            elif type(event) is AlterEnum and event.old_value is not None:
                key = ("enum value", f"{event.name.name}.{event.new_value}")
            else:
                continue
            found.setdefault(key, []).append(statement.index)
    return found


_RENAMES = frozenset((RenameTable, RenameColumn, RenameObject, AlterEnum))


@per_event  # (every type rule asks)
def columns_by_type(event: Event) -> dict[str, tuple[TypedColumn, ...]]:
    """The columns of a built-in type an event declares or changes, by that type (a type rule
    looks up its types rather than going through every column), each type's in the order
    written."""
    if type(event) is AlterColumnType:
        builtin = event.type.builtin
        if builtin is None:
            return {}
        return {builtin: ((event.table, event.column, event.type, builtin),)}
    if type(event) is CreateTable:
        columns = event.columns
    elif type(event) is AddColumn:
        columns = (event.column,)
    else:
        return {}
    table = event.table
    by_type: dict[str, tuple[TypedColumn, ...]] = {}
    for column in columns:  # (one pass, no list of the typed columns made first)
        type_ = column.type
        if type_ is None or type_.builtin is None:
            continue
        builtin = type_.builtin
        typed = (table, column.name, type_, builtin)
        known = by_type.get(builtin)
        by_type[builtin] = (typed,) if known is None else (*known, typed)
    return by_type


def names_column(event: Event, column: str) -> bool:
    """Whether `event` drops the column or renames it (from or to that name)."""
    if isinstance(event, DropColumn):
        return event.column == column
    return isinstance(event, RenameColumn) and column in (event.old, event.new)


def same_type(old: TypeRef, new: TypeRef) -> bool:
    """Whether two written types are the same type (`int4` and `pg_catalog.int4`)."""
    return (old.builtin or old.names, old.mods, old.array, old.pct_type) == (
        new.builtin or new.names,
        new.mods,
        new.array,
        new.pct_type,
    )


def written_at(column: TypedColumn) -> int:
    """Where the column's type is written (columns of several types come back in this order)."""
    return column[2].span.start
