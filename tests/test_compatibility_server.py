"""What the compatibility rules (DBA5xx) claim about PostgreSQL, observed on a real server: the
drops they leave alone change nothing running code sees, the ones they flag do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_sql
from tests.postgres import Server


@contextmanager
def _rolled_back(server: Server) -> Iterator[Any]:
    """A session whose work is rolled back at the end, in a schema of its own (other tests'
    tables of the same names are left alone)."""
    with server.connect() as session, session.transaction(force_rollback=True):
        session.execute("CREATE SCHEMA probe; SET LOCAL search_path = probe")
        yield session


def _refuses(session: Any, sql: str, error: type[Exception]) -> bool:
    """Whether `sql` fails with `error` (in a savepoint, so the probe leaves nothing behind)."""
    try:
        with session.transaction(force_rollback=True):
            session.execute(sql)
    except error:
        return True
    return False


ORDERS = (
    "CREATE TABLE orders (id bigint PRIMARY KEY, placed_at timestamptz, total numeric);"
    "INSERT INTO orders VALUES (1, now(), 10);"
)


def test_dba509_dropping_a_not_null_check_of_a_not_null_column_keeps_out_the_same_rows(
    pg_server: Server,
) -> None:
    # DBA408's recipe, then its last step: NULL is refused before and after the drop.
    recipe = (
        "ALTER TABLE orders ADD CONSTRAINT orders_placed_at_not_null "
        "CHECK (placed_at IS NOT NULL) NOT VALID;"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_placed_at_not_null;"
        "ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;"
    )
    null_row = "INSERT INTO orders VALUES (2, NULL, 1);"
    with _rolled_back(pg_server) as session:
        session.execute(ORDERS + recipe)
        assert _refuses(session, null_row, psycopg.errors.NotNullViolation)
        session.execute("ALTER TABLE orders DROP CONSTRAINT orders_placed_at_not_null;")
        assert _refuses(session, null_row, psycopg.errors.NotNullViolation)


def test_dba509_a_check_that_enforces_more_than_not_null_lets_rows_in_once_dropped(
    pg_server: Server,
) -> None:
    negative = "INSERT INTO orders VALUES (2, now(), -1);"
    with _rolled_back(pg_server) as session:
        session.execute(
            ORDERS + "ALTER TABLE orders ADD CONSTRAINT orders_total_check "
            "CHECK (total IS NOT NULL AND total >= 0);"
            "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;"
        )
        assert _refuses(session, negative, psycopg.errors.CheckViolation)
        session.execute("ALTER TABLE orders DROP CONSTRAINT orders_total_check;")
        assert not _refuses(session, negative, psycopg.errors.CheckViolation)


def test_dba509_set_not_null_and_the_checks_drop_in_one_statement_end_not_null(
    pg_server: Server,
) -> None:
    statement = (
        "ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL, "
        "DROP CONSTRAINT orders_placed_at_not_null;"
    )
    with _rolled_back(pg_server) as session:
        session.execute(
            ORDERS + "ALTER TABLE orders ADD CONSTRAINT orders_placed_at_not_null "
            "CHECK (placed_at IS NOT NULL);"
        )
        session.execute(statement)
        row = session.execute(
            "SELECT attnotnull FROM pg_attribute "
            "WHERE attrelid = 'orders'::regclass AND attname = 'placed_at'"
        ).fetchone()
        assert row == (True,)
        assert _refuses(
            session, "INSERT INTO orders VALUES (2, NULL, 1);", psycopg.errors.NotNullViolation
        )


def _default_of(session: Any, column: str) -> Any:
    """What an INSERT that leaves `column` out stores in it."""
    session.execute("INSERT INTO orders (id) VALUES (99);")
    value = session.execute(f"SELECT {column} FROM orders WHERE id = 99").fetchone()[0]
    session.execute("DELETE FROM orders WHERE id = 99;")
    return value


def test_dba509_a_default_set_and_dropped_in_the_migration_leaves_inserts_as_they_were(
    pg_server: Server,
) -> None:
    migration = (
        "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0;"
        "UPDATE orders SET total = 0 WHERE total IS NULL;"
        "ALTER TABLE orders ALTER COLUMN total DROP DEFAULT;"
    )
    assert lint_sql(migration, select=["DBA509"]) == []
    with _rolled_back(pg_server) as session:
        session.execute(ORDERS)
        before = _default_of(session, "total")
        session.execute(migration)
        assert _default_of(session, "total") == before is None
        # ... and a DROP DEFAULT on a column without one changes nothing at all
        session.execute("ALTER TABLE orders ALTER COLUMN total DROP DEFAULT;")
        assert _default_of(session, "total") is None


def test_dba507_djangos_addfield_leaves_a_required_column_that_old_inserts_fail_on(
    pg_server: Server,
) -> None:
    migration = (
        "ALTER TABLE orders ADD COLUMN priority integer DEFAULT 0 NOT NULL;\n"
        "ALTER TABLE orders ALTER COLUMN priority DROP DEFAULT;\n"
    )
    findings = lint_sql(migration, select=["DBA507", "DBA509"])
    assert [(f.code, f.location.line) for f in findings] == [("DBA507", 2)]
    with _rolled_back(pg_server) as session:
        session.execute(ORDERS)
        session.execute(migration)
        # the existing row got the default; the running code's insert, which does not name
        # the column, now fails
        assert session.execute("SELECT priority FROM orders").fetchall() == [(0,)]
        assert _refuses(
            session, "INSERT INTO orders (id) VALUES (2);", psycopg.errors.NotNullViolation
        )


def test_dba509_a_default_from_before_the_migration_changed_then_dropped_is_gone(
    pg_server: Server,
) -> None:
    migration = (
        "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 1;"
        "ALTER TABLE orders ALTER COLUMN total DROP DEFAULT;"
    )
    with _rolled_back(pg_server) as session:
        session.execute(ORDERS + "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0;")
        assert _default_of(session, "total") == 0
        session.execute(migration)
        assert _default_of(session, "total") is None


def test_dba510_a_label_added_in_the_migration_can_be_renamed_in_it_and_stays_the_same_label(
    pg_server: Server,
) -> None:
    migration = "ALTER TYPE mood ADD VALUE 'meh';ALTER TYPE mood RENAME VALUE 'meh' TO 'so-so';"
    assert lint_sql(migration, select=["DBA510"]) == []
    label = "SELECT oid FROM pg_enum WHERE enumtypid = 'mood'::regtype AND enumlabel = %s"
    with _rolled_back(pg_server) as session:
        session.execute("CREATE TYPE mood AS ENUM ('happy', 'sad');")
        session.execute("ALTER TYPE mood ADD VALUE 'meh';")
        added = session.execute(label, ("meh",)).fetchone()
        session.execute("ALTER TYPE mood RENAME VALUE 'meh' TO 'so-so';")
        assert session.execute(label, ("so-so",)).fetchone() == added is not None


@pytest.mark.parametrize(
    ("rename", "shim"),
    [
        (
            "ALTER TABLE customer RENAME TO customers;",
            "CREATE VIEW customer AS SELECT * FROM customers;",
        ),
        (
            "ALTER TABLE probe.customer RENAME TO customers;",
            "CREATE OR REPLACE VIEW probe.customer (id, name) AS "
            "SELECT id, name FROM probe.customers;",
        ),
    ],
)
def test_dba503_a_view_under_the_old_name_keeps_old_readers_and_writers_working(
    pg_server: Server, rename: str, shim: str
) -> None:
    migration = f"BEGIN;\n{rename}\n{shim}\nCOMMIT;\n"
    assert lint_sql(migration, select=["DBA503"]) == []
    # What the application version still running sends, naming the old table.
    old_code = [
        "INSERT INTO customer (id, name) VALUES (2, 'bo')",
        "UPDATE customer SET name = 'al' WHERE id = 1",
        "DELETE FROM customer WHERE id = 2",
    ]
    with _rolled_back(pg_server) as session:
        session.execute(
            "CREATE TABLE customer (id bigint PRIMARY KEY, name text);"
            "INSERT INTO customer VALUES (1, 'ann');"
        )
        session.execute(rename)
        session.execute(shim)
        session.execute(old_code[0])
        assert session.execute("SELECT id, name FROM customer ORDER BY id").fetchall() == [
            (1, "ann"),
            (2, "bo"),
        ]
        session.execute(old_code[1])
        session.execute(old_code[2])
        # ... and the writes went to the renamed table
        assert session.execute("SELECT id, name FROM customers").fetchall() == [(1, "al")]


def test_dba503_without_the_view_old_code_fails(pg_server: Server) -> None:
    with _rolled_back(pg_server) as session:
        session.execute("CREATE TABLE customer (id bigint PRIMARY KEY, name text);")
        session.execute("ALTER TABLE customer RENAME TO customers;")
        assert _refuses(session, "SELECT * FROM customer", psycopg.errors.UndefinedTable)
