"""The MySQL dialect: sqlglot parses (`--dialect mysql`, `per-file-dialect`), statements keep
their positions, unmodelled statements are DBA002, and only the rules for the dialect run."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.catalog import Origin, Schema
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.mysql.parser import parse_mysql
from tests.conftest import shared_path
from tests.test_cli import invoke

SCHEMA = (
    "CREATE TABLE `orders` (\n"
    "  `id` INT NOT NULL AUTO_INCREMENT,\n"
    "  `total` DOUBLE NOT NULL,\n"
    "  PRIMARY KEY (`id`)\n"
    ") ENGINE=InnoDB;\n"
)


def codes(sql: str, **settings: object) -> list[tuple[int, int, str]]:
    return [
        (f.location.line, f.location.column, f.code)
        for f in lint_sql(sql, dialect="mysql", **settings)
    ]


def test_statements_events_and_positions() -> None:
    text = "-- héllo\nALTER TABLE `orders` MODIFY COLUMN total BIGINT;\n\nDROP INDEX ix ON orders;"
    parsed = parse_mysql(SourceFile("m.sql", text))
    data = text.encode()
    first, second = parsed.statements
    assert data[first.span.start : first.span.end] == (
        b"ALTER TABLE `orders` MODIFY COLUMN total BIGINT"
    )
    assert [type(e).__name__ for e in first.events] == ["OnlineDdl", "AlterColumnType"]
    assert data[second.span.start : second.span.end] == b"DROP INDEX ix ON orders"
    (drop,) = second.events
    assert (drop.kind, drop.table.name, drop.names[0].name) == ("index", "orders", "ix")
    assert parsed.diagnostics == ()


def test_syntax_errors_point_at_the_token_and_the_rest_is_linted() -> None:
    found = codes("SELEC 1;\nALTER TABLE orders MODIFY COLUMN total BIGINT;\n")
    assert found == [(1, 7, "DBA001"), (2, 13, "DBA901")]
    (error,) = lint_sql("CREATE TABLE t (id INT;", dialect="mysql", select=["DBA001"])
    assert error.message == 'Syntax error at or near "INT" (Expecting ))'
    assert (error.location.line, error.location.column) == (1, 20)
    assert "MySQL" in (error.hint or "")
    (unreadable,) = lint_sql("SELECT 1;\nSELECT 'open;", dialect="mysql")
    assert unreadable.code == "DBA001"
    assert "unterminated" in unreadable.message
    assert unreadable.location.line == 2


def test_too_deep_a_statement_is_reported_and_the_rest_linted() -> None:
    sql = "SELECT " + "(" * 3000 + "1" + ")" * 3000 + ";\nALTER TABLE t MODIFY a BIGINT;\n"
    found = lint_sql(sql, dialect="mysql")
    assert [(f.location.line, f.code) for f in found] == [(1, "DBA002"), (2, "DBA901")]
    assert "nested too deeply" in found[0].message


def test_unmodelled_statements_are_reported_not_passed() -> None:
    found = lint_sql(
        "CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.id = 1;\n"
        "ALTER TABLE orders ORDER BY id, ENGINE=InnoDB;\nALTER TABLE orders ENGINE=InnoDB;\n"
        "INSERT INTO orders (id) VALUES (1);\nSET NAMES utf8mb4;\nSELECT 1;\n",
        dialect="mysql",
    )
    assert [(f.location.line, f.code) for f in found] == [(2, "DBA002")]
    assert "ALTER TABLE orders ORDER BY" in found[0].message


def test_only_the_rules_of_the_dialect_run() -> None:
    sql = SCHEMA + "CREATE INDEX orders_total_idx ON orders (total);\n"
    mysql = {code for _, _, code in codes(sql)}
    # DBA102 and DBA106 hold in MySQL too; DBA401 (CONCURRENTLY) and DBA201 do not apply.
    assert mysql == {"DBA102", "DBA106"}
    assert "DBA401" in {f.code for f in lint_sql("CREATE INDEX i ON orders (total);")}


def test_delimiter_commands_of_the_mysql_client() -> None:
    sql = (
        "ALTER TABLE orders MODIFY COLUMN total BIGINT;\n"
        "DELIMITER //\n"
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\n"
        "delimiter ;\n"
        "ALTER TABLE orders ADD FULLTEXT INDEX ft (note);\n"
    )
    found = lint_sql(sql, dialect="mysql")
    # The procedure is one understood statement, not three syntax errors.
    assert [(f.location.line, f.code) for f in found] == [(1, "DBA901"), (5, "DBA903")]


def test_prefix_keys_and_hints_in_mysql() -> None:
    sql = (
        "CREATE TABLE t (a VARCHAR(50), b BIGINT, PRIMARY KEY (b), KEY t_a10 (a(10)));\n"
        "CREATE INDEX t_a ON t (a);\n"  # the whole column: not covered by the prefix key
        "CREATE INDEX t_a10_b ON t (a(10), b);\n"  # covers t_a10
        "RENAME TABLE legacy TO modern;\n"
    )
    found = lint_sql(sql, dialect="mysql", select=["DBA302", "DBA503"])
    assert [(f.location.line, f.code) for f in found] == [(3, "DBA302"), (4, "DBA503")]
    assert found[0].hint == "drop it: `DROP INDEX t_a10 ON t;`"
    assert (found[1].hint or "").startswith("right after the rename, keep the old name")


def test_suppressions_are_double_dash_comments() -> None:
    sql = (
        "ALTER TABLE orders MODIFY COLUMN total BIGINT; -- noqa: DBA901\n"
        "ALTER TABLE orders MODIFY COLUMN note TEXT; # noqa: DBA901\n"
        "/* -- noqa: DBA901 */ ALTER TABLE orders MODIFY COLUMN tag TEXT;\n"
    )
    assert codes(sql) == [(2, 13, "DBA901"), (3, 35, "DBA901")]


def test_per_file_dialect_and_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pg").mkdir()
    (tmp_path / "my").mkdir()
    (tmp_path / "pg" / "001.sql").write_text("CREATE INDEX i ON t (a);\n")
    (tmp_path / "my" / "001.sql").write_text("ALTER TABLE t ADD FULLTEXT INDEX ft (body);\n")
    (tmp_path / "dbarch-lint.toml").write_text('[per-file-dialect]\n"my/*.sql" = "mysql"\n')
    code, out, _ = invoke("check", "--format", "json", "pg", "my")
    found = {(f["path"], f["code"]) for f in json.loads(out)["findings"]}
    assert code == 1
    assert ("my/001.sql", "DBA903") in found and ("pg/001.sql", "DBA401") in found
    assert not any(path == "my/001.sql" and c in ("DBA001", "DBA401") for path, c in found)
    code, out, _ = invoke("check", "--format", "json", "--dialect", "mysql", "pg/001.sql")
    assert {f["code"] for f in json.loads(out)["findings"]} == set()  # (MySQL: in place)
    (tmp_path / "dbarch-lint.toml").write_text('[per-file-dialect]\n"my/*.sql" = "mysq"\n')
    code, _, err = invoke("check", "my")
    assert code == 2
    assert "per-file-dialect 'my/*.sql' = 'mysq' is not one of postgres, mysql" in err
    assert 'did you mean "mysql"' in err
    (tmp_path / "dbarch-lint.toml").unlink()
    code, _, err = invoke("check", "--dialect", "oracle", "pg")
    assert code == 2 and "dialect = 'oracle' is not one of postgres, mysql" in err


def test_the_parse_cache_keeps_dialects_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.sql").write_text("ALTER TABLE `t` ADD FULLTEXT INDEX ft (body);\n")
    assert "DBA001" in invoke("check", "a.sql", "--format", "gcc")[1]
    out = invoke("check", "a.sql", "--format", "gcc", "--dialect", "mysql")[1]
    assert "DBA903" in out and "DBA001" not in out


def test_a_postgres_run_does_not_import_sqlglot(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("CREATE TABLE t (id bigint);\n")
    probe = (
        "import sys; from dbarch_lint import lint_paths; "
        f"lint_paths([{str(tmp_path / 'a.sql')!r}]); print('sqlglot' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_the_mysql_corpus_parses_and_lints_cleanly() -> None:
    corpus = shared_path("corpus")
    result = lint_paths(
        [str(corpus / "mysql-kratos")], cwd=str(corpus), dialect="mysql", select=["DBA"]
    )
    counts = collections.Counter(f.code for f in result.findings)
    assert result.files == 641
    assert counts["DBA000"] == counts["DBA001"] == counts["DBA002"] == 0
    # Its type changes (VARCHAR(32) to VARCHAR(255), VARCHAR(255) to TEXT) copy the table.
    assert counts["DBA901"] > 0
    assert not any(code in counts for code in ("DBA401", "DBA413", "DBA201"))


def test_an_inline_references_creates_no_foreign_key_in_the_replay() -> None:
    sql = (
        "CREATE TABLE customers (id BIGINT PRIMARY KEY);\n"
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id INT REFERENCES customers (id),"
        " shop_id BIGINT, FOREIGN KEY (shop_id) REFERENCES customers (id) ON DELETE CASCADE);\n"
        "ALTER TABLE orders ADD COLUMN agent_id INT REFERENCES customers (id);\n"
    )
    schema = Schema()
    source = SourceFile("m.sql", sql)
    for statement in parse_mysql(source).statements:
        schema.apply(statement, Origin(0, statement.index, source.path, statement.span))
    orders = schema.table(QName(None, "orders"))
    assert orders is not None
    assert [(c.kind, c.columns) for c in orders.live_constraints()] == [
        ("primary-key", ["id"]),
        ("foreign-key", ["shop_id"]),
    ]
    found = [(f.location.line, f.code) for f in lint_sql(sql, dialect="mysql")]
    assert found == [(2, "DBA904"), (3, "DBA904")]  # (no DBA205, DBA802, DBA901)
    # PostgreSQL creates it.
    postgres = lint_sql(sql.replace("BIGINT", "bigint").replace("INT ", "bigint "))
    assert "DBA904" not in {f.code for f in postgres}
    assert "DBA205" in {f.code for f in postgres}


def test_set_statements_lower_to_the_session_variables_they_assign() -> None:
    sql = (
        "/*!40014 SET @OLD_FK=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
        "SET GLOBAL foreign_key_checks = 1, @@PERSIST.sql_mode = '', unique_checks = 0;\n"
        "SET NAMES utf8mb4;\n"
        "SET @@SESSION.sql_mode = 'STRICT_ALL_TABLES', LOCAL unique_checks = OFF;\n"
    )
    events = [
        (e.name, e.value)
        for s in parse_mysql(SourceFile("m.sql", sql)).statements
        for e in s.events
        if isinstance(e, ir.SetParameter)
    ]
    assert events == [
        ("foreign_key_checks", ("0",)),
        ("sql_mode", ("STRICT_ALL_TABLES",)),
        ("unique_checks", ("OFF",)),
    ]


def test_messages_never_show_parser_internals() -> None:
    sql = (
        "CREATE TABLE (a INT);\nALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT;\n"
        "PREPARE createIndexIfNotExists FROM @nowhere;\nEXECUTE createIndexIfNotExists;\n"
        "ALTER EVENT e DISABLE;\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\n"
        "CALL missing();\nCREATE INDEX ON t (a);\n"
    )
    messages = [f.message for f in lint_sql(sql, dialect="mysql")]
    assert len(messages) == 6
    for message in messages:
        for internal in ("<class", "<Token", "Command", "END AS", "CREATEINDEXIFNOTEXISTS"):
            assert internal not in message, message


def test_hints_for_every_dialect_rules_are_mysql_sql() -> None:
    """DBA102's and DBA802's hints name MySQL's MODIFY (MySQL has no ALTER COLUMN ... TYPE)."""
    folder = Path(__file__).parent / "fixtures" / "mysql" / "wording"
    result = lint_paths([str(folder)], dialect="mysql", select=["DBA102", "DBA802"])
    hints = {f.code: f.hint or "" for f in result.findings if "t2.n" in f.message}
    hints |= {f.code: f.hint or "" for f in result.findings if f.code == "DBA802"}
    assert "ALTER TABLE t2 MODIFY n BIGINT ..." in hints["DBA102"]
    assert "ALTER TABLE orders MODIFY region_id bigint ...;" in hints["DBA802"]
    assert not any("ALTER COLUMN" in f.hint for f in result.findings if f.hint)
