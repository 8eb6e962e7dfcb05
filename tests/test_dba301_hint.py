"""DBA301's hint is the exact statement that fixes the finding."""

from __future__ import annotations

import pytest

from dbarch_lint import lint_sql

CASES = [
    (
        "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers);\n",
        "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",
    ),
    (  # multi-column key, in the key's order; quoting where needed; schema only when needed
        "CREATE SCHEMA app;\n"
        'CREATE TABLE app.parents (a bigint, "B" bigint, PRIMARY KEY (a, "B"));\n'
        'CREATE TABLE app."Kids" (id bigint PRIMARY KEY, pa bigint, "pB" bigint,\n'
        '    FOREIGN KEY ("pB", pa) REFERENCES app.parents ("B", a));\n',
        'CREATE INDEX CONCURRENTLY "Kids_pB_pa_idx" ON app."Kids" ("pB", pa);',
    ),
    (  # search_path makes the schema unnecessary
        "SET search_path = app;\n"
        "CREATE TABLE parents (id bigint PRIMARY KEY);\n"
        "CREATE TABLE kids (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents);\n",
        "CREATE INDEX CONCURRENTLY kids_parent_id_idx ON kids (parent_id);",
    ),
    (  # the conventional name is taken by another relation: a free one is chosen
        "CREATE TABLE parents (id bigint PRIMARY KEY);\n"
        "CREATE TABLE kids (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents);\n"
        "CREATE INDEX kids_parent_id_idx ON kids (parent_id) WHERE id > 10;\n",
        "CREATE INDEX CONCURRENTLY kids_parent_id_idx1 ON kids (parent_id);",
    ),
]


@pytest.mark.parametrize(("sql", "statement"), CASES)
def test_hint_is_the_create_index_statement(sql: str, statement: str) -> None:
    findings = lint_sql(sql, select=["DBA301"])
    assert len(findings) == 1
    assert findings[0].hint == f"index the referencing columns: `{statement}`"


def test_long_names_are_truncated_to_63_bytes() -> None:
    column = "a_rather_long_column_name_that_points_at_the_parent_row"
    sql = (
        "CREATE TABLE parents (id bigint PRIMARY KEY);\n"
        "CREATE TABLE kids_with_a_long_name (\n"
        f"    id bigint PRIMARY KEY, {column} bigint REFERENCES parents);\n"
    )
    (finding,) = lint_sql(sql, select=["DBA301"])
    assert finding.hint is not None
    name = finding.hint.split("CONCURRENTLY ")[1].split(" ON ")[0]
    assert len(name.encode()) == 63
    assert f"ON kids_with_a_long_name ({column});" in finding.hint


def test_partitioned_table_hint_avoids_concurrently() -> None:
    sql = (
        "CREATE TABLE parents (id bigint PRIMARY KEY);\n"
        "CREATE TABLE events (id bigint, parent_id bigint REFERENCES parents, at date)\n"
        "    PARTITION BY RANGE (at);\n"
    )
    (finding,) = lint_sql(sql, select=["DBA301"])
    assert finding.hint is not None
    assert "`CREATE INDEX events_parent_id_idx ON ONLY events (parent_id);`" in finding.hint
    assert "ALTER INDEX events_parent_id_idx ATTACH PARTITION" in finding.hint
