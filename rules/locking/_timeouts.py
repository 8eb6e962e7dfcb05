"""The first blocking lock of a file, and whether a timeout guards it (DBA413, DBA603)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

import msgspec

from dbarch_lint.catalog.locks import LOCKING_EVENTS
from dbarch_lint.model import ir
from dbarch_lint.rule import Report, Rewrite, RuleContext, StatementRule
from dbarch_lint.rules._checks import NOTHING


class TimeoutOptions(msgspec.Struct, frozen=True, kw_only=True):
    """The options of every timeout rule: `set_by_runner`, the runner or the role sets the
    timeout already."""

    set_by_runner: bool = False


TimeoutOptionsT = TypeVar("TimeoutOptionsT", bound=TimeoutOptions, covariant=True)


class MissingTimeout(StatementRule[TimeoutOptionsT]):
    """Base of the rules that want a timeout `parameter` set before a file's first blocking
    lock on an existing table (their docstrings document them)."""

    parameter: ClassVar[str]  # the setting, e.g. `lock_timeout`
    consequence: ClassVar[str]  # what goes wrong without it
    hint: ClassVar[str]  # how to set it
    targets = LOCKING_EVENTS
    sees_skipped = True  # (a skipped IF NOT EXISTS still locks its table)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "parameter" in cls.__dict__:
            cls._mark = f"unguarded-lock:{cls.parameter}"

    _mark: ClassVar[str]  # (the note of the rule's report in a file: reported once per file)

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        """A report at the first event of the file to take a lock that blocks reads or writes
        on an existing table while no non-zero `parameter` (a timeout setting) is in force."""
        # (a plain function: asked of every locking event, it nearly always has nothing, and
        # most events come after the file's report, which the note tells at once)
        if self.options.set_by_runner or self._mark in ctx.notes:
            return NOTHING
        # (whether a table is new can only be asked while the schema stands just before the
        # event, so the report is noted as the engine moves through the file)
        locked = _first_existing_lock(event, ctx)
        if locked is None or _timeout_set(ctx, self.parameter):
            return NOTHING
        ctx.notes[self._mark] = event
        return self._report(locked, ctx)

    def _report(self, locked: tuple[ir.QName, str], ctx: RuleContext) -> Iterator[Report]:
        table, mode = locked
        article = "an" if mode.startswith("ACCESS") else "a"
        yield ctx.report(
            ctx.statement.span,
            f"This statement takes {article} {mode} lock on {ctx.shown(table)} with no "
            f"{self.parameter} "
            f"set: {self.consequence}",
            hint=self.hint,
            fix=self.rewrite(ctx),
        )

    def rewrite(self, ctx: RuleContext) -> Rewrite | None:
        """The automatic rewrite (`--fix`), for a rule that has one."""
        return None


_FIRST_LOCK = "first-existing-lock"  # (the note of `_first_existing_lock`'s latest answer)


def _first_existing_lock(event: ir.Event, ctx: RuleContext) -> tuple[ir.QName, str] | None:
    """The first table and lock mode, of those `event` takes that block reads or writes, on
    an existing table that outlives the transaction. (Every timeout rule asks it of each
    locking event: the latest answer is noted, for that event of that statement.)"""
    known = ctx.notes.get(_FIRST_LOCK)
    if known is not None and known[0] is event and known[1] is ctx.statement:
        return known[2]  # type: ignore[no-any-return]
    locked = None
    for table, mode in ctx.locks_of(event):  # (a plain loop: no generator made per event)
        if not ctx.is_new_table(table) and not ctx.dies_in_transaction(table):
            locked = (table, mode)
            break
    ctx.notes[_FIRST_LOCK] = (event, ctx.statement, locked)
    return locked


def _timeout_set(ctx: RuleContext, parameter: str) -> bool:
    """Whether a non-zero `parameter` is in force for this statement.

    As PostgreSQL keeps it: a `SET` outside a transaction block lasts for the session; inside
    one it lasts once the block commits (a ROLLBACK undoes it); a `SET LOCAL` lasts until the
    block ends, however it ends (the runner's transaction around the file included).
    """
    session: bool = False  # the value committed for the session
    pending: bool | None = None  # a SET in the open block (kept if it commits)
    local: bool | None = None  # a SET LOCAL in the open block
    block = -1  # the block the latest statement ran in
    rolled_back = False
    index = ctx.statement.index
    transactions = ctx.transactions
    for statement in ctx.statements[:index]:
        start = transactions[statement.index] if transactions else -1
        if start != block:  # the block the earlier statements ran in has ended
            if pending is not None and not rolled_back:
                session = pending
            pending = local = None
            block, rolled_back = start, False
        for event in statement.events:
            if type(event) is ir.SetParameter and event.name in (parameter, "all"):
                value = event.value or ()
                on = event.name == parameter and bool(value) and not _zero(value)
                if event.local:
                    if start >= 0:  # (outside a block SET LOCAL does nothing)
                        local = on
                elif start >= 0:
                    pending, local = on, None
                else:
                    session = on
            elif type(event) is ir.Transaction and event.kind == "rollback":
                rolled_back = True
    current = transactions[index] if transactions else -1
    if current != block:
        if pending is not None and not rolled_back:
            session = pending
        pending = local = None
    for setting in (local, pending):
        if setting is not None:
            return setting
    return session


def _zero(value: tuple[str, ...]) -> bool:
    text = "".join(value).strip().strip("'").lower()
    return text in ("0", "0ms", "0s", "0min", "default")
