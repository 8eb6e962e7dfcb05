"""The names the replay has seen: those each event makes or names (`SchemaState.seen`).

Only `CREATE TABLE IF NOT EXISTS` and DBA805 ask, and few statements have either; so the state
keeps the events it applies and remembers their names here only when asked (`remember`).
"""

from __future__ import annotations

import operator
import types
import typing
from collections.abc import Iterable
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, QName

# (the names a drop gives are not remembered: DBA805 asks whether anything else had them)
_DROP_OBJECTS = ir.DropObjects


def remember(seen: set[str], events: Iterable[ir.Event]) -> None:
    """Add the names `events` make or name to `seen` (a drop's excepted)."""
    for event in events:
        if type(event) is not _DROP_OBJECTS:
            _remember(seen, event)


_NAMING_STRINGS = ("name", "new", "using_index")
_UNIONS = (typing.Union, types.UnionType)
_NAMELESS = (bool, int, float, ir.Span, type(None))
# (the records `_remember` tells apart, bound here: one lookup each, not two)
_COLUMN, _CONSTRAINT, _TYPE = ir.ColumnDef, ir.Constraint, ir.TypeRef
_WITH_COLUMNS = frozenset((ir.CreateTable, ir.AddColumn))  # (serials own a sequence)
_KIND = operator.attrgetter("kind")  # (a column constraint's)


_VISITED: dict[type, tuple[str, ...]] = {}


def _fields_to_visit(kind: type) -> tuple[str, ...]:
    """The fields of a struct type that may hold a name (not flags, numbers or spans; of the
    plain strings, only a name it makes): `_remember` looks only at those."""
    known = _VISITED.get(kind)
    if known is not None:
        return known
    _VISITED[kind] = tuple(info.name for info in msgspec.structs.fields(kind) if _may_name(info))
    return _VISITED[kind]


def _may_name(info: msgspec.structs.FieldInfo, records: bool = True) -> bool:
    """Whether a field may hold a name (`records`: a tuple of records that hold none, such as
    IndexElem, holds none)."""
    args = typing.get_args(info.type) if typing.get_origin(info.type) in _UNIONS else ()
    kinds = args or (info.type,)
    if all(k in _NAMELESS or _plain(k, records) for k in kinds):
        return False
    return not (all(k in (str, type(None)) for k in kinds) and info.name not in _NAMING_STRINGS)


def _plain(kind: Any, records: bool = True) -> bool:
    """Whether values of a field type hold no name `_remember` takes: a Literal (a keyword), or
    a tuple or frozenset of strings or numbers (column names: not relations, types or
    sequences), or (`records`) of records whose fields hold none (so only one level down)."""
    origin = typing.get_origin(kind)
    if origin is typing.Literal:
        return True
    return origin in (tuple, frozenset) and all(
        a in (str, int, Ellipsis) or (records and _nameless_record(a))
        for a in typing.get_args(kind)
    )


def _nameless_record(kind: Any) -> bool:
    """Whether a type is a record none of whose fields may hold a name."""
    return (
        isinstance(kind, type)
        and issubclass(kind, msgspec.Struct)
        and not any(_may_name(info, records=False) for info in msgspec.structs.fields(kind))
    )


def _remember(seen: set[str], value: Any) -> None:
    """Add the names an event makes or names (tables it alters, types it uses, the sequence a
    serial or identity column owns, ...) to `seen`."""
    # (every event of the replay comes here: the usual kinds are told apart by `type() is`,
    # much cheaper than a chain of isinstance calls, a QName, the most frequent, first;
    # anything else goes the general way)
    kind = type(value)
    fields = _VISITED.get(kind)
    if fields is None:
        fields = _fields_to_visit(kind)
    for field in fields:
        item = getattr(value, field)
        item_kind = type(item)
        if item_kind is QName:
            seen.add(item.name)
        elif item is None:
            continue
        elif item_kind is str:
            if field in _NAMING_STRINGS:
                seen.add(item)
        elif item_kind is tuple:
            for member in item:
                member_kind = type(member)
                if member_kind is QName:
                    seen.add(member.name)
                elif member_kind is _COLUMN:
                    _remember_column(seen, member)
                elif member_kind is _CONSTRAINT:
                    _remember_constraint(seen, member)
                elif _VISITED.get(member_kind) != () and hasattr(member, "__struct_fields__"):
                    _remember(seen, member)  # (not a record with no field to visit: IndexElem)
        elif item_kind is _COLUMN:
            _remember_column(seen, item)
        elif item_kind is _CONSTRAINT:
            _remember_constraint(seen, item)
        elif item_kind is _TYPE:
            if item.names:
                seen.add(item.names[-1])
        else:
            _remember_other(seen, field, item)  # (a span: nothing)
    if kind in _WITH_COLUMNS:
        _remember_sequences(seen, value)


def _remember_sequences(seen: set[str], event: ir.CreateTable | ir.AddColumn) -> None:
    """Add the sequences the serial and identity columns an event makes own to `seen`."""
    table = event.table
    if isinstance(table, QName):
        columns = event.columns if isinstance(event, ir.CreateTable) else (event.column,)
        for column in columns:
            type_ = column.type
            serial = type_ is not None and type_.builtin in SERIAL_BASE_TYPES
            # (or an identity column, as `column.get` finds it: the kinds compared in C)
            if serial or "identity" in map(_KIND, column.constraints):
                seen.add(f"{table.name}_{column.name}_seq")


# The fields `_remember` visits of the two records most events hold many of, written out: a
# call per column and per constraint is much of its cost (tests/test_replay_names.py keeps
# these in step with `_fields_to_visit`).
COLUMN_FIELDS = ("name", "type", "constraints")
CONSTRAINT_FIELDS = ("name", "ref_table", "using_index")


def _remember_column(seen: set[str], column: ir.ColumnDef) -> None:
    """`_remember` of a ColumnDef."""
    seen.add(column.name)
    type_ = column.type
    if type_ is not None and type_.names:
        seen.add(type_.names[-1])
    for constraint in column.constraints:
        if type(constraint) is _CONSTRAINT:
            _remember_constraint(seen, constraint)
        else:
            _remember(seen, constraint)


def _remember_constraint(seen: set[str], constraint: ir.Constraint) -> None:
    """`_remember` of a Constraint."""
    if constraint.name is not None:
        seen.add(constraint.name)
    if constraint.ref_table is not None:
        seen.add(constraint.ref_table.name)
    if constraint.using_index is not None:
        seen.add(constraint.using_index)


def _remember_other(seen: set[str], field: str, item: Any) -> None:
    """`_remember` of a field's value of an unusual type (a subclass, a struct)."""
    if isinstance(item, QName):
        seen.add(item.name)
    elif isinstance(item, str):
        if field in _NAMING_STRINGS:
            seen.add(item)
    elif isinstance(item, ir.TypeRef):
        if item.names:
            seen.add(item.names[-1])
    elif isinstance(item, tuple):
        for member in item:
            if isinstance(member, QName):
                seen.add(member.name)
            elif hasattr(member, "__struct_fields__"):
                _remember(seen, member)
    elif hasattr(item, "__struct_fields__") and not isinstance(item, ir.Span):
        _remember(seen, item)
