"""DBA203 constraint-name-pattern."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules.constraints._events import (
    CONSTRAINT_EVENTS,
    KIND_WORDS,
    declared_constraints,
)
from dbarch_lint.rules.constraints._names import check_columns, find_name
from dbarch_lint.rules.constraints._patterns import advice, expand, validate


class _Named(msgspec.Struct, frozen=True):
    """A constraint name to judge: the constraint, its table, its columns, its new name."""

    table: QName
    constraint: ir.Constraint
    columns: tuple[str, ...] | None  # None: unknown (an index the replay never saw)
    name: str
    near: int
    renamed: bool = False


class ConstraintNamePatternOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA203's options: a name pattern per constraint kind."""

    pk: str = "{table}_pkey"
    fk: str = "{table}_{columns}_fkey"
    unique: str = "{table}_{columns}_key"
    check: str = "{table}_{column}_check"
    multi_column_check: str = "{table}_check"
    exclude: str = "{table}_{columns}_excl"

    def __post_init__(self) -> None:
        for option in ("pk", "fk", "unique", "multi_column_check", "exclude"):
            validate(option.replace("_", "-"), getattr(self, option), ("table", "columns"))
        validate("check", self.check, ("table", "columns", "column"))


class ConstraintNamePattern(StatementRule[ConstraintNamePatternOptions]):
    """A constraint name that does not follow the naming pattern for its kind.

    ## What it does
    Checks the name written for each PRIMARY KEY, FOREIGN KEY, UNIQUE, CHECK and EXCLUDE
    constraint (in CREATE TABLE, ADD COLUMN, ADD CONSTRAINT, including `USING INDEX`, and
    `RENAME CONSTRAINT`) against a pattern per kind. The default patterns are the names
    PostgreSQL itself generates: `{table}_pkey`, `{table}_{columns}_fkey`,
    `{table}_{columns}_key`, `{table}_{column}_check` for a CHECK that mentions one column,
    `{table}_check` for any other CHECK, and `{table}_{columns}_excl`. Unnamed constraints are
    DBA201's business and are not checked here.

    ## Why is this bad?
    Constraint names surface in error messages (`violates foreign key constraint
    "fk_1"`), in the code that maps those errors to user-facing messages, and in every later
    migration that drops or validates a constraint. One predictable pattern lets a reader know the
    name without looking it up, and keeps names from colliding within a schema.

    ## Example
    ```sql
    CREATE TABLE orders (
        id bigint CONSTRAINT pk_orders PRIMARY KEY,
        total numeric(12, 2) CONSTRAINT orders_total_check CHECK (total >= 0)
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
    Each pattern is an exact template, not a regular expression. `{table}` is the table's name
    (without schema), `{columns}` the constrained columns joined by `_` (the referencing columns
    for a foreign key), `{column}` the one column a CHECK mentions (only in `check`); `*`
    matches any text, so `chk_{table}_*` accepts any suffix.

    - `pk` (default `{table}_pkey`)
    - `fk` (default `{table}_{columns}_fkey`)
    - `unique` (default `{table}_{columns}_key`)
    - `check` (default `{table}_{column}_check`): a CHECK whose expression mentions one column
    - `multi-column-check` (default `{table}_check`): a CHECK over several columns, or none
    - `exclude` (default `{table}_{columns}_excl`)

    ## Known limits
    When the expected name is longer than 63 bytes PostgreSQL truncates it, and the rule does
    not judge the name. The columns of an EXCLUDE constraint on an expression are the columns the
    expression mentions.

    ## References
    - PostgreSQL source, `ChooseConstraintName` and `makeObjectName` (the generated names)
    """

    code = "DBA203"
    name = "constraint-name-pattern"
    family = "constraints"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    default_enabled = False
    targets = (*CONSTRAINT_EVENTS, ir.RenameObject)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        for named in _names(event, ctx):
            report = self._judge(named, ctx, event.span)
            if report is not None:
                yield report

    def _judge(self, named: _Named, ctx: RuleContext, fallback: Span) -> Report | None:
        constraint = named.constraint
        option, pattern = self._pattern(constraint)
        columns: list[str | None] = list(named.columns) if named.columns is not None else [None]
        one = check_columns(constraint)
        values = {"table": named.table.name, "columns": columns, "column": one[0] if one else ""}
        expansion = expand(pattern, values)
        if expansion.accepts(named.name) is not False:
            return None
        statement = ctx.statement.span if ctx.statement is not None else fallback
        end = max(statement.end, statement.start)
        span = find_name(ctx.text, named.near, end, named.name) or fallback
        expected = f" (expected {quote_ident(expansion.example)})" if expansion.example else ""
        return ctx.report(
            span,
            f"{KIND_WORDS[constraint.kind]} constraint {quote_ident(named.name)} on "
            f"{ctx.shown(named.table)} does not match the `{option}` naming pattern "
            f"`{pattern}`{expected}",
            hint=advice(expansion, pattern, named.renamed),
        )

    def _pattern(self, constraint: ir.Constraint) -> tuple[str, str]:
        options = self.options
        if constraint.kind == "check":
            if len(check_columns(constraint)) == 1:
                return "check", str(options.check)
            return "multi-column-check", str(options.multi_column_check)
        option = {"primary-key": "pk", "foreign-key": "fk"}.get(constraint.kind, constraint.kind)
        return option, str(getattr(options, option))


def _names(event: ir.Event, ctx: RuleContext) -> Iterator[_Named]:
    """The constraint names an event writes (declared, taken from an index, or renamed to)."""
    if isinstance(event, ir.RenameObject):
        yield from _renamed(event, ctx)
        return
    for table, constraint in declared_constraints(event):
        name = constraint.name or constraint.using_index
        if not name:
            continue
        columns: tuple[str, ...] | None = constraint.columns
        if constraint.using_index:
            owner = ctx.table(table)
            schema = owner.name.schema if owner is not None else table.schema
            index = ctx.schema.index(QName(schema, constraint.using_index))
            known = index is not None and None not in index.columns
            columns = tuple(c for c in index.columns if c) if index is not None and known else None
        yield _Named(table, constraint, columns, name, constraint.span.start)


def _renamed(event: ir.RenameObject, ctx: RuleContext) -> Iterator[_Named]:
    info = None
    if event.kind == "constraint" and event.table is not None:
        table = ctx.table(event.table)
        info = table.constraint(event.name.name) if table is not None else None
    elif event.kind == "index":
        index = ctx.schema.index(event.name)
        info = index.constraint if index is not None else None
    if info is None or info.kind not in KIND_WORDS:
        return
    table_name = event.table or QName(event.name.schema, "")
    owner = next(
        (t for t in ctx.schema.tables.values() if any(c is info for c in t.constraints)), None
    )
    if owner is not None:
        table_name = QName(table_name.schema, owner.name.name)
    yield _Named(
        table_name, info.constraint, tuple(info.columns), event.new, event.span.start, True
    )
