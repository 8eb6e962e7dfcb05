"""DO blocks and function bodies: positions in the file, suppressions, what is (not) read."""

from __future__ import annotations

import msgspec

from dbarch_lint import lint_sql
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres

SELECT = ["DBA0", "DBA101", "DBA103", "DBA401"]
DEEP = "IF true THEN " * 3000 + "CREATE INDEX i ON t (a); " + "END IF; " * 3000


def found(sql: str, select: list[str] = SELECT) -> list[tuple[str, int, int]]:
    return [(f.code, f.location.line, f.location.column) for f in lint_sql(sql, select=select)]


def column(sql: str, text: str, nth: int = 0) -> int:
    """The 1-based column of the `nth` occurrence of `text` on its line of `sql`."""
    at = -1
    for _ in range(nth + 1):
        at = sql.index(text, at + 1)
    return at - sql.rfind("\n", 0, at)


def test_statements_of_a_do_block_follow_it_in_order() -> None:
    sql = "DO $$ BEGIN CREATE TABLE a (id int); CREATE INDEX ON a (id); END $$;\nSELECT 1;\n"
    parsed = parse_postgres(SourceFile("m.sql", sql))
    kinds = [(s.index, s.kind, s.within) for s in parsed.statements]
    assert kinds == [
        (0, "DoStmt", ""),
        (1, "CreateStmt", "do"),
        (2, "IndexStmt", "do"),
        (3, "SelectStmt", ""),
    ]
    assert parsed.bodies == ()


def test_function_body_statements_hang_off_their_function() -> None:
    sql = (
        "SELECT 1;\n"
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  UPDATE t SET a = 1;\n  CREATE TABLE b (id serial);\nEND $$;\n"
    )
    parsed = parse_postgres(SourceFile("m.sql", sql))
    assert [s.kind for s in parsed.statements] == ["SelectStmt", "CreateFunctionStmt"]
    [inner] = parsed.bodies  # (its UPDATE is not kept: no body rule looks at data changes)
    assert (inner.index, inner.kind, inner.within) == (1, "CreateStmt", "function")
    assert sql.encode()[inner.span.start : inner.span.end] == b"CREATE TABLE b (id serial)"
    # The parse cache and the worker processes ship it as msgpack.
    encoded = msgspec.msgpack.encode(parsed)
    assert msgspec.msgpack.decode(encoded, type=ParsedFile) == parsed


def test_positions_with_non_ascii_text_and_crlf() -> None:
    sql = (
        "DO $$\r\nDECLARE s text := 'héllo wörld';\r\nBEGIN\r\n"
        "  CREATE INDEX i ON t (a);\r\n  EXECUTE 'CREATE INDEX ñ ON t (a)';\r\nEND $$;\r\n"
    )
    assert found(sql) == [("DBA401", 4, 3), ("DBA401", 5, 12)]


def test_the_same_statement_twice_on_one_line() -> None:
    sql = "DO $$ BEGIN CREATE INDEX i ON t (a); CREATE INDEX i ON t (a); END $$;"
    assert found(sql) == [("DBA401", 1, 13), ("DBA401", 1, 38)]


def test_doubled_quotes_nested_literals_are_mapped_back() -> None:
    sql = (
        "DO 'BEGIN EXECUTE ''CREATE INDEX i ON t (a)''; EXECUTE ''CREATE TABLE q "
        "(s varchar(2) DEFAULT ''''ab'''', id serial)''; END';"
    )
    assert found(sql) == [
        ("DBA401", 1, column(sql, "CREATE")),
        ("DBA103", 1, column(sql, "varchar")),
        ("DBA101", 1, column(sql, "serial")),
    ]


def test_nested_do_and_function_in_executed_strings() -> None:
    do = "DO $$ BEGIN EXECUTE $x$DO $y$ BEGIN CREATE INDEX i ON t (a); END $y$ $x$; END $$;"
    assert found(do) == [("DBA401", 1, column(do, "CREATE"))]
    function = (
        "DO $$ BEGIN EXECUTE $x$CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $y$ "
        "BEGIN CREATE TABLE z (id serial); CREATE INDEX i ON t (a); END $y$ $x$; END $$;"
    )
    # A function created by the DO block: its body is still a function body (no DBA401).
    assert found(function) == [("DBA101", 1, column(function, "serial"))]


def test_a_statement_pl_pgsql_rewrote_falls_back_to_its_line() -> None:
    sql = "DO $$ DECLARE n int; BEGIN\n  SELECT 1 INTO n; CREATE INDEX i ON t (a);\nEND $$;"
    assert found(sql) == [("DBA401", 2, column(sql, "CREATE"))]


def test_bodies_that_cannot_be_read_say_nothing() -> None:
    # (A DO block's body that cannot be read is a finding: tests/test_hostile_parse.py.)
    for sql in (
        f"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN {DEEP} END $$;",
        "DO LANGUAGE plperl $$ spi_exec_query('CREATE INDEX i ON t (a)'); $$;",
        "CREATE FUNCTION f(v t.a%TYPE) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "CREATE TABLE q (id serial); END $$;",
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS E'BEGIN CREATE TABLE z "
        "(id serial);\\n END';",  # an escape string with escapes: not mapped
        "DO $$ BEGIN EXECUTE 'CREATE TABL'; END $$;",  # an EXECUTEd fragment
        "CREATE FUNCTION f(t text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "EXECUTE 'CREATE INDEX ON ' || t || ' (a)'; END $$;",  # (runs later: not now)
    ):
        assert found(sql) == [], sql


def test_sql_built_at_run_time_that_changes_the_schema_is_dba002_at_the_execute() -> None:
    for sql in (
        "DO $$ BEGIN EXECUTE 'CREATE INDEX ' || quote_ident('i') || ' ON t (a)'; END $$;",
        "DO $$ DECLARE t text := 'x'; BEGIN EXECUTE format('ALTER TABLE %I ADD b int', t); END $$;",
    ):
        assert found(sql, ["DBA002"]) == [("DBA002", 1, column(sql, "EXECUTE"))], sql
    # Reading data, or granting, that way is no schema change (RULES.md: DBA002).
    for sql in (
        "DO $$ DECLARE t text := 'x'; BEGIN EXECUTE 'SELECT count(*) FROM ' || t; END $$;",
        "DO $$ DECLARE t text := 'x'; BEGIN EXECUTE 'GRANT SELECT ON ' || t || ' TO r'; END $$;",
    ):
        assert found(sql, ["DBA002"]) == [], sql
    # A function the migration calls whose body PL/pgSQL refuses: PostgreSQL refused its
    # CREATE already; nothing more is said at the call.
    sql = (
        "CREATE FUNCTION f(VARIADIC a int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "CREATE INDEX i ON t (a); END $$;\nSELECT f(1);"
    )
    assert found(sql, ["DBA001"]) == []


def test_format_of_literals_is_linted_at_the_literals() -> None:
    sql = "DO $$\nBEGIN\n  EXECUTE format('CREATE INDEX %I ON %I (%s)', 'i', 'T', 'a');\nEND $$;"
    assert found(sql) == [("DBA401", 3, column(sql, "CREATE"))]


def test_dml_and_transaction_control_in_a_do_block() -> None:
    sql = "DO $$ BEGIN UPDATE t SET a = 1; COMMIT; END $$;"
    parsed = parse_postgres(SourceFile("m.sql", sql))
    assert [s.kind for s in parsed.statements] == ["DoStmt", "UpdateStmt"]


def test_text_inside_a_do_block_is_no_suppression() -> None:
    # INTERFACE.md: never text inside strings or dollar quotes.
    sql = "DO $$\nBEGIN\n  CREATE INDEX i ON t (a); -- noqa: DBA401\nEND $$;\n"
    assert found(sql, ["DBA401", "DBA003"]) == [("DBA401", 3, 3)]


def test_noqa_on_the_line_a_do_block_ends_covers_it() -> None:
    sql = "DO $$\nBEGIN\n  CREATE INDEX i ON t (a);\nEND $$; -- noqa: DBA401\n"
    assert found(sql, ["DBA401", "DBA003"]) == []


def test_noqa_above_a_do_block_covers_all_of_it() -> None:
    sql = (
        "-- noqa: DBA401\nDO $$\nBEGIN\n  CREATE INDEX i ON t (a);\n  CREATE INDEX j ON t (b);\n"
        "END $$;\nCREATE INDEX k ON t (c);\n"
    )
    assert found(sql, ["DBA401", "DBA003"]) == [("DBA401", 7, 1)]


def test_text_inside_a_function_body_is_no_suppression() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
        "  CREATE TABLE x (id serial); -- noqa: DBA101\n"
        "  CREATE INDEX i ON t (a); -- noqa: DBA401\nEND $$;\n"
    )
    # Text inside the body is no suppression; the locking rules do not look at bodies.
    assert found(sql, ["DBA101", "DBA401", "DBA003"]) == [("DBA101", 3, 22)]
