"""What the #22 "noise" messages claim PostgreSQL does, observed on a real server."""

from __future__ import annotations

import psycopg
import pytest

from dbarch_lint import lint_sql
from tests.postgres import Server

HISTORY = "CREATE TABLE invoices (id bigint);\n"


def test_dba504_a_drop_of_a_misspelt_table_fails(pg_server: Server) -> None:
    sql = "DROP TABLE invoice;"
    [finding] = lint_sql(HISTORY + sql, select=["DBA504"])
    assert "if no such table exists, the drop fails" in finding.message
    refused = pytest.raises(psycopg.errors.UndefinedTable, match="does not exist")
    with pg_server.connect() as session, refused, session.transaction():
        session.execute(HISTORY)
        session.execute(sql)


def test_dba504_if_exists_makes_a_drop_of_a_misspelt_table_do_nothing(pg_server: Server) -> None:
    sql = "DROP TABLE IF EXISTS invoice;"
    [finding] = lint_sql(HISTORY + sql, select=["DBA504"])
    assert "IF EXISTS makes it do nothing" in finding.message
    notices: list[str] = []
    with pg_server.connect() as session:
        session.add_notice_handler(lambda notice: notices.append(notice.message_primary or ""))
        session.execute("SET client_min_messages = notice")
        with session.transaction():
            session.execute(HISTORY)
            session.execute(sql)  # (no error)
            row = session.execute("SELECT to_regclass('invoices') IS NOT NULL").fetchone()
            assert row == (True,)
            session.execute("DROP TABLE invoices")
    assert any("does not exist, skipping" in n for n in notices)
