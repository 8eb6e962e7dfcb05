"""DBA802's hint: declare the right type where the column is declared in the statement, change
it with ALTER where it was declared before (in another file too)."""

from __future__ import annotations

from pathlib import Path

from dbarch_lint import lint_paths, lint_sql


def test_a_column_declared_in_the_statement_is_declared_right() -> None:
    sql = (
        "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
        "CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id integer REFERENCES customers);\n"
    )
    [finding] = lint_sql(sql, select=["DBA802"])
    assert finding.hint == "declare `customer_id bigint`"


def test_a_column_declared_in_an_earlier_file_is_changed(tmp_path: Path) -> None:
    """An earlier file's byte offsets say nothing about this statement (they did: a column
    declared at an offset this statement spans got "declare" instead of ALTER)."""
    (tmp_path / "0001_create.sql").write_text(
        "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
        "CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id integer);\n"
    )
    (tmp_path / "0002_fk.sql").write_text(
        "ALTER TABLE invoices ADD CONSTRAINT invoices_customer_id_fkey FOREIGN KEY (customer_id)"
        " REFERENCES customers (id) ON DELETE CASCADE;\n"
    )
    result = lint_paths([str(tmp_path)], select=["DBA802"])
    [finding] = result.findings
    assert finding.path.endswith("0002_fk.sql")
    assert finding.hint == (
        "make the types equal first, e.g. "
        "`ALTER TABLE invoices ALTER COLUMN customer_id TYPE bigint;`"
    )
