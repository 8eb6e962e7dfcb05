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


def in_transaction(statements: Sequence[ir.Statement], wrapped: bool) -> tuple[bool, ...]:
    """For each statement, whether it runs inside a transaction block."""
    inside = wrapped
    states: list[bool] = []
    for statement in statements:
        states.append(inside)
        for event in statement.events:
            if isinstance(event, ir.Transaction):
                if event.kind in OPENING:
                    inside = True
                elif event.kind in CLOSING:
                    inside = False
    return tuple(states)
