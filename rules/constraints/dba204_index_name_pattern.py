"""DBA204 index-name-pattern."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules.constraints._names import find_name
from dbarch_lint.rules.constraints._patterns import advice, expand, validate


class IndexNamePatternOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA204's options: the name patterns of indexes and of unique indexes, and what joins
    the columns in `{columns}`."""

    index: str = "{table}_{columns}_idx"
    unique_index: str = "{table}_{columns}_key"
    column_separator: str = "_"

    def __post_init__(self) -> None:
        validate("index", self.index, ("table", "columns"))
        validate("unique-index", self.unique_index, ("table", "columns"))


class IndexNamePattern(StatementRule[IndexNamePatternOptions]):
    """An index name that does not follow the house naming pattern.

    ## What it does
    Checks the name given in `CREATE INDEX` and `ALTER INDEX ... RENAME TO` against a pattern:
    by default `{table}_{columns}_idx` for an index and `{table}_{columns}_key` for a unique
    index. (PostgreSQL names both `_idx` when it picks the name itself; `_key` is what it calls
    the index behind a UNIQUE constraint, and the house keeps the two alike.) Indexes that back a
    constraint are named by the constraint and checked by DBA203; unnamed indexes are DBA202's.

    ## Why is this bad?
    Index names are what you type in an emergency: to drop an INVALID index a failed
    `CREATE INDEX CONCURRENTLY` left behind, to find the index in `pg_stat_user_indexes`, to read
    an `EXPLAIN` plan. A name that says its table and columns needs no lookup, and one pattern
    across the schema makes a duplicate index visible at a glance.

    ## Example
    ```sql
    CREATE INDEX idx_customer ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    ```

    ## Options
    Each pattern is an exact template, not a regular expression. `{table}` is the table's name
    (without schema), `{columns}` the key columns joined by `column-separator` (an expression key
    matches any text there); `*` matches any text, so `{table}_{columns}_*idx` also accepts
    `orders_customer_id_active_idx`.

    - `index` (default `{table}_{columns}_idx`)
    - `unique-index` (default `{table}_{columns}_key`)
    - `column-separator` (default `_`): e.g. `_and_` with `index = "index_{table}_on_{columns}"`
      for Rails' names

    ## Known limits
    When the expected name is longer than 63 bytes PostgreSQL truncates it, and the rule does
    not judge the name. INCLUDE columns and the WHERE clause of a partial index are not part of
    `{columns}`.

    ## References
    - PostgreSQL source, `ChooseIndexName` (the names PostgreSQL generates)
    """

    code = "DBA204"
    name = "index-name-pattern"
    family = "constraints"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    default_enabled = False
    targets = (ir.CreateIndex, ir.RenameObject)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        if isinstance(event, ir.CreateIndex):
            if event.name:
                keys = [e.column for e in event.elems]
                yield from self._judge(
                    event.name, event.table, ctx.shown(event.table), keys, event.unique, event, ctx
                )
        elif isinstance(event, ir.RenameObject) and event.kind == "index":
            index = ctx.schema.index(event.name)
            if index is not None and index.constraint is None:
                table = QName(None, index.table.name)
                shown_table = ctx.schema.shown(index.table)
                yield from self._judge(
                    event.new, table, shown_table, index.columns, index.unique, event, ctx
                )

    def _judge(
        self,
        name: str,
        table: QName,
        shown_table: str,
        keys: list[str | None],
        unique: bool,
        event: ir.Event,
        ctx: RuleContext,
    ) -> Iterator[Report]:
        option = "unique-index" if unique else "index"
        pattern = self.options.unique_index if unique else self.options.index
        values = {"table": table.name, "columns": keys}
        expansion = expand(pattern, values, self.options.column_separator)
        if expansion.accepts(name) is not False:
            return
        statement = ctx.statement.span if ctx.statement is not None else event.span
        span = find_name(ctx.text, statement.start, max(statement.end, statement.start), name)
        expected = f" (expected {quote_ident(expansion.example)})" if expansion.example else ""
        kind = "Unique index" if unique else "Index"
        yield ctx.report(
            span or event.span,
            f"{kind} {quote_ident(name)} on {shown_table} does not match "
            f"the `{option}` naming pattern `{pattern}`{expected}",
            hint=advice(expansion, pattern, isinstance(event, ir.RenameObject)),
        )
