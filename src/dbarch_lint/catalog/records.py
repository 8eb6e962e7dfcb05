"""The object records of the replayed schema: tables, columns, constraints and indexes, each
remembering where it was created and, once dropped, where.

These are what rules read. The replay (`replay.py`) makes and changes them through the state
(`state.py`); a rule never changes them.
"""

from __future__ import annotations

import msgspec
from msgspec import field

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span, TypeRef


class Origin(msgspec.Struct, frozen=True, order=True, gc=False):
    """Where an object was created or dropped: a statement in the replay order (ordered by
    file, then statement; the path and span follow from those two)."""

    file_index: int
    stmt_index: int
    path: str
    span: Span


class Column(msgspec.Struct):
    """A live column."""

    name: str
    type: TypeRef | None
    not_null: bool
    origin: Origin | None
    # Where `type` was written, when not in the statement at `origin` (an ALTER COLUMN ... TYPE;
    # the parent's CREATE TABLE of an inherited column): type findings point at the type.
    typed: Origin | None = None
    spelt: str | None = None  # MySQL: the name as the history wrote it (see `SchemaState.spelt`)

    @property
    def type_origin(self) -> Origin | None:
        """The statement that wrote the column's type (`type.span` is in its file)."""
        return self.typed or self.origin


class ConstraintInfo(msgspec.Struct):
    """A table constraint (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY, EXCLUDE) over time."""

    name: str  # as written, or the name PostgreSQL generates
    kind: ir.ConstraintKind
    columns: list[str]
    constraint: ir.Constraint
    origin: Origin | None
    validated: bool
    ref_table: QName | None = None  # resolved
    ref_columns: list[str] = field(default_factory=list)
    dropped: Origin | None = None
    spelt: str | None = None  # MySQL: the name as the history wrote it (see `SchemaState.spelt`)


class Index(msgspec.Struct):
    """An index (explicit, or backing a PRIMARY KEY/UNIQUE/EXCLUDE constraint) over time."""

    name: str
    table: QName
    columns: list[str | None]  # None for an expression key
    unique: bool
    method: str
    predicate: str | None
    predicate_not_null: frozenset[str] | None
    origin: Origin | None
    constraint: ConstraintInfo | None = None
    dropped: Origin | None = None
    key_options: list[str | None] = field(default_factory=list)  # IndexElem.options per key
    include: list[str] = field(default_factory=list)
    nulls_not_distinct: bool = False
    mentions: set[str] = field(default_factory=set)  # columns of expressions, INCLUDE and WHERE
    invented: bool = False  # the name is the one the replay invented (none was written)
    # Where it is written inside its statement, when that is not the whole statement (a MySQL
    # `KEY` line of a CREATE TABLE).
    span: Span | None = None


class Table(msgspec.Struct):
    """A table over time. `complete` means every column is known from the replay."""

    name: QName
    origin: Origin | None
    complete: bool
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: list[ConstraintInfo] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    partition_of: QName | None = None
    partitioned: bool = False
    default_partition: bool = False  # its parent's DEFAULT partition
    temporary: bool = False
    unlogged: bool = False
    access_method: str | None = None  # None: the default (default_table_access_method)
    dropped: Origin | None = None
    created_by: ir.CreateTable | ir.CreateTableAs | None = None  # the event that created it
    # Made by `CREATE TABLE IF NOT EXISTS` of a name the replay had never had: the table may
    # have been there already, with rows (a history retrofitted onto running installs).
    maybe_existing: bool = False
    # The columns that have a default now, each with where that default was first set in an
    # unbroken run of defaults (a SET DEFAULT over one keeps its age; None: set before the
    # replay knew the column). A known column absent from it has none.
    defaults: dict[str, Origin | None] = field(default_factory=dict)
    # Per column, its last dropped default: where it was dropped, and that default's age. A
    # default set again in the same file takes the age back (drop, set, drop: the old one goes).
    dropped_defaults: dict[str, tuple[Origin, Origin | None]] = field(default_factory=dict)
    # False once alternatives of conditional DDL disagreed on its constraints (one branch adds
    # the primary key, another not): which ones it has is not known.
    constraints_known: bool = True

    def live_constraints(self) -> list[ConstraintInfo]:
        """Constraints not dropped (so far)."""
        return [c for c in self.constraints if c.dropped is None]

    def live_indexes(self) -> list[Index]:
        """Indexes not dropped (so far)."""
        return [i for i in self.indexes if i.dropped is None]

    def constraint(self, name: str) -> ConstraintInfo | None:
        """A live constraint by name."""
        for c in self.constraints:  # (a plain loop, no generator: asked per table and key)
            if c.name == name and c.dropped is None:
                return c
        return None

    def primary_key(self) -> ConstraintInfo | None:
        """The live primary key."""
        for c in self.constraints:  # (as `constraint`)
            if c.kind == "primary-key" and c.dropped is None:
                return c
        return None
