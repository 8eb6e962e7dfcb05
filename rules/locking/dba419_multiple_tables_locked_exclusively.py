"""DBA419 multiple-tables-locked-exclusively."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog.locks import ACCESS_EXCLUSIVE, LOCKING_EVENTS
from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class MultipleTablesLockedExclusively(StatementRule):
    """ACCESS EXCLUSIVE locks on more than one existing table in one transaction.

    ## What it does
    Flags the statement that takes an ACCESS EXCLUSIVE lock on a second (third, ...) table
    that was not created earlier in the same migration, while the same transaction already
    holds one on another such table. A statement outside a transaction block is a transaction
    of its own (`TRUNCATE a, b` locks both). A table the same transaction drops does not
    count (`DROP TABLE a, b`; a lock on it blocks no one who matters). Dropping a foreign key
    (`DROP CONSTRAINT`, or `DROP COLUMN` of one of its columns, or `DROP TABLE` of the table
    that holds it) takes
    ACCESS EXCLUSIVE on the referenced table as well, and a CASCADE drop of a key on the
    tables whose foreign keys it takes away: those count. Off by default.

    ## Why is this bad?
    Every lock is held until the transaction ends, so the first table stays blocked for reads
    and writes while the migration waits for and works on the next one; and application
    transactions that touch the same tables in the other order deadlock with it.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN currency text;
    ALTER TABLE invoices ADD COLUMN currency text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN currency text;
    COMMIT;
    BEGIN;
    ALTER TABLE invoices ADD COLUMN currency text;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, "Explicit Locking" ("Deadlocks")
    """

    code = "DBA419"
    name = "multiple-tables-locked-exclusively"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    default_enabled = False
    targets = LOCKING_EVENTS
    sees_skipped = True  # (a skipped IF NOT EXISTS still locks its table)

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        held = _exclusive(
            [
                (table, mode)
                for table, mode, statement in ctx.locks_held()
                if not ctx.dies_in_transaction(table, statement.index)
            ],
            ctx,
            [],
        )
        for earlier in ctx.statement.events:  # this statement's own earlier events
            if earlier is event:
                break
            held.extend(_exclusive(ctx.locks_of(earlier), ctx, held))
        for table in _exclusive(ctx.locks_of(event), ctx, held):
            if held:
                others = ", ".join(ctx.shown(t) for t in held)
                yield ctx.report(
                    event.span,
                    f"This takes an ACCESS EXCLUSIVE lock on {ctx.shown(table)} while the "
                    "transaction "
                    f"already holds one on {others}: all of them stay blocked for reads and "
                    "writes until it ends, and it can deadlock with application transactions",
                    hint="lock one existing table per transaction: COMMIT between the changes",
                )
                return
            held.append(table)


def _exclusive(
    locks: list[tuple[ir.QName, str]], ctx: RuleContext, held: list[ir.QName]
) -> list[ir.QName]:
    """The existing tables locked ACCESS EXCLUSIVE in `locks` that are not in `held` yet."""
    found: list[ir.QName] = []
    for table, mode in locks:
        fresh = table not in held and table not in found
        if (
            mode == ACCESS_EXCLUSIVE
            and fresh
            and not ctx.is_new_table(table)
            and not ctx.dies_in_transaction(table)
        ):
            found.append(table)
    return found
