"""DBA411 unique-constraint-without-index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from dbarch_lint.catalog import make_object_name
from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.locking._not_null import CHECK_PROOF_VERSION, proven_not_null


class UniqueConstraintWithoutIndex(StatementRule):
    """A PRIMARY KEY or UNIQUE constraint is added to an existing table under a long lock.

    ## What it does
    Flags `ALTER TABLE ... ADD PRIMARY KEY` and `... ADD UNIQUE` without `USING INDEX`, and `ADD
    COLUMN ... UNIQUE` / `PRIMARY KEY`, on a table that was not created earlier in the same
    migration; not a key on a column the same statement adds without a value for the rows already
    there (`ADD COLUMN id integer NOT NULL, ADD PRIMARY KEY (id)`: it fails on a table with rows,
    which DBA507 says, and builds nothing on an empty one). Also `ADD CONSTRAINT ... PRIMARY KEY
    USING INDEX i` when a key column is not known to be NOT NULL: silent when every column of the
    index is NOT NULL already or, on PostgreSQL 12+, a validated `CHECK (col IS NOT NULL)` (alone or
    AND-ed) exists for it before the statement (the proof DBA408 accepts); a column the same `ALTER
    TABLE` sets NOT NULL is DBA408's scan. Where the replay does not know the table, the index or a
    key column, the finding says that it could not be proven.

    ## Why is this bad?
    The constraint builds its unique index while holding an ACCESS EXCLUSIVE lock on the table:
    no reads and no writes for the whole build. Build the index first with
    `CREATE UNIQUE INDEX CONCURRENTLY` (reads and writes go on), then attach it with
    `ADD CONSTRAINT ... USING INDEX`, which only takes the lock briefly (set a `lock_timeout`).
    A PRIMARY KEY also needs its columns NOT NULL: on a nullable column `USING INDEX` sets NOT
    NULL, which reads every row (a NULL makes it fail) under that lock, unless a validated
    `CHECK (col IS NOT NULL)` proves it (PostgreSQL 12+: "existing constraints ... are sufficient
    to prove that it does not contain nulls"). Add that CHECK as `NOT VALID`, `VALIDATE` it in a
    separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on), then attach the index.

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
    - PostgreSQL 12 release notes: "Allow ALTER TABLE ... SET NOT NULL to avoid unnecessary
      table scans"
    """

    code = "DBA411"
    name = "unique-constraint-without-index"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AddConstraint, ir.AddColumn)

    def check(self, event: ir.AddConstraint | ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events add no PRIMARY KEY or UNIQUE constraint)
        if type(event) is ir.AddConstraint:
            added: tuple[ir.Constraint, ...] = (event.constraint,)
        else:
            added = cast("ir.AddColumn", event).column.constraints
        for constraint in added:  # (a plain loop, no generator: most add neither)
            if constraint.kind == "primary-key" or constraint.kind == "unique":
                return self._reports(event, ctx)
        return NOTHING

    def _reports(
        self, event: ir.AddConstraint | ir.AddColumn, ctx: RuleContext
    ) -> Iterator[Report]:
        if ctx.is_new_table(event.table):
            return
        if type(event) is ir.AddConstraint:
            constraint = event.constraint
            if _fails_on_rows(event.table, constraint, ctx):
                return
            if constraint.kind in ("primary-key", "unique") and not constraint.using_index:
                yield _report(event.table, constraint, None, ctx)
            elif constraint.kind == "primary-key" and constraint.using_index:
                yield from _using_index(event.table, constraint, constraint.using_index, ctx)
            return
        event = cast("ir.AddColumn", event)  # (type(event) is, above: an isinstance miss is costly)
        for constraint in event.column.constraints:
            if _fails_on_rows(event.table, constraint, ctx):
                continue
            if constraint.kind in ("primary-key", "unique"):
                yield _report(event.table, constraint, event.column.name, ctx)


def _fails_on_rows(table: ir.QName, constraint: ir.Constraint, ctx: RuleContext) -> bool:
    """Whether the key is on a column this same statement adds without a value for the rows
    already there (no default, identity, generation or sequence), that the key or the column
    requires: the statement fails on any table with rows (DBA507 says so) and builds nothing on
    an empty one (Prisma's `ADD COLUMN "id" INTEGER NOT NULL, ADD CONSTRAINT ... PRIMARY KEY`)."""
    added = {
        e.column.name: e.column
        for e in ctx.statement.events
        if type(e) is ir.AddColumn and e.table == table
    }
    for name in constraint.columns:
        column = added.get(name)
        if column is None:
            continue
        kinds = {c.kind for c in column.constraints}
        if kinds & {"identity", "generated"} or any(
            c.kind == "default" and not c.null_default for c in column.constraints
        ):
            continue
        if column.type is not None and column.type.names[-1:] in [(n,) for n in SERIAL_BASE_TYPES]:
            continue
        if constraint.kind == "primary-key" or kinds & {"not-null", "primary-key"}:
            return True
    return False


def _report(
    table_name: ir.QName, constraint: ir.Constraint, new_column: str | None, ctx: RuleContext
) -> Report:
    """`new_column`: the column an ADD COLUMN declares the constraint on."""
    table = ctx.shown(table_name)
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
    table, version = ctx.table(table_name), ctx.settings.pg_version
    return [quote_ident(c) for c in columns if not proven_not_null(table, c, version)]


def _using_index(
    table_name: ir.QName, constraint: ir.Constraint, index_name: str, ctx: RuleContext
) -> Iterator[Report]:
    """`ADD CONSTRAINT ... PRIMARY KEY USING INDEX`: PostgreSQL sets NOT NULL on the index's
    columns, scanning the table unless each is proven NOT NULL."""
    table, version = ctx.table(table_name), ctx.settings.pg_version
    indexes = table.live_indexes() if table is not None else []
    index = next((i for i in indexes if i.name == index_name), None)
    shown, name, index_shown = (
        ctx.shown(table_name),
        quote_ident(ctx.constraint_name(table_name, constraint)),
        quote_ident(index_name),
    )
    older = (
        "" if version >= CHECK_PROOF_VERSION else " (before PostgreSQL 12 no CHECK spares the scan)"
    )
    attach = (
        f"`ALTER TABLE {shown} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {index_shown};` "
        "(with a short lock_timeout)"
    )
    keys = [c for c in index.columns if c is not None] if index is not None else []
    unknown: str | None = None
    if table is None:
        unknown = f"table {shown} is"
    elif index is None:
        unknown = f"index {index_shown} is"
    elif not keys:  # (the replay made it up for a constraint attaching an unknown index)
        unknown = f"the columns of index {index_shown} are"
    else:
        missing = [quote_ident(c) for c in keys if c not in table.columns]
        if missing:
            unknown = ("column " if len(missing) == 1 else "columns ") + ", ".join(missing)
            unknown += " is" if len(missing) == 1 else " are"
    # (a SET NOT NULL of the same ALTER TABLE scans for both: DBA408 reports that scan)
    set_here = {
        e.column for e in ctx.statement.events if type(e) is ir.SetNotNull and e.table == table_name
    }
    nullable = [c for c in keys if c not in set_here and not proven_not_null(table, c, version)]
    if unknown is None and not nullable:
        return
    what = f"Adding PRIMARY KEY {name} to {shown} USING INDEX {index_shown} sets NOT NULL on "
    if unknown is None:
        what += (
            ", ".join(quote_ident(c) for c in nullable)
            + ", which scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and "
            f"writes for the whole scan{older}"
        )
    else:
        what += (
            "its columns, which scans the whole table under an ACCESS EXCLUSIVE lock unless "
            f"they are proven NOT NULL: {unknown} not known from the migrations, so it could "
            "not be proven that they are"
        )
    if nullable:
        check = quote_ident(
            make_object_name(
                table_name.name, nullable[0] if len(nullable) == 1 else None, "not_null"
            )
        )
        proof = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in nullable)
        hint = (
            f"`ALTER TABLE {shown} ADD CONSTRAINT {check} CHECK ({proof}) NOT VALID;`, in a "
            f"separate transaction `ALTER TABLE {shown} VALIDATE CONSTRAINT {check};`, then "
            f"{attach} and `ALTER TABLE {shown} DROP CONSTRAINT {check};`"
        )
    else:
        hint = (
            "make sure each key column is NOT NULL first, or add `CHECK (col IS NOT NULL) NOT "
            f"VALID` and `VALIDATE CONSTRAINT` it in a separate transaction; then {attach}"
        )
    yield ctx.report(constraint.span, what, hint=hint)
