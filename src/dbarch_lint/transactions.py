"""The transaction model: which statements of a migration file run inside a transaction block.

A file starts outside one, unless the runner wraps it (`assume-in-transaction`). `BEGIN` and
`START TRANSACTION` open a block; `COMMIT`, `END`, `ROLLBACK` and `PREPARE TRANSACTION` close
it (a COMMIT in a wrapped file ends the runner's transaction: what follows runs outside one).
Savepoints do not change it. A DO block outside one runs as one transaction of its own: its
statements share it (a COMMIT inside the block is not followed).
"""

from __future__ import annotations

from collections.abc import Sequence

from dbarch_lint import ir

OPENING = frozenset({"begin", "start"})
CLOSING = frozenset({"commit", "rollback", "prepare"})


def transaction_starts(statements: Sequence[ir.Statement], wrapped: bool) -> tuple[int, ...]:
    """For each statement, the index of the statement its transaction block began at (the
    BEGIN, the first statement of a file the runner wraps, or the DO block it is written in),
    or -1 when it runs outside one (it commits on its own)."""
    start = 0 if wrapped else -1
    starts: list[int] = []
    block = -1  # the top-level statement the latest statements belong to (a DO block's)
    for statement in statements:
        if not statement.within:
            block = statement.index
        starts.append(block if start < 0 and statement.within else start)
        for event in statement.events:
            if isinstance(event, ir.Transaction):
                if event.kind in OPENING and start < 0:
                    start = statement.index
                elif event.kind in CLOSING:
                    start = -1
    return tuple(starts)
