"""DBA413 missing-lock-timeout."""

from __future__ import annotations

from dbarch_lint.findings import Severity
from dbarch_lint.rules.locking._timeouts import MissingTimeout


class MissingLockTimeout(MissingTimeout):
    """A blocking lock is taken with no `lock_timeout` set before it.

    ## What it does
    Flags the first statement of a file that takes a lock blocking reads or writes (ACCESS
    EXCLUSIVE, EXCLUSIVE, SHARE ROW EXCLUSIVE or SHARE, not SHARE UPDATE EXCLUSIVE) on a table
    that was not created earlier in the same migration, when no `SET lock_timeout` to a
    non-zero value comes before it (`SET LOCAL` counts only inside its own transaction;
    `SET lock_timeout = 0`, as pg_dump writes, does not count). Reported once per file. Option
    `set-by-runner = true` silences it where the runner or the role sets the timeout.

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
    - PostgreSQL documentation, "Client Connection Defaults" (`lock_timeout`)
    """

    code = "DBA413"
    name = "missing-lock-timeout"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING

    parameter = "lock_timeout"
    consequence = "while it waits behind a long query, every query on the table queues behind it"
    fix = "`SET lock_timeout = '2s';` at the top of the migration (and retry on timeout)"
