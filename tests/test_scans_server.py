"""Scans under ACCESS EXCLUSIVE that DBA411, DBA409 and DBA407 report, observed on a real
PostgreSQL: at `client_min_messages = debug1` the server says `verifying table "t"` when it reads
every row to check a constraint without rewriting the table, and a CHECK calling a function that
counts its calls shows which rows (and constraints) are checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_paths
from tests.postgres import Server

ROWS = 500
TABLE = "CREATE TABLE accounts (id bigint, email text, code varchar(20), note varchar(20))"
SETUP = f"""
DROP TABLE IF EXISTS accounts, calls;
DROP FUNCTION IF EXISTS counted(anyelement);
CREATE TABLE calls (n integer NOT NULL);
INSERT INTO calls VALUES (0);
-- true, and one more call counted (volatile: evaluated for every row)
CREATE FUNCTION counted(value anyelement) RETURNS boolean LANGUAGE sql VOLATILE
    AS 'UPDATE calls SET n = n + 1 RETURNING true';
{TABLE};
INSERT INTO accounts SELECT n, 'a' || n || '@example.com', 'c' || n, 'n' || n
FROM generate_series(1, {ROWS}) n;
"""


class Probe:
    """A session that remembers what the server said at debug1, and the linter's view of the
    same statements (the earlier ones replayed as an earlier migration)."""

    def __init__(self, session: Any, folder: Path) -> None:
        self.session, self.folder, self.notices = session, folder, list[str]()
        session.add_notice_handler(lambda notice: self.notices.append(notice.message_primary))
        self.history = [TABLE]

    def run(self, sql: str) -> list[str]:
        """Run `sql`; the debug1 messages it raised."""
        self.notices.clear()
        self.session.execute("SET client_min_messages = debug1")
        try:
            self.session.execute(sql)
        finally:
            self.session.execute("SET client_min_messages = notice")
        return list(self.notices)

    def scans(self, sql: str) -> bool:
        """Whether `sql` reads every row to verify the table (without rewriting it)."""
        return 'verifying table "accounts"' in self.run(sql)

    def calls(self) -> int:
        """The rows `counted` checked since the last call."""
        row = self.session.execute("SELECT n FROM calls").fetchone()
        self.session.execute("UPDATE calls SET n = 0")
        return int(row[0])

    def lint(self, sql: str, code: str) -> list[str]:
        """The messages of rule `code` on `sql` as a migration after the history so far."""
        (self.folder / "0001.sql").write_text(";\n".join(self.history) + ";\n")
        (self.folder / "0002.sql").write_text(sql + ";\n")
        result = lint_paths([str(self.folder)], select=[code], cwd=str(self.folder))
        return [f.message for f in result.findings if f.location.path.endswith("0002.sql")]

    def applied(self, sql: str) -> None:
        """Remember `sql` (run already) as part of the history the linter replays."""
        self.history.append(sql)


@pytest.fixture
def probe(pg_server: Server, tmp_path: Path) -> Iterator[Probe]:
    with pg_server.connect() as session:
        session.execute(SETUP)
        yield Probe(session, tmp_path)


def test_dba411_primary_key_using_index_scans_unless_the_columns_are_proven(probe: Probe) -> None:
    index = "CREATE UNIQUE INDEX accounts_id_idx ON accounts (id)"
    probe.run(index)
    probe.applied(index)
    attach = (
        "ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_idx"
    )
    [message] = probe.lint(attach, "DBA411")
    assert "sets NOT NULL on id, which scans the whole table" in message
    # It reads the rows: one NULL makes it fail.
    probe.session.execute("INSERT INTO accounts (id) VALUES (NULL)")
    with pytest.raises(psycopg.errors.NotNullViolation):
        probe.run(attach)
    probe.session.execute("DELETE FROM accounts WHERE id IS NULL")
    # Without a proof: a full scan (under ACCESS EXCLUSIVE: see DBA411's lock test).
    with probe.session.transaction():
        assert probe.scans(attach)
        locks = probe.session.execute(
            "SELECT mode FROM pg_locks WHERE relation = 'accounts'::regclass AND granted"
        ).fetchall()
        assert ("AccessExclusiveLock",) in locks
        raise psycopg.Rollback()
    # The hint's steps: a validated CHECK spares the scan, and the linter is silent.
    check = (
        "ALTER TABLE accounts ADD CONSTRAINT accounts_id_not_null CHECK (id IS NOT NULL) NOT VALID"
    )
    validate = "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_id_not_null"
    for sql in (check, validate):
        probe.run(sql)
        probe.applied(sql)
    assert probe.lint(attach, "DBA411") == []
    said = probe.run(attach)
    assert 'existing constraints on column "accounts.id" are sufficient to prove' in " ".join(said)
    assert 'verifying table "accounts"' not in said


def test_dba409_a_check_on_a_new_column_checks_every_row(probe: Probe) -> None:
    inline = "ALTER TABLE accounts ADD COLUMN score integer CHECK (counted(score))"
    [message] = probe.lint(inline, "DBA409")
    assert "Adding column score to accounts with CHECK constraint accounts_score_check" in message
    with probe.session.transaction():
        assert probe.scans(inline)
        assert probe.calls() == ROWS  # every row, though the new column is NULL in each
        locks = probe.session.execute(
            "SELECT mode FROM pg_locks WHERE relation = 'accounts'::regclass AND granted"
        ).fetchall()
        assert ("AccessExclusiveLock",) in locks
        raise psycopg.Rollback()
    # It rejects a row it must reject: it checks them.
    with pytest.raises(psycopg.errors.CheckViolation):
        probe.run("ALTER TABLE accounts ADD COLUMN rank integer CHECK (rank IS NOT NULL)")
    # NOT VALID cannot be written on a column constraint.
    with pytest.raises(psycopg.errors.SyntaxError):
        probe.run("ALTER TABLE accounts ADD COLUMN rank integer CHECK (rank > 0) NOT VALID")
    # A table CHECK added in the same ALTER TABLE as its column scans too.
    both = "ALTER TABLE accounts ADD COLUMN level integer, ADD CONSTRAINT lv CHECK (counted(level))"
    assert len(probe.lint(both, "DBA409")) == 1
    with probe.session.transaction():
        assert probe.scans(both)
        assert probe.calls() == ROWS
        raise psycopg.Rollback()
    # The hint's steps: the column, then the CHECK NOT VALID (no scan), then VALIDATE.
    steps = [
        "ALTER TABLE accounts ADD COLUMN score integer",
        "ALTER TABLE accounts ADD CONSTRAINT accounts_score_check CHECK (counted(score)) NOT VALID",
    ]
    assert probe.lint(";\n".join(steps), "DBA409") == []
    for sql in steps:
        assert not probe.scans(sql)
    assert probe.calls() == 0
    # VALIDATE reads the rows, under SHARE UPDATE EXCLUSIVE (reads and writes go on: see
    # test_locking_server's DBA409 test).
    probe.run("ALTER TABLE accounts VALIDATE CONSTRAINT accounts_score_check")
    assert probe.calls() == ROWS
