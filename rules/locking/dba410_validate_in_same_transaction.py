"""DBA410 validate-in-same-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class ValidateInSameTransaction(StatementRule):
    """`VALIDATE CONSTRAINT` in the same transaction as the constraint's `NOT VALID` addition.

    ## What it does
    Flags `ALTER TABLE ... VALIDATE CONSTRAINT name` when the same transaction block (an
    explicit one, or the runner's: `--assume-in-transaction`) added that constraint with
    `NOT VALID` earlier.

    ## Why is this bad?
    The point of `NOT VALID` is to keep the strong lock of the ADD short. Validating in the same
    transaction holds that lock through the validation scan: ACCESS EXCLUSIVE for a CHECK (no
    reads, no writes), SHARE ROW EXCLUSIVE on both tables for a FOREIGN KEY (no writes). Commit
    first; `VALIDATE` on its own only takes SHARE UPDATE EXCLUSIVE.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    COMMIT;
    BEGIN;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, `ALTER TABLE` (notes on `VALIDATE CONSTRAINT`)
    """

    code = "DBA410"
    name = "validate-in-same-transaction"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = (ir.ValidateConstraint,)

    def check(self, event: ir.ValidateConstraint, ctx: RuleContext) -> Iterator[Report]:
        if not ctx.in_transaction:
            return
        added = _added_in_this_transaction(ctx, event)
        if added is None:
            return
        if added.kind == "foreign-key":
            lock = (
                f"SHARE ROW EXCLUSIVE lock on {ctx.shown(event.table)} and "
                f"{_referenced(ctx, added)}, blocking writes"
            )
        else:
            lock = f"ACCESS EXCLUSIVE lock on {ctx.shown(event.table)}, blocking reads and writes"
        name = quote_ident(event.name)
        yield ctx.report(
            event.span,
            f"Validating {name} in the transaction that added it NOT VALID keeps the ADD's {lock}"
            " for the whole validation scan",
            hint=f"COMMIT after adding {name}, then validate it in a transaction of its own",
        )


def _added_in_this_transaction(
    ctx: RuleContext, event: ir.ValidateConstraint
) -> ir.Constraint | None:
    """The NOT VALID constraint of that name this transaction added, if any."""
    table = ctx.table(event.table)
    known = table.constraint(event.name) if table is not None else None
    for statement in reversed(ctx.transaction()[:-1]):
        for earlier in statement.events:
            if not isinstance(earlier, ir.AddConstraint) or not earlier.constraint.not_valid:
                continue
            # The replay knows the name PostgreSQL gave it (an unnamed one has one too).
            if (known is not None and known.constraint is earlier.constraint) or (
                earlier.constraint.name == event.name and earlier.table.name == event.table.name
            ):
                return earlier.constraint
    return None


def _referenced(ctx: RuleContext, constraint: ir.Constraint) -> str:
    """The table a foreign key references, as messages show it."""
    ref = constraint.ref_table
    return ctx.shown(ref) if ref is not None else "the referenced table"
