"""DBA201 unnamed-constraint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.constraints._events import (
    CONSTRAINT_EVENTS,
    KIND_WORDS,
    NAMED_KINDS,
    declared_constraints,
)
from dbarch_lint.rules.constraints._names import check_columns, default_constraint_name

_KEYWORD = lazy(rb"(?i)(PRIMARY|UNIQUE|CHECK|REFERENCES|FOREIGN|EXCLUDE)\b")


class UnnamedConstraintOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA201's options: `kinds`, the constraint kinds that must be named."""

    kinds: tuple[str, ...] = NAMED_KINDS

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.kinds if kind not in NAMED_KINDS]
        if unknown:
            known = ", ".join(NAMED_KINDS)
            raise ValueError(f"kinds: unknown constraint kind {unknown[0]!r} (one of {known})")


class UnnamedConstraint(StatementRule[UnnamedConstraintOptions]):
    """A CHECK, UNIQUE, PRIMARY KEY, FOREIGN KEY or EXCLUDE constraint without a name.

    ## What it does
    Flags constraints declared without `CONSTRAINT name`, whether written on a column
    (`REFERENCES`, `UNIQUE`, `CHECK`, `PRIMARY KEY`) or on the table, in CREATE TABLE,
    ALTER TABLE ADD COLUMN and ALTER TABLE ADD. `NOT NULL` and `DEFAULT` are not constraints for
    this rule. `ADD PRIMARY KEY USING INDEX` / `ADD UNIQUE USING INDEX` without a name take the
    index's name, which you chose, and are not flagged; neither are temporary tables. `--fix`
    writes `CONSTRAINT <name>` with the name PostgreSQL would invent, numbered as PostgreSQL
    numbers it when the name is taken (`orders_check1`), so the database ends up the same; a
    safe fix.

    ## Why is this bad?
    PostgreSQL invents a name (`orders_customer_id_fkey`, `orders_check1`, ...) from the table,
    the columns and whatever names are already taken, so the same migrations can give different
    names on databases with different histories. Every later migration that drops, validates or
    renames the constraint, and every error message an application matches on, depends on that
    invented name. A name you write is the same everywhere.

    ## Example
    ```sql
    CREATE TABLE orders (
        id bigint PRIMARY KEY,
        total numeric(12, 2) CHECK (total >= 0)
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (
        id bigint CONSTRAINT orders_pkey PRIMARY KEY,
        total numeric(12, 2) CONSTRAINT orders_total_check CHECK (total >= 0)
    );
    ```

    ## Options
    - `kinds` (list; default all): the constraint kinds to check, any of `check`, `unique`,
      `primary-key`, `foreign-key`, `exclude`.

    ## References
    - PostgreSQL documentation, `CREATE TABLE`: "If a constraint name is not specified, the
      system generates a name."
    """

    code = "DBA201"
    name = "unnamed-constraint"
    family = "constraints"
    dialects = frozenset({"postgres"})
    # (not in a function body, nor where the constraint's span does not start at its keyword)
    fix_availability = FixAvailability.SOMETIMES
    severity = Severity.WARNING
    targets = CONSTRAINT_EVENTS

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events declare no unnamed constraint it looks at)
        if type(event) is ir.CreateTable and event.temporary:
            return NOTHING
        kinds = self.options.kinds
        for _table, constraint in declared_constraints(event):
            if not (constraint.name or constraint.using_index) and constraint.kind in kinds:
                return self._reports(event, ctx)
        return NOTHING

    def _reports(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        invented_names: dict[int, str] | None = None  # (made for the first unnamed one)
        for table, constraint in declared_constraints(event):
            if constraint.name or constraint.using_index:
                continue  # USING INDEX without a name takes the index's name
            if constraint.kind not in self.options.kinds:
                continue
            if invented_names is None:
                invented_names = _invented_names(event, ctx)
            kind = constraint.kind
            columns = check_columns(constraint) if kind == "check" else constraint.columns
            listed = f" ({', '.join(quote_ident(c) for c in columns)})" if columns else ""
            invented = quote_ident(
                invented_names.get(id(constraint))
                or default_constraint_name(table.name, constraint)
            )
            column_fk = kind == "foreign-key" and constraint.column_level
            written = "REFERENCES" if column_fk else KIND_WORDS[kind]
            yield ctx.report(
                constraint.span,
                f"{KIND_WORDS[kind]} constraint on {ctx.shown(table)}{listed} has no name: "
                f"PostgreSQL will invent one, such as {invented}",
                hint=f"name it: `CONSTRAINT {invented} {written} ...`",
                fix=_rewrite(ctx, constraint.span.start, invented),
            )


def _invented_names(event: Any, ctx: RuleContext) -> dict[int, str]:
    """The name PostgreSQL gives each unnamed constraint of `event` (by `id`), numbered past
    the names the table has and those the statement gives before it (`orders_check1`)."""
    mine = declared_constraints(event)
    if not mine:
        return {}
    table = mine[0][0]
    same = [
        constraint
        for other in ctx.statement.events
        for named, constraint in declared_constraints(other)
        if named == table
    ]
    same.sort(key=lambda c: c.span.start)
    freed = {e.name for e in ctx.statement.events if type(e) is ir.DropConstraint}
    dropped = {e.column for e in ctx.statement.events if type(e) is ir.DropColumn}
    known = ctx.table(table)
    if dropped and known is not None:  # (a dropped column takes its constraints with it)
        freed |= {c.name for c in known.live_constraints() if dropped & set(c.columns)}
    names = ctx.schema.invented_constraint_names(table, same, freed)
    return {id(c): name for c, name in zip(same, names, strict=True)}


def _rewrite(ctx: RuleContext, at: int, name: str) -> Rewrite | None:
    """`CONSTRAINT <the name PostgreSQL would invent>` before the constraint's keyword (so the
    database ends up the same), where the span starts at that keyword."""
    if ctx.statement.within or not _KEYWORD.match(ctx.text, at):
        return None
    return Rewrite(f"Name it {name}", ((at, at, f"CONSTRAINT {name} "),))
