"""DBA409 constraint-without-not-valid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import cast

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.model.source import extent_end
from dbarch_lint.rule import FixAvailability, Report, Rewrite, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.locking._sql import check_clause, constraint_body, foreign_table


class ConstraintWithoutNotValid(StatementRule):
    """A CHECK or FOREIGN KEY constraint is added to an existing table without `NOT VALID`.

    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... CHECK` and `... FOREIGN KEY` without `NOT VALID`
    on a table that was not created earlier in the same migration (also a table CHECK added in
    the same ALTER TABLE as its new column), `ADD COLUMN ... REFERENCES` with a non-null
    `DEFAULT` (which checks every row; without a default the new column is all NULL and nothing
    is scanned), and `ADD COLUMN ... CHECK (...)`: PostgreSQL evaluates the CHECK on every row
    even when the new column is all NULL, and a column constraint cannot be written `NOT VALID`,
    so add the column first, then the CHECK as a table constraint with `NOT VALID`, then
    `VALIDATE CONSTRAINT`. PRIMARY KEY, UNIQUE and EXCLUDE have no `NOT VALID` form: see DBA411
    and DBA412. A foreign table (`ALTER FOREIGN TABLE`, or one made by `CREATE FOREIGN TABLE`)
    is never scanned: its constraints are not checked by PostgreSQL.

    `--fix` adds `NOT VALID` to an `ADD CONSTRAINT` and writes its `VALIDATE CONSTRAINT` in a
    new migration that runs right after the file, named as the runner names migrations (Flyway
    `V<version>.1__validate_<name>.sql`, golang-migrate `<version + 1>_validate_<name>.up.sql`
    and `.down.sql`, dbmate `<version + 1>_validate_<name>.sql`, Diesel
    `<version + 1 second>_validate_<name>/up.sql` and `down.sql`); never over an existing file,
    and not where the runner's naming leaves no place right after (golang-migrate versions 5
    and 6) or a new migration needs more than a file (Sqitch's plan). A safe fix: the table
    ends up with the same valid constraint. In a plain folder, where only the file name's sort
    order says what runs next (`<file>_validate_<name>.sql`), it is unsafe.

    ## Why is this bad?
    Adding the constraint checks every existing row while holding the lock the ADD takes: ACCESS
    EXCLUSIVE for a CHECK (no reads, no writes), SHARE ROW EXCLUSIVE on both tables for a
    foreign key (no writes). On a large table that is the whole scan. With `NOT VALID` the ADD is
    instant (new rows are checked), and `VALIDATE CONSTRAINT`, run later in its own transaction,
    checks the old rows under a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT NOT VALID;
    -- in a later transaction (or migration):
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE`, notes on `NOT VALID` and `VALIDATE CONSTRAINT`
    """

    code = "DBA409"
    name = "constraint-without-not-valid"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    # (ADD CONSTRAINT, where the runner can run a new migration right after the file)
    fix_availability = FixAvailability.SOMETIMES
    targets = (ir.AddConstraint, ir.AddColumn)

    def check(self, event: ir.AddConstraint | ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most ADD CONSTRAINT events add no CHECK or FOREIGN KEY to validate)
        if type(event) is ir.AddConstraint and (
            event.constraint.kind not in ("check", "foreign-key") or event.constraint.not_valid
        ):
            return NOTHING
        return self._reports(event, ctx)

    def _reports(
        self, event: ir.AddConstraint | ir.AddColumn, ctx: RuleContext
    ) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or foreign_table(ctx, event.table):
            return  # (a foreign table has no rows here to check)
        if type(event) is ir.AddColumn:
            yield from _column_reference(event, ctx)
            yield from _column_checks(event, ctx)
            return
        event = cast("ir.AddConstraint", event)  # (type(event) is, above: a miss is costly)
        constraint = event.constraint
        if constraint.kind not in ("check", "foreign-key") or constraint.not_valid:
            return
        table = ctx.shown(event.table)
        name = quote_ident(ctx.constraint_name(event.table, constraint))
        body = constraint_body(ctx, constraint.span)
        if constraint.kind == "check":
            what = (
                f"Adding CHECK constraint {name} to {table} without NOT VALID scans the whole "
                "table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the whole "
                "scan"
            )
        else:
            what = (
                f"Adding FOREIGN KEY {name} to {table} without NOT VALID scans the whole table "
                f"under a SHARE ROW EXCLUSIVE lock on {table} and "
                f"{_referenced(ctx, constraint)}, "
                "blocking writes to both for the whole scan"
            )
        yield ctx.report(
            constraint.span,
            what,
            hint=(
                f"`ALTER TABLE {table} ADD CONSTRAINT {name} {body} NOT VALID;`, then in a "
                f"separate transaction `ALTER TABLE {table} VALIDATE CONSTRAINT {name};`"
            ),
            fix=_not_valid(ctx, constraint, table, name),
        )


def _not_valid(
    ctx: RuleContext, constraint: ir.Constraint, table: str, name: str
) -> Rewrite | None:
    """NOT VALID after the constraint, and its VALIDATE in a migration right after the file
    (which `--fix` names as the runner names files; unsafe where the runner is plain: nothing
    tells it to run that file next)."""
    if ctx.statement.within:
        return None
    span = constraint.span
    end = span.end if span.extent == "exact" else extent_end(ctx.text, span.start, "clause")
    slug = "validate_" + (re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "constraint")
    validate = f"ALTER TABLE {table} VALIDATE CONSTRAINT {name};\n"
    return Rewrite(
        f"Add it NOT VALID, and validate it in a new migration right after ({slug})",
        ((end, end, " NOT VALID"),),
        follow_up=(slug, validate),
        unsafe=ctx.runner not in _NAMED_RUNNERS,
    )


# The runners whose order a new file's name decides (`--fix` names the VALIDATE's migration).
_NAMED_RUNNERS = frozenset(("flyway", "golang-migrate", "dbmate", "diesel"))


def _column_reference(event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
    constraints = event.column.constraints
    defaults = [c for c in constraints if c.kind == "default" and not c.null_default]
    references = [c for c in constraints if c.kind == "foreign-key"]
    if not defaults or not references:
        return
    column, table = quote_ident(event.column.name), ctx.shown(event.table)
    reference = references[0]
    name = quote_ident(ctx.constraint_name(event.table, reference))
    target = _referenced(ctx, reference)
    if reference.ref_columns:
        target += f" ({', '.join(quote_ident(c) for c in reference.ref_columns)})"
    yield ctx.report(
        reference.span,
        f"Adding column {column} to {table} with REFERENCES and a DEFAULT checks every row against "
        f"{_referenced(ctx, reference)} under a SHARE ROW EXCLUSIVE lock on both tables, "
        "blocking writes for the whole scan",
        hint=(
            f"add {column} without REFERENCES, then `ALTER TABLE {table} ADD CONSTRAINT {name} "
            f"FOREIGN KEY ({column}) REFERENCES {target} NOT VALID;` and, in a separate "
            f"transaction, `ALTER TABLE {table} VALIDATE CONSTRAINT {name};`"
        ),
    )


def _column_checks(event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
    """A CHECK on a new column is checked on every row (even all-NULL ones) under ACCESS
    EXCLUSIVE, and a column constraint cannot be NOT VALID."""
    column, table = quote_ident(event.column.name), ctx.shown(event.table)
    taken: set[str] = set()
    for check in event.column.constraints:
        if check.kind != "check" or check.not_valid:
            continue
        name = ctx.constraint_name(event.table, check)
        if check.name is None:  # PostgreSQL numbers a second unnamed one: `t_c_check1`
            name = next(
                f"{name}{n or ''}" for n in range(len(taken) + 1) if f"{name}{n or ''}" not in taken
            )
        taken.add(name)
        name, body = quote_ident(name), check_clause(ctx, check.span)
        yield ctx.report(
            check.span,
            f"Adding column {column} to {table} with CHECK constraint {name} scans the whole "
            "table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the whole "
            "scan (a column constraint cannot be NOT VALID)",
            hint=(
                f"add {column} without the CHECK, then `ALTER TABLE {table} ADD CONSTRAINT "
                f"{name} {body} NOT VALID;` and, in a separate transaction, `ALTER TABLE "
                f"{table} VALIDATE CONSTRAINT {name};`"
            ),
        )


def _referenced(ctx: RuleContext, constraint: ir.Constraint) -> str:
    """The table a foreign key references, as messages show it."""
    ref = constraint.ref_table
    return ctx.shown(ref) if ref is not None else "the referenced table"
