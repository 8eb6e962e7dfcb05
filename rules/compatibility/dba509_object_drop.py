"""DBA509 object-drop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import msgspec

from dbarch_lint.catalog import make_object_name
from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule, per_event
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.constraints._names import default_constraint_name

KINDS = (
    "view",
    "materialized-view",
    "function",
    "procedure",
    "type",
    "domain",
    "sequence",
    "extension",
    "trigger",
    "constraint",
    "default",
)


class ObjectDropOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA509's options: `kinds`, the kinds of object whose drop it flags."""

    kinds: tuple[str, ...] = KINDS

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")


class ObjectDrop(StatementRule[ObjectDropOptions]):
    """A view, function, type, sequence, extension, trigger, constraint or default is dropped.

    ## What it does
    Flags `DROP VIEW`, `DROP MATERIALIZED VIEW`, `DROP FUNCTION`, `DROP PROCEDURE`, `DROP TYPE`,
    `DROP DOMAIN`, `DROP SEQUENCE`, `DROP EXTENSION`, `DROP TRIGGER`, and on a table that was
    not created earlier in the same migration `ALTER TABLE ... DROP CONSTRAINT` and
    `ALTER COLUMN ... DROP DEFAULT`. Option `kinds` limits it to some of `view`,
    `materialized-view`, `function`, `procedure`, `type`, `domain`, `sequence`, `extension`,
    `trigger`, `constraint`, `default` (default: all). An object the same migration creates
    again under the same name (a view redefined, a foreign key re-added with other actions) is
    replaced, not dropped, and one created earlier in the same migration is new: neither is
    flagged. New, and so not flagged, are also (renames made in the migration keep an object's
    age):

    - a constraint (CHECK, UNIQUE, FOREIGN KEY, EXCLUDE, ...) the migration added, named or
      under the name PostgreSQL gave it;
    - a default the migration set on a column that had none before it (Django's AddField writes
      `ADD COLUMN c integer DEFAULT 0 NOT NULL` then `ALTER COLUMN c DROP DEFAULT`; a
      one-off `SET DEFAULT` then `DROP DEFAULT`). A default the column had before the
      migration is flagged even if the migration changed it first: running code relied on
      one. Where the replay does not know the column, only a `SET DEFAULT` earlier in the
      migration makes the default new;
    - `DROP DEFAULT` on a column the replay knows has none (it changes nothing);
    - the last step of DBA408's recipe: a `CHECK` of nothing but `col IS NOT NULL` tests dropped
      when those columns are NOT NULL (set in an earlier migration, earlier in this one, or in
      the same statement), wherever the check was added: it enforced nothing that NOT NULL
      does not.

    Not flagged either, as the drop that matters is flagged on its own: a constraint or default
    whose table, or every column it is on, the same migration drops too (in the same statement
    or later: Prisma drops a foreign key before the column or table it is on; DBA501 or DBA504
    says it), and a serial column's sequence (`<table>_<column>_seq`) dropped after the
    migration dropped that column's default or the column (Prisma's way to drop
    `autoincrement()`).

    What the migration created in place of an object it dropped first (`DROP` without `IF
    EXISTS`, create again, drop; a default the column had before the migration, dropped, set
    again and dropped) is not new: the last drop is where the old object goes, and it is
    flagged.

    Not flagged when the replay knows the table's whole definition and it has no constraint
    (or column) of that name: the drop then fails or, with `IF EXISTS`, does nothing.

    ## Why is this bad?
    Running code may still call the function, read the view, rely on the default to fill a
    column it does not insert, or on the constraint to keep bad data out. Like a column, an
    object should be dropped only after the code that uses it is gone.

    ## Example
    ```sql
    DROP VIEW customer_totals;
    ```

    ## Use instead
    ```sql
    -- after no running code reads it:
    DROP VIEW customer_totals;  -- noqa: DBA509 (unused since release 42)
    ```

    ## References
    - PostgreSQL documentation, `DROP VIEW`, `DROP FUNCTION`, `ALTER TABLE`
    """

    code = "DBA509"
    name = "object-drop"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.DropObjects, ir.DropConstraint, ir.DropDefault)

    def check(
        self, event: ir.DropObjects | ir.DropConstraint | ir.DropDefault, ctx: RuleContext
    ) -> Iterator[Report]:
        # (a plain function: most drops it is called for it passes over at once)
        kinds = self.options.kinds
        if type(event) is ir.DropObjects:
            if event.kind.replace(" ", "-") not in kinds:
                return NOTHING
            return self._objects(event, ctx)
        # (type(event) is, above: an isinstance that misses is costly; the tests below match
        # the common case, a DROP CONSTRAINT)
        event = cast("ir.DropConstraint | ir.DropDefault", event)
        kind = "constraint" if isinstance(event, ir.DropConstraint) else "default"
        if kind not in kinds or _unchanged(ctx, event) or _restored(ctx, event):
            return NOTHING
        return self._drop(event, ctx)

    def _objects(self, event: ir.DropObjects, ctx: RuleContext) -> Iterator[Report]:
        for name in event.names:
            key = (event.kind, name.name)
            new = ctx.is_new_object(event.kind, name) and not _stands_in(ctx, key)
            if new or _recreated(ctx, event.kind, name.name) or _user_gone(ctx, event, name):
                continue
            yield ctx.report(
                event.span,
                f"Dropping {event.kind} {ctx.shown(name)} breaks the running code that still "
                "uses it",
                hint="drop it in a later migration, once no running code uses it",
            )

    def _drop(
        self, event: ir.DropConstraint | ir.DropDefault, ctx: RuleContext
    ) -> Iterator[Report]:
        if _goes_with_its_columns(ctx, event):
            return  # (the column or table drop is the finding)
        if (
            ctx.constraint_absent(event.table, event.name)
            if isinstance(event, ir.DropConstraint)
            else ctx.column_absent(event.table, event.column)
        ):
            return  # (nothing of that name: the drop fails, or with IF EXISTS does nothing)
        if isinstance(event, ir.DropConstraint):
            named = ctx.shown_constraint(event.table, event.name)
            what = f"constraint {named} of {ctx.shown(event.table)}"
            why = "the data it kept out can now come in"
        else:
            column = ctx.shown_column(event.table, event.column)
            what = f"the default of {ctx.shown(event.table)}.{column}"
            why = "inserts that leave the column out get NULL instead"
        yield ctx.report(
            event.span,
            f"Dropping {what} changes what running code relies on: {why}",
            hint="drop it once no running code relies on it",
        )


def _unchanged(ctx: RuleContext, event: ir.DropConstraint | ir.DropDefault) -> bool:
    """Whether the drop takes away nothing running code relied on: a constraint or default the
    migration made itself (running code never saw it), a default the column does not have, or
    a `CHECK (col IS NOT NULL)` on a column that is NOT NULL by then (DBA408's last step)."""
    if not isinstance(event, ir.DropConstraint):  # (a DROP DEFAULT)
        column = event.column
        if ctx.has_default(event.table, column) is False:
            return True
        return ctx.is_new_default(event.table, column)
    if ctx.is_new_table(event.table):
        return True  # (so is all it holds)
    key = ("constraint", f"{event.table.name}.{event.name}")
    new = ctx.is_new_constraint(event.table, event.name) and not _stands_in(ctx, key)
    return new or _not_null_only(ctx, event)


def _goes_with_its_columns(ctx: RuleContext, event: ir.DropConstraint | ir.DropDefault) -> bool:
    """Whether the migration drops, in this statement or later, the table or every column the
    constraint (or default) is on: Prisma drops a foreign key before its column or table."""
    if isinstance(event, ir.DropDefault):
        columns: tuple[str, ...] = (event.column,)
    else:
        table = ctx.table(event.table)
        info = table.constraint(event.name) if table is not None else None
        columns = (info.constraint.columns or info.constraint.check_columns) if info else ()
        if not columns:
            return False
    gone: set[str] = set()
    for statement in ctx.statements[ctx.statement.index :]:
        for e in statement.events:
            if type(e) is ir.DropObjects and e.kind == "table":
                if any(_same(name, event.table) for name in e.names):
                    return True
            elif type(e) is ir.DropColumn and _same(e.table, event.table):
                gone.add(e.column)
    return gone.issuperset(columns)


def _same(one: ir.QName, other: ir.QName) -> bool:
    return one.name == other.name and (not one.schema or not other.schema or one == other)


def _user_gone(ctx: RuleContext, event: ir.DropObjects, name: ir.QName) -> bool:
    """Whether a sequence is a serial column's (`<table>_<column>_seq`) whose default or column
    the migration dropped before: nothing uses it any more (Prisma drops `autoincrement()`
    so: `DROP DEFAULT`, then `DROP SEQUENCE`)."""
    if event.kind != "sequence":
        return False
    for statement in ctx.statements[: ctx.statement.index]:
        for e in statement.events:
            if (type(e) is ir.DropDefault or type(e) is ir.DropColumn) and (
                make_object_name(e.table.name, e.column, "seq") == name.name
            ):
                return True
    return False


def _stands_in(ctx: RuleContext, key: tuple[str, str]) -> bool:
    """Whether what the migration created under this key stands in for an object from before
    it: the file dropped one of that key (a plain DROP, which fails unless there is one) before
    it first created one. That drop was a replace, so this drop is where the old object goes."""
    dropped, created = _history(ctx.statements)[0].get(key, (-1, -1))
    return 0 <= dropped < ctx.statement.index and (created < 0 or dropped < created)


def _not_null_only(ctx: RuleContext, event: ir.DropConstraint) -> bool:
    """Whether the dropped constraint is a CHECK of nothing but `col IS NOT NULL` tests on
    columns that are NOT NULL once the statement is done."""
    table = ctx.table(event.table)
    info = table.constraint(event.name) if table is not None else None
    if table is None or info is None or info.kind != "check":
        return False
    if not info.constraint.not_null_only:
        return False
    not_null = _not_null_here(ctx, event.table)
    for name in info.constraint.not_null_columns:
        column = table.columns.get(name)
        if not not_null.get(name, column is not None and column.not_null):
            return False
    return True


def _not_null_here(ctx: RuleContext, table: ir.QName) -> dict[str, bool]:
    """The columns of the table that this file's statements up to this one (this one's
    included: an ALTER TABLE drops first) set NOT NULL (True) or drop it from (False), the last
    word for each: the replay does not keep NOT NULL for a column it never saw defined."""
    changes: dict[str, bool] = {}
    for statement in ctx.statements[: ctx.statement.index + 1]:
        for e in statement.events:
            if (
                type(e) is ir.SetNotNull or type(e) is ir.DropNotNull
            ) and e.table.name == table.name:
                changes[e.column] = type(e) is ir.SetNotNull
    return changes


def _recreated(ctx: RuleContext, kind: str, name: str) -> bool:
    """Whether the migration creates an object of this kind and name again later on."""
    return _history(ctx.statements)[1].get((kind, name), -1) > ctx.statement.index


def _restored(ctx: RuleContext, event: ir.DropConstraint | ir.DropDefault) -> bool:
    """Whether the migration adds the constraint (by name) or a default back later on. A
    constraint added in the same statement counts: an ALTER TABLE drops before it adds, so
    `DROP CONSTRAINT c, ADD CONSTRAINT c ...` replaces it with no moment without it. An added
    constraint without a name counts under the name PostgreSQL gives it, the dropped one's name
    being free again."""
    if isinstance(event, ir.DropConstraint):
        key = ("constraint", f"{event.table.name}.{event.name}")
        return _history(ctx.statements)[1].get(key, -1) >= ctx.statement.index
    key = ("default", f"{event.table.name}.{event.column}")
    return _history(ctx.statements)[1].get(key, -1) > ctx.statement.index


_Key = tuple[str, str]  # an object's kind and name (constraints and defaults: `table.name`)


@per_event  # (once per file: the rule asks at every drop)
def _history(
    statements: tuple[ir.Statement, ...],
) -> tuple[dict[_Key, tuple[int, int]], dict[_Key, int]]:
    """For each object the file drops or creates: the first statement that drops it and the
    first that creates it (-1: none); and for each it creates, the last statement that does.
    (One reading of the file for both.)"""
    first: dict[_Key, tuple[int, int]] = {}
    last: dict[_Key, int] = {}
    for statement in statements:
        index = statement.index
        for event in statement.events:
            # (asked of every event of a file, most of which neither drop nor create: one test
            # passes them over, calls only for the others)
            kind = type(event)
            if kind not in _DROPS_OR_CREATES:
                continue
            if kind is ir.DropObjects or kind is ir.DropConstraint:
                for key in _dropped(event):
                    dropped, at = first.get(key, (-1, -1))
                    first[key] = (index if dropped < 0 else dropped, at)
            creates = _CREATES.get(kind)
            created = creates(event) if creates is not None else None
            if created is not None:
                dropped, at = first.get(created, (-1, -1))
                first[created] = (dropped, index if at < 0 else at)
                last[created] = index
    return first, last


def _dropped(event: ir.Event) -> tuple[tuple[str, str], ...]:
    """What a plain DROP drops (`IF EXISTS` proves nothing was there)."""
    if type(event) is ir.DropObjects and not event.if_exists:
        return tuple((event.kind, name.name) for name in event.names)
    if type(event) is ir.DropConstraint and not event.if_exists:
        return (("constraint", f"{event.table.name}.{event.name}"),)
    return ()


def _made_constraint(event: ir.AddConstraint) -> tuple[str, str]:
    constraint = event.constraint
    name = constraint.name or default_constraint_name(event.table.name, constraint)
    return ("constraint", f"{event.table.name}.{name}")


# What an event creates, by kind and name (constraints and defaults by `table.name`), found by
# the event's type (asked of every event of a file: not a chain of isinstance).
_CREATES: dict[type[ir.Event], Callable[[Any], tuple[str, str] | None]] = {
    ir.CreateView: lambda e: ("view", e.view.name),
    ir.CreateTableAs: lambda e: ("materialized view", e.table.name) if e.materialized else None,
    ir.CreateFunction: lambda e: ("procedure" if e.procedure else "function", e.name.name),
    ir.CreateEnum: lambda e: ("type", e.name.name),
    ir.CreateObject: lambda e: (e.kind, e.name.name),
    ir.AddConstraint: _made_constraint,
    ir.SetDefault: lambda e: ("default", f"{e.table.name}.{e.column}"),
}
_DROPS_OR_CREATES = frozenset((ir.DropObjects, ir.DropConstraint, *_CREATES))
