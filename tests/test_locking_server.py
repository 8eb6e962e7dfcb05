"""What the DBA4xx rules claim, observed on a real PostgreSQL: each rule's documented bad example
takes the lock its message names and blocks what it says; its good example does not.

A statement that cannot run in a transaction block (the CONCURRENTLY forms) is observed from a
third session while a second one keeps it waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_sql
from dbarch_lint.plugins import PluginHost
from tests.postgres import Server

SETUP = """
DROP TABLE IF EXISTS orders;
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL
);
INSERT INTO orders (customer_id, status)
SELECT n % 100, CASE WHEN n % 3 = 0 THEN 'paid' ELSE 'open' END FROM generate_series(1, 20000) n;
CREATE INDEX orders_status_idx ON orders (status);
"""
WRITE = "INSERT INTO orders (customer_id, status) VALUES (1, 'open')"
READ = "SELECT count(*) FROM orders"


def _example(code: str, section: str) -> str:
    [rule] = [r for r in PluginHost([]).rules() if r.code == code]
    sql = rule.doc().sql_block(section)
    assert sql is not None
    return sql


def _locks(observer: Any) -> set[str]:
    """Lock modes other sessions hold (granted) on the orders table."""
    rows = observer.execute(
        "SELECT mode FROM pg_locks WHERE relation = 'orders'::regclass AND granted "
        "AND pid <> pg_backend_pid()"
    ).fetchall()
    return {mode for (mode,) in rows}


def _blocked(observer: Any, sql: str) -> bool:
    """Whether `sql` has to wait for a lock (it gives up after 200 ms)."""
    observer.execute("SET lock_timeout = '200ms'")
    try:
        with observer.transaction():
            observer.execute(sql)
            raise _Undo
    except psycopg.errors.LockNotAvailable:
        return True
    except _Undo:
        return False


class _Undo(Exception):
    """Roll back what a probe did."""


@pytest.fixture
def sessions(pg_server: Server) -> Iterator[tuple[Any, Any, Any]]:
    with (
        pg_server.connect() as first,
        pg_server.connect() as second,
        pg_server.connect() as observer,
    ):
        observer.execute(SETUP)
        yield first, second, observer


@contextmanager
def _in_transaction(session: Any, sql: str) -> Iterator[None]:
    """Run `sql` in a transaction kept open (and rolled back) around the block."""
    try:
        with session.transaction():
            session.execute(sql)
            yield
            raise _Undo
    except _Undo:
        pass


@contextmanager
def _waiting(session: Any, sql: str, holder: Any, observer: Any) -> Iterator[None]:
    """Run `sql` (outside a transaction block) while `holder` keeps a transaction open that
    read the table, so that `sql` waits for it; the block runs while it waits."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            session.execute(sql)
        except BaseException as error:  # reported after the join
            errors.append(error)

    worker = threading.Thread(target=run)
    with _in_transaction(holder, READ):
        worker.start()
        deadline = time.monotonic() + 10
        while "ShareUpdateExclusiveLock" not in _locks(observer):
            assert time.monotonic() < deadline, "the concurrent statement never started"
            time.sleep(0.02)
        yield
    worker.join(30)
    assert not errors, errors


def test_dba401_index_build_blocks_writes_not_concurrently(sessions: tuple[Any, Any, Any]) -> None:
    first, second, observer = sessions
    bad, good = _example("DBA401", "Example"), _example("DBA401", "Use instead")
    assert [f.code for f in lint_sql(bad, select=["DBA401"])] == ["DBA401"]
    assert lint_sql(good, select=["DBA401"]) == []
    with _in_transaction(first, bad):
        assert "ShareLock" in _locks(observer)
        assert _blocked(observer, WRITE)  # "blocking writes"
        assert not _blocked(observer, READ)
    with _waiting(first, good, second, observer):
        assert "ShareLock" not in _locks(observer)
        assert not _blocked(observer, WRITE)


def test_dba402_index_drop_blocks_reads_and_writes_not_concurrently(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, second, observer = sessions
    bad, good = _example("DBA402", "Example"), _example("DBA402", "Use instead")
    assert [f.code for f in lint_sql(bad, select=["DBA402"])] == ["DBA402"]
    assert lint_sql(good, select=["DBA402"]) == []
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ) and _blocked(observer, WRITE)
    with _waiting(first, good, second, observer):
        assert "AccessExclusiveLock" not in _locks(observer)
        assert not _blocked(observer, READ) and not _blocked(observer, WRITE)
