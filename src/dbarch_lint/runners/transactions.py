"""The transaction model: which statements of a migration file run inside a transaction block,
and which block.

The runner decides how a file is sent (its mode, `runners.MODES`): statement by statement or as
one multi-statement string, inside a transaction it opens or not. Within that, `BEGIN` and
`START TRANSACTION` open a block; `COMMIT`, `END`, `ROLLBACK` and `PREPARE TRANSACTION` close it
(a COMMIT in a wrapped file ends the runner's transaction; `COMMIT AND CHAIN` begins the next
block at once, of the same kind). In a multi-statement string every
statement runs in a block: PostgreSQL's implicit one, which a BEGIN turns into an explicit one
and a COMMIT ends, the next statement starting a new one. Savepoints change nothing. A DO
block outside one runs as one transaction of its own: its statements share it (a COMMIT inside
the block is not followed).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.runners import (
    BATCH,
    BATCH_TRANSACTION,
    FLYWAY,
    FLYWAY_MIXED,
    NONE,
    TRANSACTION,
    flyway,
)

OPENING = frozenset({"begin", "start"})
CLOSING = frozenset({"commit", "rollback", "prepare"})

_WITHIN = attrgetter("within")

# How the block a statement runs in began (`FileTransaction.kinds`).
OUTSIDE = ""  # no block: the statement commits on its own
RUNNER = "runner"  # the transaction the runner wraps the file in
EXPLICIT = "begin"  # a BEGIN of this file
IMPLICIT = "implicit"  # PostgreSQL's implicit block around a multi-statement string
DO_BLOCK = "do"  # the transaction a DO block outside any block runs in


class FileTransaction(msgspec.Struct, frozen=True):
    """The transaction model of one file (or of its up and down sections, run separately).

    `starts[i]`: the index of the statement the block statement `i` runs in began at, -1 outside
    one. `kinds[i]`: how that block began. `wrapped`: the runner opens a transaction around the
    file; `implicit`: the file is one multi-statement string of several statements. `refused`:
    statements the runner refuses to run with the rest of the file, with why.
    """

    starts: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    wrapped: bool = False
    implicit: bool = False
    refused: dict[int, str] = msgspec.field(default_factory=dict)


def resolve(
    mode: str,
    statements: Sequence[ir.Statement],
    text: bytes = b"",
    pg_version: int = 16,
    down_mode: str | None = None,
    down_offset: int | None = None,
) -> FileTransaction:
    """The model of a file the runner sends in `mode`. A down section starting at byte
    `down_offset` (dbmate's `-- migrate:down`) is sent on its own, in `down_mode`."""
    if down_offset is None or not statements or statements[-1].span.start < down_offset:
        return _section(mode, statements, text, pg_version)
    split = next(i for i, s in enumerate(statements) if s.span.start >= down_offset)
    up = _section(mode, statements[:split], text, pg_version)
    down = _section(down_mode or mode, statements[split:], text, pg_version)
    return FileTransaction(
        up.starts + down.starts,
        up.kinds + down.kinds,
        up.wrapped,
        up.implicit,
        {**up.refused, **down.refused},
    )


def _section(
    mode: str, statements: Sequence[ir.Statement], text: bytes, pg_version: int
) -> FileTransaction:
    refused: dict[int, str] = {}
    # (what the runner sends: statements inside a DO block are part of their DO statement)
    count = list(map(_WITHIN, statements)).count("")
    if mode in (FLYWAY, FLYWAY_MIXED):
        outside = {
            s.index: what
            for s in statements
            if not s.within and (what := flyway.non_transactional(s, text, pg_version)) is not None
        }
        if outside and len(outside) < count and mode == FLYWAY:
            refused = {index: flyway.refusal(what) for index, what in outside.items()}
        mode = NONE if outside else TRANSACTION
    wrapped = mode in (TRANSACTION, BATCH_TRANSACTION)
    implicit = mode in (BATCH, BATCH_TRANSACTION) and count > 1
    starts, kinds = _blocks(statements, wrapped, implicit)
    return FileTransaction(starts, kinds, wrapped, implicit and not wrapped, refused)


def _blocks(
    statements: Sequence[ir.Statement], wrapped: bool, implicit: bool
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    first = statements[0].index if statements else 0
    start, kind = (first, RUNNER) if wrapped else (first, IMPLICIT) if implicit else (-1, OUTSIDE)
    # (the block of each statement, as a pair: the same pair for the statements of one block)
    blocks: list[tuple[int, str]] = []
    append, current = blocks.append, (start, kind)
    block = -1  # the top-level statement the latest statements belong to (a DO block's)
    transaction = ir.Transaction
    for statement in statements:
        if not statement.within:
            block = statement.index
            append(current)
        elif start < 0:  # in a DO block outside any transaction block
            append((block, DO_BLOCK))
        else:
            append(current)
        # (no event class has a subclass; a failing isinstance against a Struct class goes
        # through its metaclass's check, many times dearer, and nearly every event fails it;
        # `in` over their types looks at them all in one call, and few statements have one)
        if transaction not in map(type, statement.events):
            continue
        for event in statement.events:
            if type(event) is transaction:
                if event.kind in OPENING and start < 0:
                    start, kind = statement.index, EXPLICIT
                elif event.kind in CLOSING and event.chain and start >= 0:
                    start = statement.index + 1  # AND CHAIN: the next block begins at once
                elif event.kind in CLOSING:
                    # In a multi-statement string the next statement starts a new implicit block.
                    start, kind = (statement.index + 1, IMPLICIT) if implicit else (-1, OUTSIDE)
                current = (start, kind)
    if not blocks:
        return (), ()
    starts, kinds = zip(*blocks, strict=True)
    return starts, kinds
