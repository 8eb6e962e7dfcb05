"""What the #22 "noise" messages claim PostgreSQL does, observed on a real server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dbarch_lint import lint_paths, lint_sql
from tests.postgres import Server

HISTORY = "CREATE TABLE noise_invoices (id bigint);\n"


def test_dba504_a_drop_of_a_misspelt_table_fails(pg_server: Server) -> None:
    sql = "DROP TABLE noise_invoice;"
    [finding] = lint_sql(HISTORY + sql, select=["DBA504"])
    assert "if no such table exists, the drop fails" in finding.message
    refused = pytest.raises(psycopg.errors.UndefinedTable, match="does not exist")
    with pg_server.connect() as session, refused, session.transaction():
        session.execute(HISTORY)
        session.execute(sql)


def test_dba504_if_exists_makes_a_drop_of_a_misspelt_table_do_nothing(pg_server: Server) -> None:
    sql = "DROP TABLE IF EXISTS noise_invoice;"
    [finding] = lint_sql(HISTORY + sql, select=["DBA504"])
    assert "IF EXISTS makes it do nothing" in finding.message
    notices: list[str] = []
    with pg_server.connect() as session:
        session.add_notice_handler(lambda notice: notices.append(notice.message_primary or ""))
        session.execute("SET client_min_messages = notice")
        with session.transaction():
            session.execute(HISTORY)
            session.execute(sql)  # (no error)
            row = session.execute("SELECT to_regclass('noise_invoices') IS NOT NULL").fetchone()
            assert row == (True,)
            session.execute("DROP TABLE noise_invoices")
    assert any("does not exist, skipping" in n for n in notices)


ORDERS = (
    "CREATE TABLE noise_orders (id bigint PRIMARY KEY, note text, qty int NOT NULL,"
    " CONSTRAINT noise_orders_qty_check CHECK (qty > 0));\n"
)


@pytest.mark.parametrize(
    ("sql", "error", "codes"),
    [
        ("ALTER TABLE noise_orders DROP COLUMN notes;", psycopg.errors.UndefinedColumn, ["DBA501"]),
        (
            "ALTER TABLE noise_orders RENAME COLUMN notes TO remarks;",
            psycopg.errors.UndefinedColumn,
            ["DBA502"],
        ),
        (
            "ALTER TABLE noise_orders ALTER COLUMN quantity TYPE bigint;",
            psycopg.errors.UndefinedColumn,
            ["DBA407"],
        ),
        (
            "ALTER TABLE noise_orders ALTER COLUMN notes SET NOT NULL;",
            psycopg.errors.UndefinedColumn,
            ["DBA408"],
        ),
        (
            "ALTER TABLE noise_orders ALTER COLUMN notes DROP NOT NULL;",
            psycopg.errors.UndefinedColumn,
            ["DBA508"],
        ),
        (
            "ALTER TABLE noise_orders DROP CONSTRAINT noise_orders_quantity_check;",
            psycopg.errors.UndefinedObject,
            ["DBA509"],
        ),
    ],
)
def test_a_statement_on_what_the_table_does_not_have_fails_so_no_compatibility_finding(
    pg_server: Server, sql: str, error: type[Exception], codes: list[str], tmp_path: Path
) -> None:
    """The replay knows the table and it has no such column or constraint: PostgreSQL refuses
    the statement, so a finding about running code that still uses it would contradict that."""
    (tmp_path / "0001_create.sql").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "0002_change.sql").write_text(sql, encoding="utf-8")
    found = lint_paths([str(tmp_path)], cwd=str(tmp_path), select=[*codes, "DBA801"])
    codes_found = [f.code for f in found.findings]
    assert codes_found == (["DBA801"] if codes != ["DBA509"] else []), codes_found
    with pg_server.connect() as session, pytest.raises(error), session.transaction():
        session.execute(ORDERS)
        session.execute(sql)


COUNTS = (
    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'noise_orders'::regclass UNION ALL"
    " SELECT count(*) FROM pg_constraint WHERE conrelid = 'noise_orders'::regclass"
)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE noise_orders DROP COLUMN IF EXISTS notes;",
        "ALTER TABLE noise_orders DROP CONSTRAINT IF EXISTS noise_orders_quantity_check;",
    ],
)
def test_if_exists_of_what_the_table_does_not_have_does_nothing(
    pg_server: Server, sql: str
) -> None:
    with pg_server.connect() as session, session.transaction():
        session.execute(ORDERS)
        before = session.execute(COUNTS).fetchall()
        session.execute(sql)
        after = session.execute(COUNTS).fetchall()
        session.execute("DROP TABLE noise_orders")
    assert before == after


def test_dba504_says_nothing_of_a_misspelt_name_after_a_statement_nobody_could_read(
    tmp_path: Path,
) -> None:
    """A history holding a statement that does not parse may have created the table there."""
    (tmp_path / "0001_create.sql").write_text("CREATE TABLE invoices (id bigint);")
    (tmp_path / "0002_mysql.sql").write_text("CREATE TABLE `lines` (`id` bigint);")
    (tmp_path / "0003_drop.sql").write_text("DROP TABLE lines;")
    found = lint_paths([str(tmp_path)], cwd=str(tmp_path), select=["DBA504"]).findings
    assert [f.message for f in found] == [
        "Dropping table lines breaks the code that still uses it and loses its rows"
    ]
    (tmp_path / "0002_mysql.sql").unlink()
    found = lint_paths([str(tmp_path)], cwd=str(tmp_path), select=["DBA504"]).findings
    assert ["misspelt" in f.message for f in found] == [True]
