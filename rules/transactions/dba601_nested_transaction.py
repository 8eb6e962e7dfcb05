"""DBA601 nested-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import (
    CLOSING,
    EXPLICIT,
    IMPLICIT,
    OPENING,
    OUTSIDE,
    RUNNER,
    TURN_OFF,
    Report,
    RuleContext,
    Severity,
    StatementRule,
    named,
)


class NestedTransaction(StatementRule):
    """`BEGIN` inside an open transaction, or `COMMIT`/`ROLLBACK` with none open or in a file
    the runner wraps.

    ## What it does
    Flags `BEGIN`/`START TRANSACTION` when a transaction is already open, `COMMIT`/`ROLLBACK`
    when none is, and an explicit `COMMIT`/`ROLLBACK` in a file the runner already wraps in a
    transaction (Flyway, dbmate and Diesel by default, or `--assume-in-transaction`; see
    docs/runners.md), `AND CHAIN` or not. After such a COMMIT the rest of the file runs outside
    any transaction when the runner sends it statement by statement (a `CONCURRENTLY` there is
    accepted), or in a new implicit one when it sends the file as one multi-statement string
    (dbmate, Diesel: PostgreSQL still refuses a `CONCURRENTLY` there); either way the locks
    taken before it are released. A `BEGIN` in a file golang-migrate sends as one
    multi-statement string is fine: it turns PostgreSQL's implicit transaction into an explicit
    one.

    ## Why is this bad?
    PostgreSQL only warns, but the harm is real: in a wrapped file the COMMIT ends the runner's
    transaction early, so the rest of the file runs outside it (a failure no longer rolls back
    what ran before), and the runner's own COMMIT then finds nothing to commit.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    BEGIN;
    ALTER TABLE orders ADD COLUMN tag text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    ALTER TABLE orders ADD COLUMN tag text;
    COMMIT;
    ```

    ## References
    - PostgreSQL documentation, `BEGIN`, `COMMIT`
    """

    code = "DBA601"
    name = "nested-transaction"
    family = "transactions"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = (ir.Transaction,)

    def check(self, event: ir.Transaction, ctx: RuleContext) -> Iterator[Report]:
        kind = ctx.transaction_kind
        if event.kind in OPENING:
            # In PostgreSQL's implicit block (a multi-statement string) a first BEGIN turns the
            # block into an explicit one: only a second one nests.
            if kind in (RUNNER, EXPLICIT) or (kind == IMPLICIT and _opened_in_file(ctx)):
                yield ctx.report(
                    event.span,
                    "BEGIN inside an open transaction"
                    + (f" ({named(ctx.runner)} wraps this file in one)" if kind == RUNNER else "")
                    + ": PostgreSQL ignores it, and the COMMIT that follows ends the outer one",
                    hint="remove the inner BEGIN (and its COMMIT)",
                )
        elif event.kind not in CLOSING:
            return
        elif kind == OUTSIDE or (kind == IMPLICIT and not _opened_in_file(ctx)):
            if event.kind != "prepare":
                implicit = (
                    f" ({named(ctx.runner)} sends this file as one multi-statement string: it ends "
                    "PostgreSQL's implicit transaction early)"
                )
                yield ctx.report(
                    event.span,
                    f"{event.kind.upper()} with no transaction open"
                    + (implicit if kind == IMPLICIT else ""),
                    hint="remove it, or add the BEGIN it belongs to",
                )
        elif kind == RUNNER and not _opened_in_file(ctx):
            off, runner = TURN_OFF.get(ctx.runner), named(ctx.runner)
            rest = "in a new transaction" if event.chain else "outside it"
            yield ctx.report(
                event.span,
                f"{event.kind.upper()} ends the transaction {runner} wraps this file in: "
                f"the rest of the file runs {rest}",
                hint=f"leave committing to {runner} (or turn its transaction off for this "
                f"file{': ' + off if off else ''})",
            )


def _opened_in_file(ctx: RuleContext) -> bool:
    """Whether the open transaction was begun by a statement of this file."""
    depth = 0
    for statement in ctx.statements[: ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.Transaction):
                if event.kind in OPENING:
                    depth += 1
                elif event.kind in CLOSING and not event.chain:
                    depth = max(0, depth - 1)
    return depth > 0
