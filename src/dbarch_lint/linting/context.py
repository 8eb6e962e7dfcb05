"""What a rule sees while it runs, and what it hands back (`Report`)."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Iterable
from typing import TypeVar

import msgspec

from dbarch_lint.catalog import Origin, Schema, Table, locks
from dbarch_lint.model.findings import Severity
from dbarch_lint.model.ir import (
    AddColumn,
    AlterColumnType,
    Constraint,
    CreateTable,
    CreateTableAs,
    DropConstraint,
    Event,
    QName,
    RenameTable,
    Span,
    Statement,
    TypeRef,
)
from dbarch_lint.model.source import line_starts

_E = TypeVar("_E")
_R = TypeVar("_R")

# The events that give columns their types (`RuleContext.columns_of_type` looks into them).
COLUMN_TYPE_EVENTS: tuple[type[Event], ...] = (CreateTable, AddColumn, AlterColumnType)


# A column an event declares or changes the type of: (table, column, type, the built-in type it
# is, as `TypeRef.builtin` names it). A plain tuple: type rules make and read them on a hot path.
TypedColumn = tuple[QName, str, TypeRef, str]


class RelatedSpan(msgspec.Struct, frozen=True):
    """Another place a report refers to."""

    origin: Origin
    message: str


class Rewrite(msgspec.Struct, frozen=True):
    """An automatic rewrite of the file a statement rule reports in (`--fix`): replace each
    (start, end) byte range with its text. A safe one (the rule's `fix_applicability`) must not
    change what the migration means beyond the finding; none may bring another finding (`--fix`
    checks by linting again). A line break in the text is written as the file writes most of
    its own (LF, CRLF or a lone CR)."""

    description: str
    edits: tuple[tuple[int, int, str], ...]


class Report(msgspec.Struct, frozen=True):
    """A problem a rule found. The engine turns it into a `Finding` (code, position, url).

    `origin` is set by schema rules, whose findings point into any file of the replay; statement
    rules leave it None (the current statement).
    """

    span: Span
    message: str
    hint: str | None = None
    related: tuple[RelatedSpan, ...] = ()
    origin: Origin | None = None
    fix: Rewrite | None = None
    severity: Severity | None = None  # this finding's, when not the rule's (a configured wins)


class Settings(msgspec.Struct):
    """Run-wide settings rules may read."""

    pg_version: int = 16
    dialect: str = "postgres"


class RuleContext(msgspec.Struct):
    """The context of one statement in a target file (reused across a file's statements)."""

    path: str
    file_index: int
    schema: Schema
    settings: Settings
    text: bytes = b""  # the file, UTF-8
    statement: Statement = None  # type: ignore[assignment]
    statements: tuple[Statement, ...] = ()  # every statement of the file (`statement` among them)
    # Per statement: the index of the statement its transaction block began at, -1 outside one.
    transactions: tuple[int, ...] = ()
    # Per statement: how that block began (`transactions.RUNNER`, `EXPLICIT`, `IMPLICIT`, "").
    transaction_kinds: tuple[str, ...] = ()
    runner: str = "plain"  # the runner that runs this file (with `auto`, the one detected)
    wrapped: bool = False  # the runner runs the file inside a transaction it opens
    implicit: bool = False  # the file is sent as one multi-statement string (an implicit block)
    # Statements the runner refuses to run with the rest of the file, with why (Flyway's mixing).
    refused: dict[int, str] = msgspec.field(default_factory=dict)
    dialect: str = "postgres"  # the file's SQL dialect (hints are written in it)
    # Statements (by index) the replay knows do not run: in a branch whose catalog guard is
    # false, or a protected block whose failure its handler swallows (conditional DDL).
    skipped: set[int] = msgspec.field(default_factory=set)

    @property
    def in_transaction(self) -> bool:
        """Whether this statement runs inside a transaction block (explicit, or the runner's)."""
        return self._transaction_start >= 0

    @property
    def transaction_kind(self) -> str:
        """How the transaction block this statement runs in began: `"runner"` (the runner wraps
        the file in a transaction), `"begin"` (a BEGIN of this file), `"implicit"` (PostgreSQL's
        implicit block around a multi-statement string), `"do"` (the transaction of a DO block
        run outside any block), or `""` (outside any block)."""
        return self.transaction_kinds[self.statement.index] if self.transaction_kinds else ""

    @property
    def _transaction_start(self) -> int:
        """The index of the statement this statement's transaction block began at, -1 outside
        one."""
        return self.transactions[self.statement.index] if self.transactions else -1

    def transaction(self) -> tuple[Statement, ...]:
        """The statements of the transaction this statement runs in, from the first up to this
        one (just this one outside a transaction block: it commits on its own)."""
        start, index = self._transaction_start, self.statement.index
        if start < 0:
            return (self.statement,)
        found = self.statements[start : index + 1]
        if self.skipped:
            found = tuple(s for s in found if s.index not in self.skipped)
        return found

    def locks_held(self) -> list[tuple[QName, str, Statement]]:
        """The table locks that block reads or writes (`locks.blocking_locks`) which earlier
        statements of this transaction took: they are held until it ends."""
        start, index = self._transaction_start, self.statement.index
        if start < 0:
            return []
        taken = _file_locks(self.statements)
        first = bisect.bisect_left(taken, start, key=lambda item: item[2].index)
        return [
            item
            for item in taken[first:]
            if item[2].index < index and item[2].index not in self.skipped
        ]

    def is_new_table(self, name: QName) -> bool:
        """Whether the table was created earlier in this migration (nobody reads it yet).

        A table the replay never saw is an existing table; one this file created and dropped
        again is new (a lock taken on it before the drop was taken on a new table).
        """
        table = self.schema.table(name)
        # Unknown, or known only from an index on it (a materialized view): perhaps created
        # (and dropped again) earlier in this file.
        if table is None or table.origin is None:
            index = self.statement.index
            changes = _created_tables(self.statements).get(name.name, ())
            return next((created for at, created in reversed(changes) if at < index), False)
        return table.origin.file_index == self.file_index

    def is_new_column(self, table: QName, column: str) -> bool:
        """Whether the column of a known table was added earlier in this migration (with its
        table, or by ADD COLUMN): nobody reads it yet."""
        known = self.schema.table(table)
        added = known.columns.get(column) if known is not None else None
        origin = added.origin if added is not None else None
        return origin is not None and origin.file_index == self.file_index

    def columns_of_type(self, event: Event, *builtins: str) -> tuple[TypedColumn, ...]:
        """The columns `event` (one of `COLUMN_TYPE_EVENTS`) declares or changes to one of the
        built-in types named (as `TypeRef.builtin` names them: `varchar`, `bpchar`, `int4`,
        `serial`, ...), in the order it writes them; arrays of those types included."""
        by_type = _columns_by_type(event)
        if len(builtins) == 1:
            return by_type.get(builtins[0], ())
        if by_type.keys().isdisjoint(builtins):  # (most events)
            return ()
        found = [by_type[builtin] for builtin in builtins if builtin in by_type]
        if len(found) == 1:
            return found[0]
        return tuple(sorted(itertools.chain.from_iterable(found), key=_written_at))

    def is_new_object(self, kind: str, name: QName) -> bool:
        """Whether an index, view, function, type, sequence, trigger ... (`kind` as in
        `DropObjects`) was created earlier in this migration."""
        if kind == "index":
            index = self.schema.index(name)
            origin = index.origin if index is not None else None
        else:
            origin = self.schema.object_origin(kind, name)
        return origin is not None and origin.file_index == self.file_index

    def index_table(self, name: QName) -> QName | None:
        """The table an index is on, if the replay knows the index just before this statement."""
        index = self.schema.index(name)
        return index.table if index is not None else None

    def table(self, name: QName) -> Table | None:
        """The table as it is just before this statement, if the replay knows it."""
        return self.schema.table(name)

    def constraint_name(self, table: QName, constraint: Constraint) -> str:
        """The name a constraint this statement adds gets: its own, or the one PostgreSQL
        invents once the statement's drops are done (an ALTER TABLE drops before it adds)."""
        freed = {e.name for e in self.statement.events if isinstance(e, DropConstraint)}
        return self.schema.constraint_name(table, constraint, freed)

    def line_of(self, offset: int) -> int:
        """The 1-based line of a byte offset in the file (for a message that names a line)."""
        return bisect.bisect_right(line_starts(self.text), offset)

    def report(
        self,
        span: Span,
        message: str,
        hint: str | None = None,
        related: Iterable[RelatedSpan] = (),
        fix: Rewrite | None = None,
    ) -> Report:
        """A report at `span` in the current statement."""
        return Report(span, message, hint, tuple(related), None, fix)


# What a migration file is to its runner (`MigrationFile.kind`).
UP = "up"
DOWN = "down"
REPEATABLE = "repeatable"  # run again rather than once by version (Flyway `R__`, sqitch verify)


class MigrationFile(msgspec.Struct, frozen=True):
    """A file of the history as its runner sees it, for rules about the history itself."""

    index: int  # its place in the replay order
    path: str
    runner: str  # the runner that runs it (with `auto`, the one detected)
    kind: str  # `UP`, `DOWN` or `REPEATABLE`
    folder: str  # the set of migrations it belongs to (a runner orders the files of one set)
    # Whether it is new since `--diff-base`'s merge base (None: no --diff-base).
    new_since_base: bool | None
    # What its runner does with it if it sorts before the newest migration already applied:
    # `runners.out_of_order` APPLIES, REFUSES, SKIPS, UNKNOWN; None when the order is not the
    # files' (alembic, django).
    out_of_order: str | None
    origin: Origin  # its first statement (its start when it has none): where reports about it go


class SchemaContext(msgspec.Struct):
    """The context of a schema rule: the schema at the end of the replay, and the history."""

    schema: Schema
    settings: Settings
    dialects: dict[int, str] = msgspec.field(default_factory=dict)  # file index -> if not postgres
    migrations: tuple[MigrationFile, ...] = ()  # every file of the history, in replay order

    def dialect(self, origin: Origin) -> str:
        """The SQL dialect of the file at `origin` (hints are written in it)."""
        return self.dialects.get(origin.file_index, "postgres")

    def report(
        self,
        origin: Origin,
        message: str,
        hint: str | None = None,
        span: Span | None = None,
        related: Iterable[RelatedSpan] = (),
        severity: Severity | None = None,
    ) -> Report:
        """A report in the statement at `origin` (at `span`, default the statement itself);
        `severity`: this finding's, when it is not the rule's."""
        return Report(span or origin.span, message, hint, tuple(related), origin, None, severity)


def per_event(compute: Callable[[_E], _R]) -> Callable[[_E], _R]:
    """`compute(event)`, remembered for the latest event it was called with.

    The engine runs every rule on an event before it moves to the next, so a helper that several
    rules call with the same event (the columns it types, the names it declares) computes its
    result once. Only for a function of the (immutable) event alone, with a result nobody
    changes: return a tuple, not a generator.
    """
    latest: list[tuple[_E, _R]] = []

    @functools.wraps(compute)
    def remembered(event: _E) -> _R:
        if latest:
            seen, result = latest[0]
            if seen is event:
                return result
        result = compute(event)
        latest[:] = [(event, result)]
        return result

    return remembered


@per_event  # (once per file)
def _file_locks(statements: tuple[Statement, ...]) -> tuple[tuple[QName, str, Statement], ...]:
    """Every blocking table lock a file's statements take, in statement order."""
    return tuple(
        (table, mode, statement)
        for statement in statements
        for event in statement.events
        for table, mode in locks.blocking_locks(event)
    )


@per_event  # (once per file)
def _created_tables(statements: tuple[Statement, ...]) -> dict[str, list[tuple[int, bool]]]:
    """Per unqualified table name, the statements of a file that create a table of that name
    (True) or rename one away (False), in order."""
    changes: dict[str, list[tuple[int, bool]]] = {}
    for statement in statements:
        for event in statement.events:
            if isinstance(event, CreateTable | CreateTableAs):
                changes.setdefault(event.table.name, []).append((statement.index, True))
            elif isinstance(event, RenameTable):
                changes.setdefault(event.table.name, []).append((statement.index, False))
    return changes


@per_event  # (every type rule asks)
def _columns_by_type(event: Event) -> dict[str, tuple[TypedColumn, ...]]:
    """The columns of a built-in type an event declares or changes, by that type (a type rule
    looks up its types rather than going through every column), each type's in the order
    written."""
    if isinstance(event, CreateTable):
        typed = [(event.table, c.name, c.type) for c in event.columns if c.type is not None]
    elif isinstance(event, AddColumn):
        column = event.column
        typed = [(event.table, column.name, column.type)] if column.type is not None else []
    elif isinstance(event, AlterColumnType):
        typed = [(event.table, event.column, event.type)]
    else:
        return {}
    by_type: dict[str, tuple[TypedColumn, ...]] = {}
    for table, name, type_ in typed:
        builtin = type_.builtin
        if builtin is not None:
            by_type[builtin] = (*by_type.get(builtin, ()), (table, name, type_, builtin))
    return by_type


def _written_at(column: TypedColumn) -> int:
    """Where the column's type is written (columns of several types come back in this order)."""
    return column[2].span.start
