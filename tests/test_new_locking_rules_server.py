"""What DBA420 and DBA421 claim, observed on a real PostgreSQL: a unique index or constraint
built over rows with duplicates fails (and a failed concurrent build leaves an invalid index),
over a new all-NULL column it does not, over a new column with one default it does; and one
ALTER TABLE with several subcommands takes its ACCESS EXCLUSIVE lock once and applies them all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.plugins.host import PluginHost
from tests.postgres import Server

USERS = """
DROP TABLE IF EXISTS users;
CREATE TABLE users (id bigint NOT NULL, email text, handle text);
INSERT INTO users SELECT n, 'u' || (n % 50) || '@example.com', 'h' || n
FROM generate_series(1, 100) n;
"""


@pytest.fixture
def session(pg_server: Server) -> Iterator[Any]:
    with pg_server.connect() as connection:
        connection.execute(USERS)
        yield connection
        connection.execute("DROP TABLE IF EXISTS users")


def _flags(sql: str, code: str) -> bool:
    return [f.code for f in lint_sql(sql, select=[code])] == [code]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE UNIQUE INDEX users_email_key ON users (email)",
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
        "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (email)",
        "ALTER TABLE users ADD COLUMN kind text DEFAULT 'a' UNIQUE",
    ],
)
def test_dba420_a_unique_key_over_duplicates_fails(session: Any, sql: str) -> None:
    assert _flags(sql, "DBA420")
    with pytest.raises(psycopg.errors.UniqueViolation, match="could not create unique index"):
        session.execute(sql)


def test_dba420_a_failed_concurrent_build_leaves_an_invalid_index(session: Any) -> None:
    sql = "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)"
    assert _flags(sql, "DBA420")
    with pytest.raises(psycopg.errors.UniqueViolation):
        session.execute(sql)
    valid = session.execute(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_key'::regclass"
    ).fetchone()
    assert valid == (False,)


def test_dba420_a_new_column_with_one_default_fails(session: Any) -> None:
    sql = "ALTER TABLE users ADD COLUMN kind text DEFAULT 'a';\n"
    sql += "CREATE UNIQUE INDEX users_kind_key ON users (kind);"
    assert _flags(sql, "DBA420")
    with pytest.raises(psycopg.errors.UniqueViolation), session.transaction():
        session.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE users ADD COLUMN code text;\n"
        "CREATE UNIQUE INDEX users_code_key ON users (code);",
        "ALTER TABLE users ADD COLUMN code text UNIQUE;",
        "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"
        "ALTER TABLE users ADD CONSTRAINT users_token_key UNIQUE (token);",
        "ALTER TABLE users ADD COLUMN seq bigserial;\n"
        "CREATE UNIQUE INDEX users_seq_key ON users (seq);",
        "ALTER TABLE users ADD COLUMN code text;\n"
        "CREATE UNIQUE INDEX users_id_code_key ON users (email, code);",
    ],
)
def test_dba420_new_columns_null_or_distinct_in_every_row_succeed(session: Any, sql: str) -> None:
    assert lint_sql(sql, select=["DBA420"]) == []
    session.execute(sql)


def test_dba420_nulls_not_distinct_makes_the_nulls_duplicates(session: Any) -> None:
    sql = "ALTER TABLE users ADD COLUMN code text;\n"
    sql += "CREATE UNIQUE INDEX users_code_key ON users (code) NULLS NOT DISTINCT;"
    assert _flags(sql, "DBA420")
    with pytest.raises(psycopg.errors.UniqueViolation), session.transaction():
        session.execute(sql)


def _example(code: str, section: str) -> str:
    [rule] = [r for r in PluginHost([]).rules() if r.code == code]
    sql = rule.doc().sql_block(section)
    assert sql is not None
    return sql


def test_dba421_one_statement_waits_for_its_lock_once_and_applies_every_subcommand(
    pg_server: Server,
) -> None:
    bad, good = _example("DBA421", "Example"), _example("DBA421", "Use instead")
    assert _flags(bad, "DBA421") and lint_sql(good, select=["DBA421"]) == []
    with (
        pg_server.connect() as holder,
        pg_server.connect() as altering,
        pg_server.connect() as observer,
    ):
        holder.execute("DROP TABLE IF EXISTS orders; CREATE TABLE orders (id bigint)")
        holder.execute("INSERT INTO orders SELECT generate_series(1, 1000)")
        pid = altering.execute("SELECT pg_backend_pid()").fetchone()[0]
        with holder.transaction():
            holder.execute("SELECT count(*) FROM orders")  # ACCESS SHARE until it commits
            worker = threading.Thread(target=altering.execute, args=(good,))
            worker.start()
            requests: list[tuple[str, bool]] = []
            for _ in range(200):
                requests = observer.execute(
                    "SELECT mode, granted FROM pg_locks WHERE pid = %s "
                    "AND relation = 'orders'::regclass",
                    (pid,),
                ).fetchall()
                if requests:
                    break
                time.sleep(0.02)
            # One request for the whole statement, queued behind the reader.
            assert requests == [("AccessExclusiveLock", False)]
        worker.join(10)
        assert not worker.is_alive()
        columns = observer.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass "
            "AND attnum > 0 ORDER BY attnum"
        ).fetchall()
        assert columns == [("id",), ("currency",), ("rate",)]
        holder.execute("DROP TABLE orders")


def test_dba420_columns_a_unique_index_covers_already_succeed(session: Any, tmp_path: Path) -> None:
    (tmp_path / "0001_create.sql").write_text(
        "CREATE TABLE users (id bigint NOT NULL, email text, handle text);\n"
        "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n"
    )
    sql = "ALTER TABLE users ADD CONSTRAINT users_id_email_key UNIQUE (email, id);"
    (tmp_path / "0002_key.sql").write_text(sql + "\n")
    result = lint_paths([str(tmp_path)], select=["DBA420"], cwd=str(tmp_path))
    assert list(result.findings) == []
    session.execute("ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id)")
    session.execute(sql)


ORDERS = "CREATE TABLE orders (id bigint, total numeric); INSERT INTO orders VALUES (1, 2);"


@pytest.mark.parametrize(
    ("separate", "combined", "error"),
    [
        # Type changes run before added columns: the column is not there yet.
        (
            "ALTER TABLE orders ADD COLUMN c integer;\n"
            "ALTER TABLE orders ALTER COLUMN c TYPE bigint;",
            "ALTER TABLE orders ADD COLUMN c integer, ALTER COLUMN c TYPE bigint",
            psycopg.errors.UndefinedColumn,
        ),
        # RENAME stands alone.
        (
            "ALTER TABLE orders ADD COLUMN c integer;\n"
            "ALTER TABLE orders RENAME COLUMN total TO amount;",
            "ALTER TABLE orders ADD COLUMN c integer, RENAME COLUMN total TO amount",
            psycopg.errors.SyntaxError,
        ),
    ],
)
def test_dba421_is_silent_where_one_statement_fails(
    pg_server: Server, separate: str, combined: str, error: type[Exception]
) -> None:
    assert lint_sql(separate, select=["DBA421"]) == []
    with pg_server.connect() as session:
        with pytest.raises(error), session.transaction():
            session.execute(ORDERS)
            session.execute(combined)
        with session.transaction(force_rollback=True):
            session.execute(ORDERS)
            session.execute(separate)


def test_dba421_is_silent_for_djangos_add_field(pg_server: Server) -> None:
    # The default fills the existing rows, then it is dropped: as one statement, the DROP
    # DEFAULT runs before the column is added.
    separate = "ALTER TABLE orders ADD COLUMN c integer DEFAULT 5;\n"
    separate += "ALTER TABLE orders ALTER COLUMN c DROP DEFAULT;"
    combined = "ALTER TABLE orders ADD COLUMN c integer DEFAULT 5, ALTER COLUMN c DROP DEFAULT"
    assert lint_sql(separate, select=["DBA421"]) == []
    with pg_server.connect() as session:
        with session.transaction(force_rollback=True):
            session.execute(ORDERS)
            session.execute(separate)
            assert session.execute("SELECT c FROM orders").fetchone() == (5,)
        with pytest.raises(psycopg.errors.UndefinedColumn), session.transaction():
            session.execute(ORDERS)
            session.execute(combined)
