"""What the type rules that judge columns of certain built-in types share (DBA101, DBA103 to
DBA108): the `check` that finds those columns, and passes over an event that has none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dbarch_lint.rule import (
    COLUMN_TYPE_EVENTS,
    OptionsT,
    Report,
    RuleContext,
    StatementRule,
    TypedColumn,
)
from dbarch_lint.rules._checks import NOTHING


class ColumnTypeRule(StatementRule[OptionsT]):
    """A rule about the columns of the built-in types `column_types` that CREATE TABLE, ADD
    COLUMN and ALTER COLUMN TYPE declare (as `RuleContext.columns_of_type` finds them);
    `_reports` says what is wrong with them."""

    targets = COLUMN_TYPE_EVENTS
    column_types: ClassVar[tuple[str, ...]]

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        typed = ctx.columns_of_type(event, *self.column_types)
        return self._reports(event, ctx, typed) if typed else NOTHING

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        """The reports on the columns `typed` of `event` (none is empty)."""
        raise NotImplementedError
