"""Suppression comments, exactly as INTERFACE.md describes them."""

from __future__ import annotations

from pathlib import Path

from dbarch_lint import lint_paths, lint_sql


def found(sql: str, select: tuple[str, ...] = ("DBA101", "DBA003")) -> list[tuple[str, int]]:
    return [(f.code, f.location.line) for f in lint_sql(sql, select=list(select))]


def test_trailing_noqa_on_any_line_of_the_statement() -> None:
    assert found("CREATE TABLE a (id serial); -- noqa: DBA101\n") == []
    assert found("CREATE TABLE a (\n  id serial -- noqa: DBA101\n);\n") == []
    assert found("CREATE TABLE a (\n  id serial\n); -- NOQA: serial-column\n") == []


def test_own_line_noqa_belongs_to_the_next_statement() -> None:
    sql = "-- noqa: DBA1\nCREATE TABLE a (id serial);\nCREATE TABLE b (id serial);\n"
    assert found(sql) == [("DBA101", 3)]


def test_noqa_accepts_lists_prefixes_and_names() -> None:
    assert found("CREATE TABLE a (id serial); -- noqa: AM04, serial-column\n") == []
    assert found("CREATE TABLE a (id serial); -- noqa: DBA999, serial-column\n") == [("DBA003", 1)]
    assert found("CREATE TABLE a (id serial); -- noqa: LT01, DBA101\n") == []


def test_own_line_noqa_before_a_broken_statement() -> None:
    sql = "-- noqa: DBA001\nCREATE TABL x (\n  id int\n);\nCREATE TABL y ();\n"
    assert found(sql, ("DBA001", "DBA003")) == [("DBA001", 5)]


def test_range_suppression() -> None:
    sql = (
        "CREATE TABLE a (id serial);\n"
        "-- dbarch-lint: disable=DBA1\n"
        "CREATE TABLE b (id serial);\n"
        "CREATE TABLE c (id serial);\n"
        "-- dbarch-lint: enable=DBA1\n"
        "CREATE TABLE d (id serial);\n"
    )
    assert found(sql) == [("DBA101", 1), ("DBA101", 6)]


def test_file_suppression() -> None:
    sql = (
        "CREATE TABLE a (id serial);\n"
        "-- dbarch-lint: file-noqa: DBA1, unindexed-foreign-key\n"
        "CREATE TABLE b (id serial);\n"
    )
    assert found(sql) == []


def test_unused_suppression_is_dba003() -> None:
    assert found("CREATE TABLE a (id bigint); -- noqa: DBA101\n") == [("DBA003", 1)]
    [finding] = lint_sql("SELECT 1; -- noqa: DBA1O1\n", select=["DBA003", "DBA101"])
    assert "not a known code" in finding.message


def test_other_tools_and_bare_noqa_are_left_alone() -> None:
    assert found("SELECT 1; -- noqa\nSELECT 2; -- noqa: LT01, AM04\n") == []


def test_noqa_inside_strings_does_not_count() -> None:
    sql = "CREATE TABLE a (id serial, note text DEFAULT '-- noqa: DBA101');\n"
    assert found(sql) == [("DBA101", 1)]
    sql = "CREATE TABLE a (id serial, f text DEFAULT $$ -- noqa: DBA101 $$);\n"
    assert found(sql) == [("DBA101", 1)]


def test_external_codes_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "dbarch-lint.toml").write_text('external = ["DBAX"]\nselect = ["DBA003"]\n')
    (tmp_path / "m.sql").write_text("SELECT 1; -- noqa: DBAX01\nSELECT 2; -- noqa: DBA99\n")
    result = lint_paths([str(tmp_path / "m.sql")], cwd=str(tmp_path))
    assert [(f.code, f.location.line) for f in result.findings] == [("DBA003", 2)]


def test_noqa_for_a_disabled_rule_is_not_reported() -> None:
    assert found("SELECT 1; -- noqa: DBA101\n", select=("DBA003",)) == []
