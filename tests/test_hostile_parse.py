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
from dbarch_lint.findings import Finding
from dbarch_lint.fixes import _apply
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
LINES = [
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


def _findings(sql: str) -> list[tuple[object, ...]]:
    """Every finding's place, message and fix, with line breaks inside text made LF."""

    def lf(text: str) -> str:
        return re.sub(r"\r\n?", "\n", text)

    def fix(finding: Finding) -> tuple[tuple[object, ...], ...]:
        edits = finding.fix.edits if finding.fix is not None else ()
        return tuple((e.line, e.column, e.end_line, e.end_column, lf(e.text)) for e in edits)

    return [
        (f.code, msgspec.structs.astuple(f.location), lf(f.message), fix(f))
        for f in lint_sql(sql)
        if f.code != "DBA003"  # (what a suppression covers is compared through the others)
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), max_size=25))
def test_findings_are_the_same_whatever_the_line_endings(lines: list[str]) -> None:
    lf, crlf, cr = (ending.join(lines) for ending in ENDINGS)
    assert _findings(cr) == _findings(lf)
    assert _findings(crlf) == _findings(lf)


def test_messages_name_the_lines_of_a_cr_file() -> None:
    sql = (
        "BEGIN;\rALTER TABLE orders ADD COLUMN c text;\rUPDATE orders SET c = '';\r"
        "ALTER TYPE kind ADD VALUE 'new';\rUPDATE orders SET k = 'new';\rCOMMIT;\r"
    )
    messages = {f.code: f.message for f in lint_sql(sql, select=["DBA417", "DBA418"])}
    assert "on orders (line 2)" in messages["DBA418"]
    assert "is used on line 5" in messages["DBA417"]


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
