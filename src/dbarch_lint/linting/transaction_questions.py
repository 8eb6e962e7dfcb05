"""What a rule asks about the transaction its statement runs in and the table locks held
there: `RuleContext`'s transaction and lock questions (a mixin of `linting/context.py`)."""

from __future__ import annotations

import bisect
import itertools
from typing import TYPE_CHECKING, Any, get_args

from dbarch_lint.catalog import Schema, locks
from dbarch_lint.model.ir import (
    AnyEvent,
    CreateTable,
    CreateTableAs,
    DropObjects,
    Event,
    QName,
    RenameTable,
    Statement,
)


class TransactionQuestions:
    """The transaction block a statement runs in, and the locks held in it."""

    __slots__ = ()

    if TYPE_CHECKING:  # (`RuleContext`'s fields and core methods, which these read)
        schema: Schema
        statement: Statement
        statements: tuple[Statement, ...]
        transactions: tuple[int, ...]
        transaction_kinds: tuple[str, ...]
        taken: list[tuple[QName, str, Statement]]
        skipped: set[int]
        locks_read: frozenset[int]
        _dies_known: dict[tuple[QName, int, int, int], bool]
        _dies_indexed: list[Any]

        def index_table(self, name: QName) -> QName | None: ...

    @property
    def in_transaction(self) -> bool:
        """Whether this statement runs inside a transaction block (explicit, or the runner's)."""
        # (`_transaction_start >= 0`, without a second property's call: rules ask it often)
        transactions = self.transactions
        if not transactions:  # (not `bool(...) and`: a builtin call saved)
            return False
        return transactions[self.statement.index] >= 0

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
        taken, index = self.taken, statement.index
        first = bisect.bisect_left(taken, start, key=_taken_at)
        # (a function body's statements share their holder's index: not its own locks)
        end = bisect.bisect_left(taken, index, first, key=_taken_at)
        skipped, branch = self.skipped, statement.branch
        if not skipped and not branch:
            return taken[first:end]  # (most statements: nothing to leave out)
        return [
            item
            for item in taken[first:end]
            if item[2].index not in skipped
            and not (branch and item[2].branch and _alternatives(item[2], statement))
        ]

    def locks_of(self, event: Event) -> list[tuple[QName, str]]:
        """The tables (new or existing) `event` of this statement locks in a mode that blocks
        reads or writes (`locks.blocking_locks`, with what the schema just before it knows:
        the table of a dropped index, the other end of a dropped foreign key)."""
        # (not remembered: few events are asked twice, and a check of the latest answer on
        # every call cost more than the answers it saved)
        found = locks.blocking_locks(event, self.index_table, self.schema)
        # (the type first: most locking events cannot say IF NOT EXISTS, a call saved)
        if found and type(event) in IF_NOT_EXISTS_EVENTS and self.server_skips(event):
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
        # (rules may ask it of any event: most have no IF NOT EXISTS, told by their type, not
        # by a `getattr` with a default that misses)
        if type(event) not in IF_NOT_EXISTS_EVENTS:
            return False
        if not event.if_not_exists:  # type: ignore[attr-defined]
            return False
        return self.schema.skips(event)

    def record_locks(self) -> None:
        """Remember the locks this statement takes (the engine calls it once the rules have
        checked the statement, before the replay moves past it: `locks_held` reads them; only
        for a statement in `locks_read`, whose locks a later statement may read)."""
        statement = self.statement
        for event in statement.events:
            if type(event) not in _LOCKING_EVENTS:
                continue  # (it locks nothing: `locks_of` would find nothing)
            for table, mode in self.locks_of(event):  # (a plain loop: a lock or two each)
                self.taken.append((table, mode, statement))

    def dies_in_transaction(self, name: QName, since: int | None = None) -> bool:
        """Whether the table `name` means at statement `since` (default: this one) is dropped
        by a statement of the transaction this statement runs in, before or after it (renames
        followed; outside a transaction block, by this statement itself), and no table takes
        its name again in that transaction. A lock on it blocks no one who matters: whoever
        waits for it finds no table once it is released. (A table swapped for a new one of the
        same name is no such table: the waiting queries run on the new one.)"""
        start = self._transaction_start
        index = self.statement.index
        first = index if since is None or start < 0 else since if since > start else start
        last = index if start < 0 else len(self.statements) - 1
        answers = self._dies_known  # (rules ask it of every lock they weigh)
        key = (name, first, last, start)
        known = answers.get(key)
        if known is None:
            known = answers[key] = self._dies_between(name, first, last, start)
        return known

    def _dies_between(self, name: QName, first: int, last: int, start: int) -> bool:
        """`dies_in_transaction` of the statements `first` to `last` of the block begun at
        `start` (-1: none)."""
        changes: list[tuple[int, Any]]
        if start < 0:  # (this statement alone: the file's index is not worth making for it)
            changes = [(s.index, e) for s in self.statements[first : last + 1] for e in s.events]
        else:
            index = self._dies_indexed
            if not index:
                index[:] = _dies_index(self.statements, self.transactions)
            changes, run_ends = index
            if self.transactions[first] == start:
                run_end = run_ends[bisect.bisect_right(run_ends, first)] - 1
            else:
                run_end = first - 1
            if run_end < last:  # (up to where the block ends)
                last = run_end
            changes = changes[bisect.bisect_left(changes, first, key=_change_at) :]
        current, dropped = name, False
        for at, event in changes:
            if at > last:
                break
            if type(event) is RenameTable:
                if _same_table(event.table, current):
                    current = QName(current.schema or event.table.schema, event.new)
                elif event.new == name.name:
                    return False  # (another table takes the name)
            elif type(event) is CreateTable or type(event) is CreateTableAs:
                if _same_table(event.table, name) and at > first:
                    return False  # (a new table of the name: a swap)
            elif (
                type(event) is DropObjects
                and event.kind in _TABLE_KINDS
                and any(_same_table(current, gone) for gone in event.names)
            ):
                dropped = True
        return dropped


# The events that may say IF NOT EXISTS (by type: a `getattr` with a default that misses on a
# struct costs ~700 instructions).
IF_NOT_EXISTS_EVENTS = frozenset(
    kind for kind in get_args(AnyEvent) if "if_not_exists" in kind.__struct_fields__
)
_LOCKING_EVENTS = frozenset(locks.LOCKING_EVENTS)  # (those `locks_of` may find a lock in)
# The events `dies_in_transaction` follows (a drop only of a table: `_TABLE_KINDS`).
_FOLLOWED = frozenset((RenameTable, CreateTable, CreateTableAs, DropObjects))
_TABLE_KINDS = ("table", "foreign table")


def locks_read_later(transactions: tuple[int, ...]) -> frozenset[int]:
    """The statements (by index) a later statement of the file runs in a transaction block
    that began at or before: `RuleContext.locks_held` of that statement may read their locks
    (the context's `locks_read`, made once per file)."""
    end = len(transactions)
    began = transactions[0] if end else -1
    if transactions.count(began) == end:  # (most files: one block from the first, or none)
        return frozenset(range(began, end - 1)) if began >= 0 else frozenset()
    read: set[int] = set()
    earliest = end  # (the earliest block start of the statements after this run)
    # (by runs of statements in one block, from the last: a file has thousands of statements
    # and few runs)
    runs = [(began, len(list(run))) for began, run in itertools.groupby(transactions)]
    for began, length in reversed(runs):
        first = end - length
        # (of those after a statement of the run but its last, the run's own block included)
        lowest = began if 0 <= began < earliest else earliest
        read.update(range(lowest if lowest > first else first, end - 1))
        if earliest < end:  # (its last statement: the later runs)
            read.add(end - 1)
        earliest, end = lowest, first
    return frozenset(read)


def _dies_index(
    statements: tuple[Statement, ...], transactions: tuple[int, ...]
) -> tuple[list[tuple[int, Any]], list[int]]:
    """What `dies_in_transaction` reads of a file (made once per file, when first asked): the
    events of the kinds it follows (table creations, renames and drops), with their statement's
    index, in order; and where each run of statements in one transaction block ends (the index
    after its last, in order)."""
    changes = [
        (statement.index, event)
        for statement in statements
        for event in statement.events
        if type(event) in _FOLLOWED
        and (type(event) is not DropObjects or event.kind in _TABLE_KINDS)
    ]
    # (by runs, not statement by statement: a file has thousands of statements and few runs)
    lengths = [len(list(run)) for _, run in itertools.groupby(transactions)]
    return changes, list(itertools.accumulate(lengths))


def _change_at(change: tuple[int, Any]) -> int:
    """The statement index of one of `_dies_index`'s events."""
    return change[0]


def _taken_at(item: tuple[QName, str, Statement]) -> int:
    """The index of the statement that took a lock of `RuleContext.taken`."""
    return item[2].index


def _same_table(a: QName, b: QName) -> bool:
    """Whether two names, as written, name the same table (one may leave the schema out)."""
    return a.name == b.name and (a.schema == b.schema or None in (a.schema, b.schema))


def _alternatives(one: Statement, other: Statement) -> bool:
    """Whether two statements sit in different alternatives of the same conditional (one
    `IF` branch each, or a protected block's body and its handler): never both run."""
    return any(
        mine.conditional == theirs.conditional and mine.index != theirs.index
        for mine in one.branch
        for theirs in other.branch
    )
