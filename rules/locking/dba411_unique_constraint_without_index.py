"""DBA411 unique-constraint-without-index."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class UniqueConstraintWithoutIndex(StatementRule):
    """A PRIMARY KEY or UNIQUE constraint is added to an existing table without `USING INDEX`.

    ## What it does
    Flags `ALTER TABLE ... ADD PRIMARY KEY` and `... ADD UNIQUE` without `USING INDEX`, and
    `ADD COLUMN ... UNIQUE` / `PRIMARY KEY`, on a table that was not created earlier in the
    same migration.

    ## Why is this bad?
    The constraint builds its unique index while holding an ACCESS EXCLUSIVE lock on the table:
    no reads and no writes for the whole build. Build the index first with
    `CREATE UNIQUE INDEX CONCURRENTLY` (reads and writes go on), then attach it with
    `ADD CONSTRAINT ... USING INDEX`, which only takes the lock briefly (set a `lock_timeout`).
    A PRIMARY KEY also needs its columns NOT NULL: on a nullable column `USING INDEX` still scans
    the table under that lock, unless a validated `CHECK (col IS NOT NULL)` exists (PG 12+).

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_reference_key UNIQUE (reference);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY orders_reference_key ON orders (reference);
    ALTER TABLE orders ADD CONSTRAINT orders_reference_key UNIQUE USING INDEX orders_reference_key;
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE ... ADD table_constraint_using_index`
    """

    code = "DBA411"
    name = "unique-constraint-without-index"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AddConstraint, ir.AddColumn)

    def check(self, event: ir.AddConstraint | ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table):
            return
        if isinstance(event, ir.AddConstraint):
            constraint = event.constraint
            if constraint.kind in ("primary-key", "unique") and not constraint.using_index:
                yield _report(event.table, constraint, None, ctx)
            return
        for constraint in event.column.constraints:
            if constraint.kind in ("primary-key", "unique"):
                yield _report(event.table, constraint, event.column.name, ctx)


def _report(
    table_name: ir.QName, constraint: ir.Constraint, new_column: str | None, ctx: RuleContext
) -> Report:
    """`new_column`: the column an ADD COLUMN declares the constraint on."""
    table = str(table_name)
    name = quote_ident(ctx.constraint_name(table_name, constraint))
    kind = "PRIMARY KEY" if constraint.kind == "primary-key" else "UNIQUE"
    columns = ", ".join(quote_ident(c) for c in constraint.columns)
    steps = [
        f"`CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({columns});`",
        f"`ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name};` "
        "(with a short lock_timeout)",
    ]
    if new_column is not None:
        steps.insert(0, f"add column {quote_ident(new_column)} without {kind}")
    nullable = _nullable(table_name, constraint.columns, ctx) if kind == "PRIMARY KEY" else []
    if nullable and new_column is None:
        checks = ", ".join(nullable)
        steps.insert(
            1,
            f"make {checks} NOT NULL without a long lock first (`ADD CONSTRAINT ... CHECK "
            "(col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT`, then `SET NOT NULL`)",
        )
    return ctx.report(
        constraint.span,
        f"Adding {kind} {name} to {table} builds its unique index under an ACCESS "
        "EXCLUSIVE lock, blocking reads and writes for the whole build",
        hint="; then ".join(steps),
    )


def _nullable(table_name: ir.QName, columns: tuple[str, ...], ctx: RuleContext) -> list[str]:
    """Columns not known to be NOT NULL (nor proven so by a validated CHECK)."""
    table = ctx.table(table_name)
    proven: set[str] = set()
    if table is not None:
        for info in table.live_constraints():
            if info.kind == "check" and info.validated:
                proven.update(info.constraint.not_null_columns)
    found = []
    for column in columns:
        known = table.columns.get(column) if table is not None else None
        if not (known is not None and known.not_null) and column not in proven:
            found.append(quote_ident(column))
    return found
