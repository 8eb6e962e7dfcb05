"""The first blocking lock of a file, and whether a timeout guards it (DBA413, DBA603)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from dbarch_lint.catalog.locks import LOCKING_EVENTS, blocking_locks
from dbarch_lint.model import ir
from dbarch_lint.rule import CLOSING, Report, Rewrite, RuleContext, StatementRule


@dataclass(frozen=True)
class TimeoutOptions:
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

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        if self.options.set_by_runner:
            return
        locked = first_unguarded_lock(event, ctx, self.parameter)
        if locked is None:
            return
        table, mode = locked
        article = "an" if mode.startswith("ACCESS") else "a"
        yield ctx.report(
            ctx.statement.span,
            f"This statement takes {article} {mode} lock on {table} with no {self.parameter} "
            f"set: {self.consequence}",
            hint=self.hint,
            fix=self.rewrite(ctx),
        )

    def rewrite(self, ctx: RuleContext) -> Rewrite | None:
        """The automatic rewrite (`--fix`), for a rule that has one."""
        return None


# The file being linted (its context, made anew for each file of each run) and the first event
# in it that took a blocking lock on an existing table. Whether a table is new can only be
# asked while the schema stands just before that event, so the answer is kept as the engine
# moves through the file: the rules that ask see every locking event, in order.
_first: list[tuple[RuleContext, ir.Event]] = []


def first_unguarded_lock(
    event: ir.Event, ctx: RuleContext, parameter: str
) -> tuple[ir.QName, str] | None:
    """The existing table and lock mode, when `event` is the first in its file to take a lock
    that blocks reads or writes on an existing table and no non-zero `parameter` (a timeout
    setting) is in force for it."""
    if _first and _first[0][0] is ctx and _first[0][1] is not event:
        return None  # an earlier event took the file's first blocking lock
    locked = next(
        (
            (table, mode)
            for table, mode in blocking_locks(event, ctx.index_table)
            if not ctx.is_new_table(table)
        ),
        None,
    )
    if locked is None:
        return None
    _first[:] = [(ctx, event)]
    return None if _timeout_set(ctx, parameter) else locked


def _timeout_set(ctx: RuleContext, parameter: str) -> bool:
    """Whether a non-zero `parameter` is in force for this statement."""
    in_force = False
    local = False
    for statement in ctx.statements[: ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.SetParameter) and event.name in (parameter, "all"):
                value = event.value or ()
                in_force = event.name == parameter and bool(value) and not _zero(value)
                local = event.local
            elif isinstance(event, ir.Transaction) and event.kind in CLOSING and local:
                in_force = False  # a SET LOCAL ends with its transaction
    return in_force and (not local or ctx.in_transaction)


def _zero(value: tuple[str, ...]) -> bool:
    text = "".join(value).strip().strip("'").lower()
    return text in ("0", "0ms", "0s", "0min", "default")
