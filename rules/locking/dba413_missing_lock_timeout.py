"""DBA413 missing-lock-timeout."""

from __future__ import annotations

from dbarch_lint.rule import FixAvailability, Rewrite, RuleContext, Severity
from dbarch_lint.rules.locking._timeouts import MissingTimeout, TimeoutOptions


class MissingLockTimeoutOptions(TimeoutOptions, frozen=True, kw_only=True):
    """DBA413's options: `set_by_runner` as for every timeout rule; `lock_timeout`, the value
    `--fix` sets."""

    lock_timeout: str = "2s"


class MissingLockTimeout(MissingTimeout[MissingLockTimeoutOptions]):
    """A blocking lock is taken with no `lock_timeout` set before it.

    ## What it does
    Flags the first statement of a file that takes a lock blocking reads or writes (ACCESS
    EXCLUSIVE, EXCLUSIVE, SHARE ROW EXCLUSIVE or SHARE, not SHARE UPDATE EXCLUSIVE) on a table
    that was not created earlier in the same migration while no `lock_timeout` with a non-zero
    value is in force (`SET lock_timeout = 0`, as pg_dump writes, does not count). A plain
    `SET` lasts for the session (unless the transaction it is in rolls back); a `SET LOCAL`
    ends with its transaction, by an explicit `COMMIT` or `ROLLBACK` or at the end of the
    transaction the runner wraps the file in, so the first blocking lock after that end is
    flagged. Dropping a foreign key (or a column or table that has one) locks the referenced
    table too. A lock only on a table that the same transaction drops (a `DROP TABLE` itself, or
    changes to a table dropped later in the same transaction block) is not counted: the table's
    readers have nothing left to wait for. `ADD COLUMN IF NOT EXISTS` of a column the table has
    is counted: the server takes the lock before it finds the column there. Reported once per
    file. Option `set-by-runner = true` silences it where the
    runner or the role sets the timeout.

    `--fix` adds `SET lock_timeout = '2s';` before the file's first statement (option
    `lock-timeout` sets the value), except in a golang-migrate file of a single statement, which
    must stay one.

    ## Why is this bad?
    The statement waits for its lock behind any long-running query on the table, and while it
    waits, every other query on the table queues behind it: a migration that would take a
    millisecond stalls all traffic to the table for as long as that query runs. With a
    `lock_timeout` it gives up instead, and can be retried.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## References
    - PostgreSQL documentation, "Client Connection Defaults" (`lock_timeout`), `SET` (the
      effects of `SET LOCAL` last only till the end of the current transaction)
    """

    code = "DBA413"
    name = "missing-lock-timeout"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING

    parameter = "lock_timeout"
    consequence = "while it waits behind a long query, every query on the table queues behind it"
    hint = "`SET lock_timeout = '2s';` at the top of the migration (and retry on timeout)"
    # (not where the runner runs the file as one statement: see `rewrite`)
    fix_availability = FixAvailability.SOMETIMES

    def rewrite(self, ctx: RuleContext) -> Rewrite | None:
        top = [s for s in ctx.statements if not s.within]  # (once per file: at its report)
        if not top or (ctx.runner == "golang-migrate" and len(top) == 1):
            return None  # (golang-migrate runs a one-statement file as one statement)
        value = self.options.lock_timeout.replace("'", "''")
        at = top[0].span.start
        edit = (at, at, f"SET lock_timeout = '{value}';\n")
        return Rewrite(f"Set lock_timeout = '{value}' at the top of the migration", (edit,))
