"""The transaction model: which statements of a migration file run inside a transaction block.

A file starts outside one, unless the runner wraps it (`assume-in-transaction`). `BEGIN` and
`START TRANSACTION` open a block; `COMMIT`, `END`, `ROLLBACK` and `PREPARE TRANSACTION` close
it (a COMMIT in a wrapped file ends the runner's transaction: what follows runs outside one).
Savepoints do not change it.
"""

from __future__ import annotations

from collections.abc import Sequence

from dbarch_lint import ir

OPENING = frozenset({"begin", "start"})
CLOSING = frozenset({"commit", "rollback", "prepare"})


def transaction_starts(statements: Sequence[ir.Statement], wrapped: bool) -> tuple[int, ...]:
    """For each statement, the index of the statement its transaction block began at (the
    BEGIN, or the first statement of a file the runner wraps), or -1 when it runs outside one
    (it commits on its own)."""
    start = 0 if wrapped else -1
    starts: list[int] = []
    for statement in statements:
        starts.append(start)
        for event in statement.events:
            if isinstance(event, ir.Transaction):
                if event.kind in OPENING and start < 0:
                    start = statement.index
                elif event.kind in CLOSING:
                    start = -1
    return tuple(starts)
