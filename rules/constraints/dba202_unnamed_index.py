"""DBA202 unnamed-index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model import ir
from dbarch_lint.model.ir import Span, quote_ident
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.constraints._names import identifiers


class UnnamedIndex(StatementRule):
    """A `CREATE INDEX` without an index name.

    ## What it does
    Flags `CREATE INDEX ON ...` (and `CREATE UNIQUE INDEX ON ...`) statements that leave the
    index name to PostgreSQL. `--fix` writes the name PostgreSQL would invent
    (`<table>_<columns>_idx`, an expression key named after its function or `expr`, cut to 63
    bytes as PostgreSQL cuts it, numbered when the replayed schema shows the name taken), so the
    database ends up the same; a safe fix.

    ## Why is this bad?
    PostgreSQL invents a name from the table and columns and numbers it on a clash
    (`orders_customer_id_idx1`), so the name depends on what the database already holds. Later
    migrations must drop, rename or rebuild the index by that name. Worse, when
    `CREATE INDEX CONCURRENTLY` fails (a deadlock, a uniqueness violation, a cancelled
    statement) it leaves an INVALID index behind that still slows every write: you must find it by
    its invented name to drop it, and a retry creates yet another name. With a name,
    `DROP INDEX CONCURRENTLY IF EXISTS name` followed by the same `CREATE` is a safe retry.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    ```

    ## References
    - PostgreSQL documentation, `CREATE INDEX`: "If the name is omitted, PostgreSQL chooses a
      suitable name based on the parent table's name and the indexed column name(s)."
    - PostgreSQL documentation, `CREATE INDEX`, "Building Indexes Concurrently" (invalid indexes)
    """

    code = "DBA202"
    name = "unnamed-index"
    family = "constraints"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    # (not in a function body, nor where the `ON` is not found)
    fix_availability = FixAvailability.SOMETIMES
    targets = (ir.CreateIndex,)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        return NOTHING if event.name else self._reports(event, ctx)

    def _reports(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        assert type(event) is ir.CreateIndex
        keys = [e.column for e in event.elems]
        columns = ", ".join(quote_ident(c) if c else "(expression)" for c in keys)
        name = _invented_name(event, ctx)
        such_as = f", such as {quote_ident(name)}"
        create = "CREATE UNIQUE INDEX" if event.unique else "CREATE INDEX"
        create += " CONCURRENTLY" if event.concurrent else ""
        on = _on_keyword(ctx, event.span)
        fix = None
        if on is not event.span and not ctx.statement.within:
            fix = Rewrite(
                f"Name it {quote_ident(name)}", ((on.start, on.start, f"{quote_ident(name)} "),)
            )
        yield ctx.report(
            on,
            f"{'Unique index' if event.unique else 'Index'} on {ctx.shown(event.table)} "
            f"({columns}) has no name: PostgreSQL will invent one{such_as}",
            hint=f"name it: `{create} {quote_ident(name)} ON {ctx.shown(event.table)} ...`",
            fix=fix,
        )


def _invented_name(event: ir.CreateIndex, ctx: RuleContext) -> str:
    """The name PostgreSQL will choose."""
    table = ctx.table(event.table)
    # `_idx` for unique indexes too: `_key` is only for the index behind a UNIQUE constraint.
    return ctx.schema.invented_index_name(
        table.name if table is not None else ctx.schema.resolve(event.table),
        [*(e.name_part for e in event.elems), *event.include],
    )


def _on_keyword(ctx: RuleContext, span: Span) -> Span:
    """The `ON` where the missing name belongs (the statement when it cannot be found)."""
    end = max(span.end, span.start)
    return next((i.span for i in identifiers(ctx.text, span.start, end) if i.value == "on"), span)
