"""DBA606 statement-outside-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

DETACHED = "SequelizeDetached"  # the statement kind the Sequelize parser marks such a call with


class StatementOutsideTransaction(StatementRule):
    """A migration that opens a transaction sends a statement outside it.

    ## What it does
    In a Sequelize migration that opens a transaction (`queryInterface.sequelize.transaction`),
    flags a `queryInterface` call between the transaction's start and end that does not pass
    the transaction in its options (`{ transaction: t }`): Sequelize sends it on another
    connection, outside the transaction. A `transaction` written inside an attribute definition
    (`{ type: Sequelize.STRING, transaction: t }`) instead of the call's options is ignored by
    Sequelize: that call is flagged too, and so is a call inside the transaction that is not
    awaited (nor returned): it may run after the transaction has ended.

    ## Why is this bad?
    The statement commits on its own, at once. If a later statement of the migration fails,
    the transaction rolls back but this statement stays: the migration is half applied, and
    running it again fails on what is already there. While the transaction holds a lock the
    statement needs, the migration waits for itself until the lock timeout.

    ## Example
    ```js
    await queryInterface.sequelize.transaction(async (t) => {
      await queryInterface.addColumn('users', 'nick', { type: Sequelize.TEXT });
    });
    ```

    ## Use instead
    ```js
    await queryInterface.sequelize.transaction(async (t) => {
      await queryInterface.addColumn('users', 'nick', { type: Sequelize.TEXT }, { transaction: t });
    });
    ```

    ## Known limits
    Only Sequelize migrations. A promise kept in a variable and awaited later counts as not
    awaited.

    ## References
    - Sequelize, Transactions: https://sequelize.org/docs/v6/other-topics/transactions/
    - sequelize-cli, migration skeleton with a transaction:
      https://sequelize.org/docs/v6/other-topics/migrations/
    """

    code = "DBA606"
    name = "statement-outside-transaction"
    family = "transactions"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.Transaction,)

    def check(self, event: ir.Transaction, ctx: RuleContext) -> Iterator[Report]:
        if ctx.statement.kind != DETACHED or event.kind != "commit":
            return
        yield ctx.report(
            event.span,
            "This call runs outside the migration's transaction (no `{ transaction }` in its "
            "options, or not awaited): it commits on its own, and a later failure leaves the "
            "migration half applied",
            hint="pass the transaction in the call's options (`{ transaction: t }`) and await "
            "the call",
        )
