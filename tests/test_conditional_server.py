"""Conditional DDL in PL/pgSQL, observed on a real server: what the replay assumes of guards
and of `EXCEPTION` handlers is what PostgreSQL does.

- A block's statement raises exactly the condition the replay predicts (so a handler for it
  swallows the failure and the block's body is rolled back, and a handler for another
  condition does not).
- A catalog guard decides which branch runs: the branch the replay drops does not run (a
  `data_type != 'jsonb'` guard makes the second conversion a no-op: no rewrite).
- information_schema spells types as the guards' reading of them expects.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_sql
from tests.postgres import Server

SETUP = (
    "CREATE TABLE cd_posts (id bigint PRIMARY KEY, subject text, props json);\n"
    "CREATE INDEX cd_posts_subject_idx ON cd_posts (subject);\n"
    "ALTER TABLE cd_posts ADD CONSTRAINT cd_posts_id_check CHECK (id > 0);\n"
    "CREATE TYPE cd_mood AS ENUM ('ok');\n"
)


def _in_rolled_back(session: Any, sql: str) -> None:
    with session.transaction(force_rollback=True):
        session.execute(sql)


# (statement, the condition the replay predicts it raises on SETUP's schema, its exception)
FAILURES = [
    ("ALTER TABLE cd_posts ADD COLUMN subject text", "duplicate_column", "DuplicateColumn"),
    ("ALTER TABLE cd_posts RENAME COLUMN title TO topic", "undefined_column", "UndefinedColumn"),
    ("ALTER TABLE cd_posts DROP COLUMN title", "undefined_column", "UndefinedColumn"),
    ("CREATE TABLE cd_posts (id int)", "duplicate_table", "DuplicateTable"),
    ("CREATE INDEX cd_posts_subject_idx ON cd_posts (id)", "duplicate_table", "DuplicateTable"),
    (
        "ALTER TABLE cd_posts ADD CONSTRAINT cd_posts_id_check CHECK (id < 100)",
        "duplicate_object",
        "DuplicateObject",
    ),
    (
        "ALTER TABLE cd_posts ADD CONSTRAINT cd_posts_id_check FOREIGN KEY (id) "
        "REFERENCES cd_posts (id)",
        "duplicate_object",
        "DuplicateObject",
    ),
    ("CREATE TYPE cd_mood AS ENUM ('meh')", "duplicate_object", "DuplicateObject"),
    ("ALTER TABLE cd_posts DROP CONSTRAINT cd_nope", "undefined_object", "UndefinedObject"),
]


@pytest.mark.parametrize(("sql", "condition", "error"), FAILURES)
def test_a_swallowed_failure_is_what_postgres_raises(
    pg_server: Server, sql: str, condition: str, error: str
) -> None:
    block = f"DO $$ BEGIN {sql}; EXCEPTION WHEN {condition} THEN NULL; END $$;"
    other = "undefined_table" if condition != "undefined_table" else "duplicate_table"
    unprotected = f"DO $$ BEGIN {sql}; EXCEPTION WHEN {other} THEN NULL; END $$;"
    # The replay: the protected body cannot run (no finding); unprotected, the failure shows.
    assert lint_sql(SETUP + block, select=["DBA801", "DBA803"]) == []
    with pg_server.connect() as session:
        with pytest.raises(getattr(psycopg.errors, error)), session.transaction():
            session.execute(SETUP)
            session.execute(sql)
        _in_rolled_back(session, SETUP + block)  # (swallowed: the DO block runs)
        with pytest.raises(getattr(psycopg.errors, error)), session.transaction():
            session.execute(SETUP + unprotected)


def test_a_protected_body_that_fails_is_rolled_back(pg_server: Server) -> None:
    block = (
        "DO $$ BEGIN ALTER TABLE cd_posts ADD COLUMN extra int; "
        "ALTER TABLE cd_posts ADD COLUMN subject text; "
        "EXCEPTION WHEN duplicate_column THEN NULL; END $$;"
    )
    with pg_server.connect() as session, session.transaction(force_rollback=True):
        session.execute(SETUP + block)
        found = session.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'cd_posts' AND column_name = 'extra'"
        ).fetchone()
        assert found == (0,)  # (the whole body, its first statement too)


GUARDED = """
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'cd_posts'
             AND column_name = 'props' AND data_type != 'jsonb') THEN
    ALTER TABLE cd_posts ALTER COLUMN props TYPE jsonb USING props::jsonb;
  END IF;
END
$$;
"""


def test_a_type_guard_runs_the_conversion_once(pg_server: Server) -> None:
    # The replay: the first block rewrites (DBA407), the second cannot run (nothing).
    history = "CREATE TABLE cd_posts (id bigint PRIMARY KEY, subject text, props json);\n"
    found = lint_sql(history + "COMMIT;\n" + GUARDED + GUARDED, select=["DBA407"])
    assert [f.code for f in found] == []  # (a table made in the same file: nothing to block)
    with pg_server.connect() as session, session.transaction(force_rollback=True):
        session.execute(SETUP)
        before = _relfilenode(session)
        session.execute(GUARDED)
        middle = _relfilenode(session)
        session.execute(GUARDED)
        after = _relfilenode(session)
    assert before != middle  # (json to jsonb rewrote the table)
    assert middle == after  # (the guard was false: no second rewrite)


def _relfilenode(session: Any) -> int:
    row = session.execute("SELECT relfilenode FROM pg_class WHERE relname = 'cd_posts'")
    return int(row.fetchone()[0])


@pytest.mark.parametrize(
    ("declared", "data_type"),
    [
        ("int", "integer"),
        ("int4", "integer"),
        ("bigint", "bigint"),
        ("smallint", "smallint"),
        ("varchar(10)", "character varying"),
        ("char(2)", "character"),
        ("bool", "boolean"),
        ("real", "real"),
        ("float8", "double precision"),
        ("timestamptz", "timestamp with time zone"),
        ("timestamp", "timestamp without time zone"),
        ("timetz", "time with time zone"),
        ("time", "time without time zone"),
        ("decimal(5,2)", "numeric"),
        ("jsonb", "jsonb"),
        ("text", "text"),
    ],
)
def test_information_schema_spells_types_as_guards_read_them(
    pg_server: Server, declared: str, data_type: str
) -> None:
    sql = f"CREATE TABLE cd_types (c {declared});"
    guard = (
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = "
        f"'cd_types' AND column_name = 'c' AND data_type != '{data_type}') THEN "
        "ALTER TABLE cd_types ADD COLUMN c int; END IF; END $$;"
    )
    # The replay: the guard is false (the type is that one), so no duplicate column.
    assert lint_sql(sql + guard, select=["DBA803"]) == []
    with pg_server.connect() as session, session.transaction(force_rollback=True):
        session.execute(sql)
        row = session.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'cd_types' AND column_name = 'c'"
        ).fetchone()
        assert row == (data_type,)
        session.execute(guard)  # (runs: the branch did not)


@pytest.mark.parametrize("argument", ["orders", "Orders", "order items", "select", "user", 'a"b'])
def test_format_quotes_identifiers_as_the_linter_reads_them(
    pg_server: Server, argument: str
) -> None:
    from dbarch_lint.parsing.postgres.bodies import _quoted

    expected = _quoted(argument.encode(), b"I")
    assert expected is not None
    with pg_server.connect() as session:
        row = session.execute("SELECT format('%%I', %s::text)", (argument,)).fetchone()
    assert row == (expected.decode(),)


def test_a_called_procedure_runs_its_ddl_in_the_migration_transaction(pg_server: Server) -> None:
    # The linter: the procedure's body is linted at the CALL, as a DO block's would be.
    procedure = (
        "CREATE PROCEDURE cd_build() LANGUAGE plpgsql AS $$ BEGIN "
        "EXECUTE format('CREATE INDEX %I ON %I (subject)', 'cd_posts_subject2_idx', 'cd_posts'); "
        "END $$;\n"
    )
    history = "CREATE TABLE cd_posts (id bigint PRIMARY KEY, subject text);\n"
    assert [f.code for f in _lint(history, procedure + "CALL cd_build();")] == ["DBA401"]
    assert _lint(history, procedure) == []  # (not called: it runs later)
    with pg_server.connect() as session, session.transaction(force_rollback=True):
        session.execute(SETUP + procedure)
        session.execute("CALL cd_build()")
        held = session.execute(
            "SELECT mode FROM pg_locks WHERE relation = 'cd_posts'::regclass "
            "AND pid = pg_backend_pid() AND mode = 'ShareLock'"
        ).fetchall()
        assert held == [("ShareLock",)]  # (held until the migration commits)


def _lint(history: str, migration: str) -> list[Any]:
    """DBA401 in `migration`, run after `history` (so its tables are not new)."""
    import tempfile
    from pathlib import Path

    from dbarch_lint import lint_paths

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "001_history.sql").write_text(history)
        Path(folder, "002_migration.sql").write_text(migration)
        return list(lint_paths([folder], select=["DBA401"], cache=False).findings)


def test_constraint_column_usage_names_a_foreign_keys_referenced_table(pg_server: Server) -> None:
    # So a guard on it says nothing of the constraint's own table: the replay looks for the
    # constraint on every table.
    sql = (
        "CREATE TABLE cd_parent (id bigint PRIMARY KEY);\n"
        "CREATE TABLE cd_child (id bigint PRIMARY KEY, parent_id bigint, "
        "CONSTRAINT cd_child_parent_fk FOREIGN KEY (parent_id) REFERENCES cd_parent (id));\n"
    )
    guard = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.constraint_column_usage "
        "WHERE table_name = 'cd_parent' AND constraint_name = 'cd_child_parent_fk') THEN "
        "ALTER TABLE cd_child ADD CONSTRAINT cd_child_parent_fk FOREIGN KEY (parent_id) "
        "REFERENCES cd_parent (id); END IF; END $$;"
    )
    assert lint_sql(sql + guard, select=["DBA803"]) == []
    with pg_server.connect() as session, session.transaction(force_rollback=True):
        session.execute(sql)
        row = session.execute(
            "SELECT table_name FROM information_schema.constraint_column_usage "
            "WHERE constraint_name = 'cd_child_parent_fk'"
        ).fetchone()
        assert row == ("cd_parent",)
        session.execute(guard)  # (the guard is false: no duplicate)
