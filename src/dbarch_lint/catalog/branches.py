"""Conditional DDL: what a guard says of the replayed schema, and the schema after alternatives.

The alternatives of a conditional (`IF`/`ELSIF`/`ELSE`, `CASE`, a block with an `EXCEPTION`
handler) each replay into a fork of the schema as it was before the condition. `holds` tells
whether a catalog guard is true there (None: the replay cannot tell), `fails` whether a
statement of a protected block would raise a condition its handler swallows; an alternative the
replay knows cannot run is never replayed. Afterwards `settle` puts into the schema what every
alternative that may have run agrees on: an object one of them made and another did not is
unknown (gone from the schema; a table whose columns disagree is no longer complete), so the
rules stay silent rather than guess.
"""

from __future__ import annotations

import copy
import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from dbarch_lint.catalog.records import Column, ConstraintInfo, Index, Table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir
from dbarch_lint.model.ir import Guard, QName

# information_schema's `data_type` (and `udt_name`) spellings of the types pglast names.
_TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int": "integer",
    "int8": "bigint",
    "varchar": "character varying",
    "bpchar": "character",
    "bool": "boolean",
    "float4": "real",
    "float8": "double precision",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "decimal": "numeric",
}
_ATTRIBUTES = ("relations", "types", "domain_checks", "objects", "function_security")


def holds(state: SchemaState, guard: Guard) -> bool | None:
    """Whether `guard` is true of `state` (None: unknown)."""
    found = _exists(state, guard)
    if found is None:
        return None
    return found == guard.exists


def _exists(state: SchemaState, guard: Guard) -> bool | None:
    if guard.kind == "column":
        table = state.table(guard.name)
        if table is None or guard.member is None:
            return None
        column = table.columns.get(guard.member)
        if column is None:
            return False if table.complete else None
        if guard.data_type is None:
            return True
        if column.type is None or column.type.array:
            return None
        same = _type_name(column.type.name) == _type_name(guard.data_type)
        return same == guard.type_equal
    if guard.kind == "table":
        return True if state.table(guard.name) is not None else None
    if guard.kind == "relation":
        known = state.visible(state.relations, guard.name) is not None
        return True if known or state.table(guard.name) else None
    if guard.kind == "index":
        return True if state.index(guard.name) is not None else None
    if guard.kind == "type":
        return True if state.visible(state.types, guard.name) is not None else None
    if guard.kind == "constraint" and guard.member is not None:
        tables = [state.table(guard.name)] if guard.name.name else list(state.tables.values())
        if any(t is not None and t.constraint(guard.member) for t in tables):
            return True
        whole = bool(guard.name.name) and all(t is not None and t.complete for t in tables)
        return False if whole else None
    return None


def _type_name(name: str) -> str:
    name = name.lower()
    return _TYPE_NAMES.get(name, name)


def fails(state: SchemaState, event: ir.Event, swallowed: Sequence[str]) -> bool | None:
    """Whether `event` would raise one of the `swallowed` conditions on `state` (None: it may;
    an event whose failure is not among them counts as not failing: that failure would stop
    the migration, not take the handler)."""
    outcome: bool | None = False
    for condition, failing in _FAILURES.get(type(event), ()):
        if condition in swallowed:
            verdict = failing(state, event)
            if verdict:
                return True
            if verdict is None:
                outcome = None
    if "undefined_table" in swallowed and outcome is False:
        table = getattr(event, "table", None)
        if isinstance(table, QName) and state.table(table) is None:
            outcome = None
    if "others" in swallowed and not _FAILURES.get(type(event)):
        return None
    return outcome


def _column_there(state: SchemaState, table_name: QName, column: str) -> bool | None:
    table = state.table(table_name)
    if table is None:
        return None
    if column in table.columns:
        return True
    return False if table.complete else None


def _duplicate_column(state: SchemaState, event: ir.AddColumn) -> bool | None:
    if event.if_not_exists:
        return False
    return _column_there(state, event.table, event.column.name)


def _undefined_column(state: SchemaState, event: ir.DropColumn | ir.RenameColumn) -> bool | None:
    if isinstance(event, ir.DropColumn) and event.if_exists:
        return False
    there = _column_there(
        state, event.table, event.column if isinstance(event, ir.DropColumn) else event.old
    )
    return None if there is None else not there


def _duplicate_table(state: SchemaState, event: ir.CreateTable) -> bool | None:
    if event.if_not_exists:
        return False
    return True if state.table(event.table) is not None else None


def _duplicate_index(state: SchemaState, event: ir.CreateIndex) -> bool | None:
    if event.if_not_exists or event.name is None:
        return False
    return True if state.index(QName(event.table.schema, event.name)) is not None else None


def _duplicate_constraint(state: SchemaState, event: ir.AddConstraint) -> bool | None:
    name = event.constraint.name
    table = state.table(event.table)
    if name is None or table is None:
        return None if name is not None else False
    if table.constraint(name) is not None:
        return True
    return False if table.complete else None


def _undefined_constraint(state: SchemaState, event: ir.DropConstraint) -> bool | None:
    table = state.table(event.table)
    if event.if_exists:
        return False
    if table is None:
        return None
    return False if table.constraint(event.name) is not None else None


def _duplicate_type(state: SchemaState, event: ir.CreateEnum | ir.CreateObject) -> bool | None:
    if isinstance(event, ir.CreateObject) and event.kind not in ("type", "domain"):
        return None
    return True if state.visible(state.types, event.name) is not None else None


_FAILURES: dict[type, tuple[tuple[str, Callable[[SchemaState, Any], bool | None]], ...]] = {
    ir.AddColumn: (("duplicate_column", _duplicate_column),),
    ir.DropColumn: (("undefined_column", _undefined_column),),
    ir.RenameColumn: (("undefined_column", _undefined_column),),
    ir.CreateTable: (("duplicate_table", _duplicate_table),),
    ir.CreateIndex: (("duplicate_table", _duplicate_index),),
    ir.AddConstraint: (("duplicate_object", _duplicate_constraint),),
    ir.DropConstraint: (("undefined_object", _undefined_constraint),),
    ir.CreateEnum: (("duplicate_object", _duplicate_type),),
    ir.CreateObject: (("duplicate_object", _duplicate_type),),
}


def settle(base: SchemaState, ends: Sequence[SchemaState], claims: Sequence[Claims]) -> None:
    """Put into `base` (the schema before a conditional) what the end states of the
    alternatives that may have run agree on (one end: all of it). `claims` holds, for each end,
    what its alternative's guards said exists: an end agrees on an object it claims even when
    the replay never made it there (`IF NOT EXISTS (...) THEN CREATE INDEX i ...`: i exists
    after either branch)."""
    if not ends:
        return
    first = ends[0]
    base.search_path = first.search_path
    base.default_access_method = first.default_access_method
    base.referrers = first.referrers
    for end in ends:  # (the spellings of what either alternative made or renamed)
        base.spelt = {**end.spelt, **base.spelt}
    # What any alternative named or met stays known: a name
    # made only inside a branch is no misspelling (DBA805) and may exist (IF NOT EXISTS), and
    # a table met unseen in one shows the history does not start from an empty database.
    for end in ends:
        if end is not base:  # (a fork of it)
            base.take_seen(end)
    base.met_unknown = any(end.met_unknown for end in ends)
    if len(ends) == 1:
        if first is not base:
            base.tables, base.indexes = first.tables, first.indexes
            for name in _ATTRIBUTES:
                setattr(base, name, getattr(first, name))
        return
    for name in _ATTRIBUTES:
        maps = [getattr(end, name) for end in ends]
        setattr(base, name, _agreed_keys(maps, claims, name))
    base.indexes = _agreed_keys([end.indexes for end in ends], claims, "indexes")
    base.tables = _agreed_tables(base, ends, claims)


def _agreed_tables(
    base: SchemaState, ends: Sequence[SchemaState], claims: Sequence[Claims]
) -> dict[QName, Table]:
    """The tables the ends agree on (`settle`), in the order of the first end's, then of
    those only the others have."""
    first, rest = ends[0].tables, ends[1:]
    # (most tables are the same object at every end: those are told apart in C, and only the
    # others, made or changed by an alternative, are merged here, where they were in the order)
    tables = dict(first)
    changed: Iterable[Any] = itertools.repeat(False)  # (whether each differs at some end)
    for end in rest:
        differs = map(operator.is_not, map(end.tables.get, first), first.values())
        changed = map(operator.or_, changed, differs)
    keys = dict.fromkeys(itertools.compress(first, changed))
    for end in rest:
        if not end.tables.keys() <= first.keys():
            keys.update(dict.fromkeys(key for key in end.tables if key not in first))
    for key in keys:
        versions = [end.tables.get(key) for end in ends]
        if any(v is None and key not in c.relations for v, c in zip(versions, claims, strict=True)):
            tables.pop(key, None)
            continue  # (made or dropped by some alternatives only: unknown)
        present = [v for v in versions if v is not None]
        if len(present) == len(versions) and all(v is present[0] for v in present):
            tables[key] = present[0]
            continue
        mine = [(v, c) for v, c in zip(versions, claims, strict=True) if v is not None]
        merged = _agreed([v for v, _ in mine], [c.about(key) for _, c in mine])
        merged.complete = merged.complete and len(present) == len(versions)
        tables[key] = merged
        base.relations[key] = "table"
    return tables


class Claims:
    """What an alternative's guards say exists (names resolved in the schema before it)."""

    def __init__(self, state: SchemaState, guards: Sequence[Guard]) -> None:
        self.relations: set[QName] = set()
        self.types: set[QName] = set()
        self.columns: dict[QName, set[str]] = {}
        self.constraints: set[str] = set()  # (by name, on whichever table)
        for guard in guards:
            if not guard.exists:
                continue
            if guard.kind == "constraint" and guard.member is not None:
                self.constraints.add(guard.member)
            if guard.kind == "column" and guard.member is not None:
                table = state.table(guard.name)
                key = table.name if table is not None else state.resolve(guard.name)
                self.columns.setdefault(key, set()).add(guard.member)
            elif guard.kind in ("table", "relation", "index"):
                self.relations.add(
                    state.visible(state.relations, guard.name) or state.resolve(guard.name)
                )
            elif guard.kind == "type":
                self.types.add(state.visible(state.types, guard.name) or state.resolve(guard.name))

    def about(self, table: QName) -> set[str]:
        """The columns, constraints and indexes claimed of `table`, by name."""
        relations = {name.name for name in self.relations if name.schema == table.schema}
        return self.columns.get(table, set()) | self.constraints | relations


_ABSENT = object()


def _agreed_keys(maps: list[dict[Any, Any]], claims: Sequence[Claims], name: str) -> dict[Any, Any]:
    """The entries every map has (or its end claims), with the first map's value that has it."""
    first, others = maps[0], maps[1:]
    if all(other.keys() == first.keys() for other in others):
        # (the usual case, compared in C: every map has every key, so each gets the first
        # map's value, whatever the others hold)
        return dict(first)
    # (most entries are the same object in every map: those are told apart in C, as in
    # `_agreed_tables`; an entry of the first map is kept with its value, or left out)
    agreed = dict(first)
    changed: Iterable[Any] = itertools.repeat(False)  # (whether each differs in some map)
    for other in others:
        differs = map(
            operator.is_not, map(other.get, first, itertools.repeat(_ABSENT)), first.values()
        )
        changed = map(operator.or_, changed, differs)
    for key in list(itertools.compress(first, changed)):
        if not _held(key, maps, claims, name):
            del agreed[key]
    extra: dict[Any, None] = {}
    for other in others:
        extra.update(dict.fromkeys(other))
    for key in extra:
        if key not in first:
            _agree_on(agreed, key, maps, claims, name)
    return agreed


def _agree_on(
    agreed: dict[Any, Any],
    key: Any,
    maps: list[dict[Any, Any]],
    claims: Sequence[Claims],
    name: str,
) -> None:
    """Put the first value of `key` into `agreed` if every map has it or its end claims it."""
    found = None
    for mapping, claim in zip(maps, claims, strict=True):
        if key in mapping:
            found = found or (mapping[key],)
        elif not _claimed(claim, name, key):
            return
    if found is not None:
        agreed[key] = found[0]


def _held(key: Any, maps: list[dict[Any, Any]], claims: Sequence[Claims], name: str) -> bool:
    """Whether every map has `key` or its end claims it (`_agree_on`)."""
    for mapping, claim in zip(maps, claims, strict=True):
        if key not in mapping and not _claimed(claim, name, key):
            return False
    return True


def _claimed(claim: Claims, name: str, key: Any) -> bool:
    if name in ("relations", "indexes"):
        return key in claim.relations
    if name == "types":
        return key in claim.types
    return False


def _same_type(one: Column, other: Column) -> bool:
    if one.type is None or other.type is None:
        return False
    return (one.type.names, one.type.mods, one.type.array) == (
        other.type.names,
        other.type.mods,
        other.type.array,
    )


def _agreed(tables: list[Table], claimed: list[set[str]]) -> Table:
    """What several versions of a table agree on: the columns all have or claim (a type they
    disagree on, or a column only claimed, unknown), the constraints and indexes all have by
    name; complete if all are and they have the same columns."""
    merged = copy.copy(tables[0])
    columns: dict[str, Column] = {}
    for name in dict.fromkeys(n for t in tables for n in t.columns):
        theirs = [t.columns.get(name) for t in tables]
        if any(c is None and name not in claim for c, claim in zip(theirs, claimed, strict=True)):
            continue
        present = [c for c in theirs if c is not None]
        column = present[0]
        if len(present) == len(theirs) and all(c is column for c in present):
            columns[name] = column
            continue
        same = len(present) == len(theirs) and all(_same_type(c, column) for c in present)
        not_null = len(present) == len(theirs) and all(c.not_null for c in present)
        columns[name] = Column(name, column.type if same else None, not_null, column.origin)
    merged.columns = columns
    merged.complete = all(t.complete for t in tables) and all(
        set(t.columns) == set(columns) for t in tables
    )
    merged.constraints = _by_name([t.live_constraints() for t in tables], claimed)
    kept = {c.name for c in merged.constraints}
    merged.constraints_known = all(
        t.constraints_known and {c.name for c in t.live_constraints()} <= kept for t in tables
    )
    merged.indexes = _by_name([t.live_indexes() for t in tables], claimed)
    return merged


_Named = TypeVar("_Named", ConstraintInfo, Index)


def _by_name(versions: list[list[_Named]], claimed: list[set[str]]) -> list[_Named]:
    """The items every version has, or claims, by name (the first version's that has it)."""
    names = [
        {item.name for item in items} | claim
        for items, claim in zip(versions, claimed, strict=True)
    ]
    kept: dict[str, _Named] = {}
    for items in versions:
        for item in items:
            if item.name not in kept and all(item.name in n for n in names):
                kept[item.name] = item
    return list(kept.values())
