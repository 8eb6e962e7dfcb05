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
    try:
        with session.transaction():
            session.execute(setup)
            session.execute(sql)
            raise _Undo
    except _Undo:
        pass


class _Undo(Exception):
    """Roll back what a probe did."""


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
