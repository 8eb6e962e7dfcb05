"""DBA502/DBA503 hints spell out the expand/contract steps for the table and column at hand."""

from __future__ import annotations

from pathlib import Path

from dbarch_lint import lint_paths, lint_sql


def test_column_rename_hint_without_a_known_type() -> None:
    (finding,) = lint_sql('ALTER TABLE accounts RENAME COLUMN nme TO "Name";\n', select=["DBA502"])
    assert finding.hint is not None
    assert '`ALTER TABLE accounts ADD COLUMN "Name" <type>;`' in finding.hint
    assert '`UPDATE accounts SET "Name" = nme`' in finding.hint


def test_column_rename_hint_uses_the_type_from_an_earlier_migration(tmp_path: Path) -> None:
    (tmp_path / "0001.sql").write_text(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, nme varchar(20));\n"
    )
    (tmp_path / "0002.sql").write_text("ALTER TABLE accounts RENAME COLUMN nme TO name;\n")
    result = lint_paths([str(tmp_path)], select=["DBA502"], cwd=str(tmp_path))
    (finding,) = result.findings
    assert finding.hint is not None
    assert "`ALTER TABLE accounts ADD COLUMN name varchar(20);`" in finding.hint


def test_table_rename_hint_is_a_view_under_the_old_name() -> None:
    (finding,) = lint_sql('ALTER TABLE app."Customer" RENAME TO customers;\n', select=["DBA503"])
    assert finding.hint is not None
    assert '`CREATE VIEW app."Customer" AS SELECT * FROM app.customers;`' in finding.hint
