"""The lock model's reach and the transaction's, observed on a real PostgreSQL: a dropped foreign
key locks the table it references too (DBA413, DBA418, DBA419 count it); a scan after an ACCESS
EXCLUSIVE lock in the same transaction runs under it (DBA418); `SET LOCAL` ends with its
transaction while `SET` lasts for the session (DBA413, DBA603); a COMMIT inside a file the
runner wraps leaves the rest of the file outside any transaction (DBA601, DBA404)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.catalog import Origin, Schema
from dbarch_lint.catalog.locks import ACCESS_EXCLUSIVE, blocking_locks
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres
from tests.postgres import Server

SETUP = """
DROP TABLE IF EXISTS child, parent, audit.entries, orders, order_copy CASCADE;
DROP MATERIALIZED VIEW IF EXISTS order_totals;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE audit.entries (id bigint PRIMARY KEY);
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (
    id bigint PRIMARY KEY,
    parent_id bigint CONSTRAINT child_parent_fkey REFERENCES parent,
    entry_id bigint REFERENCES audit.entries,
    note text
);
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT n, n FROM generate_series(1, 20000) n;
CREATE MATERIALIZED VIEW order_totals AS SELECT sum(total) AS total FROM orders;
"""
TEARDOWN = """
DROP MATERIALIZED VIEW IF EXISTS order_totals;
DROP TABLE IF EXISTS child, parent, orders, order_copy CASCADE;
DROP SCHEMA IF EXISTS audit CASCADE;
"""


@pytest.fixture
def sessions(pg_server: Server) -> Iterator[tuple[Any, Any]]:
    with pg_server.connect() as first, pg_server.connect() as observer:
        observer.execute(SETUP)
        yield first, observer
        first.execute("ROLLBACK")  # (a test that failed midway may leave one open)
        observer.execute(TEARDOWN)  # (the cluster is shared: leave nothing for other tests)


def _exclusive(session: Any) -> set[str]:
    """The tables `session`'s open transaction holds ACCESS EXCLUSIVE on."""
    rows = session.execute(
        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock' AND c.relkind = 'r'"
    ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize(
    ("statement", "locked"),
    [
        ("ALTER TABLE child DROP CONSTRAINT child_parent_fkey", {"child", "parent"}),
        ("ALTER TABLE child DROP COLUMN parent_id", {"child", "parent"}),
        ("ALTER TABLE child DROP COLUMN entry_id", {"child", "entries"}),
        ("ALTER TABLE child DROP COLUMN note", {"child"}),
        ("DROP TABLE child", {"parent", "entries"}),  # (child itself is gone from pg_class)
        ("ALTER TABLE parent DROP CONSTRAINT parent_pkey CASCADE", {"parent", "child"}),
        ("DROP TABLE parent CASCADE", {"child"}),
    ],
)
def test_dropping_a_foreign_key_locks_the_table_at_its_other_end(
    sessions: tuple[Any, Any], statement: str, locked: set[str]
) -> None:
    first, _observer = sessions
    with first.transaction():
        first.execute(statement)
        assert _exclusive(first) == locked
        first.execute("ROLLBACK")  # (psycopg's block then finds it ended)
    # The linter's lock model says the same, from the schema replayed before the statement
    # (which also counts the dropped table itself, gone from pg_class).
    dropped = {statement.split()[2]} if statement.startswith("DROP TABLE") else set()
    assert _model_locks(statement) == locked | dropped


def _model_locks(statement: str) -> set[str]:
    """The tables the lock model says `statement` locks ACCESS EXCLUSIVE, once SETUP's tables
    are replayed."""
    schema = Schema()
    created = parse_postgres(SourceFile("0001.sql", SETUP[SETUP.index("CREATE SCHEMA") :]))
    for parsed in created.statements:
        schema.apply(parsed, Origin(0, parsed.index, "0001.sql", parsed.span))
    [drop] = parse_postgres(SourceFile("0002.sql", statement)).statements
    return {
        table.name
        for event in drop.events
        for table, mode in blocking_locks(event, None, schema)
        if mode == ACCESS_EXCLUSIVE
    }


SCANS = [
    "SELECT count(*) FROM orders",
    "CREATE TABLE order_copy AS SELECT * FROM orders",
    "CREATE INDEX orders_total_idx ON orders (total)",
    "REFRESH MATERIALIZED VIEW order_totals",
]


@pytest.mark.parametrize("scan", SCANS)
def test_a_scan_after_an_exclusive_lock_runs_under_it(sessions: tuple[Any, Any], scan: str) -> None:
    first, observer = sessions
    alter = "ALTER TABLE orders ADD COLUMN region text"
    sql = f"BEGIN;\n{alter};\n{scan};\nCOMMIT;\n"
    assert [f.code for f in lint_sql(sql, select=["DBA418"])] == ["DBA418"]
    with first.transaction():
        first.execute(alter)
        if scan.startswith("SELECT"):  # seen while it runs
            _blocks_readers_while_running(first, observer, f"{scan}, pg_sleep(0.5)")
        else:
            first.execute(scan)
        assert "orders" in _exclusive(first)  # held through the scan, until the end
        observer.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            observer.execute("SELECT 1 FROM orders LIMIT 1")
        first.execute("ROLLBACK")


def _blocks_readers_while_running(session: Any, observer: Any, sql: str) -> None:
    """Run `sql` in `session` and see a reader of orders wait for it meanwhile."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            session.execute(sql)
        except BaseException as error:  # reported after the join
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        active = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query = %s AND state = 'active'", (sql,)
        ).fetchone()
        if active and active[0]:
            break
        time.sleep(0.01)
    observer.execute("SET lock_timeout = '100ms'")
    with pytest.raises(psycopg.errors.LockNotAvailable):
        observer.execute("SELECT 1 FROM orders LIMIT 1")
    worker.join(30)
    assert not errors, errors


def test_set_local_ends_with_its_transaction_set_lasts(pg_server: Server) -> None:
    with pg_server.connect() as session:

        def shown() -> str:
            row = session.execute("SHOW lock_timeout").fetchone()
            assert row is not None
            return str(row[0])

        session.execute("SET lock_timeout = '3s'")
        session.execute("BEGIN")
        session.execute("SET LOCAL lock_timeout = '7s'")
        assert shown() == "7s"
        session.execute("COMMIT")
        assert shown() == "3s"  # back to the value before the transaction
        session.execute("BEGIN")
        session.execute("SET lock_timeout = '9s'")
        session.execute("ROLLBACK")
        assert shown() == "3s"  # a SET in a transaction that rolls back is undone
        session.execute("BEGIN")
        session.execute("SET lock_timeout = '9s'")
        session.execute("COMMIT")
        assert shown() == "9s"  # one that commits lasts for the session
    sql = (
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN a text;\n"
        "COMMIT;\nALTER TABLE orders ADD COLUMN b text;\n"
    )
    [finding] = lint_sql(sql, select=["DBA413"])
    assert finding.location.line == 5


COMMITTED = (
    "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;\n"
    "CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);\n"
)


def test_a_commit_in_a_wrapped_file_leaves_the_rest_outside_a_transaction(
    sessions: tuple[Any, Any], tmp_path: Path
) -> None:
    first, _observer = sessions
    # A runner that sends the statements one by one: BEGIN, each statement, its own COMMIT.
    first.execute("BEGIN")
    first.execute("ALTER TABLE orders ADD COLUMN region text")
    first.execute("COMMIT")  # the file's
    first.execute("CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region)")  # accepted
    first.execute("COMMIT")  # the runner's: PostgreSQL only warns, there is nothing to commit
    first.execute("BEGIN")
    with pytest.raises(psycopg.errors.ActiveSqlTransaction):  # (inside the block: refused)
        first.execute("CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total)")
    first.execute("ROLLBACK")
    migration = tmp_path / "migrations" / "0002_commit.sql"
    migration.parent.mkdir()
    migration.write_text(COMMITTED)
    found = lint_paths([str(migration.parent)], cwd=str(tmp_path), assume_in_transaction=True)
    assert [(f.code, f.location.line) for f in found.findings] == [("DBA601", 3)]


def test_a_commit_in_a_multi_statement_string_does_not_end_the_implicit_block(
    sessions: tuple[Any, Any], tmp_path: Path
) -> None:
    first, _observer = sessions
    # dbmate and diesel send the file as one string inside their transaction: after its COMMIT
    # the rest of the string is an implicit transaction block, where CONCURRENTLY is refused.
    first.execute("BEGIN")
    with pytest.raises(psycopg.errors.ActiveSqlTransaction, match="transaction block"):
        first.execute(COMMITTED)
    first.execute("ROLLBACK")
    migration = tmp_path / "db" / "migrations" / "20200102000000_commit.sql"
    migration.parent.mkdir(parents=True)
    migration.write_text("-- migrate:up\n" + COMMITTED)
    found = lint_paths([str(tmp_path / "db")], cwd=str(tmp_path), runner="dbmate")
    assert [(f.code, f.location.line) for f in found.findings] == [("DBA601", 4), ("DBA404", 5)]


def test_commit_and_chain_begins_the_next_transaction_at_once(sessions: tuple[Any, Any]) -> None:
    first, observer = sessions
    first.execute("BEGIN")
    first.execute("ALTER TABLE orders ADD COLUMN region text")
    first.execute("COMMIT AND CHAIN")
    assert "orders" not in _exclusive(first)  # the ALTER's lock went with its transaction
    observer.execute("SET lock_timeout = '100ms'")
    observer.execute("SELECT 1 FROM orders LIMIT 1")  # (not blocked)
    with pytest.raises(psycopg.errors.ActiveSqlTransaction):  # but a transaction is open
        first.execute("CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region)")
    first.execute("ROLLBACK")
