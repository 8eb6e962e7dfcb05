"""What a rule sees while it runs, and what it hands back (`Report`)."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from dbarch_lint.catalog import Origin, Schema, Table
from dbarch_lint.linting.history import HistoryFile
from dbarch_lint.linting.memo import per_event
from dbarch_lint.linting.migration_index import COLUMN_TYPE_EVENTS, TypedColumn, same_type
from dbarch_lint.linting.migration_questions import MigrationQuestions
from dbarch_lint.linting.transaction_questions import TransactionQuestions
from dbarch_lint.model.findings import Severity
from dbarch_lint.model.ir import Constraint, DropConstraint, QName, Span, Statement
from dbarch_lint.model.source import SourceFile, line_starts
from dbarch_lint.runners import FileRun
from dbarch_lint.runners.naming import is_repeatable, migration_set

__all__ = [
    "COLUMN_TYPE_EVENTS",
    "DOWN",
    "REPEATABLE",
    "UP",
    "MigrationFile",
    "RelatedSpan",
    "Report",
    "Rewrite",
    "RuleContext",
    "SchemaContext",
    "Settings",
    "TypedColumn",
    "per_event",
    "same_type",
]


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


class RuleContext(msgspec.Struct, TransactionQuestions, MigrationQuestions):
    """The context of one statement in a target file (reused across a file's statements).

    Its questions live by subject: the transaction and its locks in `TransactionQuestions`
    (`linting/transaction_questions.py`), what the migration did before and after the
    statement in `MigrationQuestions` (`linting/migration_questions.py`)."""

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
    # The statements (by index) whose locks a later statement's `locks_held` may read
    # (`transaction_questions.locks_read_later`): only theirs are recorded.
    locks_read: frozenset[int] = frozenset()
    # Statements (by index) the replay knows do not run: in a branch whose catalog guard is
    # false, or a protected block whose failure its handler swallows (conditional DDL).
    skipped: set[int] = msgspec.field(default_factory=set)
    # What rules note about this file as they go through it (a rule's own state, by a key of
    # its own: the context is made anew for each file, so nothing outlives the file).
    notes: dict[str, Any] = msgspec.field(default_factory=dict)
    # The file `text` encodes, when the engine has it: `line_of` uses its line index, the one
    # the findings' positions are computed from (made once per file, not twice).
    source: SourceFile | None = None
    # `dies_in_transaction`'s answers, by (name, first statement, last statement, block start).
    _dies_known: dict[tuple[QName, int, int, int], bool] = msgspec.field(default_factory=dict)
    # What `dies_in_transaction` reads of the file (`_dies_index`), made when first asked
    # (empty until then).
    _dies_indexed: list[Any] = msgspec.field(default_factory=list)

    def shown(self, name: QName) -> str:
        """A relation's name (table, index, view, sequence, ...) as messages and hints show it
        (the schema rules' way, `Schema.shown`: quoted where needed, schema-qualified only where
        the unqualified name would find another one), whether the statement wrote it qualified
        or not, or the replay resolved it (a dropped index's table).

        A MySQL name is shown as the history first wrote it (the CREATE's spelling, a RENAME's
        after it; this statement's for a name the replay has not seen made), with MySQL's
        quoting: on Linux a MySQL table is found only as spelt (MySQL 8.0 Reference Manual,
        11.2.3 "Identifier Case Sensitivity")."""
        if self.dialect != "mysql":  # (no spellings to hand over: most files, most messages)
            return self.schema.shown(name)
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
        freed = {e.name for e in self.statement.events if type(e) is DropConstraint}
        return self.schema.constraint_name(table, constraint, freed)

    def line_of(self, offset: int) -> int:
        """The 1-based line of a byte offset in the file (for a message that names a line)."""
        if self.source is not None:
            return self.source.line_of(offset)
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
_PLAIN = FileRun("plain")  # (how a file no runner said anything of runs)


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


class SchemaContext:
    """The context of a schema rule: the schema at the end of the replay, and the history."""

    __slots__ = ("_files", "_migrations", "dialects", "schema", "settings", "targets")

    def __init__(
        self,
        schema: Schema,
        settings: Settings,
        dialects: dict[int, str],
        files: Sequence[HistoryFile],
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.dialects = dialects  # file index -> its dialect, if not postgres
        # The files reported on (by index): a report elsewhere is dropped, so a rule may skip
        # what could only be reported there (`reported`).
        self.targets = frozenset(f.index for f in files if f.target)
        self._files = files
        self._migrations: tuple[MigrationFile, ...] | None = None

    @property
    def migrations(self) -> tuple[MigrationFile, ...]:
        """Every file of the history, in replay order (made when first asked: a history has
        thousands, and most runs ask nothing of them)."""
        if self._migrations is None:
            self._migrations = tuple(_migration(f) for f in self._files if not f.input.snapshot)
        return self._migrations

    @property
    def since_base(self) -> bool:
        """Whether the run compares with a `--diff-base` (each `MigrationFile.new_since_base`
        is then True or False, else None)."""
        return any(f.input.new_since_base is not None for f in self._files)

    def reported(self, origin: Origin | None) -> bool:
        """Whether a report at `origin` would be kept (it is in a target file)."""
        return origin is not None and origin.file_index in self.targets

    def dialect(self, origin: Origin) -> str:
        """The SQL dialect of the file at `origin` (hints are written in it)."""
        return self.dialects.get(origin.file_index, "postgres")

    def runner(self, origin: Origin) -> str:
        """The runner that runs the file at `origin` ("" when the history does not say)."""
        files, index = self._files, origin.file_index
        # (in replay order, by index: found at its place, else looked for one by one)
        file = files[index] if index < len(files) and files[index].index == index else None
        if file is None:
            file = next((f for f in files if f.index == index), None)
        if file is None or file.input.snapshot:
            return ""
        return (file.input.run or _PLAIN).runner

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


def _migration(file: HistoryFile) -> MigrationFile:
    """A file of the history as its runner sees it (`SchemaContext.migrations`)."""
    item = file.input
    how = item.run or _PLAIN
    kind = DOWN if item.down else REPEATABLE if is_repeatable(item.path) else UP
    first = file.parsed.statements[0] if file.parsed.statements else None
    origin = Origin(
        file.index,
        first.index if first else 0,
        item.path,
        first.span if first else Span(0, 0),
    )
    return MigrationFile(
        file.index,
        item.path,
        how.runner,
        kind,
        migration_set(item.path),
        item.new_since_base,
        how.out_of_order,
        origin,
    )


@functools.lru_cache(maxsize=4)  # (a file's, once: a bytes object keeps its hash)
def _line_starts(text: bytes) -> list[int]:
    return line_starts(text)
