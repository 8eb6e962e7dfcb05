"""`schema-snapshot` (`--schema-snapshot`): a schema dump replayed before the history as the
state production is in, never linted; read only from inside the project; its parse errors are
config errors (exit 2); its content is part of the report cache's key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.test_cli import invoke

# What pg_dump --schema-only writes (abridged): an emptied search_path, qualified names.
DUMP = """\
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
SET search_path = audit;
CREATE TABLE public.accounts (
    id bigint NOT NULL,
    email character varying(20),
    n integer
);
ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
CREATE INDEX accounts_n_idx ON public.accounts USING btree (n);
CREATE TABLE public.serials (id serial PRIMARY KEY, price float8);
"""
MIGRATION = """\
SET lock_timeout = '1s';
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(50);
ALTER TABLE accounts ALTER COLUMN n TYPE bigint;
DROP INDEX IF EXISTS accounts_n_idx;
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    (tmp_path / "db" / "structure.sql").write_text(DUMP)
    (tmp_path / "db" / "migrations" / "001_change.sql").write_text(MIGRATION)
    return tmp_path


def _check(*args: str) -> tuple[int, list[tuple[str, int, str, str]], str]:
    code, out, err = invoke("check", "--format", "json", "--no-cache", *args)
    found = json.loads(out)["findings"] if out else []
    return code, [(f["path"], f["line"], f["code"], f["message"]) for f in found], err


def test_the_snapshot_is_the_schema_the_history_starts_from(project: Path) -> None:
    (project / "dbarch-lint.toml").write_text('schema-snapshot = "db/structure.sql"\n')
    code, found, _ = _check("db", "--select", "DBA402,DBA407")
    # The widening is proven safe from the snapshot's varchar(20); the integer is known; the
    # index is the snapshot's (on accounts). Nothing is reported in the snapshot itself (its
    # serial and float columns), even though `db` holds it.
    assert [(p, line, c) for p, line, c, _ in found] == [
        ("db/migrations/001_change.sql", 3, "DBA407"),
        ("db/migrations/001_change.sql", 4, "DBA402"),
    ]
    assert "from integer to bigint" in found[0][3]
    assert "on accounts" in found[1][3]
    assert code == 1
    # Without it, the old types are unknown: nothing can be proven.
    (project / "dbarch-lint.toml").write_text("")
    _, without, _ = _check("db/migrations", "--select", "DBA402,DBA407")
    assert [line for _, line, _, _ in without] == [2, 3, 4]


def test_the_command_line_names_a_snapshot_too(project: Path) -> None:
    code, found, _ = _check(
        "db/migrations", "--select", "DBA407", "--schema-snapshot", "db/structure.sql"
    )
    assert [line for _, line, _, _ in found] == [3]
    code, out, _ = invoke("schema", "--schema-snapshot", "db/structure.sql", "db/migrations")
    assert code == 0 and '"accounts"' in out


def test_a_snapshot_that_does_not_parse_is_a_config_error_named_once(project: Path) -> None:
    (project / "db" / "structure.sql").write_text(DUMP + "CREATE TABLE broken (id int,,);\n")
    code, found, err = _check("db/migrations", "--schema-snapshot", "db/structure.sql")
    assert code == 2
    lines = [line for line in err.splitlines() if "schema-snapshot" in line]
    assert len(lines) == 1 and lines[0].startswith("dbarch-lint: error: db/structure.sql:12:29:")
    assert all(path != "db/structure.sql" for path, *_ in found)  # (never linted)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("../outside.sql", "outside the project"),
        ("db/link.sql", "symbolic link takes it to"),
        ("db/missing.sql", "no such file"),
    ],
)
def test_a_snapshot_is_read_only_from_inside_the_project(
    project: Path, where: str, message: str
) -> None:
    outside = project.parent / "outside.sql"
    outside.write_text(DUMP)
    os.symlink(outside, project / "db" / "link.sql")
    (project / "dbarch-lint.toml").write_text(f'schema-snapshot = "{where}"\n')
    code, _, err = _check("db/migrations")
    assert code == 2 and message in err


def test_a_changed_snapshot_changes_the_cached_report(project: Path) -> None:
    (project / "dbarch-lint.toml").write_text('schema-snapshot = "db/structure.sql"\n')
    args = ("check", "--format", "json", "--select", "DBA407", "db/migrations")
    first = json.loads(invoke(*args)[1])["findings"]
    assert "from integer" in first[-1]["message"]
    (project / "db" / "structure.sql").write_text(DUMP.replace("n integer", "n smallint"))
    again = json.loads(invoke(*args)[1])["findings"]
    assert "from smallint" in again[-1]["message"]
