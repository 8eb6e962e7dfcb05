"""What the replay assumes of `IF NOT EXISTS` and of tables dropped in the same transaction,
observed on a real server: a skipped statement keeps the object as it was (rows, types,
definition) with a notice, and still locks its table when it is an ALTER TABLE or an index
build; a lock on a table the transaction drops is held on a table nobody can use afterwards."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_sql
from tests.postgres import Server

SETUP = """
DROP TABLE IF EXISTS accounts CASCADE;
CREATE TABLE accounts (id integer PRIMARY KEY, email text, n integer);
INSERT INTO accounts SELECT g, 'a' || g, g FROM generate_series(1, 1000) g;
CREATE INDEX accounts_n_idx ON accounts (n);
"""


def _session(pg_server: Server) -> tuple[Any, list[str]]:
    session = pg_server.connect()
    notices: list[str] = []
    session.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    session.execute(SETUP)
    return session, notices


def _type(session: Any, column: str) -> str:
    row = session.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'accounts'::regclass AND attname = %s",
        (column,),
    ).fetchone()
    return str(row[0])


def _modes(observer: Any, pid: int, table: str = "accounts") -> set[str]:
    rows = observer.execute(
        "SELECT mode FROM pg_locks WHERE relation = %s::regclass AND granted AND pid = %s",
        (table, pid),
    ).fetchall()
    return {mode for (mode,) in rows}


def test_create_table_if_not_exists_keeps_an_existing_table_and_its_rows(
    pg_server: Server,
) -> None:
    session, notices = _session(pg_server)
    with session:
        session.execute("CREATE TABLE IF NOT EXISTS accounts (id bigint, email varchar(5))")
        assert any("already exists, skipping" in n for n in notices)
        assert session.execute("SELECT count(*) FROM accounts").fetchone()[0] == 1000
        assert _type(session, "id") == "integer"
        assert _type(session, "n") == "integer"  # (not in the restated definition: still there)
    # So the linter treats the table as existing: a rewriting change on it is reported.
    sql = (
        "CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, n integer);\n"
        "ALTER TABLE accounts ALTER COLUMN n TYPE bigint;\n"
    )
    assert [f.code for f in lint_sql(sql, select=["DBA407"])] == ["DBA407"]
    assert lint_sql(sql, select=["DBA407"], if_not_exists="new") == []


def test_add_column_if_not_exists_of_a_column_keeps_its_type_but_locks_the_table(
    pg_server: Server,
) -> None:
    session, notices = _session(pg_server)
    with session, pg_server.connect() as observer:
        pid = session.info.backend_pid
        with session.transaction(force_rollback=True):
            session.execute(
                "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS n varchar(20) "
                "NOT NULL DEFAULT clock_timestamp()::text"
            )
            assert any("already exists, skipping" in n for n in notices)
            assert _type(session, "n") == "integer"
            assert "AccessExclusiveLock" in _modes(observer, pid)
    # So the linter sees no volatile default (DBA405) and keeps the type the table has.
    sql = (
        "CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, n integer);\n"
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS n text DEFAULT clock_timestamp();\n"
        "ALTER TABLE accounts ALTER COLUMN n TYPE bigint;\n"
    )
    found = lint_sql(sql, select=["DBA405", "DBA407"])
    assert [f.code for f in found] == ["DBA407"]
    assert "integer" in found[0].message


def test_create_index_if_not_exists_skips_by_name_after_locking_the_table(
    pg_server: Server,
) -> None:
    session, notices = _session(pg_server)
    with session, pg_server.connect() as observer:
        pid = session.info.backend_pid
        with session.transaction(force_rollback=True):
            session.execute("CREATE INDEX IF NOT EXISTS accounts_n_idx ON accounts (email)")
            assert any("already exists, skipping" in n for n in notices)
            definition = session.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'accounts_n_idx'"
            ).fetchone()[0]
            assert definition.endswith("(n)")  # (the other definition was not built)
            assert "ShareLock" in _modes(observer, pid)


@pytest.mark.parametrize("drop", ["DROP TABLE accounts", "DROP TABLE IF EXISTS accounts CASCADE"])
def test_a_lock_on_a_table_the_transaction_drops_ends_with_the_table(
    pg_server: Server, drop: str
) -> None:
    # Whoever waits for the lock finds no table once it is released: the index dropped first
    # (DBA402) and the rows read under the lock (DBA418) kept no reader of the table waiting
    # for anything it could still use.
    session, _ = _session(pg_server)
    with session, pg_server.connect() as reader:
        failed: list[BaseException] = []

        def read() -> None:
            try:
                reader.execute("SELECT count(*) FROM accounts")
            except psycopg.Error as error:
                failed.append(error)

        with session.transaction():
            session.execute("DROP INDEX accounts_n_idx")
            thread = threading.Thread(target=read)
            thread.start()
            time.sleep(0.3)
            assert thread.is_alive()  # (queued behind the ACCESS EXCLUSIVE lock)
            session.execute("SELECT count(*) FROM accounts")
            session.execute(drop)
        thread.join(10)
        assert failed and isinstance(failed[0], psycopg.errors.UndefinedTable)


def test_a_waiter_on_a_table_swapped_for_a_new_one_runs_on_the_new_one(
    pg_server: Server,
) -> None:
    # Renamed away and replaced in the same transaction: the queries that waited for the lock
    # find the new table under the name, so the lock held them up (DBA418 still counts it).
    session, _ = _session(pg_server)
    with session, pg_server.connect() as reader:
        counted: list[int] = []

        def read() -> None:
            counted.append(reader.execute("SELECT count(*) FROM accounts").fetchone()[0])

        with session.transaction():
            session.execute("ALTER TABLE accounts ADD COLUMN swapped boolean")
            thread = threading.Thread(target=read)
            thread.start()
            time.sleep(0.3)
            assert thread.is_alive()
            session.execute("ALTER TABLE accounts RENAME TO accounts_old")
            session.execute("CREATE TABLE accounts (id integer PRIMARY KEY)")
            session.execute("DROP TABLE accounts_old")
        thread.join(10)
        assert counted == [0]  # (the new, empty table)
