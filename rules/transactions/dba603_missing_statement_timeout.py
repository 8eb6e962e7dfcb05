"""DBA603 missing-statement-timeout."""

from __future__ import annotations

from dbarch_lint.rule import Severity
from dbarch_lint.rules.locking._timeouts import MissingTimeout, TimeoutOptions


class MissingStatementTimeout(MissingTimeout[TimeoutOptions]):
    """A blocking lock is taken with no `statement_timeout` set before it.

    ## What it does
    Like DBA413 for `lock_timeout`: flags the first statement of a file that takes a lock
    blocking reads or writes (ACCESS EXCLUSIVE, EXCLUSIVE, SHARE ROW EXCLUSIVE or SHARE) on a
    table that was not created earlier in the same migration, when no `SET statement_timeout`
    to a non-zero value is in force for it (`SET LOCAL` counts only until its own transaction
    ends: the first blocking lock after that is flagged). Reported once per file. Off by
    default. Option `set-by-runner = true` silences it where the runner or the role sets the
    timeout.

    ## Why is this bad?
    `lock_timeout` bounds the wait for a lock; once the lock is granted, a scan, a rewrite or
    an index build under it can run for minutes while the table stays blocked. A
    `statement_timeout` caps how long any statement of the migration may hold the table.

    ## Example
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    SET statement_timeout = '5min';
    ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
    ```

    ## References
    - PostgreSQL documentation, "Client Connection Defaults" (`statement_timeout`)
    """

    code = "DBA603"
    name = "missing-statement-timeout"
    family = "transactions"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    default_enabled = False

    parameter = "statement_timeout"
    consequence = "once granted, nothing bounds how long the table stays blocked"
    hint = "`SET statement_timeout = '5min';` (what the migration may take) at the top"
