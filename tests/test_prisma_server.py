"""The Prisma runner's transaction models, observed on PostgreSQL (issue #23): a migration sent
the way Prisma 7.3 and earlier send it (the whole file as one simple-protocol query: psycopg's
`execute` of a string without parameters) against the way 7.4 and later do (each statement
alone). What the runner assumes for each, and what the linter then says, must match:

- one query is atomic (a failing statement leaves nothing behind); statement by statement is not;
- CONCURRENTLY among other statements fails with SQLSTATE 25001 in one query, and runs alone;
- an ACCESS EXCLUSIVE lock taken early is held through a later backfill in one query only.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_paths
from tests.postgres import Server

LOCK = 'provider = "postgresql"\n'
SETUP = """
DROP TABLE IF EXISTS prisma_orders, prisma_made;
CREATE TABLE prisma_orders (id bigint PRIMARY KEY, total integer, tag text);
INSERT INTO prisma_orders SELECT n, n, NULL FROM generate_series(1, 1000) n;
"""
ATOMIC = """CREATE TABLE prisma_made (id bigint);
INSERT INTO prisma_made VALUES (1);
ALTER TABLE prisma_orders ADD COLUMN total integer;
"""
CONCURRENT = """ALTER TABLE prisma_orders ADD COLUMN note text;
CREATE INDEX CONCURRENTLY prisma_orders_note_idx ON prisma_orders (note);
"""
BACKFILL = """ALTER TABLE prisma_orders ALTER COLUMN total SET DATA TYPE bigint;
UPDATE prisma_orders SET tag = 'x' WHERE pg_sleep(0.002) IS NOT NULL;
"""


def statements(sql: str) -> list[str]:
    return [line for line in sql.splitlines() if line.strip()]


def send(session: Any, sql: str, whole: bool) -> None:
    """Send a migration as Prisma would: one query (7.3 and earlier) or each statement alone."""
    if whole:
        session.execute(sql)
    else:
        for statement in statements(sql):
            session.execute(statement)


def findings(tmp_path: Path, sql: str, version: str, code: str) -> list[str]:
    migrations = tmp_path / version / "migrations"
    (migrations / "20240101000000_m").mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text(LOCK)
    (migrations / "20240101000000_m/migration.sql").write_text(sql)
    found = lint_paths(
        [str(migrations)], select=[code], prisma_version=version, cwd=str(tmp_path / version)
    )
    return [f.code for f in found.findings]


@pytest.fixture
def session(pg_server: Server) -> Any:
    with pg_server.connect() as connection:
        connection.execute(SETUP)
        yield connection


@pytest.mark.parametrize(("version", "whole"), [("7.3", True), ("7.4", False)])
def test_one_query_is_atomic_and_statements_alone_are_not(
    session: Any, version: str, whole: bool
) -> None:
    with pytest.raises(psycopg.errors.DuplicateColumn):
        send(session, ATOMIC, whole)
    exists = session.execute("SELECT to_regclass('prisma_made') IS NOT NULL").fetchone()[0]
    assert exists is not whole  # one query: the CREATE TABLE rolled back with the failure


@pytest.mark.parametrize(("version", "whole"), [("7.3", True), ("7.4", False)])
def test_concurrently_among_other_statements(
    session: Any, tmp_path: Path, version: str, whole: bool
) -> None:
    if whole:
        with pytest.raises(psycopg.errors.ActiveSqlTransaction) as failed:
            send(session, CONCURRENT, whole)
        assert failed.value.sqlstate == "25001"
    else:
        send(session, CONCURRENT, whole)
    assert findings(tmp_path, CONCURRENT, version, "DBA404") == (["DBA404"] if whole else [])


def test_concurrently_alone_in_one_query_runs(session: Any, tmp_path: Path) -> None:
    alone = "CREATE INDEX CONCURRENTLY prisma_orders_tag_idx ON prisma_orders (tag);\n"
    send(session, alone, whole=True)
    assert findings(tmp_path, alone, "7.3", "DBA404") == []


def _exclusive_holders(observer: Any) -> int:
    row = observer.execute(
        "SELECT count(*) FROM pg_locks WHERE relation = 'prisma_orders'::regclass "
        "AND mode = 'AccessExclusiveLock' AND granted AND pid <> pg_backend_pid()"
    ).fetchone()
    return int(row[0])


@pytest.mark.parametrize(("version", "whole"), [("7.3", True), ("7.4", False)])
def test_a_lock_held_through_a_later_backfill(
    pg_server: Server, session: Any, tmp_path: Path, version: str, whole: bool
) -> None:
    with pg_server.connect() as migrating, pg_server.connect() as observer:
        worker = threading.Thread(target=send, args=(migrating, BACKFILL, whole))
        worker.start()
        held = False
        while worker.is_alive():
            backfilling = observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
                "'%UPDATE prisma_orders%' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if backfilling:
                held = held or _exclusive_holders(observer) > 0
            time.sleep(0.05)
        worker.join()
    assert held is whole
    assert findings(tmp_path, BACKFILL, version, "DBA418") == (["DBA418"] if whole else [])
