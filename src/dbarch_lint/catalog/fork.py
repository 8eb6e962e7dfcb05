"""Copy-on-write forking: a state to replay into without changing the one it came from.

A down migration is checked against a fork of the replayed schema: its statements see each
other, and the fork is thrown away with the file. Copying every table for each such file would
take time in proportion to the whole schema, not to the file; so a fork shares every table,
column, constraint and index with its parent until it first changes one, and then changes a copy
of its own. The parent must not change while the fork is in use.

`CopyOnWrite` is the state whose writes (`SchemaState.add_*` and `writable_*`) work that way; the
replay handlers do not know whether they write to a fork.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec
from msgspec import field

from dbarch_lint.catalog.records import Column, ConstraintInfo, Index, Origin, Table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model.ir import QName

_T = TypeVar("_T")
_K = TypeVar("_K")


class _Own(msgspec.Struct):
    """A fork's own objects, by id: its copies (under the ids of the originals too, so that a
    reference to a shared original finds the copy) and the objects it created."""

    tables: dict[int, Table] = field(default_factory=dict)
    columns: dict[int, Column] = field(default_factory=dict)
    constraints: dict[int, ConstraintInfo] = field(default_factory=dict)
    indexes: dict[int, Index] = field(default_factory=dict)


class CopyOnWrite(SchemaState):
    """A state that starts as `parent` and changes copies of the objects it shares with it.

    A writable table starts as a copy of the table's containers only (the dict of columns and
    the lists of constraints and indexes); their members are copied as they change. Each copy
    is put where the original was, so lookups find it.
    """

    def __init__(self, parent: SchemaState) -> None:
        super().__init__()
        self.search_path = parent.search_path
        self.default_access_method = parent.default_access_method
        self.tables = dict(parent.tables)
        self.unread = parent.unread
        self.relations = dict(parent.relations)
        self.indexes = dict(parent.indexes)
        self.types = dict(parent.types)
        self.domain_checks = dict(parent.domain_checks)
        self.objects = dict(parent.objects)
        # (the inner dicts and the names seen are shared too, until the fork adds to them)
        self.enum_values = dict(parent.enum_values)
        self.function_security = dict(parent.function_security)
        self.referrers = dict(parent.referrers)
        self._seen = Names(parent)
        self.spelt = dict(parent.spelt)
        self.met_unknown = parent.met_unknown
        self.empty_start = parent.empty_start
        self._own = _Own()
        # (the inner dicts of referrers and enum_values the fork made, by id: its to change)
        self._own_dicts: dict[int, dict[Any, Any]] = {}

    def add_referrer(self, referenced: QName, table: QName) -> None:
        self._writable(self.referrers, referenced)[table] = None

    def enum_labels(self, name: str) -> dict[str, Origin]:
        return self._writable(self.enum_values, name)

    def _writable(self, mapping: dict[_K, dict[Any, Any]], key: _K) -> dict[Any, Any]:
        """The inner dict of `mapping` at `key` this fork may change (a copy of the shared one)."""
        inner = mapping.get(key)
        if inner is None or id(inner) not in self._own_dicts:
            inner = mapping[key] = dict(inner or ())
            self._own_dicts[id(inner)] = inner
        return inner

    # An object the fork creates is its own from the start: it is never copied.

    def add_table(self, table: Table) -> None:
        super().add_table(table)
        self._own.tables[id(table)] = table

    def add_column(self, table: Table, column: Column) -> None:
        super().add_column(table, column)
        self._own.columns[id(column)] = column

    def add_constraint(self, table: Table, info: ConstraintInfo) -> None:
        super().add_constraint(table, info)
        self._own.constraints[id(info)] = info

    def add_index(self, table: Table, index: Index) -> None:
        super().add_index(table, index)
        self._own.indexes[id(index)] = index

    def writable_table(self, table: Table) -> Table:
        own = self._own
        mine = own.tables.get(id(table))
        if mine is None:
            mine = copy.copy(table)
            mine.columns = dict(table.columns)
            mine.constraints = list(table.constraints)
            mine.indexes = list(table.indexes)
            mine.defaults = dict(table.defaults)
            mine.dropped_defaults = dict(table.dropped_defaults)
            own.tables[id(table)] = own.tables[id(mine)] = mine
            if self.tables.get(table.name) is table:
                self.tables[table.name] = mine
        return mine

    def writable_column(self, table: Table, name: str) -> Column | None:
        column = table.columns.get(name)
        own = self._own
        if column is None or id(column) in own.columns:
            return column
        # (The table's dict of columns is already its own: only the column is copied.)
        mine = table.columns[name] = copy.copy(column)
        own.columns[id(mine)] = mine
        return mine

    def writable_constraint(
        self, table: Table | None, info: ConstraintInfo, near: QName | None = None
    ) -> ConstraintInfo:
        own = self._own
        mine = own.constraints.get(id(info))
        if mine is None:
            if table is None:
                holder = self._holder(near, lambda t: t.constraints, info)
                if holder is not None:
                    return self.writable_constraint(self.writable_table(holder), info)
            mine = own.constraints[id(info)] = copy.copy(info)
            own.constraints[id(mine)] = mine
            if table is not None:
                _replace(table.constraints, info, mine)
                for index in table.indexes:
                    if index.constraint is info:
                        self.writable_index(table, index).constraint = mine
        return mine

    def writable_index(self, table: Table | None, index: Index) -> Index:
        own = self._own
        mine = own.indexes.get(id(index))
        if mine is None:
            if table is None:
                holder = self._holder(index.table, lambda t: t.indexes, index)
                if holder is not None:
                    return self.writable_index(self.writable_table(holder), index)
            mine = own.indexes[id(index)] = copy.copy(index)
            own.indexes[id(mine)] = mine
            if table is not None:
                _replace(table.indexes, index, mine)
            key = QName(index.table.schema, index.name)
            if self.indexes.get(key) is index:
                self.indexes[key] = mine
        return mine

    def _holder(
        self, near: QName | None, items: Callable[[Table], Sequence[object]], item: object
    ) -> Table | None:
        """The live table whose `items` hold `item` (table `near` is tried first)."""
        first = self.tables.get(near) if near is not None else None
        candidates = [first] if first is not None else []
        for table in [*candidates, *self.tables.values()]:
            for held in items(table):  # (a plain loop, no generator: asked of every table)
                if held is item:
                    return table
        return None


class Names(set[str]):
    """A fork's names seen: those it adds are its own (the set's members); `in` also asks its
    parent's, which must not change while the fork is in use (asked only then: forking does
    not make the parent remember the names of the events it applied)."""

    __slots__ = ("_state",)

    def __init__(self, parent: SchemaState) -> None:
        super().__init__()
        self._state = parent

    @property
    def parent(self) -> set[str]:
        """The parent's names seen."""
        return self._state.seen

    def __contains__(self, name: object) -> bool:
        return set.__contains__(self, name) or name in self._state.seen


def _replace(items: list[_T], old: _T, new: _T) -> None:
    """Put `new` where `old` is in `items` (found by identity, not `==`, which compares the
    records' fields: by their ids, looked for in C rather than in a loop here)."""
    ids = list(map(id, items))
    if id(old) in ids:
        items[ids.index(id(old))] = new
