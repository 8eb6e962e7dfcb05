"""Flyway: `V<version>__<description>.sql` in version order (each undo migration,
`U<version>__<description>.sql`, right after the migration it undoes), then
`R__<description>.sql` repeatables by description; each migration in a transaction unless Flyway
finds a statement it runs outside one (docs/runners.md cites Flyway's source for each rule
encoded here)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from dbarch_lint.model import ir
from dbarch_lint.model.regex import lazy
from dbarch_lint.runners import FLYWAY, FLYWAY_MIXED, NONE, TRANSACTION, FileRun, planned
from dbarch_lint.runners.naming import FLYWAY_UNDO, FLYWAY_VERSIONED, order_by
from dbarch_lint.runners.naming import flyway_version as version

_REPEATABLE = lazy(r"R__(.+)\.sql")


def matches(name: str) -> bool:
    """Whether a file name is a Flyway SQL migration (versioned, undo or repeatable)."""
    if not name.startswith(("V", "U", "R")):  # (what each of the three begins with)
        return False
    return any(p.fullmatch(name) for p in (FLYWAY_VERSIONED, FLYWAY_UNDO, _REPEATABLE))


def order(paths: Sequence[str]) -> list[str]:
    """Versioned migrations by version, each undo migration right after the migration of its
    version; then repeatables by description, then anything else."""
    return order_by(paths, _key)


def _key(path: str) -> tuple[int, tuple[int, ...], int] | tuple[int, str] | None:
    name = path.rsplit("/", 1)[-1]
    if match := FLYWAY_VERSIONED.fullmatch(name):
        return 0, version(match[1]), 0
    if match := FLYWAY_UNDO.fullmatch(name):
        return 0, version(match[1]), 1
    if match := _REPEATABLE.fullmatch(name):
        return 1, match[1].replace("_", " ")
    return None


def run(where: str, options: Mapping[str, bool]) -> FileRun:
    """How Flyway runs the migration at `where`: its script configuration (`<file>.conf`)
    first, then the `executeInTransaction` and `mixed` settings."""
    conf = where + ".conf"
    name = os.path.basename(conf)
    try:
        data: bytes | None = planned.read(conf)
    except FileNotFoundError:
        data = None
    except OSError as error:
        unreadable = f"{name}: cannot be read ({error.strerror or error})"
        return FileRun("flyway", FLYWAY, why=name, consulted=(conf,), problem=unreadable)
    if data is not None:
        setting, problem = _execute_in_transaction(data)
        if problem is not None:
            return FileRun(
                "flyway", FLYWAY, why=name, consulted=(conf,), problem=f"{name}: {problem}"
            )
        if setting is not None:
            why = f"{name}: executeInTransaction={str(setting).lower()}"
            return FileRun("flyway", TRANSACTION if setting else NONE, why=why, consulted=(conf,))
    if not options.get("execute-in-transaction", True):
        return FileRun("flyway", NONE, why="execute-in-transaction = false", consulted=(conf,))
    mixed = options.get("mixed", False)
    return FileRun(
        "flyway", FLYWAY_MIXED if mixed else FLYWAY, why="mixed" if mixed else "", consulted=(conf,)
    )


def _execute_in_transaction(data: bytes) -> tuple[bool | None, str | None]:
    """The `executeInTransaction` of a script configuration (a properties file), or a problem.
    A key set twice takes its last value, as Java's `Properties.load` does."""
    found: tuple[bool | None, str | None] = (None, None)
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        match = _PROPERTY.match(line)
        if match and match[1] == "executeInTransaction":
            value = match[2].strip()
            if value.lower() not in ("true", "false"):
                problem = f"executeInTransaction = {value!r} is not true or false: Flyway refuses"
                found = None, problem + " the migration"
            else:
                found = value.lower() == "true", None
    return found


_PROPERTY = lazy(r"([^=:\s]+)\s*[=:\s]\s*(.*)")  # key=value, key: value or key value


# Statements Flyway runs outside a transaction (PostgreSQLParser.detectCanExecuteInTransaction).
_OUTSIDE_KINDS = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "CreateSubscriptionStmt": "CREATE SUBSCRIPTION",
    "DropSubscriptionStmt": "DROP SUBSCRIPTION",
    "AlterSystemStmt": "ALTER SYSTEM",
}
_DISCARD_ALL = lazy(rb"\s*discard\s+all\b", re.I)


def non_transactional(statement: ir.Statement, text: bytes, pg_version: int) -> str | None:
    """How to name a statement Flyway runs outside a transaction, if it is one: CREATE/DROP
    DATABASE, TABLESPACE or SUBSCRIPTION, ALTER SYSTEM, CREATE/DROP INDEX CONCURRENTLY, REINDEX
    SCHEMA/DATABASE/SYSTEM, VACUUM, DISCARD ALL, and ALTER TYPE ... ADD VALUE before
    PostgreSQL 12. (Not REINDEX ... CONCURRENTLY of a table or index, DETACH PARTITION ...
    CONCURRENTLY or CLUSTER: Flyway runs those inside its transaction, where PostgreSQL refuses
    the first two.)"""
    named = _OUTSIDE_KINDS.get(statement.kind)
    if named is not None:
        return named
    if statement.kind == "DiscardStmt":
        span = statement.span
        return "DISCARD ALL" if _DISCARD_ALL.match(text, span.start, span.end) else None
    for event in statement.events:
        if isinstance(event, ir.CreateIndex) and event.concurrent:
            return "CREATE INDEX CONCURRENTLY"
        if isinstance(event, ir.DropObjects) and event.kind == "index" and event.concurrent:
            return "DROP INDEX CONCURRENTLY"
        if isinstance(event, ir.Maintenance):
            if event.kind == "vacuum":
                return "VACUUM"
            if event.kind == "reindex" and event.target in ("schema", "database", "system"):
                return f"REINDEX {event.target.upper()}"
        if isinstance(event, ir.AlterEnum) and event.old_value is None and pg_version < 12:
            return "ALTER TYPE ... ADD VALUE"
    return None


def refusal(what: str) -> str:
    """Why Flyway refuses a file that mixes `what` with statements it runs in a transaction."""
    return (
        f"Flyway refuses this migration: it runs {what} outside a transaction and the file's "
        "other statements inside one, and it does not mix the two (`mixed` is off)"
    )
