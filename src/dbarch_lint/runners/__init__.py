"""Migration runners: the order a tool applies migration files in, and how it runs each one
(INTERFACE.md, "Migration runners"; `docs/runners.md` cites each tool's documentation and source).

A runner is a plugin answering two hooks (`hookspecs.py`): `dbarch_lint_order_migrations` (the
apply order) and `dbarch_lint_migration_transactions` (for each file a `FileRun`: which runner
runs it, and in which transaction mode). The built-in runners live in this package, one module
per tool, and register through `runners.builtin` like any plugin. Once a file is parsed,
`transactions.resolve` turns its mode into the transaction model the rules see.

This module imports nothing heavy: the configuration validates runner names and options with it.
"""

from __future__ import annotations

import msgspec

RUNNERS = (
    "auto",
    "plain",
    "flyway",
    "golang-migrate",
    "dbmate",
    "diesel",
    "sqitch",
    "alembic",
    "django",
    "sequelize",
    "prisma",
)

# `[tool.dbarch-lint.runners.<runner>]` options, with the runner's own documented default.
OPTIONS: dict[str, dict[str, bool]] = {
    # flyway.mixed, flyway.executeInTransaction, flyway.outOfOrder
    "flyway": {"mixed": False, "execute-in-transaction": True, "out-of-order": False},
    # the postgres driver's `x-multi-statement` URL parameter
    "golang-migrate": {"multi-statement": False},
    # `dbmate --strict`: refuse a migration older than the newest applied
    "dbmate": {"strict": False},
}

# How a runner sends a file to PostgreSQL (its transaction mode).
NONE = "none"
"""Statement by statement, outside any transaction block (each commits on its own)."""
BATCH = "batch"
"""The whole file as one multi-statement string: PostgreSQL runs several statements as one
implicit transaction block (a single statement runs alone)."""
TRANSACTION = "transaction"
"""Statement by statement inside a transaction the runner opens; an explicit COMMIT ends it and
what follows runs outside one (`--assume-in-transaction`)."""
BATCH_TRANSACTION = "batch-transaction"
"""One multi-statement string inside a transaction the runner opens (dbmate, Diesel): after an
explicit COMMIT the rest of the string runs in an implicit transaction block."""
FLYWAY = "flyway"
"""Inside a transaction, unless a statement is one Flyway runs outside a transaction (then the
whole file runs outside one); a file that mixes both kinds is refused."""
FLYWAY_MIXED = "flyway-mixed"
"""As `flyway`, with mixing allowed (Flyway's `mixed`): such a file runs outside a transaction."""
MODES = (NONE, BATCH, TRANSACTION, BATCH_TRANSACTION, FLYWAY, FLYWAY_MIXED)

DESCRIPTIONS = {
    NONE: "no transaction",
    BATCH: "one multi-statement string (an implicit transaction when it holds several)",
    TRANSACTION: "in a transaction",
    BATCH_TRANSACTION: "in a transaction",
    FLYWAY: "in a transaction unless a statement cannot run in one (mixing both is refused)",
    FLYWAY_MIXED: "in a transaction unless a statement cannot run in one",
}

# How to turn a runner's transaction off for one migration (rules' hints).
TURN_OFF = {
    "flyway": "`executeInTransaction=false` in the migration's `.sql.conf`",
    "dbmate": "`-- migrate:up transaction:false`",
    "diesel": "`run_in_transaction = false` in the migration's `metadata.toml`",
}

# How a runner can run a statement that cannot run inside a transaction block (CONCURRENTLY):
# only from a migration file of its own (the DBA401-403 hints say so).
CONCURRENT_ALONE = {
    "golang-migrate": "put it alone in a migration file of its own (golang-migrate sends a "
    "file as one multi-statement string, one implicit transaction), or turn on "
    "`x-multi-statement`",
    "dbmate": "put it alone in a migration file of its own, with `-- migrate:up transaction:false`",
    "diesel": "put it alone in a migration of its own, with `run_in_transaction = false` in "
    "its `metadata.toml`",
    "prisma": "put it alone in a migration of its own (`prisma migrate dev --create-only` makes "
    "an empty one; its migration.sql then holds only this statement): Prisma 7.3 and earlier "
    "send a file as one query, one implicit transaction (7.4 and later send each statement "
    "alone)",
    "flyway": "put it in a migration of its own (Flyway runs a migration of such statements "
    "alone outside a transaction; mixed with others it refuses it unless `mixed` is on)",
}


def named(runner: str) -> str:
    """How messages name a runner: by its name, or "the runner" for `plain` (and `auto`)."""
    return "the runner" if runner in ("plain", "auto") else runner


class FileRun(msgspec.Struct, frozen=True):
    """How a runner runs one migration file.

    `runner` names the runner (with `auto`, the one detected for this file); `mode` is one of
    `MODES`, and `down_mode` the mode of a down section inside the file (dbmate's
    `-- migrate:down`) when it differs. `why` says what decided the mode (`-v` prints it).
    `consulted` lists the other files the decision read, present or not (a `metadata.toml`, a
    `.sql.conf`, a `sqitch.plan`): a change to one of them makes cached reports stale.
    `problem` is a problem with those files, reported on this file as DBA004.
    `out_of_order` says what the runner does with the file if it sorts before the newest
    migration already applied (`out_of_order.py`: applies, refuses, skips, unknown; None when
    its order is not the files'). `dialect`: the dialect the runner's own configuration
    names (Prisma's `provider`), used unless `per-file-dialect` names one.
    """

    runner: str
    mode: str = NONE
    down_mode: str | None = None
    why: str = ""
    consulted: tuple[str, ...] = ()
    problem: str | None = None
    out_of_order: str | None = "unknown"
    dialect: str | None = None
