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
    # A serial column is NOT NULL: nothing to scan.
    serial = [
        "ALTER TABLE accounts ADD COLUMN seq bigserial",
        "CREATE UNIQUE INDEX accounts_seq_idx ON accounts (seq)",
        "ALTER TABLE accounts DROP CONSTRAINT accounts_pkey",
    ]
    for sql in serial:
        probe.run(sql)
        probe.applied(sql)
    attach_seq = "ALTER TABLE accounts ADD PRIMARY KEY USING INDEX accounts_seq_idx"
    assert probe.lint(attach_seq, "DBA411") == []
    assert not probe.scans(attach_seq)


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
    # A foreign table is never scanned: reading it here would fail (its wrapper has no handler).
    probe.session.execute("DROP FOREIGN DATA WRAPPER IF EXISTS dummy CASCADE")
    probe.session.execute("CREATE FOREIGN DATA WRAPPER dummy")
    probe.session.execute("CREATE SERVER remote FOREIGN DATA WRAPPER dummy")
    probe.session.execute("CREATE FOREIGN TABLE remote_accounts (id bigint) SERVER remote")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
        probe.session.execute("SELECT count(*) FROM remote_accounts")
    foreign = "ALTER FOREIGN TABLE remote_accounts ADD COLUMN score integer CHECK (score > 0)"
    assert probe.lint(foreign, "DBA409") == []
    probe.run(foreign)
    probe.session.execute("DROP FOREIGN DATA WRAPPER dummy CASCADE")
    # VALIDATE reads the rows, under SHARE UPDATE EXCLUSIVE (reads and writes go on: see
    # test_locking_server's DBA409 test).
    probe.run("ALTER TABLE accounts VALIDATE CONSTRAINT accounts_score_check")
    assert probe.calls() == ROWS


def test_dba407_a_type_change_without_rewrite_re_checks_validated_checks(probe: Probe) -> None:
    session = probe.session
    session.execute("ALTER TABLE accounts ADD CONSTRAINT code_checked CHECK (counted(code))")
    session.execute(
        "ALTER TABLE accounts ADD CONSTRAINT code_unchecked CHECK (counted(code)) NOT VALID"
    )
    session.execute("ALTER TABLE accounts ADD CONSTRAINT note_checked CHECK (counted(note))")
    session.execute(
        "ALTER TABLE accounts ADD CONSTRAINT both_checked CHECK (counted(code) AND counted(note))"
    )
    probe.calls()
    probe.history += [
        "ALTER TABLE accounts ADD CONSTRAINT code_checked CHECK (counted(code))",
        "ALTER TABLE accounts ADD CONSTRAINT code_unchecked CHECK (counted(code)) NOT VALID",
        "ALTER TABLE accounts ADD CONSTRAINT note_checked CHECK (counted(note))",
        "ALTER TABLE accounts ADD CONSTRAINT both_checked CHECK (counted(code) AND counted(note))",
    ]
    change = "ALTER TABLE accounts ALTER COLUMN code TYPE text"
    [message] = probe.lint(change, "DBA407")
    assert "re-checks constraints code_checked, both_checked with a full scan" in message
    node = _file_node(session)
    assert probe.scans(change)
    assert _file_node(session) == node  # no rewrite
    # Each row once for code_checked, twice for both_checked; never for the NOT VALID one (it is
    # re-added NOT VALID) nor for note_checked (it does not use the column).
    assert probe.calls() == 3 * ROWS
    assert session.execute(
        "SELECT convalidated FROM pg_constraint WHERE conname = 'code_unchecked'"
    ).fetchone() == (False,)
    probe.applied(change)
    # Two type changes in one ALTER TABLE re-check a constraint using both columns once.
    both = "ALTER TABLE accounts ALTER COLUMN code TYPE varchar, ALTER COLUMN note TYPE text"
    messages = probe.lint(both, "DBA407")
    assert [m.count("both_checked") for m in messages] == [1, 0]
    assert probe.scans(both)
    assert probe.calls() == ROWS + ROWS + 2 * ROWS
    probe.applied(both)
    # The hint's steps: drop, change and add back NOT VALID in one statement (no scan), then
    # VALIDATE (a scan under SHARE UPDATE EXCLUSIVE).
    for name in ("code_checked", "both_checked", "note_checked", "code_unchecked"):
        session.execute(f"ALTER TABLE accounts DROP CONSTRAINT {name}")
        probe.applied(f"ALTER TABLE accounts DROP CONSTRAINT {name}")
    session.execute("ALTER TABLE accounts ADD CONSTRAINT code_checked CHECK (counted(code))")
    probe.applied("ALTER TABLE accounts ADD CONSTRAINT code_checked CHECK (counted(code))")
    probe.calls()
    recipe = (
        "ALTER TABLE accounts DROP CONSTRAINT code_checked, ALTER COLUMN code TYPE text, "
        "ADD CONSTRAINT code_checked CHECK (counted(code)) NOT VALID"
    )
    assert probe.lint(recipe, "DBA407") == []
    assert not probe.scans(recipe)
    assert probe.calls() == 0


def test_dba407_fixture_re_checks_exactly_where_it_says(probe: Probe) -> None:
    """Replay the DBA407_checks fixture: a statement expected to "re-check" a constraint makes
    the server verify the table without rewriting it; one expected to rewrite rewrites it; any
    other type change of an existing table verifies nothing."""
    session = probe.session
    scenario = Path(__file__).parent / "fixtures" / "locking" / "DBA407_checks"
    session.execute("DROP TABLE IF EXISTS products, shop.items, plain, visits, drafts")
    session.execute("DROP SCHEMA IF EXISTS shop")
    session.execute("DROP FOREIGN DATA WRAPPER IF EXISTS dummy CASCADE")
    session.execute((scenario / "0001.sql").read_text())
    # (not drafts: new, never reported)
    tables = ("products", "shop.items", "plain", "visits", "remote_products")
    for line in (scenario / "0002.sql").read_text().splitlines():
        sql = line.split("--")[0].strip()
        if not sql:
            continue
        table = next((t for t in tables if f" {t} " in f" {sql} "), None)
        before = _file_node(session, table) if table and "CREATE" not in sql else None
        said = probe.run(sql)
        verified = any(m.startswith("verifying table") for m in said)
        if "rewrites the table" in line:
            assert before is not None and _file_node(session, table) != before, line
        elif before is not None and " TYPE " in sql:
            assert _file_node(session, table) == before, line
            assert verified == ("re-checks constraint" in line), line
    session.execute("SET TimeZone = DEFAULT")


def _file_node(session: Any, table: str | None = "accounts") -> int:
    row = session.execute("SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", (table,))
    return int(row.fetchone()[0])
