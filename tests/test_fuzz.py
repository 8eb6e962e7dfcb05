"""Whatever the input, the linter answers with findings, never an exception or DBA000."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbarch_lint import lint_sql

FRAGMENTS = [
    "CREATE TABLE ",
    "ALTER TABLE ",
    "ADD COLUMN ",
    "DROP ",
    "INDEX ",
    "CONCURRENTLY ",
    "ON ",
    "t ",
    '"Q" ',
    "s.t ",
    "(",
    ")",
    ",",
    ";",
    "id ",
    "serial ",
    "int ",
    "varchar(10) ",
    "PRIMARY KEY ",
    "REFERENCES ",
    "CONSTRAINT c ",
    "CHECK (a > 0) ",
    "UNIQUE ",
    "NOT NULL ",
    "DEFAULT now() ",
    "'str' ",
    "$$ body $$ ",
    "-- noqa: DBA101\n",
    "/* c */ ",
    "\n",
    "\r\n",
    "\\set x 1\n",
    "COPY t FROM stdin;\n1\n\\.\n",
    "BEGIN;",
    "COMMIT;",
    "RENAME COLUMN a TO b ",
    "CREATE INDEX i ON t (a) WHERE a IS NOT NULL;",
    "é",
    "\ufeff",
    "E'\\'' ",
    "$1 ",
]


MYSQL_FRAGMENTS = [
    "CREATE TABLE ",
    "ALTER TABLE ",
    "ADD COLUMN ",
    "MODIFY COLUMN ",
    "CHANGE ",
    "DROP ",
    "PRIMARY KEY ",
    "FOREIGN KEY (a) REFERENCES u (id) ",
    "FULLTEXT INDEX ",
    "INDEX ",
    "KEY k (a(10)) ",
    "ON ",
    "t ",
    "`Q` ",
    "db.t ",
    "(",
    ")",
    ",",
    ";",
    "a ",
    "INT ",
    "VARCHAR(10) ",
    "BIGINT UNSIGNED ",
    "AUTO_INCREMENT ",
    "ALGORITHM=INPLACE ",
    "LOCK=NONE ",
    "CONVERT TO CHARACTER SET utf8mb4 ",
    "RENAME TABLE a TO b",
    "DELIMITER //\n",
    "DELIMITER ;\n",
    "//",
    "'str' ",
    '"dq" ',
    "# hash comment\n",
    "-- noqa: DBA901\n",
    "/* c */ ",
    "/*!40101 SET NAMES utf8 */",
    "\n",
    "é",
]


DIALECTS = [("postgres", FRAGMENTS), ("mysql", MYSQL_FRAGMENTS)]


def _answer(sql: str, dialect: str) -> None:
    """No internal error, and every finding at a real place."""
    findings = lint_sql(sql, select=["DBA"], dialect=dialect)
    assert not [f for f in findings if f.code == "DBA000"], findings
    for finding in findings:
        assert finding.location.line >= 1 and finding.location.column >= 1


@pytest.mark.parametrize(("dialect", "fragments"), DIALECTS, ids=[d for d, _ in DIALECTS])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fragments_never_crash(dialect: str, fragments: list[str], data: st.DataObject) -> None:
    _answer("".join(data.draw(st.lists(st.sampled_from(fragments), max_size=40))), dialect)


@pytest.mark.parametrize("dialect", [d for d, _ in DIALECTS])
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(dialect: str, text: str) -> None:
    _answer(text, dialect)
