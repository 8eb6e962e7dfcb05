"""DBA604 non-idempotent-ddl."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

# CREATE statements the replay tracks by name that have an IF NOT EXISTS form.
_IF_NOT_EXISTS_KINDS = frozenset({"sequence", "schema", "extension", "statistics"})
# ... and those with an OR REPLACE form.
_OR_REPLACE_KINDS = frozenset({"trigger", "rule"})


def _create_object(event: ir.CreateObject) -> str | None:
    kind = event.kind.upper()
    if event.kind in _IF_NOT_EXISTS_KINDS and not event.if_not_exists:
        return f"CREATE {kind} IF NOT EXISTS"
    if event.kind in _OR_REPLACE_KINDS and not event.replace:
        return f"CREATE OR REPLACE {kind}"
    return None


def _drop(event: ir.DropObjects) -> str | None:
    return None if event.if_exists else f"DROP {event.kind.upper()} IF EXISTS"


# Event type -> the re-runnable form the statement lacks (None: it has it, or there is none).
_FORMS: dict[type[ir.Event], Callable[[Any], str | None]] = {
    ir.CreateTable: lambda e: None if e.if_not_exists else "CREATE TABLE IF NOT EXISTS",
    ir.CreateTableAs: lambda e: (
        None
        if e.if_not_exists
        else f"CREATE {'MATERIALIZED VIEW' if e.materialized else 'TABLE'} IF NOT EXISTS"
    ),
    ir.CreateIndex: lambda e: (
        None if e.if_not_exists or e.name is None else "CREATE INDEX IF NOT EXISTS"
    ),
    ir.AddColumn: lambda e: None if e.if_not_exists else "ADD COLUMN IF NOT EXISTS",
    ir.DropColumn: lambda e: None if e.if_exists else "DROP COLUMN IF EXISTS",
    ir.DropConstraint: lambda e: None if e.if_exists else "DROP CONSTRAINT IF EXISTS",
    ir.DropObjects: _drop,
    ir.CreateObject: _create_object,
    ir.CreateView: lambda e: None if e.replace else "CREATE OR REPLACE VIEW",
    ir.CreateFunction: lambda e: (
        None if e.replace else f"CREATE OR REPLACE {'PROCEDURE' if e.procedure else 'FUNCTION'}"
    ),
    ir.AlterEnum: lambda e: (
        None if e.if_not_exists or e.old_value is not None else "ADD VALUE IF NOT EXISTS"
    ),
}


class NonIdempotentDdl(StatementRule):
    """DDL outside a transaction without `IF [NOT] EXISTS` (or `OR REPLACE`).

    ## What it does
    Flags DDL that runs outside a transaction block and has a re-runnable form it does not
    use: `CREATE TABLE`, `CREATE INDEX`, `CREATE SEQUENCE/SCHEMA/EXTENSION/STATISTICS` and
    `CREATE MATERIALIZED VIEW` without `IF NOT EXISTS`, `ADD COLUMN` without `IF NOT EXISTS`,
    `ADD VALUE` without `IF NOT EXISTS`, `DROP ...` without `IF EXISTS`, `CREATE VIEW`,
    `FUNCTION`, `PROCEDURE`, `TRIGGER` or `RULE` without `OR REPLACE`. Statements with no
    such form (`ADD CONSTRAINT`, renames) are not flagged. Off by default.

    ## Why is this bad?
    Outside a transaction each statement commits on its own. When the migration stops half
    way (a lock timeout, a failed `CREATE INDEX CONCURRENTLY`), the statements before the
    failure stay applied, and re-running the migration fails on the first of them.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_placed_at_idx ON orders (placed_at);
    ```

    ## Known limits
    A failed `CREATE INDEX CONCURRENTLY` leaves an invalid index behind, which `IF NOT EXISTS`
    then keeps: drop invalid indexes before re-running.

    ## References
    - PostgreSQL documentation, `CREATE INDEX` ("Building Indexes Concurrently"), `DROP ...`
    """

    code = "DBA604"
    name = "non-idempotent-ddl"
    family = "transactions"
    dialects = frozenset({"postgres"})
    severity = Severity.INFO
    default_enabled = False
    targets = tuple(_FORMS)

    def check(self, event: ir.Event, ctx: RuleContext) -> Iterator[Report]:
        if ctx.in_transaction:
            return
        form = _FORMS[type(event)](event)
        if form is None:
            return
        yield ctx.report(
            event.span,
            f"Not re-runnable outside a transaction (no `{form}`): if the migration stops "
            "after this statement, running it again fails here",
            hint=f"write it as `{form} ...`",
        )
