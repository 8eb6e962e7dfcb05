"""Input that must not slip through unlinted (issue #13): lone-CR line endings, DO bodies that
cannot be read, MySQL's executed comments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbarch_lint import lint_sql
from dbarch_lint.model.findings import Finding
from dbarch_lint.orchestration.fixes import _apply
from dbarch_lint.testing import expectations
from tests.postgres import Server
from tests.test_cli import invoke

ENDINGS = ["\n", "\r\n", "\r"]


def places(sql: str, **settings: object) -> list[tuple[str, int, int]]:
    return [(f.code, f.location.line, f.location.column) for f in lint_sql(sql, **settings)]


# -- Lone-CR line endings ----------------------------------------------------------------------


def test_a_noqa_in_a_cr_file_covers_only_its_own_statement() -> None:
    sql = "-- noqa: DBA401\rCREATE INDEX a ON t (x);\rCREATE INDEX b ON t (y);\r"
    assert places(sql, select=["DBA0", "DBA401"]) == [("DBA401", 3, 1)]
    sql = "CREATE INDEX a ON t (x); -- noqa: DBA401\rCREATE INDEX b ON t (y);\r"
    assert places(sql, select=["DBA0", "DBA401"]) == [("DBA401", 2, 1)]


# Lines whose findings, suppressions and fixes depend on where lines start.
POSTGRES_LINES = [
    "BEGIN;",
    "ALTER TABLE orders ADD COLUMN currency text;",
    "UPDATE orders SET currency = 'EUR';",  # (DBA418 names the ALTER's line)
    "ALTER TYPE order_status ADD VALUE 'refunded';",
    "UPDATE orders SET status = 'refunded';",  # (DBA417 names this line)
    "COMMIT;",
    "CREATE INDEX i ON t (a);",
    "CREATE TABLE x (id serial, s varchar(10));",
    "CREATE TABLE y (",
    "  id int,",
    "  note char(3)",
    ");",
    "-- noqa: DBA401",
    "-- noqa: DBA101, DBA103",
    "CREATE INDEX j ON t (b); -- noqa: DBA401",
    "-- dbarch-lint: disable=DBA1",
    "-- dbarch-lint: enable=DBA1",
    "/* a",
    "   comment */",
    "CREATE TABL z ();",
    "DO $$",
    "BEGIN",
    "  CREATE INDEX k ON t (c);",
    "END $$;",
    "SELECT 'é',",
    "  1;",
    "",
]
# (MySQL ends a `--` or `#` comment at LF only: a lone CR does not end it there)
MYSQL_LINES = [
    "CREATE TABLE x (",
    "  id int PRIMARY KEY,",
    "  price float",
    ");",
    "ALTER TABLE u DROP COLUMN a;",
    "/*!50000 ALTER TABLE u",
    "  DROP COLUMN b */;",
    "/* a",
    "   comment */",
    "CREATE TABL z;",
    "SELECT 'é',",
    "  1;",
    "",
]


def _findings(sql: str, dialect: str) -> list[tuple[object, ...]]:
    """Every finding's place, message and fix, with line breaks inside text made LF."""

    def lf(text: str) -> str:
        return re.sub(r"\r\n?", "\n", text)

    def fix(finding: Finding) -> tuple[tuple[object, ...], ...]:
        edits = finding.fix.edits if finding.fix is not None else ()
        return tuple((e.line, e.column, e.end_line, e.end_column, lf(e.text)) for e in edits)

    return [
        (f.code, msgspec.structs.astuple(f.location), lf(f.message), fix(f))
        for f in lint_sql(sql, dialect=dialect)
    ]


@pytest.mark.parametrize(
    ("dialect", "sample"), [("postgres", POSTGRES_LINES), ("mysql", MYSQL_LINES)], ids=str
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_findings_are_the_same_whatever_the_line_endings(
    dialect: str, sample: list[str], data: st.DataObject
) -> None:
    lines = data.draw(st.lists(st.sampled_from(sample), max_size=25))
    lf, crlf, cr = (ending.join(lines) for ending in ENDINGS)
    assert _findings(cr, dialect) == _findings(lf, dialect)
    assert _findings(crlf, dialect) == _findings(lf, dialect)


def test_messages_name_the_lines_of_a_cr_file() -> None:
    sql = (
        "BEGIN;\rALTER TABLE orders ADD COLUMN c text;\rUPDATE orders SET c = '';\r"
        "ALTER TYPE kind ADD VALUE 'new';\rUPDATE orders SET k = 'new';\rCOMMIT;\r"
    )
    messages = {f.code: f.message for f in lint_sql(sql, select=["DBA417", "DBA418"])}
    assert "on orders (line 2)" in messages["DBA418"]
    assert "is used on line 5" in messages["DBA417"]


def test_fixture_expectations_count_lines_as_findings_do() -> None:
    sql = "-- a\fb\u2028c\rCREATE INDEX i ON t (a); -- expect: DBA401\n"
    [expectation] = expectations("m.sql", sql)
    [finding] = lint_sql(sql, select=["DBA401"])
    assert expectation.line == finding.location.line == 2


def test_fixes_land_on_the_same_line_in_a_cr_file() -> None:
    sql = "-- orders\rSELECT 1;\rCREATE INDEX i ON t (a);\r"
    (finding,) = lint_sql(sql, select=["DBA401"])
    assert (finding.location.line, finding.location.column) == (3, 1)
    assert finding.fix is not None
    fixed, _ = _apply(sql, [finding.fix.edits])
    assert fixed == "-- orders\rSELECT 1;\rCREATE INDEX CONCURRENTLY i ON t (a);\r"


def test_reports_show_the_lines_of_a_cr_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.sql").write_bytes(b"-- orders\rSELECT 1;\rCREATE INDEX i ON t (a);\r")
    _, out, _ = invoke("check", "m.sql", "--select", "DBA401", "--show-source")
    assert "m.sql:3:1:" in out
    assert "3 | CREATE INDEX i ON t (a);" in out
    _, out, _ = invoke("check", "m.sql", "--select", "DBA401", "--format", "sarif")
    [result] = json.loads(out)["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"]) == (3, 1, 3)


# -- DO bodies that cannot be read -----------------------------------------------------------

SELECT = ["DBA0", "DBA401"]


def nested_begin_blocks(depth: int) -> str:
    return "DO $$ " + "BEGIN " * depth + "PERFORM 1;" + " END;" * (depth - 1) + " END $$;"


def nested_do_blocks(depth: int) -> str:
    """`depth` DO blocks, each EXECUTEd by the one around it, the innermost building an index."""
    sql = "CREATE INDEX i ON t (a);"
    for level in range(depth):
        sql = f"DO $d{level}$ BEGIN EXECUTE $e{level}${sql}$e{level}$; END $d{level}$"
    return sql + ";"


def place(sql: str, text: str) -> tuple[int, int]:
    """The line and column where `text` first occurs in `sql` (LF line endings)."""
    at = sql.index(text)
    return sql.count("\n", 0, at) + 1, at - sql.rfind("\n", 0, at)


# A DO body PL/pgSQL rejects, and the text DBA001 points at.
REJECTED = {
    "quoted token": ("DO $$ BEGIN CREATE TABL x (id serial); END $$;", "TABL"),
    "folded name": ("DO $$\nBEGIN\n  Y := 1;\nEND $$;", "Y :="),
    "doubled quotes": ("DO 'BEGIN EXECUTE ''SELECT 1''; CREATE TABL x; END';", "TABL"),
    "nothing quoted": ("DO $$ BEGIN PERFORM 1 +; END $$;", "DO"),
    "parser stack": (nested_begin_blocks(10_000), "DO"),  # (PostgreSQL's parser gives up too)
}


@pytest.mark.parametrize(("sql", "at"), REJECTED.values(), ids=REJECTED)
def test_a_do_body_pl_pgsql_rejects_is_a_syntax_error(sql: str, at: str) -> None:
    [finding, after] = lint_sql(sql + "\nCREATE INDEX j ON t (b);", select=SELECT)
    assert (finding.code, finding.location.line, finding.location.column) == (
        "DBA001",
        *place(sql, at),
    )
    assert finding.message.startswith("The DO block's body does not compile: ")
    assert (after.code, after.location.column) == ("DBA401", 1)  # (the rest is still linted)


def test_a_do_body_too_deep_to_read_is_not_checked_and_says_so() -> None:
    deep_call = "abs(" * 3000 + "1" + ")" * 3000
    for sql, at in (
        (nested_begin_blocks(1000), "DO"),
        ("DO $$ BEGIN " + "IF true THEN " * 3000 + "NULL;" + " END IF;" * 3000 + " END $$;", "DO"),
        (f"DO $$\nBEGIN\n  CREATE TABLE x AS SELECT {deep_call} AS c;\nEND $$;", "CREATE"),
    ):
        [finding, after] = lint_sql(sql + "\nCREATE INDEX j ON t (b);", select=SELECT)
        where = (finding.location.line, finding.location.column)
        assert (finding.code, where) == ("DBA002", place(sql, at))
        assert "nested too deeply" in finding.message
        assert (after.code, after.location.column) == ("DBA401", 1)
    # Function bodies that cannot be read are still passed over, and never crash.
    function = "CREATE FUNCTION f() RETURNS void LANGUAGE {} AS $$ {} $$;\nCREATE INDEX j ON t (b);"
    for language, body in (
        ("plpgsql", "BEGIN " * 1000 + "CREATE TABLE y (id int);" + " END;" * 999 + " END"),
        ("plpgsql", f"BEGIN CREATE TABLE x AS SELECT {deep_call} AS c; END"),
        ("sql", f"CREATE TABLE x AS SELECT {deep_call} AS c"),
    ):
        assert places(function.format(language, body), select=SELECT) == [("DBA401", 2, 1)]


def test_do_blocks_nested_deeper_than_modelled_are_not_linted_and_say_so() -> None:
    assert [code for code, _, _ in places(nested_do_blocks(4), select=SELECT)] == ["DBA401"]
    sql = nested_do_blocks(5)
    [(code, line, column)] = places(sql, select=SELECT)
    assert (code, line, column) == ("DBA002", 1, sql.index("DO $d0$") + 1)
    message = lint_sql(sql, select=SELECT)[0].message
    assert message.endswith("it was not linted (nested too deep)")


def test_a_do_body_with_backslash_escapes_is_linted_at_its_string() -> None:
    sql = "SELECT 1;\nDO E'BEGIN\\n  CREATE INDEX i ON t (a);\\nEND';"
    assert places(sql, select=SELECT) == [("DBA401", *place(sql, "E'"))]


def test_the_server_agrees_which_do_bodies_it_rejects(pg_server: Server) -> None:
    import psycopg

    def verdict(sql: str) -> list[str]:
        return [code for code, _, _ in places(sql, select=SELECT)]

    with pg_server.connect() as connection:
        for sql, _ in REJECTED.values():
            assert verdict(sql) == ["DBA001"]
            with pytest.raises(psycopg.errors.SyntaxError):
                connection.execute(sql)
        # Too deep for the linter to read, not for the server: not checked, but not rejected.
        sql = nested_begin_blocks(1000)
        assert verdict(sql) == ["DBA002"]
        connection.execute(sql)


# -- MySQL's executed comments -------------------------------------------------------------


def test_mysql_lints_what_its_executed_comments_hold() -> None:
    """MySQL 8.0 runs `/*! ... */` and `/*!Mmmrr ... */` up to 8.0.99; the rest are comments."""
    drop = "DROP COLUMN a"
    for sql, dropped in (
        (f"/*!50000 ALTER TABLE u {drop} */;", True),
        (f"/*! ALTER TABLE u {drop} */;", True),
        (f"/*!80099 ALTER TABLE u {drop}*/;", True),
        (f"ALTER TABLE u /*!50000 {drop} */;", True),
        (f"SELECT 1;\r\n/*!50000 ALTER TABLE u\r\n  {drop} */;", True),
        (f"/*!80100 ALTER TABLE u {drop} */;", False),  # (MySQL 8.1 and later only)
        (f"-- /*!50000 ALTER TABLE u {drop} */\n", False),
        (f"# /*!50000 ALTER TABLE u {drop} */\n", False),
        (f"SELECT '/*!50000 ALTER TABLE u {drop} */';", False),
        (f"/*!50000 ALTER TABLE u {drop} -- noqa: DBA501\n*/;", False),
        ("SELECT /*+ BKA(u) */ a FROM u;", False),  # (an optimizer hint)
    ):
        expected = []
        if dropped:
            line, column = place(sql.replace("\r\n", "\n"), drop)
            expected = [("DBA501", line, column + len("DROP COLUMN "))]
        assert places(sql, dialect="mysql", select=["DBA0", "DBA501"]) == expected, sql


def test_a_mysqldump_file_is_understood() -> None:
    """mysqldump wraps its settings and its INSERTs in executed comments: all understood
    (DISABLE/ENABLE KEYS are no-ops for InnoDB), none DBA002."""
    dump = (
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
        "CREATE TABLE `u` (`id` bigint NOT NULL AUTO_INCREMENT, `a` text, PRIMARY KEY (`id`));\n"
        "LOCK TABLES `u` WRITE;\n"
        "/*!40000 ALTER TABLE `u` DISABLE KEYS */;\n"
        "INSERT INTO `u` VALUES (1,'a');\n"
        "/*!40000 ALTER TABLE `u` ENABLE KEYS */;\n"
        "UNLOCK TABLES;\n"
    )
    assert places(dump, dialect="mysql", select=["DBA0"]) == []
