"""Reading and parsing: recovery after bad statements, psql input, encodings, positions."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest
from pglast import parser as pg

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.model.ir import AddColumn, CreateTable, Span
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.lower import READS, decode_node, lower_statement
from dbarch_lint.parsing.postgres.nodes import Where
from dbarch_lint.parsing.postgres.parser import parse_postgres


def codes(sql: str, **settings: object) -> list[tuple[str, int, int]]:
    return [(f.code, f.location.line, f.location.column) for f in lint_sql(sql, **settings)]


def test_syntax_error_does_not_hide_the_rest() -> None:
    sql = "CREATE TABLE a (id serial);\nCREATE TABL b (x int);\nCREATE TABLE c (id serial);\n"
    found = codes(sql, select=["DBA001", "DBA101"])
    assert ("DBA001", 2, 8) in found
    assert ("DBA101", 1, 20) in found and ("DBA101", 3, 20) in found


def test_syntax_error_hint_for_partial_unique_in_create_table() -> None:
    [finding] = lint_sql("CREATE TABLE t (a int, UNIQUE (a) WHERE a > 0);", select=["DBA001"])
    assert finding.location.line == 1 and finding.location.column == 35
    assert finding.hint and "CREATE UNIQUE INDEX" in finding.hint


def test_psql_meta_commands_and_copy_data_are_skipped() -> None:
    sql = (
        "\\set ON_ERROR_STOP on\n"
        "CREATE TABLE t (id serial);\n"
        "COPY t (id) FROM stdin;\n"
        "1\n2\tnot sql at all; DROP\n\\.\n"
        "SELECT 1 \\gset\n"
        "\\connect other\n"
        "CREATE TABLE u (id serial);\n"
    )
    assert codes(sql, select=["DBA0", "DBA101"]) == [("DBA101", 2, 20), ("DBA101", 9, 20)]


def test_backslashes_in_literals_are_not_psql_commands() -> None:
    body = "CREATE FUNCTION f(x text) RETURNS bool LANGUAGE sql AS $$ SELECT x ~ '^\\d+$' $$;\n"
    sql = (
        f"CREATE TABLE t (s text DEFAULT E'a\\nb', id serial);\n{body}CREATE TABLE u (id serial);\n"
    )
    assert codes(sql, select=["DBA0", "DBA101"]) == [("DBA101", 1, 44), ("DBA101", 3, 20)]
    with_command = "\\set x 1\n" + sql
    assert codes(with_command, select=["DBA0", "DBA101"]) == [("DBA101", 2, 44), ("DBA101", 4, 20)]


def test_dollar_quotes_comments_crlf_and_bom() -> None:
    sql = (
        "\ufeff-- a comment; with a semicolon\r\n"
        "/* block; comment */\r\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;\r\n"
        "CREATE TABLE t (id serial);\r\n"
    )
    assert codes(sql, select=["DBA001", "DBA101"]) == [("DBA101", 4, 20)]


def test_columns_count_code_points() -> None:
    sql = 'CREATE TABLE "café" ("naïve" int, id serial);'
    [finding] = lint_sql(sql, select=["DBA101"])
    assert (finding.location.column, finding.location.end_column) == (38, 44)


def test_syntax_error_position_after_non_ascii() -> None:
    sql = "SELECT 'é';\nSELECT 'ü' FROM tabl x y;\n"
    [finding] = lint_sql(sql, select=["DBA001"])
    assert (finding.location.line, finding.location.column) == (2, 24)


def test_undecodable_file_is_dba004_with_offset(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.sql"
    bad.write_bytes(b"SELECT 1;\nSELECT 'caf\xe9';\n")
    result = lint_paths([str(bad)], cwd=str(tmp_path))
    [finding] = result.findings
    assert finding.code == "DBA004" and "offset 21" in finding.message
    assert (finding.location.line, finding.location.column) == (2, 12)


def test_other_encoding_can_be_configured(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.sql"
    bad.write_bytes(b"CREATE TABLE caf\xe9s (id serial);\n")
    result = lint_paths([str(bad)], cwd=str(tmp_path), encoding="latin-1", select=["DBA"])
    assert [f.code for f in result.findings if f.code.startswith("DBA0")] == []


def test_binary_file_is_dba004(tmp_path: Path) -> None:
    (tmp_path / "x.sql").write_bytes(b"\x00\x01\x02")
    assert [f.code for f in lint_paths([str(tmp_path)], cwd=str(tmp_path)).findings] == ["DBA004"]


def test_deeply_nested_statement_is_a_finding_not_a_crash() -> None:
    sql = "SELECT " + "abs(" * 1500 + "1" + ")" * 1500 + ";\nCREATE TABLE t (id serial);"
    found = {code for code, _, _ in codes(sql, select=["DBA"])}
    assert "DBA101" in found and ("DBA001" in found or "DBA002" in found)
    assert "DBA000" not in found


def test_empty_and_comment_only_files() -> None:
    assert lint_sql("") == []
    assert lint_sql("-- nothing here\n/* at all */\n") == []


def test_lowering_events_carry_the_facts() -> None:
    parsed = parse_postgres(
        SourceFile(
            "x.sql",
            "CREATE TABLE s.t (a pg_catalog.varchar(10)[] NOT NULL);\n"
            "ALTER TABLE t ADD COLUMN b int REFERENCES u ON DELETE NO ACTION;",
        )
    )
    create = parsed.statements[0].events[0]
    assert isinstance(create, CreateTable) and str(create.table) == "s.t"
    column = create.columns[0]
    assert (
        column.type is not None and column.type.builtin == "varchar" and column.type.mods == (10,)
    )
    assert column.type.array and column.get("not-null") is not None
    add = parsed.statements[1].events[0]
    assert isinstance(add, AddColumn)
    fk = add.column.get("foreign-key")
    assert fk is not None and fk.on_delete == "no action"


def test_unmodelled_ddl_is_dba002() -> None:
    assert codes("ALTER TABLE orders SET SCHEMA archive;", select=["DBA002"]) == [("DBA002", 1, 1)]
    assert (
        codes("SELECT 1; COMMENT ON TABLE t IS 'x'; GRANT SELECT ON t TO r;", select=["DBA002"])
        == []
    )


_PARTLY_DECODED = (
    "CREATE OR REPLACE VIEW v AS SELECT a FROM t WHERE b > 1",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS m (a) AS SELECT 1",
    "CREATE TEMP TABLE x AS SELECT * FROM t",
    "SELECT 1 INTO TEMP t2",
    "SELECT a FROM t",
    "INSERT INTO s.t SELECT * FROM u",
    "INSERT INTO t VALUES (1), (2)",
    "UPDATE t SET a = 1 FROM u WHERE t.b = u.b",
    "DELETE FROM t USING u WHERE t.a = u.a",
    "MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE",
    "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql SECURITY DEFINER SET search_path = x, y "
    "AS $$ SELECT 1 $$",
    "CREATE FUNCTION f(a int) RETURNS int LANGUAGE plpgsql "
    "SET search_path FROM CURRENT AS $$ begin return a; end $$",
)


def test_partly_decoded_nodes_lower_as_whole_ones() -> None:
    """The kinds whose nodes are decoded only in part (speed) lower as from the whole node."""
    kinds = set()
    for sql in _PARTLY_DECODED:
        [raw] = msgspec.json.decode(pg.parse_sql_json(sql))["stmts"]
        [(kind, node)] = raw["stmt"].items()
        kinds.add(kind)
        where = Where(0, sql.encode(), len(sql))
        whole = lower_statement(kind, node, Span(0, len(sql)), where)
        part = decode_node(kind, msgspec.Raw(msgspec.json.encode(node)))
        assert part.keys() <= node.keys()
        assert lower_statement(kind, part, Span(0, len(sql)), where) == whole
    assert kinds == set(READS)


def test_pglast_enums_and_ast_load_only_when_used() -> None:
    """Parsing never imports pglast's enums and AST classes (a fifth of the single-file
    budget), yet code that uses them (pglast.parse_sql, a plugin) works as usual."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from dbarch_lint.api import lint_sql\n"
        "lint_sql('CREATE TABLE t (id int PRIMARY KEY);')\n"
        "print('pglast.enums.nodes' in sys.modules, 'Node' in vars(sys.modules['pglast.ast']))\n"
        "import pglast\n"
        "from pglast.enums import SortByDir\n"
        "print(type(pglast.parse_sql('SELECT 1')[0].stmt).__name__, SortByDir.SORTBY_ASC.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False", "SelectStmt", "SORTBY_ASC"]


def test_line_columns_is_line_column_twice() -> None:
    # (`location` and fixes ask for a range's two ends at once: the same places, any line
    # breaks, any text, offsets clamped into the file)
    texts = ["a\nbc\r\ndé\rf\n\nggg€h\n", "x" * 9, "", "\n\n\n", "éé\né\r\n€\n€€", "one\ntwo\r\n3"]
    for text in texts:
        source = SourceFile("p.sql", text)
        size = len(source.data)
        for start in range(-2, size + 3):
            for end in range(start, size + 4):
                both = (*source.line_column(start), *source.line_column(end))
                assert source.line_columns(start, end) == both, (text, start, end)


def test_statement_spans_skip_leading_whitespace_and_comments() -> None:
    # (the spans start at the statement's first token whatever libpg_query's offset points at:
    # only a statement that starts with whitespace or a comment is searched for them)
    sql = "  /* a */ -- b\nCREATE TABLE t (a int);\n\t\nSELECT 1;DROP TABLE t"
    parsed = parse_postgres(SourceFile("x.sql", sql))
    data = sql.encode()
    starts = [data[s.span.start : s.span.end] for s in parsed.statements]
    assert starts == [b"CREATE TABLE t (a int)", b"SELECT 1", b"DROP TABLE t"]


def test_quote_ident_remembers_its_answers() -> None:
    from dbarch_lint.model import ir

    names = ["users", "Users", 'a"b', "_x$1", "1a", "", "naïve", "user"]
    first = [ir.quote_ident(name) for name in names]
    assert first == ["users", '"Users"', '"a""b"', '"_x$1"', '"1a"', '""', '"naïve"', '"user"']
    assert [ir.quote_ident(name) for name in names] == first
    ir._SHOWN.clear()
    assert [ir.quote_ident(name) for name in names] == first


def test_line_starts_at_every_line_break() -> None:
    import re

    from dbarch_lint.model.source import line_starts

    texts = [b"", b"\n", b"\n\n", b"a", b"a\n", b"a\nb", b"ab\n\ncd\n", b"a\x0bb\x0c\x1c\n\x85c"]
    texts += [b"a\r\nb\rc\n", b"\r", b"\r\n", b"x\r\r\n"]
    for data in texts:
        expected = [0, *(m.end() for m in re.finditer(rb"\r\n?|\n", data))]
        assert line_starts(data) == expected, data


def test_positions_counted_or_looked_up_are_the_same() -> None:
    # (a file's first positions are counted, later ones looked up in its line starts: in any
    # order, the same answers as the line starts give)
    import bisect
    import random

    from dbarch_lint.model.source import line_starts

    rng = random.Random(7)
    texts = ["a\nbc\n\ndé\nf€g\n" * 40, "x" * 300, "one\r\ntwo\rthree\n" * 20, "\n" * 50, ""]
    for text in texts:
        source = SourceFile("x.sql", text)
        data = text.encode()
        starts = line_starts(data)
        offsets = [rng.randrange(-2, len(data) + 3) for _ in range(200)]
        offsets[:50] = sorted(offsets[:50])
        for offset in offsets:
            clamped = max(0, min(offset, len(data)))
            index = bisect.bisect_right(starts, clamped) - 1
            column = len(data[starts[index] : clamped].decode(errors="ignore")) + 1
            assert source.line_column(offset) == (index + 1, column)
            assert source.line_of(offset) == bisect.bisect_right(starts, offset)
            end = min(len(data), clamped + rng.randrange(0, 30))
            assert source.line_columns(offset, end) == (
                *source.line_column(offset),
                *source.line_column(end),
            )


def test_alter_table_sub_commands_start_where_the_clause_reading_puts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each sub-command's span starts where reading the one before it as a clause ends (after
    # its comma, whitespace and comments); plain ones are found with one match, and must be
    # found at the same places.
    from dbarch_lint.parsing.postgres import tables

    sql = (
        "ALTER TABLE ONLY public.t\n    DROP COLUMN a,\n    DROP COLUMN b , -- gone\n"
        "    ADD COLUMN c text DEFAULT 'x, y', /* note */ ADD COLUMN d numeric(10, 2),\n"
        "    ALTER COLUMN e TYPE int USING e::int,ADD COLUMN f int;\n"
        "ALTER TABLE u * DROP COLUMN a, DROP COLUMN b;\n"
    )

    def starts() -> list[list[Span]]:
        parsed = parse_postgres(SourceFile("m.sql", sql))
        return [[e.span for e in statement.events] for statement in parsed.statements]

    fast = starts()
    monkeypatch.setattr(tables, "_PLAIN_TO_COMMA", re.compile(rb"(?!)"))  # never matches
    assert fast == starts()
    assert len(fast[0]) == 6 and len({span.start for span in fast[0]}) == 6


def test_column_refs_and_function_calls_in_order_past_constants_and_names() -> None:
    from dbarch_lint.parsing.postgres.nodes import column_refs, function_calls

    [raw] = msgspec.json.decode(
        pg.parse_sql_json("SELECT coalesce(lower(a::text), upper('b'), t.c, now()::date)")
    )["stmts"]
    expr = raw["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    assert column_refs(expr) == ["a", "c"]
    assert function_calls(expr) == ["now", "upper", "lower"]  # (the walk's order, as before)
    constant = {"A_Const": {"sval": {"sval": "ColumnRef FuncCall"}, "location": 3}}
    assert column_refs(constant) == [] and function_calls(constant) == []


def test_column_refs_and_normalized_read_from_json_text_as_the_walks_do() -> None:
    """`column_refs` and `normalized` read the expression's JSON text; what that reading
    cannot take (a name with quotes or backslashes, `t.*`, a location that is not a whole
    number) gives what walking the tree gives."""
    from dbarch_lint.parsing.postgres import nodes

    sql = (
        'SELECT "we""ird" + "back\\slash" + x.y.z + coalesce(t.*, a) + "ColumnRef" '
        "+ 'location' + (SELECT b FROM u WHERE \"é\" > 1)"
    )
    [raw] = msgspec.json.decode(pg.parse_sql_json(sql))["stmts"]
    expr = raw["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    walked: list[str] = []
    nodes._collect_column_refs(expr, walked)
    assert nodes.column_refs(expr) == walked
    assert walked == ['we"ird', "back\\slash", "z", "t", "a", "ColumnRef", "b", "é"]
    # (a reference written otherwise, its keys in another order: walked)
    reordered = {"ColumnRef": {"location": 1, "fields": [{"String": {"sval": "q"}}]}}
    assert nodes.column_refs([reordered, expr]) == ["q", *walked]
    by_copy = msgspec.json.encode(nodes._strip_locations(expr), order="sorted").decode()
    assert nodes.normalized(expr) == by_copy and '"location":' not in by_copy
    odd = {"A_Const": {"ival": {"ival": 1}, "location": "7"}, "x": [{"location": -1}]}
    assert nodes.normalized(odd) == '{"A_Const":{"ival":{"ival":1}},"x":[{}]}'
    # (the same expression written elsewhere in the text: the same normalized form)
    [moved] = msgspec.json.decode(pg.parse_sql_json("SELECT     " + sql[7:]))["stmts"]
    moved_expr = moved["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    assert nodes.normalized(moved_expr) == nodes.normalized(expr)
