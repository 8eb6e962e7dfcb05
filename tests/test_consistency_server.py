"""What the consistency rules (DBA801, DBA803) claim PostgreSQL refuses, observed on a real
server: each statement they flag fails there, the ones they leave alone run."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_sql
from tests.postgres import Server


def _refused(session: Any, setup: str, sql: str, error: type[Exception], match: str) -> None:
    """`sql` fails with `error` after `setup` (both rolled back)."""
    with pytest.raises(error, match=match), session.transaction():
        session.execute(setup)
        session.execute(sql)


def _accepted(session: Any, setup: str, sql: str) -> None:
    """`sql` runs after `setup` (both rolled back)."""
    with session.transaction(force_rollback=True):
        session.execute(setup)
        session.execute(sql)


PAYMENTS = "CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric, fee numeric);\n"


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX payments_open_idx ON payments (fee) WHERE refunded_at IS NULL;",
        "CREATE INDEX payments_open_idx ON payments (fee) WHERE fee > 0 AND lower(nme) <> '';",
    ],
)
def test_dba801_an_unknown_column_in_a_partial_index_where_fails(
    pg_server: Server, sql: str
) -> None:
    assert [f.code for f in lint_sql(PAYMENTS + sql, select=["DBA801"])] == ["DBA801"]
    with pg_server.connect() as session:
        _refused(session, PAYMENTS, sql, psycopg.errors.UndefinedColumn, "does not exist")


def test_dba801_known_columns_in_a_partial_index_where_run(pg_server: Server) -> None:
    sql = "CREATE INDEX payments_open_idx ON payments (fee) WHERE amount > payments.fee;"
    assert lint_sql(PAYMENTS + sql, select=["DBA801"]) == []
    with pg_server.connect() as session:
        _accepted(session, PAYMENTS, sql)


LONG = "CREATE TABLE long_names (id bigint PRIMARY KEY);\n"
PAST_63 = "long_names_index_whose_descriptive_name_goes_on_past_the_limit_"  # 63 bytes


@pytest.mark.parametrize(
    ("setup", "sql", "error"),
    [
        (
            LONG + f"CREATE INDEX {PAST_63}1 ON long_names (id);",
            f"CREATE INDEX {PAST_63}2 ON long_names (id);",
            psycopg.errors.DuplicateTable,
        ),
        (
            LONG + f"CREATE INDEX {PAST_63}1 ON long_names (id);",
            f"ALTER TABLE long_names ADD CONSTRAINT {PAST_63}3 UNIQUE (id);",
            psycopg.errors.DuplicateTable,
        ),
        (
            LONG + f"ALTER TABLE long_names ADD CONSTRAINT {PAST_63}1 CHECK (id > 0);",
            f"ALTER TABLE long_names ADD CONSTRAINT {PAST_63}2 CHECK (id > 1);",
            psycopg.errors.DuplicateObject,
        ),
        (
            "",
            f"CREATE TABLE long_names (id bigint, {PAST_63}xa int, {PAST_63}xb int);",
            psycopg.errors.DuplicateColumn,
        ),
    ],
)
def test_dba803_names_that_collide_after_truncation_to_63_bytes_fail(
    pg_server: Server, setup: str, sql: str, error: type[Exception]
) -> None:
    assert len(PAST_63.encode()) == 63
    assert [f.code for f in lint_sql(setup + sql, select=["DBA803"])] == ["DBA803"]
    with pg_server.connect() as session:
        _refused(session, setup, sql, error, "already exists|more than once")


def test_dba803_names_that_differ_within_63_bytes_run(pg_server: Server) -> None:
    setup = LONG + f"CREATE INDEX {PAST_63}1 ON long_names (id);"
    sql = f"CREATE INDEX {PAST_63[:-1]} ON long_names (id);"
    assert lint_sql(setup + sql, select=["DBA803"]) == []
    with pg_server.connect() as session:
        _accepted(session, setup, sql)


CUSTOMERS = "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);\n"


@pytest.mark.parametrize(
    ("setup", "sql"),
    [
        ("", "CREATE TABLE orders (id bigint PRIMARY KEY, reference text PRIMARY KEY);"),
        (
            "",
            "CREATE TABLE orders (id bigint PRIMARY KEY, reference text, PRIMARY KEY (reference));",
        ),
        (
            CUSTOMERS,
            "ALTER TABLE customers ADD CONSTRAINT customers_email_pkey PRIMARY KEY (email);",
        ),
        (CUSTOMERS, "ALTER TABLE customers ADD COLUMN code bigint PRIMARY KEY;"),
        (
            "CREATE TABLE notes (id bigint NOT NULL, body text NOT NULL);",
            "ALTER TABLE notes ADD PRIMARY KEY (id), ADD PRIMARY KEY (body);",
        ),
    ],
)
def test_dba804_a_second_primary_key_fails(pg_server: Server, setup: str, sql: str) -> None:
    assert [f.code for f in lint_sql(setup + sql, select=["DBA804"])] == ["DBA804"]
    with pg_server.connect() as session:
        _refused(
            session, setup, sql, psycopg.errors.InvalidTableDefinition, "multiple primary keys"
        )


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE customers DROP CONSTRAINT customers_pkey, ADD PRIMARY KEY (email);",
        "ALTER TABLE customers ADD CONSTRAINT c_email_pkey PRIMARY KEY (email), "
        "DROP CONSTRAINT customers_pkey;",
        "ALTER TABLE customers DROP COLUMN id, ADD COLUMN uid bigint PRIMARY KEY;",
        "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);",
    ],
)
def test_dba804_replacing_the_primary_key_runs(pg_server: Server, sql: str) -> None:
    assert lint_sql(CUSTOMERS + sql, select=["DBA804"]) == []
    with pg_server.connect() as session:
        _accepted(session, CUSTOMERS, sql)


def test_dba507_add_column_if_not_exists_of_a_column_the_table_has_changes_nothing(
    pg_server: Server,
) -> None:
    """PostgreSQL skips it with a NOTICE (the rows keep their NULLs, the column stays
    nullable): DBA507 is silent for it, and still flags it when the table lacks the column."""
    added = "ALTER TABLE payments ADD COLUMN note text;\n"
    sql = "ALTER TABLE payments ADD COLUMN IF NOT EXISTS note text NOT NULL;"
    assert lint_sql(added + sql, select=["DBA507"]) == []
    assert [f.code for f in lint_sql(sql, select=["DBA507"])] == ["DBA507"]
    with pg_server.connect() as session, session.transaction(force_rollback=True):
        session.execute(PAYMENTS + added + "INSERT INTO payments (id) VALUES (1);")
        session.execute(sql)
        row = session.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'payments' AND column_name = 'note'"
        ).fetchone()
        assert row == ("YES",)
