"""What a rule sees while it runs, and what it hands back (`Report`)."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import msgspec

from dbarch_lint.catalog import Origin, Schema, Table, locks
from dbarch_lint.model.findings import Severity
from dbarch_lint.model.ir import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    AlterEnum,
    Constraint,
    CreateTable,
    CreateTableAs,
    DropColumn,
    DropConstraint,
    DropObjects,
    Event,
    QName,
    RenameColumn,
    RenameObject,
    RenameTable,
    Span,
    Statement,
    TypeRef,
)
from dbarch_lint.model.source import line_starts

_E = TypeVar("_E")
_R = TypeVar("_R")

# Columns every table has without declaring them.
_SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"})

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
    its own (LF, CRLF or a lone CR).

    `follow_up`: (slug, SQL) of a migration the fix adds right after the file (a VALIDATE that
    must run in a transaction of its own); `--fix` names it as the runner names files, and
    leaves the whole fix out where the runner has no place for it. `unsafe`: this fix is unsafe
    even if the rule's others are not (where the runner cannot be told the new file's order).
    `transaction_off`: the fix (also) turns the runner's transaction off for this migration in
    the runner's side file (`runners/switches.py`); `--fix` writes it, and leaves the whole fix
    out where the runner has none."""

    description: str
    edits: tuple[tuple[int, int, str], ...]
    follow_up: tuple[str, str] | None = None
    unsafe: bool = False
    transaction_off: bool = False


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
    # A `CREATE TABLE IF NOT EXISTS` of a table the replay had not seen: `existing` (it may
    # hold rows) or `new` (the config says the history always starts from an empty database).
    if_not_exists: str = "existing"
    # Whether the replay starts where production's schema does (a schema snapshot, or whole
    # histories from their first file): what it never saw, production does not have.
    complete_history: bool = False


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
    # The blocking table locks the file's statements took so far (`record_locks`), in order.
    taken: list[tuple[QName, str, Statement]] = msgspec.field(default_factory=list)
    # Statements (by index) the replay knows do not run: in a branch whose catalog guard is
    # false, or a protected block whose failure its handler swallows (conditional DDL).
    skipped: set[int] = msgspec.field(default_factory=set)
    # What rules note about this file as they go through it (a rule's own state, by a key of
    # its own: the context is made anew for each file, so nothing outlives the file).
    notes: dict[str, Any] = msgspec.field(default_factory=dict)

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
        statements of this transaction took: they are held until it ends. Not those of a
        statement the replay knows does not run, nor of one in another alternative of a
        conditional this statement is in (only one of them runs)."""
        start, statement = self._transaction_start, self.statement
        if start < 0:
            return []
        taken = self.taken
        first = bisect.bisect_left(taken, start, key=lambda item: item[2].index)
        skipped, branch = self.skipped, statement.branch
        return [
            item
            for item in taken[first:]
            if item[2].index < statement.index
            and item[2].index not in skipped
            and not (branch and item[2].branch and _alternatives(item[2], statement))
        ]

    def locks_of(self, event: Event) -> list[tuple[QName, str]]:
        """The tables (new or existing) `event` of this statement locks in a mode that blocks
        reads or writes (`locks.blocking_locks`, with what the schema just before it knows:
        the table of a dropped index, the other end of a dropped foreign key)."""
        found = locks.blocking_locks(event, self.index_table, self.schema)
        if found and self.server_skips(event):
            # Skipped by the server: only the lock on its own table was taken before that (a
            # CREATE TABLE takes none; an ADD COLUMN's REFERENCES locks nothing more).
            if isinstance(event, CreateTable):
                return []
            own = self.schema.table(getattr(event, "table", QName(None, "")))
            return [(t, m) for t, m in found if own is not None and self.schema.table(t) is own]
        return found

    def server_skips(self, event: Event) -> bool:
        """Whether the server skips `event` with a notice: an `IF NOT EXISTS` of a table,
        column or index name the replay has just before this statement. Rules do not see such
        an event (it defines nothing), except those about the table lock it still takes."""
        if not getattr(event, "if_not_exists", False):
            return False  # (asked of every event a rule sees: most have no IF NOT EXISTS)
        return self.schema.skips(event)

    def record_locks(self) -> None:
        """Remember the locks this statement takes (the engine calls it once the rules have
        checked the statement, before the replay moves past it: `locks_held` reads them)."""
        statement = self.statement
        read = _locks_read_later(self.transactions)
        if statement.index >= len(read) or not read[statement.index]:
            return  # (no later statement runs in a transaction block this one is in)
        for event in statement.events:
            found = self.locks_of(event)
            if found:
                self.taken.extend([(table, mode, statement) for table, mode in found])

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
        return table.origin.file_index == self.file_index and not self.may_have_existed(table)

    def may_have_existed(self, table: Table) -> bool:
        """Whether a table this migration created may have existed with rows before it: made by
        `CREATE TABLE IF NOT EXISTS` of a name the replay had never had (histories retrofitted
        onto running installs write it so; one the history made and dropped is gone), unless
        the config says the history starts from an empty database (`if-not-exists = "new"`) or
        this file dropped the name before."""
        origin = table.origin
        if not table.maybe_existing or origin is None:
            return False
        if self.settings.if_not_exists == "new" or origin.file_index != self.file_index:
            return False
        if origin.path != self.path:
            return False  # (a down migration: what its up migration made counts as new)
        drops = _dropped_tables(self.statements).get(table.name.name, ())
        return not any(at < origin.stmt_index for at in drops)

    def _restated(self, table: Table | None, origin: Origin | None) -> bool:
        """Whether `origin` is the `CREATE TABLE IF NOT EXISTS` of a table that may have
        existed (`may_have_existed`): what it defines may have been there before."""
        return (
            table is not None
            and origin is not None
            and table.origin is not None
            and (origin.file_index, origin.stmt_index)
            == (table.origin.file_index, table.origin.stmt_index)
            and self.may_have_existed(table)
        )

    def dies_in_transaction(self, name: QName, since: int | None = None) -> bool:
        """Whether the table `name` means at statement `since` (default: this one) is dropped
        by a statement of the transaction this statement runs in, before or after it (renames
        followed; outside a transaction block, by this statement itself), and no table takes
        its name again in that transaction. A lock on it blocks no one who matters: whoever
        waits for it finds no table once it is released. (A table swapped for a new one of the
        same name is no such table: the waiting queries run on the new one.)"""
        start = self._transaction_start
        index = self.statement.index
        first = index if since is None or start < 0 else max(since, start)
        last = index if start < 0 else len(self.statements) - 1
        answers = _dies_answers(self.statements)  # (rules ask it of every lock they weigh)
        key = (name, first, last, start)
        known = answers.get(key)
        if known is None:
            known = answers[key] = self._dies_between(name, first, last, start)
        return known

    def _dies_between(self, name: QName, first: int, last: int, start: int) -> bool:
        """`dies_in_transaction` of the statements `first` to `last` of the block begun at
        `start` (-1: none)."""
        current, dropped = name, False
        for statement in self.statements[first : last + 1]:
            if start >= 0 and self.transactions[statement.index] != start:
                break
            for event in statement.events:
                if isinstance(event, RenameTable):
                    if _same_table(event.table, current):
                        current = QName(current.schema or event.table.schema, event.new)
                    elif event.new == name.name:
                        return False  # (another table takes the name)
                elif isinstance(event, CreateTable | CreateTableAs):
                    if _same_table(event.table, name) and statement.index > first:
                        return False  # (a new table of the name: a swap)
                elif (
                    isinstance(event, DropObjects)
                    and event.kind in ("table", "foreign table")
                    and any(_same_table(current, gone) for gone in event.names)
                ):
                    dropped = True
        return dropped

    def is_new_column(self, table: QName, column: str) -> bool:
        """Whether the column of a known table was added earlier in this migration (with its
        table, or by ADD COLUMN): nobody reads it yet."""
        known = self.schema.table(table)
        added = known.columns.get(column) if known is not None else None
        origin = added.origin if added is not None else None
        if self._restated(known, origin):
            return False
        return origin is not None and origin.file_index == self.file_index

    def columns_of_type(self, event: Event, *builtins: str) -> tuple[TypedColumn, ...]:
        """The columns `event` (one of `COLUMN_TYPE_EVENTS`) declares or changes to one of the
        built-in types named (as `TypeRef.builtin` names them: `varchar`, `bpchar`, `int4`,
        `serial`, ...), in the order it writes them; arrays of those types included."""
        by_type = _columns_by_type(event)
        if len(builtins) == 1:
            return self._final(event, by_type.get(builtins[0], ()))
        if by_type.keys().isdisjoint(builtins):  # (most events)
            return ()
        found = [by_type[builtin] for builtin in builtins if builtin in by_type]
        if len(found) == 1:
            return self._final(event, found[0])
        typed = tuple(sorted(itertools.chain.from_iterable(found), key=_written_at))
        return self._final(event, typed)

    def _final(self, event: Event, typed: tuple[TypedColumn, ...]) -> tuple[TypedColumn, ...]:
        """The columns whose type `event` writes for good: not those a later statement of the
        migration (or a later part of this one) gives another type (a column is judged by its
        state at the end of the migration, where that type is written)."""
        if not typed:
            return typed
        return tuple(c for c in typed if not self.retyped_later(event, c[0], c[1], c[2]))

    def retyped_later(self, event: Event, table: QName, column: str, type_: TypeRef) -> bool:
        """Whether, after `event` of this statement, the migration changes the column's type
        from `type_` to another one (before the table or the column goes away or changes its
        name: then it is another object). Restating the type it has changes nothing."""
        statement = self.statement
        if statement is None:
            return False
        events, statements = statement.events, self.statements
        if (
            (table.name, column) not in _retyped_columns(statements)
            and statement.index < len(statements)
            and statements[statement.index] is statement  # (not a function body's statement)
        ):
            return False  # (no statement of the file changes a column of that name's type)
        at = next((i for i, e in enumerate(events) if e is event), len(events))
        resolve = self.schema.resolve
        target = resolve(table)
        later = itertools.chain(events[at + 1 :], self.later_events(target))
        current = type_
        for later_event in later:
            if isinstance(later_event, DropObjects):
                if later_event.kind == "table" and any(
                    resolve(name) == target for name in later_event.names
                ):
                    return False
                continue
            named = getattr(later_event, "table", None)
            if not isinstance(named, QName) or resolve(named) != target:
                continue
            if isinstance(later_event, AlterColumnType) and later_event.column == column:
                if not same_type(current, later_event.type):
                    return True
                current = later_event.type
            elif isinstance(later_event, CreateTable) and later_event.if_not_exists:
                continue  # (the table exists: it does nothing)
            elif isinstance(later_event, CreateTable | CreateTableAs | RenameTable) or (
                _names_column(later_event, column)
            ):
                return False
        return False

    def shown(self, name: QName) -> str:
        """A relation's name (table, index, view, sequence, ...) as messages and hints show it
        (the schema rules' way, `Schema.shown`: quoted where needed, schema-qualified only where
        the unqualified name would find another one), whether the statement wrote it qualified
        or not, or the replay resolved it (a dropped index's table).

        A MySQL name is shown as the history first wrote it (the CREATE's spelling, a RENAME's
        after it; this statement's for a name the replay has not seen made), with MySQL's
        quoting: on Linux a MySQL table is found only as spelt (MySQL 8.0 Reference Manual,
        11.2.3 "Identifier Case Sensitivity")."""
        return self.schema.shown(name, self._written())

    def shown_column(self, table: QName, column: str) -> str:
        """A column's name as messages and hints show it (as `shown`: a MySQL one as written)."""
        return self.schema.shown_column(table, column, self._written())

    def shown_constraint(self, table: QName, name: str) -> str:
        """A constraint's name as messages and hints show it (as `shown_column`)."""
        return self.schema.shown_constraint(table, name, self._written())

    def shown_index(self, table: QName, name: str) -> str:
        """An index's name, unqualified, as messages and hints show it (as `shown_column`)."""
        return self.schema.shown_index(table, name, self._written())

    def _written(self) -> dict[str, str] | None:
        """The current statement's spellings, in a MySQL file (None elsewhere)."""
        if self.dialect != "mysql" or self.statement is None:
            return None
        return dict(self.statement.spellings)

    def later_events(self, table: QName) -> Iterator[Event]:
        """The events of this file's later statements that name a table of `table`'s
        unqualified name (as the table they act on, or among those they drop): the file's are
        indexed once, so a file of many tables is not walked once a column."""
        naming = _table_events(self.statements).get(table.name, ())
        after = bisect.bisect_right(naming, self.statement.index, key=lambda entry: entry[0])
        return (event for _, event in naming[after:])

    def column_absent(self, table: QName, column: str) -> bool:
        """Whether the replay knows the table's whole definition (created in the history) and
        it has no such column, nor does this statement add one of that name: a statement on
        the column fails (or, with IF EXISTS, does nothing), so nothing running reads it."""
        known = self.schema.table(table)
        if known is None or not known.complete or known.origin is None:
            return False
        if column in known.columns or column in _SYSTEM_COLUMNS:
            return False
        return not any(
            getattr(event, "table", None) == table
            and (
                (isinstance(event, AddColumn) and event.column.name == column)
                or (isinstance(event, RenameColumn) and event.new == column)
            )
            for event in self.statement.events
        )

    def constraint_absent(self, table: QName, name: str) -> bool:
        """Whether the replay knows the table's whole definition and it has no live constraint
        of that name (nor does this statement add one): dropping it fails, or does nothing."""
        known = self.schema.table(table)
        if known is None or not known.complete or known.origin is None:
            return False
        if name.endswith("_not_null"):
            return False  # (PostgreSQL 18 names NOT NULL constraints: the replay does not)
        if any(c.name == name for c in known.live_constraints()):
            return False
        return not any(
            getattr(event, "table", None) == table and isinstance(event, AddConstraint)
            for event in self.statement.events
        )

    def restates_type(self, event: Event) -> bool:
        """Whether `event` sets a column's type to the type the replay knows it has (as ORMs
        and re-runnable migrations restate them): convention rules do not judge it again."""
        if not isinstance(event, AlterColumnType):
            return False
        table = self.schema.table(event.table)
        known = table.columns.get(event.column) if table is not None else None
        return known is not None and known.type is not None and same_type(known.type, event.type)

    def is_new_object(self, kind: str, name: QName, table: QName | None = None) -> bool:
        """Whether an index, view, function, type, sequence, trigger ... (`kind` as in
        `DropObjects`), or a constraint of `table`, was created earlier in this migration
        (renames made since keep its age: it is found under its new name)."""
        if kind in ("constraint", "table constraint") and table is not None:
            return self.is_new_constraint(table, name.name)
        if kind == "index":
            index = self.schema.index(name)
            origin = index.origin if index is not None else None
            if index is not None and self._restated(self.schema.table(index.table), origin):
                return False
        else:
            origin = self.schema.object_origin(kind, name)
        return self._in_this_migration(origin)

    def is_new_constraint(self, table: QName, name: str) -> bool:
        """Whether the constraint of that name on the table was added earlier in this migration
        (with its table, or by ADD CONSTRAINT)."""
        if self.is_new_table(table):
            return True
        known = self.schema.table(table)
        info = known.constraint(name) if known is not None else None
        if info is not None and self._restated(known, info.origin):
            return False
        return info is not None and self._in_this_migration(info.origin)

    def has_default(self, table: QName, column: str) -> bool | None:
        """Whether the column has a default just before this statement (None: the replay does
        not know the column)."""
        known = self.schema.table(table)
        if known is None:
            return None
        if column in known.defaults:
            return True
        return False if column in known.columns else None

    def is_new_default(self, table: QName, column: str) -> bool:
        """Whether the column's default was set earlier in this migration on a column that had
        none before it (Django's AddField sets one and drops it): no running code relies on it.
        A default that was there before the migration and only changed in it is not new."""
        if self.is_new_table(table) or self.is_new_column(table, column):
            return True
        known = self.schema.table(table)
        origin = known.defaults.get(column) if known is not None else None
        return not self._restated(known, origin) and self._in_this_migration(origin)

    def is_new_enum_value(self, type_name: QName, value: str) -> bool:
        """Whether the enum label was added earlier in this migration (with its type, or by
        `ADD VALUE`; a `RENAME VALUE` since keeps its age)."""
        added = self.schema.enum_values.get(type_name.name, {}).get(value)
        if not self.is_new_object("type", type_name):
            return self._in_this_migration(added)
        created = self.schema.object_origin("type", type_name)
        if created is None or created.path != self.path or added != created:
            return True  # (or added by ADD VALUE after the CREATE)
        # A type created in place of one this file renamed away or dropped (rename the old
        # enum, create the new one, move the column over) has labels running code uses.
        return not any(
            isinstance(event, RenameObject | DropObjects)
            and event.kind == "type"
            and type_name.name in _type_names(event)
            for statement in self.statements[: created.stmt_index]
            for event in statement.events
        )

    def is_renamed_here(self, kind: str, name: str, table: QName | None = None) -> bool:
        """Whether an earlier statement of this migration gave the name to what has it (a
        table, column, constraint, view, ..., `enum value` of type `table`): running code never
        used that name, so a rename away from it breaks nothing (the first rename did).
        Columns, constraints and enum values go by the table's or type's name."""
        key = (_RENAME_KINDS.get(kind, kind), f"{table.name}.{name}" if table else name)
        return any(at < self.statement.index for at in _renamed_to(self.statements).get(key, ()))

    def _in_this_migration(self, origin: Origin | None) -> bool:
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
        return bisect.bisect_right(_line_starts(self.text), offset)

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

    def runner(self, origin: Origin) -> str:
        """The runner that runs the file at `origin` ("" when the history does not say)."""
        migrations, index = self.migrations, origin.file_index
        # (they come in replay order, by index: found by bisection, else looked for one by one)
        at = bisect.bisect_left(migrations, index, key=_file_index)
        if at < len(migrations) and migrations[at].index == index:
            return migrations[at].runner
        return next((m.runner for m in migrations if m.index == index), "")

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


def _file_index(migration: MigrationFile) -> int:
    return migration.index


def per_event(compute: Callable[[_E], _R]) -> Callable[[_E], _R]:
    """`compute(event)`, remembered for the latest event it was called with.

    The engine runs every rule on an event before it moves to the next, so a helper that several
    rules call with the same event (the columns it types, the names it declares) computes its
    result once. Only for a function of the (immutable) event alone, with a result nobody
    changes: return a tuple, not a generator.
    """
    # (the latest event and its result, one tuple in the closure: cheap, and replaced at once)
    latest: tuple[Any, Any] = (_NOTHING, None)

    @functools.wraps(compute)
    def remembered(event: _E) -> _R:
        nonlocal latest
        known = latest
        if known[0] is event:
            return known[1]  # type: ignore[no-any-return]
        result = compute(event)
        latest = (event, result)
        return result

    return remembered


_NOTHING = object()


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


@functools.lru_cache(maxsize=4)  # (a file's, once: a bytes object keeps its hash)
def _line_starts(text: bytes) -> list[int]:
    return line_starts(text)


@per_event  # (once per file)
def _table_events(statements: tuple[Statement, ...]) -> dict[str, list[tuple[int, Event]]]:
    """Per unqualified table name, the events of a file that name a table of that name (as
    the table they act on, or among the tables they drop), with their statement's position,
    in order."""
    found: dict[str, list[tuple[int, Event]]] = {}
    for position, statement in enumerate(statements):
        for event in statement.events:
            if isinstance(event, DropObjects):
                if event.kind == "table":
                    for name in dict.fromkeys(n.name for n in event.names):
                        found.setdefault(name, []).append((position, event))
                continue
            named = getattr(event, "table", None)
            if isinstance(named, QName):
                found.setdefault(named.name, []).append((position, event))
    return found


@per_event  # (once per file)
def _dies_answers(statements: tuple[Statement, ...]) -> dict[tuple[QName, int, int, int], bool]:
    """A file's answers of `RuleContext.dies_in_transaction`, by (name, first statement, last
    statement, start of the transaction block)."""
    return {}


@per_event  # (once per file)
def _locks_read_later(transactions: tuple[int, ...]) -> list[bool]:
    """Per statement, whether a later statement of the file runs in a transaction block that
    began at or before it (`RuleContext.locks_held` of that statement may read its locks)."""
    read: list[bool] = [False] * len(transactions)
    earliest = len(transactions)  # (the earliest block start of the statements after this one)
    for index in range(len(transactions) - 1, -1, -1):
        read[index] = earliest <= index
        if transactions[index] >= 0:
            earliest = min(earliest, transactions[index])
    return read


@per_event  # (once per file)
def _retyped_columns(statements: tuple[Statement, ...]) -> frozenset[tuple[str, str]]:
    """(unqualified table name, column) of every column type change of a file: a column none
    of them names is retyped by no later statement (`RuleContext.retyped_later`)."""
    return frozenset(
        (event.table.name, event.column)
        for statement in statements
        for event in statement.events
        if type(event) is AlterColumnType
    )


def _same_table(a: QName, b: QName) -> bool:
    """Whether two names, as written, name the same table (one may leave the schema out)."""
    return a.name == b.name and (a.schema == b.schema or None in (a.schema, b.schema))


@per_event  # (once per file)
def _dropped_tables(statements: tuple[Statement, ...]) -> dict[str, list[int]]:
    """Per unqualified table name, the statements of a file that drop a table of that name."""
    drops: dict[str, list[int]] = {}
    for statement in statements:
        for event in statement.events:
            if isinstance(event, DropObjects) and event.kind in ("table", "foreign table"):
                for name in event.names:
                    drops.setdefault(name.name, []).append(statement.index)
    return drops


def _type_names(event: RenameObject | DropObjects) -> tuple[str, ...]:
    """The unqualified names of the objects a rename or drop is of."""
    if isinstance(event, RenameObject):
        return (event.name.name,)
    return tuple(name.name for name in event.names)


_RENAME_KINDS = {"table constraint": "constraint", "foreign table": "table"}


@per_event  # (once per file)
def _renamed_to(statements: tuple[Statement, ...]) -> dict[tuple[str, str], list[int]]:
    """Per kind and new name (`table.name` for columns, constraints and enum values), the
    statements of a file that rename something to that name."""
    found: dict[tuple[str, str], list[int]] = {}
    for statement in statements:
        for event in statement.events:
            if isinstance(event, RenameTable):
                key = ("table", event.new)
            elif isinstance(event, RenameColumn):
                key = ("column", f"{event.table.name}.{event.new}")
            elif isinstance(event, RenameObject):
                kind = _RENAME_KINDS.get(event.kind, event.kind)
                table = event.table
                key = (kind, f"{table.name}.{event.new}" if table else event.new)
            elif isinstance(event, AlterEnum) and event.old_value is not None:
                key = ("enum value", f"{event.name.name}.{event.new_value}")
            else:
                continue
            found.setdefault(key, []).append(statement.index)
    return found


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


def _names_column(event: Event, column: str) -> bool:
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


def _written_at(column: TypedColumn) -> int:
    """Where the column's type is written (columns of several types come back in this order)."""
    return column[2].span.start


def _alternatives(one: Statement, other: Statement) -> bool:
    """Whether two statements sit in different alternatives of the same conditional (one
    `IF` branch each, or a protected block's body and its handler): never both run."""
    return any(
        mine.conditional == theirs.conditional and mine.index != theirs.index
        for mine in one.branch
        for theirs in other.branch
    )
