"""DBA804 second-primary-key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.consistency._model import statement_events
from dbarch_lint.rules.constraints._events import table_constraints


class SecondPrimaryKey(StatementRule):
    """A PRIMARY KEY added to a table that already has one.

    ## What it does
    Flags a second PRIMARY KEY in one CREATE TABLE (two columns marked `PRIMARY KEY`, or one and
    a table constraint), and a PRIMARY KEY added by ALTER TABLE (`ADD PRIMARY KEY`, `ADD COLUMN
    ... PRIMARY KEY`) to a table whose primary key the replay of the migrations knows, unless the
    same statement drops that key (`DROP CONSTRAINT`, or `DROP COLUMN` of one of its columns).

    ## Why is this bad?
    A table has at most one primary key: PostgreSQL rejects the statement (`multiple primary
    keys for table ... are not allowed`), so the migration fails when it is deployed. The usual
    cause is a key meant to replace the old one, or a UNIQUE constraint written as a PRIMARY KEY.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, reference text NOT NULL);
    ALTER TABLE orders ADD CONSTRAINT orders_reference_pkey PRIMARY KEY (reference);
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, reference text NOT NULL);
    ALTER TABLE orders ADD CONSTRAINT orders_reference_key UNIQUE (reference);
    ```

    ## Known limits
    A primary key the replay does not know (a table created outside the history, or through a
    partitioned parent's key) is not compared.
    """

    code = "DBA804"
    name = "second-primary-key"
    family = "consistency"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.CreateTable, ir.AddConstraint, ir.AddColumn)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most ADD COLUMN and ADD CONSTRAINT events add no primary key)
        if type(event) is ir.AddConstraint and event.constraint.kind != "primary-key":
            return NOTHING
        if type(event) is ir.AddColumn and event.column.get("primary-key") is None:
            return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        if type(event) is ir.CreateTable:
            if event.if_not_exists and ctx.table(event.table) is not None:
                return  # PostgreSQL skips the whole statement
            keys = [c for c in table_constraints(event) if c.kind == "primary-key"]
            for second in sorted(keys, key=lambda c: c.span.start)[1:]:
                yield _second(ctx, second, event.table, "is declared with another one")
            return
        key: ir.Constraint | None
        if type(event) is ir.AddColumn:
            table = ctx.table(event.table)
            if event.if_not_exists and table is not None and event.column.name in table.columns:
                return  # PostgreSQL skips the column
            key = event.column.get("primary-key")
        else:
            key = event.constraint if event.constraint.kind == "primary-key" else None
        if key is None:
            return
        events = statement_events(ctx, event.table)
        earlier = events[: next(i for i, e in enumerate(events) if e is event)]
        if any(_adds_key(e) for e in earlier):
            yield _second(ctx, key, event.table, "gets another one in the same statement")
            return
        table = ctx.table(event.table)
        existing = table.primary_key() if table is not None else None
        if existing is None:
            return
        dropped_columns = {e.column for e in events if type(e) is ir.DropColumn}
        for other in events:
            if type(other) is ir.DropConstraint and other.name == existing.name:
                return
        if not dropped_columns.isdisjoint(existing.columns):
            return  # dropping a key column drops the key
        yield _second(ctx, key, event.table, f"already has one, {quote_ident(existing.name)}")


def _adds_key(event: ir.Event) -> bool:
    if type(event) is ir.AddConstraint:
        return event.constraint.kind == "primary-key"
    return type(event) is ir.AddColumn and event.column.get("primary-key") is not None


def _second(ctx: RuleContext, key: ir.Constraint, table: QName, why: str) -> Report:
    return ctx.report(
        key.span,
        f"Second PRIMARY KEY on table {ctx.shown(table)}, which {why}: PostgreSQL refuses it "
        "(multiple primary keys are not allowed)",
        hint="drop the old key in the same statement (`DROP CONSTRAINT ..., ADD PRIMARY KEY "
        "...`), or make this one a UNIQUE constraint",
    )
