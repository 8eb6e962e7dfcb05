"""The hints of the locking rules carry the exact safe SQL for the statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbarch_lint import lint_paths, lint_sql


def _hint(sql: str, code: str) -> str:
    [finding] = lint_sql(sql, select=[code])
    assert finding.hint is not None
    return finding.hint


def test_dba401_inserts_concurrently_into_the_statement() -> None:
    hint = _hint(
        "CREATE UNIQUE INDEX IF NOT EXISTS o_key ON orders (ref) WHERE ref <> '';", "DBA401"
    )
    assert (
        "`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS o_key ON orders (ref) WHERE ref <> '';`"
        in hint
    )


def test_dba409_gives_the_not_valid_and_validate_pair_with_the_real_name() -> None:
    hint = _hint("ALTER TABLE orders ADD CHECK (total >= 0);", "DBA409")
    assert hint == (
        "`ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;`, "
        "then in a separate transaction "
        "`ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;`"
    )


def test_dba411_adds_not_null_steps_only_for_nullable_key_columns(tmp_path: Path) -> None:
    (tmp_path / "0001.sql").write_text(
        "CREATE TABLE invoices (id bigint NOT NULL, number text, serial text);\n"
        "ALTER TABLE invoices ADD CONSTRAINT invoices_serial_nn CHECK (serial IS NOT NULL);\n"
    )
    (tmp_path / "0002.sql").write_text(
        "ALTER TABLE invoices ADD PRIMARY KEY (id);\n"
        "ALTER TABLE invoices ADD CONSTRAINT invoices_s_pkey PRIMARY KEY (serial);\n"
        "ALTER TABLE invoices ADD CONSTRAINT invoices_n_pkey PRIMARY KEY (number);\n"
    )
    result = lint_paths([str(tmp_path)], select=["DBA411"], cwd=str(tmp_path))
    hints = [f.hint or "" for f in result.findings]
    assert hints[0].startswith("`CREATE UNIQUE INDEX CONCURRENTLY invoices_pkey ON invoices (id);`")
    assert "NOT NULL" not in hints[0] and "NOT NULL" not in hints[1]
    assert "make number NOT NULL" in hints[2]
    assert hints[0].endswith(
        "`ALTER TABLE invoices ADD CONSTRAINT invoices_pkey PRIMARY KEY USING INDEX invoices_pkey;`"
        " (with a short lock_timeout)"
    )


def test_dba408_hint_follows_the_target_version() -> None:
    sql = "ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;"
    [old] = lint_sql(sql, select=["DBA408"], pg_version=16)
    [new] = lint_sql(sql, select=["DBA408"], pg_version=18)
    assert "CHECK (placed_at IS NOT NULL) NOT VALID" in (old.hint or "")
    assert "ADD CONSTRAINT orders_placed_at_not_null NOT NULL placed_at NOT VALID" in (
        new.hint or ""
    )


def test_dba418_in_a_down_migration_points_at_the_lock_in_that_file(tmp_path: Path) -> None:
    """A down migration shares its up migration's place in the replay: its related location
    still names the down file, at the statement that took the lock."""
    first, second = tmp_path / "2024-01-01-000000_a", tmp_path / "2024-01-02-000000_b"
    first.mkdir()
    second.mkdir()
    (first / "up.sql").write_text("CREATE TABLE t (id bigint, c int);\n")
    (first / "down.sql").write_text("DROP TABLE t;\n")
    (second / "up.sql").write_text("-- a comment on line 1\nALTER TABLE t ADD COLUMN d int;\n")
    (second / "down.sql").write_text("\nALTER TABLE t DROP COLUMN d;\nUPDATE t SET c = 0;\n")
    result = lint_paths([str(tmp_path)], cwd=str(tmp_path), select=["DBA418"])
    [finding] = result.findings
    assert finding.path == "2024-01-02-000000_b/down.sql" and finding.location.line == 3
    [related] = finding.related
    location = related.location
    assert (location.path, location.line, location.column) == ("2024-01-02-000000_b/down.sql", 2, 1)


ALONE = {
    "golang-migrate": "put it alone in a migration file of its own (golang-migrate sends",
    "dbmate": "with `-- migrate:up transaction:false`",
    "diesel": "with `run_in_transaction = false` in its `metadata.toml`",
    "flyway": "put it in a migration of its own (Flyway runs",
}


@pytest.mark.parametrize("runner", sorted(ALONE))
@pytest.mark.parametrize(
    ("code", "sql"),
    [
        ("DBA401", 'CREATE INDEX orders_a_idx ON app."Orders" (a);'),
        ("DBA402", "DROP INDEX app.orders_a_idx;"),
        ("DBA403", "REINDEX TABLE orders;"),
    ],
)
def test_concurrently_hints_say_how_the_runner_runs_it_alone(
    runner: str, code: str, sql: str
) -> None:
    """A runner that runs CONCURRENTLY only from a file of its own: the hint says how."""
    history = "UPDATE orders SET a = 1 WHERE false;\n"
    [finding] = lint_sql(history + sql, select=[code], runner=runner)
    assert ALONE[runner] in (finding.hint or "")
    assert f"; with {runner}, " in (finding.hint or "")


@pytest.mark.parametrize("runner", ["plain", "sqitch"])
def test_other_runners_get_the_plain_concurrently_hint(runner: str) -> None:
    [finding] = lint_sql("CREATE INDEX orders_a_idx ON orders (a);", select=["DBA401"])
    assert "; with" not in (finding.hint or "")
    [finding] = lint_sql("SELECT 1;\nDROP INDEX orders_a_idx;", select=["DBA402"], runner=runner)
    assert "; with" not in (finding.hint or "")


def test_a_statement_already_alone_outside_a_transaction_gets_no_runner_advice() -> None:
    [finding] = lint_sql("DROP INDEX orders_a_idx;", select=["DBA402"], runner="golang-migrate")
    assert "; with" not in (finding.hint or "")
